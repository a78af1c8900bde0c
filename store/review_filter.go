package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/loupe-dev/loupe/review"
)

// ErrNoMatch is returned by Restrict when no item of the queue passes the filter.
var ErrNoMatch = errors.New("no item of the queue matches the filter")

// Restrict narrows the session to the queue's items that pass f, in the queue order or, with f.Sort,
// in that order (ties in queue order): Items, Decided, Resume and Lease then see only those (Lease hands
// them out in queue order). An empty filter restores the whole queue. f.Queue is
// ignored (the session's queue is the queue). When nothing matches, the session is left as it was and
// the error wraps ErrNoMatch.
func (ses *Session) Restrict(ctx context.Context, f review.Filter) error {
	f.Queue = ""
	where, args, err := FilterSQL(f)
	if err != nil {
		return err
	}
	order, err := SortSQL(f.Sort)
	if err != nil {
		return err
	}
	if order != "" {
		order += ", "
	}
	q := `SELECT qi.item_id FROM queue_items qi JOIN items ON items.id = qi.item_id
		WHERE qi.queue_id = ? AND ` + where + ` ORDER BY ` + order + `qi.pos`
	rows, err := ses.st.DB.QueryContext(ctx, q, append([]any{ses.QueueID}, args...)...)
	if err != nil {
		return wrapErr(err)
	}
	defer rows.Close()
	var items []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		items = append(items, id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(items) == 0 {
		return fmt.Errorf("queue %q: %w", ses.Queue, ErrNoMatch)
	}
	ses.Items, ses.idx = items, nil
	ses.where, ses.whereArgs = "", nil
	if where != "1" {
		ses.where, ses.whereArgs = where, args
	}
	return nil
}

// Position returns the position in Items of the item at queue position qpos: qpos itself unless
// Restrict narrowed the session (a map from items to positions is then built on first use, so a
// whole 1M-item queue needs none).
func (ses *Session) Position(qpos int, item int64) (int, bool) {
	if ses.where == "" && qpos >= 0 && qpos < len(ses.Items) && ses.Items[qpos] == item {
		return qpos, true
	}
	p, ok := ses.index()[item]
	return p, ok
}

// index maps the session's items to their positions in Items (built once per Restrict).
func (ses *Session) index() map[int64]int {
	if ses.idx != nil && len(ses.idx) == len(ses.Items) {
		return ses.idx
	}
	ses.idx = make(map[int64]int, len(ses.Items))
	for i, id := range ses.Items {
		ses.idx[id] = i
	}
	return ses.idx
}

// leaseFilter is the SQL condition (with its arguments, numbered after the query's own) that keeps
// Lease to the restricted items; empty when the session is not restricted.
func (ses *Session) leaseFilter() (string, []any) {
	if ses.where == "" {
		return "", nil
	}
	// Correlated on the primary key: checked per candidate row, never over the whole items table.
	return " AND EXISTS (SELECT 1 FROM items WHERE items.id = qi.item_id AND " + ses.where + ")", ses.whereArgs
}

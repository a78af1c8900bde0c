package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/loupe-dev/loupe/review"
)

// Session is one annotator working through one queue. Every method commits before it returns, so what
// the screen acknowledges is on disk (WAL, synchronous=NORMAL: safe from a killed process).
type Session struct {
	st          *Store
	QueueID     int64
	Queue       string
	Overlap     int
	AnnotatorID int64
	Annotator   string
	Items       []int64 // the queue's items in order (only those passing the filter after Restrict)

	where       string // Restrict's SQL condition over items; empty: the whole queue
	whereArgs   []any
	idx         map[int64]int // item id -> position in Items, built on first use
	decisionDim int64         // the id of the decision dimension, read by name at OpenSession
}

// OpenSession starts annotator's session on the named queue (creating the annotator if new).
func (s *Store) OpenSession(ctx context.Context, queue, annotator string) (*Session, error) {
	ses := &Session{st: s, Queue: queue, Annotator: annotator}
	err := s.DB.QueryRowContext(ctx, `SELECT id, overlap FROM queues WHERE name = ?`, queue).Scan(&ses.QueueID, &ses.Overlap)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("queue %q: %w (make one with loupe sample)", queue, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if ses.decisionDim, err = DimensionID(ctx, s.DB, review.DecisionDimension); err != nil {
		return nil, err
	}
	if err := InTx(ctx, s.DB, func(tx *sql.Tx) error {
		id, err := EnsureAnnotator(ctx, tx, annotator)
		ses.AnnotatorID = id
		return err
	}); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT item_id FROM queue_items WHERE queue_id = ? ORDER BY pos`, ses.QueueID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ses.Items = append(ses.Items, id)
	}
	return ses, rows.Err()
}

// Decided returns, per position in Items, whether this annotator has a decision in force on that item
// (accept or reject; a skip is not a decision).
func (ses *Session) Decided(ctx context.Context) ([]bool, error) {
	rows, err := ses.st.DB.QueryContext(ctx, `SELECT qi.pos, qi.item_id FROM queue_items qi
		JOIN human_current h ON h.item_id = qi.item_id AND h.annotator_id = ? AND h.dimension_id = ?
		WHERE qi.queue_id = ?`, ses.AnnotatorID, ses.decisionDim, ses.QueueID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]bool, len(ses.Items))
	for rows.Next() {
		var qpos int
		var item int64
		if err := rows.Scan(&qpos, &item); err != nil {
			return nil, err
		}
		if pos, ok := ses.Position(qpos, item); ok {
			out[pos] = true
		}
	}
	return out, rows.Err()
}

// Resume returns the first position this annotator has not decided (len(Items) when all are).
func (ses *Session) Resume(ctx context.Context) (int, error) {
	done, err := ses.Decided(ctx)
	if err != nil {
		return 0, err
	}
	for i, d := range done {
		if !d {
			return i, nil
		}
	}
	return len(done), nil
}

// Decide records accept (true) or reject (false) for an item, ending this annotator's lease on it.
func (ses *Session) Decide(ctx context.Context, item int64, accept bool, reason string) (int64, error) {
	v, txt := 0.0, "reject"
	if accept {
		v, txt = 1, "accept"
	}
	return ses.append(ctx, NewEvent{ItemID: item, Dimension: "decision", Kind: "set", Value: &v, ValueText: txt, Reason: reason})
}

// SetScore records the annotator's own value on a score dimension (an override when a machine gave one).
func (ses *Session) SetScore(ctx context.Context, item int64, dim string, value float64, reason string) (int64, error) {
	if value < 0 || value > 10 {
		return 0, fmt.Errorf("score %v is outside 0-10", value)
	}
	return ses.append(ctx, NewEvent{ItemID: item, Dimension: dim, Kind: "set", Value: &value, Reason: reason})
}

// Skip, Flag and Note record what the annotator did without a value.
func (ses *Session) Skip(ctx context.Context, item int64) (int64, error) {
	return ses.append(ctx, NewEvent{ItemID: item, Kind: "skip"})
}

// Flag marks an item for adjudication, with a reason.
func (ses *Session) Flag(ctx context.Context, item int64, reason string) (int64, error) {
	return ses.append(ctx, NewEvent{ItemID: item, Kind: "flag", Reason: reason})
}

// Note attaches free text to an item.
func (ses *Session) Note(ctx context.Context, item int64, text string) (int64, error) {
	return ses.append(ctx, NewEvent{ItemID: item, Kind: "note", Reason: text})
}

func (ses *Session) append(ctx context.Context, e NewEvent) (int64, error) {
	e.AnnotatorID, e.QueueID = ses.AnnotatorID, ses.QueueID
	var id int64
	err := InTx(ctx, ses.st.DB, func(tx *sql.Tx) error {
		var err error
		if id, err = AppendEvent(ctx, tx, e); err != nil {
			return err
		}
		if e.Kind == "set" && e.Dimension == "decision" {
			_, err = tx.ExecContext(ctx, `DELETE FROM leases WHERE queue_id = ? AND item_id = ? AND annotator_id = ?`,
				ses.QueueID, e.ItemID, ses.AnnotatorID)
		}
		return err
	})
	return id, err
}

// Undo withdraws this annotator's latest value (decision or score) still in force in this queue and
// returns the item it was on (0 when there is nothing to undo). Undo is unlimited: each call goes one
// further back through the history, which keeps every event.
func (ses *Session) Undo(ctx context.Context) (int64, error) {
	var item int64
	err := InTx(ctx, ses.st.DB, func(tx *sql.Tx) error {
		var ev int64
		err := tx.QueryRowContext(ctx, `SELECT e.id, e.item_id FROM events e
			WHERE e.annotator_id = ? AND e.queue_id = ? AND e.kind = 'set'
			  AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e.id)
			ORDER BY e.id DESC LIMIT 1`, ses.AnnotatorID, ses.QueueID).Scan(&ev, &item)
		if errors.Is(err, sql.ErrNoRows) {
			item = 0
			return nil
		}
		if err != nil {
			return err
		}
		_, err = AppendEvent(ctx, tx, NewEvent{ItemID: item, AnnotatorID: ses.AnnotatorID, QueueID: ses.QueueID, Kind: "undo", Replaces: ev})
		return err
	})
	return item, err
}

// Lease hands this annotator the next item of the queue, in queue order, that the annotator has not
// decided, that has fewer than Overlap decisions in force, and that fewer annotators than the missing
// decisions hold unexpired leases on; the lease lasts ttl. It returns the position in Items (the
// queue position unless Restrict narrowed the session), or -1 when
// nothing is left for this annotator. Concurrent sessions on one workspace never push an item past
// Overlap decisions through leases: the check and the lease are one immediate transaction.
func (ses *Session) Lease(ctx context.Context, ttl time.Duration) (int, error) {
	now := time.Now().Unix()
	pos := -1
	cond, args := ses.leaseFilter()
	err := InTx(ctx, ses.st.DB, func(tx *sql.Tx) error {
		var qpos int
		var item int64
		err := tx.QueryRowContext(ctx, `SELECT qi.pos, qi.item_id FROM queue_items qi
			WHERE qi.queue_id = ?1
			  AND NOT EXISTS (SELECT 1 FROM human_current h WHERE h.item_id = qi.item_id AND h.annotator_id = ?2 AND h.dimension_id = ?3)
			  AND (SELECT count(*) FROM human_current h WHERE h.item_id = qi.item_id AND h.dimension_id = ?3)
			    + (SELECT count(*) FROM leases l WHERE l.queue_id = ?1 AND l.item_id = qi.item_id AND l.annotator_id != ?2 AND l.expires_at > ?4)
			    < ?5`+cond+`
			ORDER BY qi.pos LIMIT 1`, append([]any{ses.QueueID, ses.AnnotatorID, ses.decisionDim, now, ses.Overlap}, args...)...).Scan(&qpos, &item)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		p, ok := ses.Position(qpos, item)
		if !ok {
			return fmt.Errorf("lease: item %d is not in the session", item)
		}
		pos = p
		_, err = tx.ExecContext(ctx, `INSERT INTO leases (queue_id, item_id, annotator_id, expires_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO UPDATE SET expires_at = excluded.expires_at`, ses.QueueID, item, ses.AnnotatorID, now+int64(ttl.Seconds()))
		return err
	})
	if err != nil {
		return -1, err
	}
	return pos, nil
}

// SetOverlap sets how many annotators should decide each item of a queue.
func (s *Store) SetOverlap(ctx context.Context, queue string, k int) error {
	if k < 1 {
		return fmt.Errorf("overlap %d: want at least 1", k)
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE queues SET overlap = ? WHERE name = ?`, k, queue)
	if err != nil {
		return wrapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("queue %q: %w", queue, ErrNotFound)
	}
	return nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// EnsureAnnotator returns the id of the named annotator, creating it and its human rater.
func EnsureAnnotator(ctx context.Context, q Querier, name string) (int64, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return 0, fmt.Errorf("annotator name is empty")
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO annotators (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return 0, wrapErr(err)
	}
	id, err := scanInt(ctx, q, `SELECT id FROM annotators WHERE name = ?`, name)
	if err != nil {
		return 0, err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO raters (kind, name, annotator_id) VALUES ('human', ?, ?)
		ON CONFLICT (name) DO NOTHING`, "human:"+name, id); err != nil {
		return 0, wrapErr(err)
	}
	return id, nil
}

// HumanValue returns the value an annotator has in force on an item and dimension, or nil when there
// is none (or it holds no number).
func HumanValue(ctx context.Context, q Querier, itemID, annotatorID int64, dimension string) (*float64, error) {
	var v sql.NullFloat64
	err := q.QueryRowContext(ctx, `SELECT h.value FROM human_current h JOIN dimensions d ON d.id = h.dimension_id
		WHERE h.item_id = ? AND h.annotator_id = ? AND d.name = ?`, itemID, annotatorID, dimension).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !v.Valid) {
		return nil, nil
	}
	if err != nil {
		return nil, wrapErr(err)
	}
	return &v.Float64, nil
}

// NewEvent is a human event to append. Value/ValueText are for 'set'; Replaces names the event an
// edit supersedes or an undo withdraws.
type NewEvent struct {
	ItemID      int64
	AnnotatorID int64
	Dimension   string // "" for flag, note, skip
	QueueID     int64
	Kind        string // set, undo, flag, note, skip
	Value       *float64
	ValueText   string
	Replaces    int64
	Reason      string
	CreatedAt   time.Time // zero: now (an import of ratings made elsewhere keeps their time)
}

// AppendEvent appends one event to the history and returns its id. When a 'set' does not name what it
// replaces, the annotator's value in force on that item and dimension (if any) is recorded as replaced.
func AppendEvent(ctx context.Context, q Querier, e NewEvent) (int64, error) {
	var dim sql.NullInt64
	if e.Dimension != "" {
		id, err := DimensionID(ctx, q, e.Dimension)
		if err != nil {
			return 0, err
		}
		dim = sql.NullInt64{Int64: id, Valid: true}
	}
	if e.Kind == "set" && e.Replaces == 0 && dim.Valid {
		prev, err := scanInt(ctx, q, `SELECT coalesce(max(event_id), 0) FROM human_current
			WHERE item_id = ? AND annotator_id = ? AND dimension_id = ?`, e.ItemID, e.AnnotatorID, dim.Int64)
		if err != nil {
			return 0, err
		}
		e.Replaces = prev
	}
	var v sql.NullFloat64
	if e.Value != nil {
		v = sql.NullFloat64{Float64: *e.Value, Valid: true}
	}
	at := ""
	if !e.CreatedAt.IsZero() {
		at = e.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	res, err := q.ExecContext(ctx, `INSERT INTO events (item_id, annotator_id, dimension_id, queue_id, kind, value, value_text, replaces, reason, created_at)
		VALUES (?, ?, ?, nullif(?, 0), ?, ?, nullif(?, ''), nullif(?, 0), ?, coalesce(nullif(?, ''), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`,
		e.ItemID, e.AnnotatorID, dim, e.QueueID, e.Kind, v, e.ValueText, e.Replaces, e.Reason, at)
	if err != nil {
		return 0, wrapErr(err)
	}
	return res.LastInsertId()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/loupe-dev/loupe/review"
)

// Disputes lists the queue's items whose current decisions disagree or that carry a flag, in queue
// order, with every answer.
func (s *Store) Disputes(ctx context.Context, queue string) ([]review.Dispute, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT qi.item_id, `+extIDExpr+` FROM queue_items qi
		JOIN queues q ON q.id = qi.queue_id JOIN items i ON i.id = qi.item_id
		WHERE q.name = ?1 AND (
		  (SELECT count(DISTINCT h.value) FROM human_current h WHERE h.item_id = qi.item_id AND h.dimension_id = `+decisionIDSQL+`) > 1
		  OR EXISTS (SELECT 1 FROM events e WHERE e.item_id = qi.item_id AND e.kind = 'flag'
		             AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e.id)))
		ORDER BY qi.pos`, queue)
	if err != nil {
		return nil, wrapErr(err)
	}
	var out []review.Dispute
	for rows.Next() {
		var d review.Dispute
		if err := rows.Scan(&d.ItemID, &d.ExtID); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		d := &out[i]
		ans, err := s.DB.QueryContext(ctx, `SELECT a.name, h.value, coalesce((SELECT reason FROM events WHERE id = h.event_id), '')
			FROM human_current h JOIN annotators a ON a.id = h.annotator_id
			WHERE h.item_id = ? AND h.dimension_id = `+decisionIDSQL+` ORDER BY a.name`, d.ItemID)
		if err != nil {
			return nil, err
		}
		for ans.Next() {
			var a review.Answer
			var v float64
			if err := ans.Scan(&a.Annotator, &v, &a.Reason); err != nil {
				ans.Close()
				return nil, err
			}
			a.Accept = v == 1
			d.Answers = append(d.Answers, a)
		}
		ans.Close()
		fl, err := s.DB.QueryContext(ctx, `SELECT a.name || ': ' || e.reason FROM events e JOIN annotators a ON a.id = e.annotator_id
			WHERE e.item_id = ? AND e.kind = 'flag' AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e.id)
			ORDER BY e.id`, d.ItemID)
		if err != nil {
			return nil, err
		}
		for fl.Next() {
			var f string
			if err := fl.Scan(&f); err != nil {
				fl.Close()
				return nil, err
			}
			d.Flags = append(d.Flags, f)
		}
		fl.Close()
		final, err := s.FinalDecision(ctx, d.ItemID)
		if err != nil {
			return nil, err
		}
		d.Final = final
	}
	return out, nil
}

// Adjudicate records the final decision on an item by an adjudicator (who need not be one of the
// annotators). A later call replaces it; undo withdraws it like any event.
func (s *Store) Adjudicate(ctx context.Context, itemID int64, adjudicator string, accept bool, reason string) (int64, error) {
	var id int64
	err := InTx(ctx, s.DB, func(tx *sql.Tx) error {
		ann, err := EnsureAnnotator(ctx, tx, adjudicator)
		if err != nil {
			return err
		}
		v := 0.0
		if accept {
			v = 1
		}
		var prev int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM events e WHERE e.item_id = ? AND e.kind = 'final'
			AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e.id) ORDER BY id DESC LIMIT 1`, itemID).Scan(&prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		id, err = AppendEvent(ctx, tx, NewEvent{ItemID: itemID, AnnotatorID: ann, Dimension: "decision", Kind: "final",
			Value: &v, ValueText: map[bool]string{true: "accept", false: "reject"}[accept], Replaces: prev, Reason: reason})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("adjudicate item %d: %w", itemID, err)
	}
	return id, nil
}

// FinalDecision returns the adjudicated decision on an item, or nil.
func (s *Store) FinalDecision(ctx context.Context, itemID int64) (*bool, error) {
	var v float64
	err := s.DB.QueryRowContext(ctx, `SELECT value FROM events e WHERE e.item_id = ? AND e.kind = 'final'
		AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e.id) ORDER BY id DESC LIMIT 1`, itemID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b := v == 1
	return &b, nil
}

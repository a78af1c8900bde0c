package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/loupe-dev/loupe/review"
)

// Disputes lists the queue's items whose current decisions disagree or that carry a flag in force (an
// annotator's latest flag or unflag on the item is a flag), in queue order, with every answer (its
// reason and the annotator's scores in force), the flags in force ("annotator: reason"), the notes not
// undone ("annotator: text") and the final decision. A flag made after the final decision reopens the
// item: its Final is then nil.
func (s *Store) Disputes(ctx context.Context, queue string) ([]review.Dispute, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT qi.item_id, `+extIDExpr+` FROM queue_items qi
		JOIN queues q ON q.id = qi.queue_id JOIN items i ON i.id = qi.item_id
		WHERE q.name = ?1 AND (
		  (SELECT count(DISTINCT h.value) FROM human_current h WHERE h.item_id = qi.item_id AND h.dimension_id = `+decisionIDSQL+`) > 1
		  OR EXISTS (SELECT 1 FROM flag_current f WHERE f.item_id = qi.item_id))
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
		if err := s.disputeDetails(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// disputeDetails fills a dispute's answers, flags, notes and final decision.
func (s *Store) disputeDetails(ctx context.Context, d *review.Dispute) error {
	each := func(query string, scan func(*sql.Rows) error) error {
		return s.eachRow(ctx, query, []any{d.ItemID}, scan)
	}
	byName := map[string]int{}
	err := each(`SELECT a.name, h.value, coalesce((SELECT reason FROM events WHERE id = h.event_id), '')
		FROM human_current h JOIN annotators a ON a.id = h.annotator_id
		WHERE h.item_id = ? AND h.dimension_id = `+decisionIDSQL+` ORDER BY a.name`, func(rows *sql.Rows) error {
		var a review.Answer
		var v float64
		if err := rows.Scan(&a.Annotator, &v, &a.Reason); err != nil {
			return err
		}
		a.Accept = v == 1
		byName[a.Annotator] = len(d.Answers)
		d.Answers = append(d.Answers, a)
		return nil
	})
	if err != nil {
		return err
	}
	err = each(`SELECT a.name, dm.name, h.value FROM human_current h JOIN annotators a ON a.id = h.annotator_id
		JOIN dimensions dm ON dm.id = h.dimension_id
		WHERE h.item_id = ? AND h.dimension_id != `+decisionIDSQL+` AND h.value IS NOT NULL`, func(rows *sql.Rows) error {
		var who, dim string
		var v float64
		if err := rows.Scan(&who, &dim, &v); err != nil {
			return err
		}
		if i, ok := byName[who]; ok {
			a := &d.Answers[i]
			if a.Scores == nil {
				a.Scores = map[string]float64{}
			}
			a.Scores[dim] = v
		}
		return nil
	})
	if err != nil {
		return err
	}
	var lastFlag int64
	err = each(`SELECT a.name || ': ' || CASE WHEN f.reason = '' THEN '(no reason)' ELSE f.reason END, f.event_id
		FROM flag_current f JOIN annotators a ON a.id = f.annotator_id WHERE f.item_id = ? ORDER BY f.event_id`, func(rows *sql.Rows) error {
		var f string
		var ev int64
		if err := rows.Scan(&f, &ev); err != nil {
			return err
		}
		d.Flags = append(d.Flags, f)
		lastFlag = max(lastFlag, ev)
		return nil
	})
	if err != nil {
		return err
	}
	err = each(`SELECT a.name || ': ' || e.reason FROM events e JOIN annotators a ON a.id = e.annotator_id
		WHERE e.item_id = ? AND e.kind = 'note' AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e.id)
		ORDER BY e.id`, func(rows *sql.Rows) error {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		d.Notes = append(d.Notes, n)
		return nil
	})
	if err != nil {
		return err
	}
	final, finalEvent, err := s.finalDecision(ctx, d.ItemID)
	if err != nil {
		return err
	}
	if final != nil && lastFlag < finalEvent {
		d.Final = final
	}
	return nil
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
	final, _, err := s.finalDecision(ctx, itemID)
	return final, err
}

// finalDecision returns the adjudicated decision on an item (nil when none) and its event.
func (s *Store) finalDecision(ctx context.Context, itemID int64) (*bool, int64, error) {
	var v float64
	var id int64
	err := s.DB.QueryRowContext(ctx, `SELECT value, id FROM events e WHERE e.item_id = ? AND e.kind = 'final'
		AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e.id) ORDER BY id DESC LIMIT 1`, itemID).Scan(&v, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	b := v == 1
	return &b, id, nil
}

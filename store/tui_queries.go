package store

import (
	"context"
	"database/sql"
	"errors"
)

// The review screen's reads of an annotator's decisions (its writes are Session's methods).

const decisionStatesSQL = `SELECT qi.pos, qi.item_id, h.value FROM queue_items qi
	JOIN human_current h ON h.item_id = qi.item_id AND h.annotator_id = ? AND h.dimension_id = ?
	WHERE qi.queue_id = ?`

// DecisionStates returns the session's annotator's decision in force on every position of ses.Items:
// 1 accepted, -1 rejected, 0 none.
func (s *Store) DecisionStates(ctx context.Context, ses *Session) ([]int8, error) {
	rows, err := s.DB.QueryContext(ctx, decisionStatesSQL, ses.AnnotatorID, ses.decisionDim, ses.QueueID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]int8, len(ses.Items))
	for rows.Next() {
		var qpos int
		var item int64
		var v *float64
		if err := rows.Scan(&qpos, &item, &v); err != nil {
			return nil, err
		}
		if pos, ok := ses.Position(qpos, item); ok {
			out[pos] = decisionState(v)
		}
	}
	return out, rows.Err()
}

const decisionStateSQL = `SELECT value FROM human_current WHERE item_id = ? AND annotator_id = ? AND dimension_id = ?`

// DecisionState returns the session's annotator's decision in force on one item (as DecisionStates).
func (s *Store) DecisionState(ctx context.Context, ses *Session, item int64) (int8, error) {
	var v *float64
	err := s.DB.QueryRowContext(ctx, decisionStateSQL, item, ses.AnnotatorID, ses.decisionDim).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return decisionState(v), nil
}

// decisionState is a decision's value as a state: 1 accept, -1 reject (or no value).
func decisionState(v *float64) int8 {
	if v != nil && *v > 0 {
		return 1
	}
	return -1
}

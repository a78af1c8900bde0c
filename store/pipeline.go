package store

import (
	"context"
	"database/sql"

	"github.com/loupe-dev/loupe/review"
)

// SetPipelineScores sets pipeline scores (and caption flags) of an item: the inline packed values that
// sampling, review and export read, keeping the per-subset counts right. Scores left at review.NoScore
// keep the item's current value; captions are added to the present ones.
func SetPipelineScores(ctx context.Context, q Querier, itemID int64, captions uint16, scores review.Scores) error {
	var packed int64
	var subset sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT packed, subset_id FROM items WHERE id = ?`, itemID).Scan(&packed, &subset); err != nil {
		return wrapErr(err)
	}
	oldCaps, old := review.Unpack(packed)
	for i, v := range scores {
		if v != review.NoScore {
			old[i] = v
		}
	}
	next := review.Pack(oldCaps|captions, old)
	if next == packed {
		return nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE items SET packed = ? WHERE id = ?`, next, itemID); err != nil {
		return wrapErr(err)
	}
	t := tally{}
	t.add(subset.Int64, packed, -1)
	t.add(subset.Int64, next, 1)
	return t.flush(ctx, q)
}

// CacheResponse keeps a raw 200 response under its request key (see JudgeCache), so a rerun of any
// model step never pays twice.
func CacheResponse(ctx context.Context, q Querier, key, backend, model string, body []byte, in, out int) error {
	_, err := q.ExecContext(ctx, `INSERT INTO judge_cache (key, backend, model, response, input_tokens, output_tokens)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, key, backend, model, body, in, out)
	return wrapErr(err)
}

package store

import (
	"context"
	"database/sql"

	"github.com/loupe-dev/loupe/review"
)

// RestoreLabel stores a machine label as an export recorded it (sample, justification, raw answer,
// failure, rubric hash and time kept), unless the rater already gave that item and dimension a label
// of that sample; it reports whether it was added.
func RestoreLabel(ctx context.Context, q Querier, itemID, raterID int64, l review.RecordLabel) (bool, error) {
	dim, err := DimensionID(ctx, q, l.Dimension)
	if err != nil {
		return false, err
	}
	var v sql.NullFloat64
	if l.Value != nil {
		v = sql.NullFloat64{Float64: *l.Value, Valid: true}
	}
	res, err := q.ExecContext(ctx, `INSERT INTO labels (item_id, dimension_id, rater_id, sample, value, justification, raw, rubric_hash, error, created_at)
		VALUES (?, ?, ?, ?, ?, nullif(?, ''), nullif(?, ''), nullif(?, ''), nullif(?, ''), coalesce(nullif(?, ''), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))
		ON CONFLICT DO NOTHING`, itemID, dim, raterID, l.Sample, v, l.Justification, l.Raw, l.RubricHash, l.Error, l.When)
	if err != nil {
		return false, wrapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetItemRow records which row of its shard an item of that shard (source) is: an import of a shard
// written by `loupe export` keeps the pictures and captions there, read on demand.
func SetItemRow(ctx context.Context, q Querier, itemID, sourceID, row int64) error {
	_, err := q.ExecContext(ctx, `UPDATE items SET row = ? WHERE id = ? AND source_id = ?`, row, itemID, sourceID)
	return wrapErr(err)
}

// PromptBody returns the text of a prompt by id.
func PromptBody(ctx context.Context, q Querier, promptID int64) (string, error) {
	var body string
	err := q.QueryRowContext(ctx, `SELECT body FROM prompts WHERE id = ?`, promptID).Scan(&body)
	return body, wrapErr(err)
}

// GenerationPrompt returns the prompt id of a generation item (0 when the item is not one).
func GenerationPrompt(ctx context.Context, q Querier, itemID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT prompt_id FROM generations WHERE item_id = ?`, itemID).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, wrapErr(err)
}

// ItemSource returns the id of the source an item was imported from (0: none).
func ItemSource(ctx context.Context, q Querier, itemID int64) (int64, error) {
	var id sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT source_id FROM items WHERE id = ?`, itemID).Scan(&id)
	return id.Int64, wrapErr(err)
}

// NextPromptIndex returns the first free prompt index of a suite's track in a language.
func NextPromptIndex(ctx context.Context, q Querier, suite, lang, track string) (int, error) {
	n, err := scanInt(ctx, q, `SELECT coalesce(max(idx) + 1, 0) FROM prompts WHERE suite = ? AND lang = ? AND track = ?`, suite, lang, track)
	return int(n), err
}

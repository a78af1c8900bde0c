package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/loupe-dev/loupe/review"
)

// NewItem is an item to add through the generic (non-Parquet) importers.
type NewItem struct {
	ExtID     string
	Kind      review.ItemKind
	SubsetID  int64
	SourceID  int64
	ImagePath string // file path (absolute, or relative to the source's path)
	Captions  uint16
	Scores    review.Scores
	// the picture file as the import read it (ImageHash "": not recorded); Outside: it lies outside the
	// imported folder and the user allowed that
	ImageSize int64
	ImageHash string
	Outside   bool
}

// EnsureSource returns the id of the source at path, creating it.
func EnsureSource(ctx context.Context, q Querier, kind, path string) (int64, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO sources (kind, path) VALUES (?, ?) ON CONFLICT (path) DO NOTHING`, kind, path); err != nil {
		return 0, wrapErr(err)
	}
	return scanInt(ctx, q, `SELECT id FROM sources WHERE path = ?`, path)
}

// FinishSource records that the source was imported completely from a file of this size and mtime.
func FinishSource(ctx context.Context, q Querier, id, size, mtime, rows int64) error {
	_, err := q.ExecContext(ctx, `UPDATE sources SET size = ?, mtime = ?, rows_total = ?, rows_done = ?, complete = 1,
		imported_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`, size, mtime, rows, rows, id)
	return wrapErr(err)
}

// EnsureSubset returns the id of the named subset, creating it with the given kind.
func EnsureSubset(ctx context.Context, q Querier, name, kind string) (int64, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO subsets (name, kind) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, kind); err != nil {
		return 0, wrapErr(err)
	}
	return scanInt(ctx, q, `SELECT id FROM subsets WHERE name = ?`, name)
}

// InsertItem adds an item unless one with the same ext_id exists; it returns the item's id and whether
// it was added.
func InsertItem(ctx context.Context, q Querier, it NewItem) (int64, bool, error) {
	ref, err := resolveExt(ctx, q, it.ExtID, true)
	if err != nil {
		return 0, false, err
	}
	col, val := ref.column()
	ins := `INSERT INTO items (` + col + `, kind, subset_id, source_id, image_path, packed)
VALUES (?, ?, nullif(?, 0), nullif(?, 0), nullif(?, ''), ?) ON CONFLICT DO NOTHING`
	packed := review.Pack(it.Captions, it.Scores)
	res, err := q.ExecContext(ctx, ins, val, int(it.Kind), it.SubsetID, it.SourceID, it.ImagePath, packed)
	if err != nil {
		return 0, false, wrapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		id, err := res.LastInsertId()
		if err == nil {
			t := tally{}
			t.add(it.SubsetID, packed, 1)
			err = t.flush(ctx, q)
		}
		if err == nil && it.ImageHash != "" {
			err = PutImageFile(ctx, q, id, it.ImageSize, it.ImageHash, it.Outside)
		}
		return id, true, wrapErr(err)
	}
	cond, arg := ref.where("")
	id, err := scanInt(ctx, q, `SELECT id FROM items WHERE `+cond, arg)
	return id, false, err
}

// PutText stores a text unless the item already has one of that kind and language; it reports whether
// it was added.
func PutText(ctx context.Context, q Querier, itemID int64, kind, lang, body string) (bool, error) {
	k := review.TextKindID(kind)
	if k == 0 {
		return false, fmt.Errorf("unknown text kind %q", kind)
	}
	res, err := q.ExecContext(ctx, `INSERT INTO texts (item_id, kind_id, lang, body) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, itemID, k, lang, body)
	if err != nil {
		return false, wrapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// SetText stores a text of an item, replacing the one of that kind and language (a pipeline step run
// again writes its new output).
func SetText(ctx context.Context, q Querier, itemID int64, kind, lang, body string) error {
	k := review.TextKindID(kind)
	if k == 0 {
		return fmt.Errorf("unknown text kind %q", kind)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO texts (item_id, kind_id, lang, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (item_id, kind_id, lang) DO UPDATE SET body = excluded.body`, itemID, k, lang, body)
	return wrapErr(err)
}

// EnsurePrompt returns the id of a benchmark prompt, creating it.
func EnsurePrompt(ctx context.Context, q Querier, suite, lang, track string, idx int, body string) (int64, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO prompts (suite, lang, track, idx, body) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, suite, lang, track, idx, body); err != nil {
		return 0, wrapErr(err)
	}
	return scanInt(ctx, q, `SELECT id FROM prompts WHERE suite = ? AND lang = ? AND track = ? AND idx = ?`, suite, lang, track, idx)
}

// EnsureGeneration links a generation item to its prompt and model.
func EnsureGeneration(ctx context.Context, q Querier, itemID, promptID int64, model string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO generations (item_id, prompt_id, model) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, itemID, promptID, model)
	return wrapErr(err)
}

// EnsureRater returns the id of a machine rater (judge, pipeline, truth), creating it.
func EnsureRater(ctx context.Context, q Querier, kind, name, model, rubric string) (int64, error) {
	if _, err := q.ExecContext(ctx, `INSERT INTO raters (kind, name, model, rubric_version) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, kind, name, model, rubric); err != nil {
		return 0, wrapErr(err)
	}
	var id int64
	var k string
	if err := q.QueryRowContext(ctx, `SELECT id, kind FROM raters WHERE name = ?`, name).Scan(&id, &k); err != nil {
		return 0, wrapErr(err)
	}
	if k != kind {
		return 0, fmt.Errorf("rater %q exists as a %s, not a %s", name, k, kind)
	}
	return id, nil
}

var dimIDs sync.Map // name -> int64; dimensions never change once migrated

// DimensionID returns the id of a dimension by name.
func DimensionID(ctx context.Context, q Querier, name string) (int64, error) {
	if v, ok := dimIDs.Load(name); ok {
		return v.(int64), nil
	}
	id, err := scanInt(ctx, q, `SELECT id FROM dimensions WHERE name = ?`, name)
	if errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("unknown dimension %q", name)
	}
	if err != nil {
		return 0, err
	}
	if slices.Contains(review.Dimensions, name) {
		// built-in dimensions have the same id in every workspace; declared ones may not
		dimIDs.Store(name, id)
	}
	return id, nil
}

// NewLabel is a machine label to store.
type NewLabel struct {
	ItemID        int64
	Dimension     string
	RaterID       int64
	Sample        int
	Value         *float64 // nil for a failed verdict: kept, but never averaged
	Justification string
	Raw           string
	RunID         int64
}

// PutLabel stores a label unless the same rater already labelled that item and dimension (same sample);
// it reports whether it was added.
func PutLabel(ctx context.Context, q Querier, l NewLabel) (bool, error) {
	dim, err := DimensionID(ctx, q, l.Dimension)
	if err != nil {
		return false, err
	}
	var v sql.NullFloat64
	if l.Value != nil {
		v = sql.NullFloat64{Float64: *l.Value, Valid: true}
	}
	res, err := q.ExecContext(ctx, `INSERT INTO labels (item_id, dimension_id, rater_id, sample, value, justification, raw, run_id)
		VALUES (?, ?, ?, ?, ?, nullif(?, ''), nullif(?, ''), nullif(?, 0)) ON CONFLICT DO NOTHING`,
		l.ItemID, dim, l.RaterID, l.Sample, v, l.Justification, l.Raw, l.RunID)
	if err != nil {
		return false, wrapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// LabelValue returns the value of a rater's label (sample 0) on an item and dimension: nil for a failed
// verdict; ErrNotFound when the rater gave no such label.
func LabelValue(ctx context.Context, q Querier, itemID int64, dimension string, raterID int64) (*float64, error) {
	var v sql.NullFloat64
	if err := q.QueryRowContext(ctx, `SELECT l.value FROM labels l JOIN dimensions d ON d.id = l.dimension_id
		WHERE l.item_id = ? AND d.name = ? AND l.rater_id = ? AND l.sample = 0`, itemID, dimension, raterID).Scan(&v); err != nil {
		return nil, wrapErr(err)
	}
	if !v.Valid {
		return nil, nil
	}
	return &v.Float64, nil
}

// ItemExists reports whether the workspace has an item with this id.
func ItemExists(ctx context.Context, q Querier, id int64) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM items WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, wrapErr(err)
}

// Built-in raters created by the first migration.
const (
	PipelineRater int64 = 1
	TruthRater    int64 = 2
)

// TruthRejectedGenerations counts the generation items the truth rater labelled 0 (generations with
// a known defect).
func (s *Store) TruthRejectedGenerations(ctx context.Context) (int64, error) {
	return scanInt(ctx, s.DB, `SELECT count(*) FROM labels WHERE rater_id = ? AND value = 0
		AND item_id IN (SELECT item_id FROM generations)`, TruthRater)
}

// ItemIDByExt returns the id of the item with this external id, or ErrNotFound.
func ItemIDByExt(ctx context.Context, q Querier, ext string) (int64, error) {
	ref, err := resolveExt(ctx, q, ext, false)
	if err != nil {
		return 0, err
	}
	cond, arg := ref.where("")
	return scanInt(ctx, q, `SELECT id FROM items WHERE `+cond, arg)
}

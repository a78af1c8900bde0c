package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/loupe-dev/loupe/review"
)

// itemQuery selects an item's row; a condition on items (aliased i) completes it.
const itemQuery = `SELECT i.id, ` + extIDExpr + `, i.kind, coalesce(sb.name, ''), coalesce(src.kind, ''), coalesce(src.path, ''),
	coalesce(i.row, -1), coalesce(i.image_path, ''), i.packed,
	coalesce(p.track, ''), coalesce(g.model, ''), coalesce(p.idx, 0), ` + imageCheckCols + `
	FROM items i LEFT JOIN subsets sb ON sb.id = i.subset_id LEFT JOIN sources src ON src.id = i.source_id
	LEFT JOIN generations g ON g.item_id = i.id LEFT JOIN prompts p ON p.id = g.prompt_id
	LEFT JOIN image_files imf ON imf.item_id = i.id
	WHERE `

// imageCheckCols are what a read needs to check an item's picture source (sources aliased src,
// image_files imf): the shard's size and mtime as imported, the picture file's size, hash and whether
// it was allowed outside its folder.
const imageCheckCols = `coalesce(src.size, 0), coalesce(src.mtime, 0), coalesce(imf.size, 0), coalesce(imf.hash, ''), coalesce(imf.outside, 0)`

// imageLoc is where an item's picture is, as stored, with what the import recorded of it.
type imageLoc struct {
	srcKind, srcPath, imgPath string
	row                       int64
	srcSize, srcMTime, size   int64
	hash                      string
	outside                   bool
}

func (l *imageLoc) checkDest() []any {
	return []any{&l.srcSize, &l.srcMTime, &l.size, &l.hash, &l.outside}
}

// ref resolves the location: a shard row (which must hold extID), or a file (relative paths are
// relative to their source: a folder, or a manifest's folder) that must stay inside that folder.
func (l *imageLoc) ref(extID string) review.ImageRef {
	switch {
	case l.srcKind == "parquet":
		return review.ImageRef{Shard: l.srcPath, Row: l.row, ID: extID, Size: l.srcSize, MTime: l.srcMTime}
	case l.imgPath == "":
		return review.ImageRef{}
	}
	base := l.srcPath
	if l.srcKind == "jsonl" {
		base = filepath.Dir(l.srcPath)
	}
	ref := review.ImageRef{Path: l.imgPath, Size: l.size, Hash: l.hash}
	if !filepath.IsAbs(l.imgPath) && l.srcPath != "" {
		ref.Path = filepath.Join(base, l.imgPath)
	}
	// a picture checked at import (or a relative one) must stay inside its imported folder
	if l.srcPath != "" && !l.outside && (l.hash != "" || !filepath.IsAbs(l.imgPath)) {
		ref.Root = base
	}
	return ref
}

// scanItem loads the item matching cond (on items aliased i) without its details.
func (s *Store) scanItem(ctx context.Context, cond string, arg any) (*review.Item, error) {
	query := itemQuery + cond
	it := &review.Item{}
	var kind int
	var loc imageLoc
	var packed int64
	err := s.DB.QueryRowContext(ctx, query, arg).Scan(append([]any{&it.ID, &it.ExtID, &kind, &it.Subset, &loc.srcKind, &loc.srcPath,
		&loc.row, &loc.imgPath, &packed,
		&it.Track, &it.Model, &it.Prompt}, loc.checkDest()...)...)
	if err != nil {
		return nil, wrapErr(err)
	}
	it.Kind = review.ItemKind(kind).String()
	it.Image = loc.ref(it.ExtID)
	captions, scores := review.Unpack(packed)
	for k, name := range review.CaptionKinds {
		if captions&(1<<k) != 0 {
			it.Captions = append(it.Captions, name)
		}
	}
	for k, p := range review.PipelineScores {
		if scores[k] >= 0 {
			v := float64(scores[k])
			it.Labels = append(it.Labels, review.Label{Dimension: p.Dimension, Rater: "pipeline", RaterKind: "pipeline", Value: &v})
		}
	}
	return it, nil
}

// Item loads one item with its materialised texts, every label (pipeline scores, machine labels, human
// values) and its full human history. ref is an external id, or a workspace id written as a number
// when no external id matches. Captions still in a Parquet shard are not loaded here: the caller reads
// them from Image.Shard at Image.Row.
func (s *Store) Item(ctx context.Context, ref string) (*review.Item, error) {
	er, err := resolveExt(ctx, s.DB, ref, false)
	if err != nil {
		return nil, err
	}
	cond, arg := er.where("i")
	it, err := s.scanItem(ctx, cond, arg)
	if errors.Is(err, ErrNotFound) {
		if n, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
			it, err = s.scanItem(ctx, "i.id = ?", n)
		}
	}
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("item %q: %w", ref, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if err := s.itemDetails(ctx, it); err != nil {
		return nil, err
	}
	return it, nil
}

// ItemByID loads an item by its workspace id (see Item).
func (s *Store) ItemByID(ctx context.Context, id int64) (*review.Item, error) {
	it, err := s.scanItem(ctx, "i.id = ?", id)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("item #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if err := s.itemDetails(ctx, it); err != nil {
		return nil, err
	}
	return it, nil
}

func (s *Store) itemDetails(ctx context.Context, it *review.Item) error {
	rows, err := s.DB.QueryContext(ctx, `SELECT k.name, t.lang, t.body FROM texts t JOIN text_kinds k ON k.id = t.kind_id
		WHERE t.item_id = ? ORDER BY t.kind_id, t.lang`, it.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var t review.Text
		if err := rows.Scan(&t.Kind, &t.Lang, &t.Body); err != nil {
			rows.Close()
			return err
		}
		it.Texts = append(it.Texts, t)
	}
	rows.Close()
	if it.Kind == "generation" {
		var t review.Text
		err := s.DB.QueryRowContext(ctx, `SELECT p.body, p.lang FROM generations g JOIN prompts p ON p.id = g.prompt_id
			WHERE g.item_id = ?`, it.ID).Scan(&t.Body, &t.Lang)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil {
			t.Kind = "prompt"
			it.Texts = append([]review.Text{t}, it.Texts...)
		}
	}
	rows, err = s.DB.QueryContext(ctx, `SELECT d.name, r.name, r.kind, l.value, coalesce(l.justification, ''), coalesce(l.raw, ''), l.sample,
		coalesce(l.error, ''), coalesce(l.rubric_hash, ''), coalesce(p.mode, '')
		FROM labels l JOIN dimensions d ON d.id = l.dimension_id JOIN raters r ON r.id = l.rater_id
		LEFT JOIN label_parse p ON p.item_id = l.item_id AND p.dimension_id = l.dimension_id AND p.rater_id = l.rater_id AND p.sample = l.sample
		WHERE l.item_id = ? ORDER BY l.dimension_id, r.kind, r.name, l.sample`, it.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var l review.Label
		var v sql.NullFloat64
		if err := rows.Scan(&l.Dimension, &l.Rater, &l.RaterKind, &v, &l.Justification, &l.Raw, &l.Sample, &l.Error, &l.RubricHash, &l.Parse); err != nil {
			rows.Close()
			return err
		}
		if v.Valid {
			l.Value = &v.Float64
		}
		it.Labels = append(it.Labels, l)
	}
	rows.Close()
	rows, err = s.DB.QueryContext(ctx, `SELECT d.name, a.name, h.value, coalesce(h.value_text, '')
		FROM human_current h JOIN dimensions d ON d.id = h.dimension_id JOIN annotators a ON a.id = h.annotator_id
		WHERE h.item_id = ? ORDER BY h.dimension_id, a.name`, it.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var l review.Label
		var v sql.NullFloat64
		if err := rows.Scan(&l.Dimension, &l.Rater, &v, &l.ValueText); err != nil {
			rows.Close()
			return err
		}
		l.Rater, l.RaterKind = "human:"+l.Rater, "human"
		if v.Valid {
			l.Value = &v.Float64
		}
		it.Labels = append(it.Labels, l)
	}
	rows.Close()
	rows, err = s.DB.QueryContext(ctx, `SELECT e.id, a.name, e.kind, coalesce(d.name, ''), e.value, coalesce(e.value_text, ''),
		coalesce(e.replaces, 0), e.reason, e.created_at
		FROM events e JOIN annotators a ON a.id = e.annotator_id LEFT JOIN dimensions d ON d.id = e.dimension_id
		WHERE e.item_id = ? ORDER BY e.id`, it.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var e review.Event
		var v sql.NullFloat64
		if err := rows.Scan(&e.ID, &e.Annotator, &e.Kind, &e.Dimension, &v, &e.ValueText, &e.Replaces, &e.Reason, &e.At); err != nil {
			rows.Close()
			return err
		}
		if v.Valid {
			e.Value = &v.Float64
		}
		it.Events = append(it.Events, e)
	}
	rows.Close()
	rows, err = s.DB.QueryContext(ctx, `SELECT DISTINCT q.name FROM queue_items qi JOIN queues q ON q.id = qi.queue_id WHERE qi.item_id = ? ORDER BY q.name`, it.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		it.Queues = append(it.Queues, n)
	}
	return rows.Err()
}

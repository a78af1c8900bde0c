package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/loupe-dev/loupe/review"
)

// ExportRow is one item as an export needs it: where its picture is, its texts, every human value and
// judge verdict in force, its decision state and a summary of its history.
type ExportRow struct {
	ID        int64
	ExtID     string
	Kind      string
	Subset    string
	Track     string
	Model     string
	Prompt    string
	Lang      string
	ImagePath string
	Shard     string
	Row       int64
	Image     review.ImageRef // where the picture is, with what the import recorded to check it
	Packed    int64
	Decision  string
	Texts     []review.Text
	Humans    []ExportValue // current human values (scores and decisions), latest first per dimension
	Judges    []ExportValue // first verdicts with a value
	History   ExportHistory
	Detail    ExportDetail // the rest of its provenance: see exportDetails
}

// ExportValue is a human value or a judge verdict with who gave it and when.
type ExportValue struct {
	Dimension string
	Who       string
	Value     float64
	When      string
	Rubric    string
}

// ExportHistory summarises an item's human history.
type ExportHistory struct {
	Events, Annotators, Accepts, Rejects, Flags, Undos int
	Last                                               string
}

// ExportIDs returns the ids of the items a filter selects, in export order: by source and row (a shard
// is read front to back), then by id.
func (s *Store) ExportIDs(ctx context.Context, f review.Filter) ([]int64, error) {
	where, args, err := FilterSQL(f)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT items.id FROM items WHERE `+where+
		` ORDER BY coalesce(items.source_id, 0), coalesce(items.row, 0), items.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")", args
}

// ExportRows loads the items (at most a few hundred at a time: a page of ExportIDs) with their details,
// in the order given. The decision state is the filter's (its annotator and consensus).
func (s *Store) ExportRows(ctx context.Context, ids []int64, f review.Filter) ([]ExportRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := inList(ids)
	dec, dargs := decisionExpr(f.Annotator, f.Consensus)
	out := make([]ExportRow, len(ids))
	at := map[int64]int{}
	for i, id := range ids {
		at[id] = i
	}
	q := `SELECT items.id, e.ext_id, items.kind, coalesce(sb.name, ''), coalesce(p.track, ''), coalesce(g.model, ''),
		coalesce(p.body, ''), coalesce(p.lang, ''), coalesce(items.image_path, ''), coalesce(src.path, ''), coalesce(items.row, 0),
		items.packed, coalesce(src.kind, ''), ` + dec + `, ` + imageCheckCols + `
		FROM items JOIN item_ext e ON e.item_id = items.id
		LEFT JOIN subsets sb ON sb.id = items.subset_id LEFT JOIN sources src ON src.id = items.source_id
		LEFT JOIN image_files imf ON imf.item_id = items.id
		LEFT JOIN generations g ON g.item_id = items.id LEFT JOIN prompts p ON p.id = g.prompt_id
		WHERE items.id IN ` + in
	rows, err := s.DB.QueryContext(ctx, q, append(dargs, args...)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var r ExportRow
		var kind int
		var srcKind string
		var loc imageLoc
		if err := rows.Scan(append([]any{&r.ID, &r.ExtID, &kind, &r.Subset, &r.Track, &r.Model, &r.Prompt, &r.Lang, &r.ImagePath, &r.Shard, &r.Row,
			&r.Packed, &srcKind, &r.Decision}, loc.checkDest()...)...); err != nil {
			rows.Close()
			return nil, err
		}
		loc.srcKind, loc.srcPath, loc.imgPath, loc.row = srcKind, r.Shard, r.ImagePath, r.Row
		r.Image = loc.ref(r.ExtID)
		r.Kind = map[int]string{1: "sample", 2: "generation"}[kind]
		// where the picture is, as Store.Item says it (relative paths are relative to their source)
		switch src := r.Shard; {
		case srcKind == "parquet":
			r.ImagePath = ""
		case r.ImagePath != "" && !filepath.IsAbs(r.ImagePath) && src != "":
			base := src
			if srcKind == "jsonl" {
				base = filepath.Dir(src)
			}
			r.ImagePath, r.Shard = filepath.Join(base, r.ImagePath), ""
		default:
			r.Shard = ""
		}
		out[at[r.ID]] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// texts
	rows, err = s.DB.QueryContext(ctx, `SELECT t.item_id, k.name, t.lang, t.body FROM texts t JOIN text_kinds k ON k.id = t.kind_id
		WHERE t.item_id IN `+in+` ORDER BY t.item_id, t.kind_id, t.lang`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var t review.Text
		if err := rows.Scan(&id, &t.Kind, &t.Lang, &t.Body); err != nil {
			rows.Close()
			return nil, err
		}
		out[at[id]].Texts = append(out[at[id]].Texts, t)
	}
	rows.Close()
	// human values in force (latest first per dimension)
	rows, err = s.DB.QueryContext(ctx, `SELECT h.item_id, d.name, a.name, h.value, h.created_at FROM human_current h
		JOIN dimensions d ON d.id = h.dimension_id JOIN annotators a ON a.id = h.annotator_id
		WHERE h.item_id IN `+in+` AND h.value IS NOT NULL ORDER BY h.item_id, h.dimension_id, h.event_id DESC`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var v ExportValue
		if err := rows.Scan(&id, &v.Dimension, &v.Who, &v.Value, &v.When); err != nil {
			rows.Close()
			return nil, err
		}
		out[at[id]].Humans = append(out[at[id]].Humans, v)
	}
	rows.Close()
	// judge verdicts
	rows, err = s.DB.QueryContext(ctx, `SELECT l.item_id, d.name, r.name, l.value, l.created_at, coalesce(l.rubric_hash, '') FROM labels l
		JOIN dimensions d ON d.id = l.dimension_id JOIN raters r ON r.id = l.rater_id
		WHERE l.item_id IN `+in+` AND r.kind = 'judge' AND l.sample = 0 AND l.value IS NOT NULL ORDER BY l.item_id, l.dimension_id, r.name`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var v ExportValue
		if err := rows.Scan(&id, &v.Dimension, &v.Who, &v.Value, &v.When, &v.Rubric); err != nil {
			rows.Close()
			return nil, err
		}
		out[at[id]].Judges = append(out[at[id]].Judges, v)
	}
	rows.Close()
	// history summaries
	rows, err = s.DB.QueryContext(ctx, `SELECT e.item_id, count(*), count(DISTINCT e.annotator_id),
		sum(e.kind IN ('set', 'revised_after_reveal', 'final') AND e.dimension_id = `+decisionIDSQL+` AND e.value = 1), sum(e.kind IN ('set', 'revised_after_reveal', 'final') AND e.dimension_id = `+decisionIDSQL+` AND e.value = 0),
		sum(e.kind = 'flag'), sum(e.kind = 'undo'), max(e.created_at)
		FROM events e WHERE e.item_id IN `+in+` GROUP BY e.item_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h ExportHistory
		var last sql.NullString
		if err := rows.Scan(&id, &h.Events, &h.Annotators, &h.Accepts, &h.Rejects, &h.Flags, &h.Undos, &last); err != nil {
			return nil, err
		}
		h.Last = last.String
		out[at[id]].History = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if err := s.exportDetails(ctx, out, at, in, args, f); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return out, nil
}

package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	"github.com/loupe-dev/loupe/review"
	"github.com/parquet-go/parquet-go"
)

// A shard written by `loupe export --format parquet` has the FLUX-Reason-6M columns plus loupe_*
// columns (see export/parquet.go). Its score_* columns hold the final values (a person's or a judge's,
// rounded), so it is not indexed as a FLUX-Reason-6M shard: ReadLoupeShard reads its ids, caption flags
// and loupe_* columns, and the importer gives each item back as it was exported. Captions and pictures
// stay in the shard and are read on demand, as for FLUX-Reason-6M shards.

// loupeMarker is the column that marks a loupe export shard.
const loupeMarker = "loupe_provenance"

// LoupeShardRow is one row of a loupe export shard, as an import needs it.
type LoupeShardRow struct {
	Row      int64
	ID       string
	Subset   string
	Captions uint16        // bit k: caption kind k present (bool_caption_<kind>)
	Texts    []review.Text // texts without a caption column (loupe_texts), and a generation's prompt
	Loupe    *LoupeRecord
}

// IsLoupeShard reports whether the Parquet file at path was written by `loupe export` (it has a
// loupe_provenance column). A file that cannot be read is not one (the FLUX-Reason-6M indexer reports
// what is wrong with it).
func IsLoupeShard(path string) bool {
	f, st, err := OpenRegular(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return isLoupeShardAt(f, st.Size())
}

// isLoupeShardAt reads the footer on demand (its statistics skipped, not read); a footer the fast
// reader does not handle is opened with parquet-go.
func isLoupeShardAt(r io.ReaderAt, size int64) bool {
	m, err := readFooter(r, size)
	if err == nil {
		for _, l := range m.leaves {
			if l.path == loupeMarker {
				return true
			}
		}
		return false
	}
	if !errors.Is(err, errUnsupported) {
		return false
	}
	pf, err := parquet.OpenFile(r, size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true))
	if err != nil {
		return false
	}
	_, ok := pf.Schema().Lookup(loupeMarker)
	return ok
}

// loupeStringCols are the string columns read from a loupe export shard (id is required, the rest
// optional; an older export lacks some).
var loupeStringCols = []string{"id", "loupe_kind", "loupe_subset", "loupe_track", "loupe_model", "loupe_prompt",
	"loupe_suite", "loupe_prompt_lang", "loupe_decision", "loupe_decided_by", "loupe_provenance", "loupe_history",
	"loupe_texts", "loupe_pipeline", "loupe_labels"}

// ReadLoupeShard reads a loupe export shard's rows: ids, caption flags and loupe_* columns, never the
// pictures or captions. A row that cannot be given back (no id, a repeated id, loupe_* values that do
// not parse) is reported as a Problem and left out; an unreadable file or a column of the wrong type is
// an error.
func ReadLoupeShard(path string) ([]LoupeShardRow, []Problem, error) {
	f, st, err := OpenRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	pf, err := parquet.OpenFile(f, st.Size(), parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true))
	if err != nil {
		return nil, nil, fmt.Errorf("not a readable Parquet file: %w", err)
	}
	schema := pf.Schema()
	type col struct {
		name  string
		index int
		kind  parquet.Kind
	}
	var cols []col
	want := func(name string, kind parquet.Kind, required bool) error {
		leaf, ok := schema.Lookup(name)
		switch {
		case !ok && required:
			return fmt.Errorf("no %s column", name)
		case !ok:
			return nil
		case leaf.MaxRepetitionLevel != 0 || leaf.Node.Type().Kind() != kind:
			return fmt.Errorf("column %s: want a flat %s column", name, kind)
		}
		cols = append(cols, col{name, leaf.ColumnIndex, kind})
		return nil
	}
	for _, name := range loupeStringCols {
		if err := want(name, parquet.ByteArray, name == "id" || name == loupeMarker); err != nil {
			return nil, nil, err
		}
	}
	for _, k := range review.CaptionKinds {
		if err := want("bool_caption_"+k, parquet.Boolean, false); err != nil {
			return nil, nil, err
		}
	}
	if err := want("loupe_prompt_index", parquet.Int64, false); err != nil {
		return nil, nil, err
	}
	var out []LoupeShardRow
	var probs []Problem
	seen := map[string]int64{}
	var base int64
	for gi, rg := range pf.RowGroups() {
		n := rg.NumRows()
		chunks := rg.ColumnChunks()
		vals := map[string][]parquet.Value{}
		for _, c := range cols {
			v, err := readColumn(chunks[c.index], n)
			if err != nil {
				return nil, nil, fmt.Errorf("row group %d, column %s: %w", gi, c.name, err)
			}
			vals[c.name] = v
		}
		for i := range n {
			row := base + i
			str := func(name string) string {
				if v, ok := vals[name]; ok && !v[i].IsNull() {
					return string(v[i].ByteArray())
				}
				return ""
			}
			r := LoupeShardRow{Row: row, ID: str("id"), Subset: str("loupe_subset")}
			where := fmt.Sprintf("row %d", row)
			if strings.TrimSpace(r.ID) == "" {
				probs = append(probs, Problem{path, where, "empty id; skipped"})
				continue
			}
			if prev, dup := seen[r.ID]; dup {
				probs = append(probs, Problem{path, where, fmt.Sprintf("duplicate id %q (first in row %d); skipped", r.ID, prev)})
				continue
			}
			seen[r.ID] = row
			for k, kind := range review.CaptionKinds {
				if v, ok := vals["bool_caption_"+kind]; ok && !v[i].IsNull() && v[i].Boolean() {
					r.Captions |= 1 << k
				}
			}
			var idx *int
			if v, ok := vals["loupe_prompt_index"]; ok && !v[i].IsNull() {
				x := int(v[i].Int64())
				idx = &x
			}
			if err := r.resolve(str, idx); err != nil {
				probs = append(probs, Problem{path, where, fmt.Sprintf("item %s: %v; skipped", r.ID, err)})
				continue
			}
			out = append(out, r)
		}
		base += n
	}
	return out, probs, nil
}

// resolve reads a row's loupe_* values (str gives a column's value, "" when null).
func (r *LoupeShardRow) resolve(str func(string) string, idx *int) error {
	lf := loupeFields{Kind: str("loupe_kind"), Track: str("loupe_track"), Model: str("loupe_model"),
		Decision: str("loupe_decision"), DecidedBy: str("loupe_decided_by")}
	if suite := str("loupe_suite"); suite != "" && idx != nil {
		lf.Prompt = &review.PromptRef{Suite: suite, Lang: str("loupe_prompt_lang"), Index: *idx}
	}
	for _, c := range []struct {
		name string
		dst  any
	}{{"loupe_pipeline", &lf.Pipeline}, {"loupe_provenance", &lf.Provenance}, {"loupe_labels", &lf.Labels}, {"loupe_history", &lf.History}} {
		if s := str(c.name); s != "" {
			if err := json.Unmarshal([]byte(s), c.dst); err != nil {
				return fmt.Errorf("%s: %s", c.name, jsonErr(err))
			}
		}
	}
	if s := str("loupe_texts"); s != "" {
		var m map[string]map[string]string
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return fmt.Errorf("loupe_texts: %s", jsonErr(err))
		}
		for _, kind := range sortedNames(m) {
			if review.TextKindID(kind) == 0 {
				return fmt.Errorf("loupe_texts: unknown text kind %q", kind)
			}
			for _, lang := range sortedNames(m[kind]) {
				if lang != "en" && lang != "zh" {
					return fmt.Errorf("loupe_texts.%s: unknown language %q", kind, lang)
				}
				if m[kind][lang] != "" {
					r.Texts = append(r.Texts, review.Text{Kind: kind, Lang: lang, Body: m[kind][lang]})
				}
			}
		}
	}
	if prompt := str("loupe_prompt"); prompt != "" && lf.Kind == "generation" {
		lang := "en"
		switch {
		case lf.Prompt != nil:
			lang = lf.Prompt.Lang
		case hasHan(prompt): // an older export did not say which language its loupe_prompt is in
			lang = "zh"
		}
		r.Texts = append([]review.Text{{Kind: "prompt", Lang: lang, Body: prompt}}, r.Texts...)
	}
	lr, err := lf.record(r.ID, r.Texts)
	if err != nil {
		return err
	}
	r.Loupe = lr
	sort.SliceStable(r.Texts, func(i, j int) bool { return review.TextKindID(r.Texts[i].Kind) < review.TextKindID(r.Texts[j].Kind) })
	return nil
}

func hasHan(s string) bool {
	for _, c := range s {
		if unicode.Is(unicode.Han, c) {
			return true
		}
	}
	return false
}

// readColumn reads the n values of a flat column chunk (nulls included, as null values).
func readColumn(chunk parquet.ColumnChunk, n int64) ([]parquet.Value, error) {
	pages := chunk.Pages()
	defer pages.Close()
	out := make([]parquet.Value, 0, n)
	for {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		buf := make([]parquet.Value, p.NumValues())
		got, err := p.Values().ReadValues(buf)
		if err != nil && !errors.Is(err, io.EOF) {
			parquet.Release(p)
			return nil, err
		}
		for _, v := range buf[:got] {
			out = append(out, v.Clone()) // the page's memory is released below
		}
		parquet.Release(p)
	}
	if int64(len(out)) != n {
		return nil, fmt.Errorf("%d values for %d rows", len(out), n)
	}
	return out, nil
}

package prismbench

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// publishedHeader is the column layout of the published result tables.
func publishedHeader() []string {
	h := []string{"rank", "model", "date", "overall_align", "overall_aes", "overall_avg"}
	for _, t := range Tracks {
		h = append(h, t+"_align", t+"_aes", t+"_avg")
	}
	return h
}

// ReadPublished reads a CSV in the published layout (header rank,model,date,overall_{align,aes,avg},
// <track>_{align,aes,avg} for the seven tracks; columns are found by header name, extra columns are
// ignored). Each row becomes a Row with Published set, the given judge and lang, and cells that keep
// the published numbers (Value; Mean = Value/10; N = 0). An empty cell, "-" or "NA" reads as no value.
// Errors name the file, line and column.
func ReadPublished(path string, judge, lang string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := readPublished(f, path, judge, lang)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func readPublished(r io.Reader, name, judge, lang string) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0 // every record as wide as the header
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s:1: empty file, want a header line", name)
		}
		return nil, csvErr(name, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("%s:1:%d: duplicate column %q", name, i+1, h)
		}
		col[h] = i
	}
	for _, h := range publishedHeader() {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("%s:1: missing column %q", name, h)
		}
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvErr(name, err)
		}
		line, _ := cr.FieldPos(0)
		cellAt := func(h string) (Cell, error) {
			i := col[h]
			s := strings.TrimSpace(rec[i])
			if s == "" || s == "-" || strings.EqualFold(s, "NA") {
				return Cell{}, nil
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 100 {
				_, c := cr.FieldPos(i)
				return Cell{}, fmt.Errorf("%s:%d:%d: column %q: %q is not a score between 0 and 100", name, line, c, h, s)
			}
			return Cell{Value: &v, Mean: v / 10}, nil
		}
		ts := func(prefix string) (TrackScore, error) {
			var t TrackScore
			var err error
			if t.Align, err = cellAt(prefix + "_align"); err != nil {
				return t, err
			}
			if t.Aes, err = cellAt(prefix + "_aes"); err != nil {
				return t, err
			}
			t.Avg, err = cellAt(prefix + "_avg")
			return t, err
		}
		row := Row{Judge: judge, Lang: lang, Published: true, Tracks: map[string]TrackScore{}}
		row.Model = strings.TrimSpace(rec[col["model"]])
		if row.Model == "" {
			_, c := cr.FieldPos(col["model"])
			return nil, fmt.Errorf("%s:%d:%d: column \"model\" is empty", name, line, c)
		}
		row.Date = strings.TrimSpace(rec[col["date"]])
		if s := strings.TrimSpace(rec[col["rank"]]); s != "" {
			if row.Rank, err = strconv.Atoi(s); err != nil || row.Rank < 1 {
				_, c := cr.FieldPos(col["rank"])
				return nil, fmt.Errorf("%s:%d:%d: column \"rank\": %q is not a positive integer", name, line, c, s)
			}
		}
		if row.Overall, err = ts("overall"); err != nil {
			return nil, err
		}
		for _, t := range Tracks {
			if row.Tracks[t], err = ts(t); err != nil {
				return nil, err
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func csvErr(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d:%d: %v", name, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Discrepancy is one published figure that does not follow from the others.
type Discrepancy struct {
	Model     string
	Column    string  // e.g. "style_avg", "overall_avg"
	Published float64 // the published figure
	Derived   float64 // what the other published figures give, rounded to one decimal
	Diff      float64 // |Published - Derived|
}

// checkPublished recomputes, for a published row, each track's avg as (align + aes)/2 and the overall
// align, aes and avg as the mean of the seven track values (equal prompt counts make the pooled mean
// the mean of the track means), each rounded half away from zero to one decimal, and returns every
// recomputed column (Diff may be 0). Cells without a value are skipped.
func checkPublished(r Row) []Discrepancy {
	var out []Discrepancy
	// Work in integer tenths so that a .x5 tie ((68.8 + 80.1)/2 = 74.45) is an exact half in binary.
	t10 := func(v *float64) float64 { return math.Round(*v * 10) }
	r1 := func(tenths float64) float64 { return math.Round(tenths) / 10 }
	add := func(col string, pub *float64, derived float64) {
		if pub == nil {
			return
		}
		d := r1(derived)
		out = append(out, Discrepancy{Model: r.Model, Column: col, Published: *pub, Derived: d, Diff: math.Abs(*pub - d)})
	}
	var sa, se, sv float64
	var na, ne, nv int
	for _, t := range Tracks {
		ts := r.Tracks[t]
		if ts.Align.Value != nil && ts.Aes.Value != nil {
			add(t+"_avg", ts.Avg.Value, (t10(ts.Align.Value)+t10(ts.Aes.Value))/2)
		}
		if ts.Align.Value != nil {
			sa += t10(ts.Align.Value)
			na++
		}
		if ts.Aes.Value != nil {
			se += t10(ts.Aes.Value)
			ne++
		}
		if ts.Avg.Value != nil {
			sv += t10(ts.Avg.Value)
			nv++
		}
	}
	if na == len(Tracks) {
		add("overall_align", r.Overall.Align.Value, sa/float64(na))
	}
	if ne == len(Tracks) {
		add("overall_aes", r.Overall.Aes.Value, se/float64(ne))
	}
	if nv == len(Tracks) {
		add("overall_avg", r.Overall.Avg.Value, sv/float64(nv))
	}
	return out
}

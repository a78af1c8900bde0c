package prismbench

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// displayNames are the tracks' names in the paper's tables.
var displayNames = map[string]string{
	"imagination": "Imagination", "entity": "Entity", "text_rendering": "Text rendering", "style": "Style",
	"affection": "Affection", "composition": "Composition", "long_text": "Long text",
}

// DisplayName returns a track's display name ("Text rendering"), or the key itself for other tracks.
func DisplayName(track string) string {
	if d, ok := displayNames[track]; ok {
		return d
	}
	return track
}

// fmtCell renders a cell's value with one decimal, "-" when it has none.
func fmtCell(c Cell) string {
	if c.Value == nil {
		return "-"
	}
	return strconv.FormatFloat(*c.Value, 'f', 1, 64)
}

// CoverageString summarises a row's coverage: "(published)" for a published row, else
// "present/expected", followed by the failed and missing counts when there are any,
// e.g. "1397/1400 (2 failed, 1 missing)".
func (r Row) CoverageString() string {
	if r.Published {
		return "(published)"
	}
	c := r.TotalCoverage()
	s := fmt.Sprintf("%d/%d", c.Present, c.Expected)
	var extra []string
	if c.Failed > 0 {
		extra = append(extra, fmt.Sprintf("%d failed", c.Failed))
	}
	if c.Missing > 0 {
		extra = append(extra, fmt.Sprintf("%d missing", c.Missing))
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// tableTracks returns the official tracks followed by any extra track found in rows.
func tableTracks(rows []Row) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		for _, t := range r.TrackNames() {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 {
		return Tracks
	}
	return out
}

func tableHeader(tracks []string) []string {
	h := []string{"Model", "Judge", "Lang", "Align", "Aes", "Avg"}
	for _, t := range tracks {
		h = append(h, DisplayName(t))
	}
	return append(h, "Coverage")
}

func tableRow(r Row, tracks []string) []string {
	out := []string{r.Model, r.Judge, r.Lang, fmtCell(r.Overall.Align), fmtCell(r.Overall.Aes), fmtCell(r.Overall.Avg)}
	for _, t := range tracks {
		out = append(out, fmtCell(r.Tracks[t].Avg))
	}
	return append(out, r.CoverageString())
}

// WriteTable writes rows, in the given order, as an aligned text table: model, judge, lang, overall
// align/aes/avg, each track's avg, coverage; published rows show "(published)" as their coverage.
func WriteTable(w io.Writer, rows []Row) error {
	tracks := tableTracks(rows)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, rec := range append([][]string{tableHeader(tracks)}, tableRows(rows, tracks)...) {
		if _, err := fmt.Fprintln(tw, strings.Join(rec, "\t")); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func tableRows(rows []Row, tracks []string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = tableRow(r, tracks)
	}
	return out
}

// WriteMarkdown writes rows, in the given order, as a GitHub Markdown table with the columns of
// WriteTable; figures are right-aligned and "|" in a name is escaped.
func WriteMarkdown(w io.Writer, rows []Row) error {
	tracks := tableTracks(rows)
	h := tableHeader(tracks)
	var b strings.Builder
	b.WriteString("| " + strings.Join(h, " | ") + " |\n|")
	for i := range h {
		if i >= 3 && i < len(h)-1 {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	esc := strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ")
	for _, rec := range tableRows(rows, tracks) {
		for i := range rec {
			rec[i] = esc.Replace(rec[i])
		}
		b.WriteString("| " + strings.Join(rec, " | ") + " |\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// CSVHeader is WriteCSV's header: the published layout, then judge, lang, published and the row's
// coverage totals over all tracks.
func CSVHeader() []string {
	return append(publishedHeader(), "judge", "lang", "published",
		"coverage_expected", "coverage_present", "coverage_failed", "coverage_missing")
}

// WriteCSV writes rows, in the given order, in the published column layout plus judge, lang,
// published (true/false) and coverage totals (empty for published rows). A cell without a value is
// written empty. ReadPublished reads the result back.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader()); err != nil {
		return err
	}
	for _, r := range rows {
		v := func(c Cell) string {
			if c.Value == nil {
				return ""
			}
			return strconv.FormatFloat(*c.Value, 'f', 1, 64)
		}
		rank := ""
		if r.Rank > 0 {
			rank = strconv.Itoa(r.Rank)
		}
		rec := []string{rank, r.Model, r.Date, v(r.Overall.Align), v(r.Overall.Aes), v(r.Overall.Avg)}
		for _, t := range Tracks {
			ts := r.Tracks[t]
			rec = append(rec, v(ts.Align), v(ts.Aes), v(ts.Avg))
		}
		rec = append(rec, r.Judge, r.Lang, strconv.FormatBool(r.Published))
		if r.Published {
			rec = append(rec, "", "", "", "")
		} else {
			c := r.TotalCoverage()
			rec = append(rec, strconv.Itoa(c.Expected), strconv.Itoa(c.Present), strconv.Itoa(c.Failed), strconv.Itoa(c.Missing))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

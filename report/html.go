// Package report renders an agreement report (how far VLM judges agree with human reviewers) as one
// self-contained HTML file: inline CSS and hand-made inline SVG, no scripts, fonts, stylesheets or images
// fetched from anywhere, so it opens offline, archives as a single file and prints.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/loupe-dev/loupe/review"
)

// Meta is what the page says about where the report came from; every field is optional.
type Meta struct {
	Title       string // page title; a default is used when empty
	Workspace   string // workspace name or path
	Created     string // when the report was computed, already formatted
	SnapshotID  int64  // the snapshot the figures were computed on (0: not shown)
	Fingerprint string // fingerprint of the input ratings
	Scope       string // the selection the report covers, e.g. a filter expression
}

// WriteHTML writes r as a single self-contained HTML page. Every string taken from the data (rater,
// dimension, group names, reasons) is HTML-escaped, in the page and in the SVG figures alike. Undefined
// figures are shown as "undefined" with their reason, never as a number. Nothing is written when
// rendering fails.
func WriteHTML(w io.Writer, r *review.AgreementReport, meta Meta) error {
	return writeHTML(w, r, meta, nil)
}

// writeHTML writes the page, with a side-by-side preference section when pairs has any (see pairs.go).
func writeHTML(w io.Writer, r *review.AgreementReport, meta Meta, pairs []PairSection) error {
	if r == nil {
		return errors.New("report: nil agreement report")
	}
	p := buildPage(r, meta)
	if len(pairs) > 0 {
		var err error
		if p.Pairs, err = renderPairs(pairs); err != nil {
			return fmt.Errorf("report: render side-by-side preference: %w", err)
		}
	}
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, p); err != nil {
		return fmt.Errorf("report: render html: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// ---------------------------------------------------------------------------------------------------
// view model

type page struct {
	Title       string
	Meta        Meta
	R           *review.AgreementReport
	RubricSets  []string
	CILevel     string // e.g. "95%"; "" when no figure carries a CI
	Summary     []summaryGroup
	SummaryCols int
	SummarySpan int // columns of the summary table
	Dims        []dimTables
	Hists       []figure
	Confusions  []figure
	Calibration []figure
	Thresholds  []thresholdRow
	Pairs       template.HTML // the side-by-side preference section, rendered by renderPairs ("": none)
}

type summaryGroup struct {
	Dimension string
	Rows      []summaryRow
}

type summaryRow struct {
	Kind, A, B string
	Rubric     string
	N          int
	Undefined  string
	Figs       []fig
	Pad        []struct{} // empty cells after Figs so every row has SummaryCols figure cells
}

type dimTables struct {
	ID        string
	Dimension string
	Kinds     []kindTable
}

type kindTable struct {
	Kind    string
	Span    int // columns an undefined row's reason spans
	Cols    []col
	Rows    []fullRow
	HasRubr bool
}

type col struct{ Name, Label string }

type fullRow struct {
	A, B, Group, Rubric string
	Overall             bool
	N                   int
	Undefined           string
	Cells               []*fig // nil: the row has no such figure
}

// fig is one review.Stat made ready for display.
type fig struct {
	Name, Label string
	Defined     bool
	Value       string
	CI          string // "[lo, hi]", "" when there is no interval
	CIUndef     string // why the interval is undefined
	CINote      string // e.g. "12 of 10000 resamples undefined"
	Undefined   string
	N           int
	ShowN       bool
	Title       string
}

type figure struct {
	ID      string
	Heading string
	SVG     template.HTML // built by the svg functions below, every data string escaped there
	Legend  []legendItem
	Caption []string
	Empty   string // shown instead of SVG when there is nothing to draw
	Width   int    // CSS pixels of the figure box: the SVG's width plus padding
}

type legendItem struct {
	Colour template.CSS
	Label  string
}

type thresholdRow struct {
	Rater, Dimension            string
	Threshold                   string
	Agreement, Kappa, Prec, Rec fig
	F1                          fig
	Population, Rejected        int
	RejectedPct                 string
}

var kindOrder = []review.PairKind{
	review.JudgeConsensus, review.JudgeHuman, review.JudgeJudge, review.PipelineHuman, review.HumanHuman, review.AllHumans,
}

var kindLabel = map[review.PairKind]string{
	review.JudgeConsensus: "judge vs human consensus",
	review.JudgeHuman:     "judge vs annotator",
	review.JudgeJudge:     "judge vs judge",
	review.PipelineHuman:  "pipeline scorer vs humans",
	review.HumanHuman:     "annotator vs annotator",
	review.AllHumans:      "all annotators",
}

func kindName(k review.PairKind) string {
	if l, ok := kindLabel[k]; ok {
		return l
	}
	return string(k)
}

var statLabel = map[string]string{
	"exact_agreement":                "exact agreement",
	"within_one":                     "within ±1",
	"mae":                            "MAE",
	"mean_bias":                      "mean bias",
	"cohen_kappa":                    "Cohen κ",
	"cohen_kappa_quadratic":          "Cohen κ (quadratic)",
	"cohen_kappa_linear":             "Cohen κ (linear)",
	"spearman":                       "Spearman ρ",
	"spearman_rho":                   "Spearman ρ",
	"kendall_tau_b":                  "Kendall τ-b",
	"pearson":                        "Pearson r",
	"pearson_r":                      "Pearson r",
	"lin_ccc":                        "Lin CCC",
	"icc_2_1":                        "ICC(2,1)",
	"icc21":                          "ICC(2,1)",
	"icc_3_1":                        "ICC(3,1)",
	"icc31":                          "ICC(3,1)",
	"fleiss_kappa":                   "Fleiss κ",
	"gwet_ac1":                       "Gwet AC1",
	"gwet_ac2":                       "Gwet AC2",
	"krippendorff_alpha_nominal":     "Krippendorff α (nominal)",
	"krippendorff_alpha_ordinal":     "Krippendorff α (ordinal)",
	"krippendorff_alpha_interval":    "Krippendorff α (interval)",
	"best_threshold_kappa":           "κ at threshold",
	"human_mean":                     "human mean",
	"precision":                      "precision",
	"recall":                         "recall",
	"f1":                             "F1",
	"krippendorff_alpha_ratio":       "Krippendorff α (ratio)",
	"cohen_kappa_unweighted":         "Cohen κ",
	"percent_agreement":              "agreement",
	"agreement":                      "agreement",
	"kappa":                          "κ",
	"krippendorff_alpha":             "Krippendorff α",
	"krippendorff_alpha_categorical": "Krippendorff α (nominal)",
}

func statName(name string) string {
	if l, ok := statLabel[name]; ok {
		return l
	}
	if name == "" {
		return "figure"
	}
	return strings.ReplaceAll(name, "_", " ")
}

// num formats a figure with two decimals and never prints "-0.00".
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if s == "-0.00" {
		s = "0.00"
	}
	return s
}

func signed(v float64) string {
	s := num(v)
	if !strings.HasPrefix(s, "-") && s != "0.00" {
		s = "+" + s
	}
	return s
}

func label(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func makeFig(s review.Stat, rowN int, signedValue bool) fig {
	f := fig{Name: s.Name, Label: statName(s.Name), N: s.N, Undefined: s.Undefined, Defined: s.Undefined == ""}
	f.ShowN = rowN < 0 || s.N != rowN
	if !f.Defined {
		f.Title = fmt.Sprintf("%s undefined (n=%d): %s", s.Name, s.N, s.Undefined)
		if s.Note != "" {
			f.Title += "\n" + s.Note
		}
		return f
	}
	if signedValue {
		f.Value = signed(s.Value)
	} else {
		f.Value = num(s.Value)
	}
	f.Title = fmt.Sprintf("%s = %s (n=%d)", s.Name, strconv.FormatFloat(s.Value, 'f', 4, 64), s.N)
	if c := s.CI; c != nil {
		lvl := strconv.FormatFloat(c.Level*100, 'f', -1, 64) + "%"
		if c.Undefined != "" {
			f.CIUndef = lvl + " CI undefined: " + c.Undefined
			f.Title += "\n" + f.CIUndef
		} else {
			f.CI = "[" + num(c.Lo) + ", " + num(c.Hi) + "]"
			f.Title += fmt.Sprintf("\n%s bootstrap CI %.4f .. %.4f (%d resamples)", lvl, c.Lo, c.Hi, c.Resamples)
			if c.UndefinedResamples > 0 {
				f.CINote = fmt.Sprintf("%d of %d resamples undefined", c.UndefinedResamples, c.Resamples)
				f.Title += "; " + f.CINote
			}
		}
	}
	if s.Note != "" {
		f.Title += "\n" + s.Note
	}
	return f
}

func isSignedStat(name string) bool { return strings.Contains(name, "bias") }

func buildPage(r *review.AgreementReport, meta Meta) page {
	p := page{Title: meta.Title, Meta: meta, R: r, RubricSets: r.RubricSets}
	if p.Title == "" {
		p.Title = "Judge–human agreement"
	}
	p.CILevel = ciLevel(r)

	// Dimensions in order of first appearance, rows grouped by dimension then kind.
	var dims []string
	byDim := map[string][]review.AgreementRow{}
	for _, row := range r.Rows {
		if _, ok := byDim[row.Dimension]; !ok {
			dims = append(dims, row.Dimension)
		}
		byDim[row.Dimension] = append(byDim[row.Dimension], row)
	}

	// Summary: the overall rows with their first four figures.
	const summaryFigs = 4
	for _, d := range dims {
		g := summaryGroup{Dimension: d}
		for _, k := range kindsOf(byDim[d]) {
			for _, row := range byDim[d] {
				if row.Kind != k || row.By != "" {
					continue
				}
				sr := summaryRow{Kind: kindName(row.Kind), A: row.A, B: row.B, Rubric: row.RubricSet, N: row.N, Undefined: row.Undefined}
				if row.Undefined == "" {
					for i, s := range row.Stats {
						if i == summaryFigs {
							break
						}
						sr.Figs = append(sr.Figs, makeFig(s, -1, isSignedStat(s.Name)))
					}
					sr.Pad = make([]struct{}, summaryFigs-len(sr.Figs))
				}
				g.Rows = append(g.Rows, sr)
			}
		}
		if len(g.Rows) > 0 {
			p.Summary = append(p.Summary, g)
		}
	}
	p.SummaryCols = summaryFigs
	p.SummarySpan = summaryFigs + 5

	// Full tables.
	for i, d := range dims {
		dt := dimTables{ID: fmt.Sprintf("dim-%d", i), Dimension: d}
		for _, k := range kindsOf(byDim[d]) {
			kt := kindTable{Kind: kindName(k)}
			var rows []review.AgreementRow
			for _, row := range byDim[d] {
				if row.Kind == k {
					rows = append(rows, row)
					if row.RubricSet != "" {
						kt.HasRubr = true
					}
				}
			}
			colIdx := map[string]int{}
			for _, row := range rows {
				for _, s := range row.Stats {
					if _, ok := colIdx[s.Name]; !ok {
						colIdx[s.Name] = len(kt.Cols)
						kt.Cols = append(kt.Cols, col{Name: s.Name, Label: statName(s.Name)})
					}
				}
			}
			kt.Span = max(1, len(kt.Cols))
			for _, row := range rows {
				fr := fullRow{A: row.A, B: row.B, Rubric: row.RubricSet, N: row.N, Undefined: row.Undefined, Overall: row.By == ""}
				if row.By == "" {
					fr.Group = "overall"
				} else {
					fr.Group = row.By + ": " + row.Group
				}
				if row.Undefined == "" {
					fr.Cells = make([]*fig, len(kt.Cols))
					for _, s := range row.Stats {
						f := makeFig(s, row.N, isSignedStat(s.Name))
						fr.Cells[colIdx[s.Name]] = &f
					}
				}
				kt.Rows = append(kt.Rows, fr)
			}
			dt.Kinds = append(dt.Kinds, kt)
		}
		p.Dims = append(p.Dims, dt)
	}

	// Histograms: one figure per dimension, every rater's histogram of that dimension in it.
	var hdims []string
	hByDim := map[string][]review.Histogram{}
	for _, h := range r.Histograms {
		if _, ok := hByDim[h.Dimension]; !ok {
			hdims = append(hdims, h.Dimension)
		}
		hByDim[h.Dimension] = append(hByDim[h.Dimension], h)
	}
	for i, d := range hdims {
		p.Hists = append(p.Hists, histFigure(fmt.Sprintf("hist-%d", i), d, hByDim[d]))
	}
	for i, c := range r.Confusions {
		p.Confusions = append(p.Confusions, confusionFigure(fmt.Sprintf("conf-%d", i), c))
	}
	for i, c := range r.Calibration {
		p.Calibration = append(p.Calibration, calibrationFigure(fmt.Sprintf("cal-%d", i), c))
	}
	for _, t := range r.Thresholds {
		tr := thresholdRow{
			Rater: t.Rater, Dimension: t.Dimension, Threshold: label(t.Threshold),
			Agreement: makeFig(t.Agreement, -1, false), Kappa: makeFig(t.Kappa, -1, false),
			Prec: makeFig(t.Precision, -1, false), Rec: makeFig(t.Recall, -1, false), F1: makeFig(t.F1, -1, false),
			Population: t.Population, Rejected: t.Rejected,
		}
		if t.Population > 0 {
			tr.RejectedPct = strconv.FormatFloat(100*float64(t.Rejected)/float64(t.Population), 'f', 1, 64) + "%"
		}
		p.Thresholds = append(p.Thresholds, tr)
	}
	return p
}

// kindsOf lists the kinds present in rows, the known ones in a fixed order, others after them as met.
func kindsOf(rows []review.AgreementRow) []review.PairKind {
	seen := map[review.PairKind]bool{}
	for _, r := range rows {
		seen[r.Kind] = true
	}
	var out []review.PairKind
	for _, k := range kindOrder {
		if seen[k] {
			out = append(out, k)
			delete(seen, k)
		}
	}
	for _, r := range rows {
		if seen[r.Kind] {
			out = append(out, r.Kind)
			delete(seen, r.Kind)
		}
	}
	return out
}

// ciLevel is the confidence level of the intervals, e.g. "95%", or "" when no figure has one.
func ciLevel(r *review.AgreementReport) string {
	levels := map[float64]bool{}
	var first float64
	note := func(s review.Stat) {
		if s.CI != nil && s.CI.Level > 0 {
			if len(levels) == 0 {
				first = s.CI.Level
			}
			levels[s.CI.Level] = true
		}
	}
	for _, row := range r.Rows {
		for _, s := range row.Stats {
			note(s)
		}
	}
	for _, c := range r.Calibration {
		note(c.Bias)
		for _, pt := range c.Points {
			note(pt.HumanMean)
		}
	}
	for _, t := range r.Thresholds {
		for _, s := range []review.Stat{t.Agreement, t.Kappa, t.Precision, t.Recall, t.F1} {
			note(s)
		}
	}
	switch len(levels) {
	case 0:
		return ""
	case 1:
		return strconv.FormatFloat(first*100, 'f', -1, 64) + "%"
	}
	return "mixed"
}

// ---------------------------------------------------------------------------------------------------
// SVG figures. Every string from the data goes through esc; numbers are formatted here.

func esc(s string) string { return html.EscapeString(s) }

// short cuts s to at most n runes for an axis title (the full text is in the figure caption).
func short(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// palette is the Okabe-Ito colour-blind-safe palette, humans usually first.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

func histFigure(id, dim string, hs []review.Histogram) figure {
	fg := figure{ID: id, Heading: dim}
	const (
		W, H             = 540.0, 270.0
		ml, mr, mt, mb   = 52.0, 10.0, 12.0, 46.0
		pw, ph           = W - ml - mr, H - mt - mb
		groups           = 11
		groupW           = pw / groups
		inner            = 0.78
		maxRatersInGroup = 8
	)
	totals := make([]int, len(hs))
	maxP := 0.0
	for i, h := range hs {
		for _, c := range h.Counts {
			totals[i] += c
		}
		for _, c := range h.Counts {
			if totals[i] > 0 {
				maxP = max(maxP, float64(c)/float64(totals[i]))
			}
		}
	}
	step := 0.05
	for _, s := range []float64{0.05, 0.1, 0.2, 0.25} {
		step = s
		if maxP/s <= 5 {
			break
		}
	}
	top := math.Max(step, math.Ceil(maxP/step-1e-9)*step)
	y := func(p float64) float64 { return mt + ph - ph*p/top }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="score histogram, %s">`, W, H, W, H, esc(dim))
	// grid and y axis
	for i := 0; float64(i)*step <= top+1e-9; i++ {
		v := math.Round(float64(i)*step*100) / 100
		yy := y(v)
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" class="grid"/>`, ml, yy, ml+pw, yy)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" class="tick" text-anchor="end" dy="0.32em">%s</text>`, ml-6, yy, strconv.FormatFloat(v, 'f', -1, 64))
	}
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" class="axis"/>`, ml, mt+ph, ml+pw, mt+ph)
	k := max(len(hs), 1)
	bw := groupW * inner / float64(k)
	for s := 0; s < groups; s++ {
		gx := ml + groupW*float64(s)
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" class="tick" text-anchor="middle">%d</text>`, gx+groupW/2, mt+ph+15, s)
		for i, h := range hs {
			if totals[i] == 0 {
				continue
			}
			p := float64(h.Counts[s]) / float64(totals[i])
			x := gx + groupW*(1-inner)/2 + bw*float64(i)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, score %d: %d of %d (%s%%)</title></rect>`,
				x, y(p), math.Max(bw-1, 1), mt+ph-y(p), palette[i%len(palette)], esc(h.Rater), s, h.Counts[s], totals[i], f1(100*p))
		}
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" class="axtitle" text-anchor="middle">score</text>`, ml+pw/2, H-8)
	fmt.Fprintf(&b, `<text transform="translate(13 %g) rotate(-90)" class="axtitle" text-anchor="middle">proportion of the rater's scores</text>`, mt+ph/2)
	b.WriteString(`</svg>`)
	fg.SVG = template.HTML(b.String())
	fg.Width = int(W) + 30
	for i, h := range hs {
		fg.Legend = append(fg.Legend, legendItem{Colour: template.CSS(palette[i%len(palette)]), Label: fmt.Sprintf("%s (n=%d)", h.Rater, totals[i])})
	}
	fg.Caption = []string{"Bars are proportions of each rater's own scores on this dimension (each rater's bars sum to 1), so raters with different numbers of ratings compare directly; n is the rater's number of scores."}
	return fg
}

// catLabel names a category of a confusion matrix: decisions read accept/reject, scores their value.
func catLabel(dim string, v float64) string {
	if dim == "decision" {
		switch v {
		case 0:
			return "reject"
		case 1:
			return "accept"
		}
	}
	return label(v)
}

// shade is the fill of a heatmap cell at t in [0, 1] of the largest count, and whether it is dark enough
// for white text.
func shade(t float64) (fill string, dark bool) {
	// white -> #1f5fa8
	r := 255 + t*(0x1f-255)
	g := 255 + t*(0x5f-255)
	bl := 255 + t*(0xa8-255)
	fill = fmt.Sprintf("rgb(%d,%d,%d)", int(math.Round(r)), int(math.Round(g)), int(math.Round(bl)))
	return fill, t > 0.55
}

func confusionFigure(id string, c review.ConfusionEntry) figure {
	m := c.Matrix
	fg := figure{ID: id, Heading: c.Dimension + ": " + c.A + " vs " + c.B, Width: 320}
	L := len(m.Labels)
	if m.Undefined != "" || L == 0 || len(m.Counts) != L {
		fg.Caption = []string{fmt.Sprintf("Rows: %s. Columns: %s. n = %d.", c.A, c.B, m.N)}
		why := m.Undefined
		if why == "" {
			why = "no table"
		}
		fg.Empty = "undefined: " + why
		return fg
	}
	fg.Caption = []string{fmt.Sprintf("Rows: %s. Columns: %s. n = %d complete pairs; the diagonal (outlined) is exact agreement; shade is proportional to the count, totals in grey.", c.A, c.B, m.N)}
	cell := 34.0
	if L <= 3 {
		cell = 64
	} else if L <= 6 {
		cell = 46
	}
	const ml, mt = 78.0, 58.0
	W := ml + cell*float64(L) + 54
	H := mt + cell*float64(L) + 44
	maxC := 0
	for _, row := range m.Counts {
		for _, v := range row {
			maxC = max(maxC, v)
		}
	}
	rowT, colT := make([]int, L), make([]int, L)
	for i, row := range m.Counts {
		for j := 0; j < L && j < len(row); j++ {
			rowT[i] += row[j]
			colT[j] += row[j]
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="confusion matrix">`, W, H, W, H)
	fmt.Fprintf(&b, `<text x="%g" y="14" class="axtitle" text-anchor="middle">%s →</text>`, ml+cell*float64(L)/2, esc(short(c.B, 40)))
	fmt.Fprintf(&b, `<text transform="translate(14 %g) rotate(-90)" class="axtitle" text-anchor="middle">← %s</text>`, mt+cell*float64(L)/2, esc(short(c.A, 30)))
	for j, l := range m.Labels {
		fmt.Fprintf(&b, `<text x="%g" y="%g" class="tick" text-anchor="middle">%s</text>`, ml+cell*(float64(j)+0.5), mt-8, esc(catLabel(c.Dimension, l)))
	}
	for i, l := range m.Labels {
		yy := mt + cell*float64(i)
		fmt.Fprintf(&b, `<text x="%g" y="%g" class="tick" text-anchor="end" dy="0.32em">%s</text>`, ml-8, yy+cell/2, esc(catLabel(c.Dimension, l)))
		for j := 0; j < L; j++ {
			v := 0
			if j < len(m.Counts[i]) {
				v = m.Counts[i][j]
			}
			t := 0.0
			if maxC > 0 {
				t = float64(v) / float64(maxC)
			}
			fill, dark := shade(t)
			x := ml + cell*float64(j)
			fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" fill="%s" class="cell"><title>%s = %s, %s = %s: %d</title></rect>`,
				x, yy, cell, cell, fill, esc(c.A), esc(catLabel(c.Dimension, l)), esc(c.B), esc(catLabel(c.Dimension, m.Labels[j])), v)
			cls := "cnt"
			switch {
			case v == 0:
				cls = "cnt zero"
			case dark:
				cls = "cnt hi"
			}
			fmt.Fprintf(&b, `<text x="%g" y="%g" class="%s" text-anchor="middle" dy="0.35em">%d</text>`, x+cell/2, yy+cell/2, cls, v)
		}
		fmt.Fprintf(&b, `<text x="%g" y="%g" class="tot" dy="0.32em">%d</text>`, ml+cell*float64(L)+8, yy+cell/2, rowT[i])
	}
	for i := 0; i < L; i++ {
		fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" class="diag"/>`, ml+cell*float64(i), mt+cell*float64(i), cell, cell)
		fmt.Fprintf(&b, `<text x="%g" y="%g" class="tot" text-anchor="middle">%d</text>`, ml+cell*(float64(i)+0.5), mt+cell*float64(L)+16, colT[i])
	}
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" class="frame"/>`, ml, mt, cell*float64(L), cell*float64(L))
	b.WriteString(`</svg>`)
	fg.SVG = template.HTML(b.String())
	fg.Width = max(int(math.Ceil(W))+30, 300)
	return fg
}

func calibrationFigure(id string, c review.CalibrationCurve) figure {
	fg := figure{ID: id, Heading: c.Dimension + ": " + c.Rater}
	const (
		W, H           = 360.0, 340.0
		ml, mr, mt, mb = 50.0, 14.0, 12.0, 64.0
		pw, ph         = W - ml - mr, H - mt - mb
	)
	clamp := func(v float64) float64 { return math.Min(10, math.Max(0, v)) }
	x := func(v float64) float64 { return ml + pw*clamp(v)/10 }
	y := func(v float64) float64 { return mt + ph - ph*clamp(v)/10 }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="calibration curve">`, W, H, W, H)
	for v := 0.0; v <= 10; v += 2 {
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" class="grid"/>`, ml, y(v), ml+pw, y(v))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" class="grid"/>`, x(v), mt, x(v), mt+ph)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" class="tick" text-anchor="end" dy="0.32em">%g</text>`, ml-6, y(v), v)
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" class="tick" text-anchor="middle">%g</text>`, x(v), mt+ph+15, v)
	}
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" class="frame"/>`, ml, mt, pw, ph)
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" class="ref"/>`, x(0), y(0), x(10), y(10))
	pts := slices.Clone(c.Points)
	slices.SortStableFunc(pts, func(a, b review.CalibrationPoint) int {
		switch {
		case a.Score < b.Score:
			return -1
		case a.Score > b.Score:
			return 1
		}
		return 0
	})
	var line []string
	skipped := 0
	var marks strings.Builder
	for _, pt := range pts {
		s := pt.HumanMean
		if s.Undefined != "" || math.IsNaN(s.Value) || math.IsInf(s.Value, 0) || math.IsNaN(pt.Score) || math.IsInf(pt.Score, 0) {
			skipped++
			continue
		}
		px, py := x(pt.Score), y(s.Value)
		line = append(line, fmt.Sprintf("%.1f,%.1f", px, py))
		tip := fmt.Sprintf("%s = %s: human mean %s (n=%d)", c.Rater, label(pt.Score), num(s.Value), s.N)
		if ci := s.CI; ci != nil && ci.Undefined == "" && !math.IsNaN(ci.Lo) && !math.IsNaN(ci.Hi) {
			tip += fmt.Sprintf(", %s%% CI [%s, %s]", strconv.FormatFloat(ci.Level*100, 'f', -1, 64), num(ci.Lo), num(ci.Hi))
			lo, hi := y(ci.Lo), y(ci.Hi)
			fmt.Fprintf(&marks, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="err"/>`, px, lo, px, hi)
			fmt.Fprintf(&marks, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="err"/>`, px-4, lo, px+4, lo)
			fmt.Fprintf(&marks, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" class="err"/>`, px-4, hi, px+4, hi)
		}
		fmt.Fprintf(&marks, `<circle cx="%.1f" cy="%.1f" r="4" class="pt"><title>%s</title></circle>`, px, py, esc(tip))
		fmt.Fprintf(&marks, `<text x="%.1f" y="%g" class="nlab" text-anchor="middle">%d</text>`, px, mt+ph+31, s.N)
	}
	if len(line) > 1 {
		fmt.Fprintf(&b, `<polyline points="%s" class="curve"/>`, strings.Join(line, " "))
	}
	b.WriteString(marks.String())
	fmt.Fprintf(&b, `<text x="%g" y="%g" class="nlab" text-anchor="end">n</text>`, ml-6, mt+ph+31)
	fmt.Fprintf(&b, `<text x="%g" y="%g" class="axtitle" text-anchor="middle">%s score</text>`, ml+pw/2, H-10, esc(short(c.Rater, 40)))
	fmt.Fprintf(&b, `<text transform="translate(14 %g) rotate(-90)" class="axtitle" text-anchor="middle">human mean score</text>`, mt+ph/2)
	b.WriteString(`</svg>`)
	fg.SVG = template.HTML(b.String())
	fg.Width = int(W) + 30

	fg.Caption = append(fg.Caption, "Bias (machine − human): "+statText(c.Bias, true))
	if len(c.BiasBy) > 0 {
		keys := make([]string, 0, len(c.BiasBy))
		for k := range c.BiasBy {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + " " + statText(c.BiasBy[k], true)
		}
		fg.Caption = append(fg.Caption, "By track: "+strings.Join(parts, "; "))
	}
	note := "Points: the human consensus mean on the items this rater gave each score, with its CI; the dashed diagonal is perfect calibration; n under each score."
	if skipped > 0 {
		note += fmt.Sprintf(" %d score(s) with an undefined human mean left out.", skipped)
	}
	fg.Caption = append(fg.Caption, note)
	return fg
}

// statText renders a figure as plain text, e.g. "+0.42 [0.30, 0.55], n=120" or "undefined (n=3): reason".
func statText(s review.Stat, signedValue bool) string {
	f := makeFig(s, -1, signedValue)
	if !f.Defined {
		return fmt.Sprintf("undefined (n=%d): %s", s.N, s.Undefined)
	}
	out := f.Value
	if f.CI != "" {
		out += " " + f.CI
	}
	return fmt.Sprintf("%s, n=%d", out, s.N)
}

// ---------------------------------------------------------------------------------------------------
// page template

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"who": whoClass}).Parse(pageHTML))

// whoClass is the class of a cell holding a rater name: short names never wrap (not even at a hyphen),
// long ones wrap where they must.
func whoClass(name string) string {
	if utf8.RuneCountInString(name) <= 24 {
		return "who nw"
	}
	return "who"
}

const pageHTML = `{{- define "sumfig"}}<div class="lab" title="{{.Name}}">{{.Label}}<small class="n inl">n={{.N}}</small></div>{{if .Defined}}<div title="{{.Title}}"><span class="v">{{.Value}}</span>{{if .CI}} <span class="ci">{{.CI}}{{if .CINote}}*{{end}}</span>{{end}}{{if .CIUndef}} <span class="ci undef" title="{{.CIUndef}}">no CI</span>{{end}}</div>{{else}}<div><span class="undef" title="{{.Undefined}}">undefined</span></div><small class="why">{{.Undefined}}</small>{{end}}{{end}}
{{- define "cellfig"}}{{if .Defined}}<span class="v" title="{{.Title}}">{{.Value}}</span>{{if .CI}}<span class="ci2">{{.CI}}{{if .CINote}}*{{end}}</span>{{end}}{{if .CIUndef}}<span class="ci2 undef" title="{{.CIUndef}}">no CI</span>{{end}}{{else}}<span class="undef" title="{{.Undefined}}">undefined</span><small class="why">{{.Undefined}}</small>{{end}}{{if .ShowN}}<small class="n">n={{.N}}</small>{{end}}{{end}}
{{- define "figure"}}<figure id="{{.ID}}" style="width:{{.Width}}px"><h3>{{.Heading}}</h3>{{if .Empty}}<p class="empty">{{.Empty}}</p>{{else}}{{.SVG}}{{end}}{{with .Legend}}<div class="legend">{{range .}}<span><span class="sw" style="background:{{.Colour}}"></span>{{.Label}}</span>{{end}}</div>{{end}}<figcaption>{{range .Caption}}<p>{{.}}</p>{{end}}</figcaption></figure>{{end}}
{{- /* page */ -}}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="generator" content="loupe"/>
<title>{{.Title}}{{with .Meta.Workspace}} · {{.}}{{end}}</title>
<style>
:root{--fg:#1d2330;--muted:#5d6678;--line:#e2e5eb;--line2:#c6ccd6;--accent:#1f5fa8;--undef:#a4380f;--band:#f6f7f9}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#fff;color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
main{max-width:1240px;margin:0 auto;padding:28px 32px 56px}
header h1{font-size:24px;line-height:1.2;margin:0 0 14px;font-weight:650;letter-spacing:-0.01em}
h2{font-size:18px;font-weight:650;margin:36px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line2)}
h3{font-size:15px;font-weight:650;margin:24px 0 8px}
h4{font-size:13px;font-weight:600;margin:16px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:0.04em}
p.lead{color:var(--muted);margin:0 0 12px;max-width:60em}
dl.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:8px 24px;margin:0;padding:14px 16px;background:var(--band);border:1px solid var(--line);border-radius:8px}
dl.meta div{min-width:0}
dl.meta dt{font-size:11px;text-transform:uppercase;letter-spacing:0.05em;color:var(--muted)}
dl.meta dd{margin:2px 0 0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
nav.toc{margin:16px 0 0;font-size:13px}
nav.toc a{color:var(--accent);text-decoration:none;margin-right:14px;white-space:nowrap}
nav.toc a:hover{text-decoration:underline}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px;margin:0 0 8px}
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:11.5px;font-weight:600;color:var(--muted);border-bottom:2px solid var(--line2);vertical-align:bottom;white-space:nowrap}
th.num,td.num{text-align:right;white-space:nowrap}
tr.grp th{background:var(--band);font-size:13px;color:var(--fg);padding-top:8px;border-bottom:1px solid var(--line2)}
tr.sub td{background:#fbfbfc}
td.who{min-width:8.5em;max-width:20em;overflow-wrap:break-word}
td.grpc,td.nw{white-space:nowrap}
table.full thead th.num{white-space:normal;min-width:5.5em;max-width:9em}
td.fig{white-space:nowrap;padding-right:6px}
.lab{font-size:11px;color:var(--muted)}
.v{font-weight:600}
.ci{color:var(--muted);font-weight:400}
.ci2{display:block;color:var(--muted);font-size:11.5px}
small.n{display:block;font-size:11px;color:var(--muted)}
small.n.inl{display:inline;margin-left:6px}
.undef{color:var(--undef);font-style:italic;font-weight:500;text-decoration:underline dotted;cursor:help}
small.why{display:block;color:var(--undef);font-size:11px;line-height:1.3;white-space:normal;max-width:20em}
.kind{color:var(--muted);font-size:12px;min-width:7em;max-width:10em}
.vs{color:var(--muted)}
.note{color:var(--muted);font-size:12px}
.figs{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
figure{margin:0;padding:12px 14px;border:1px solid var(--line);border-radius:8px;background:#fff;break-inside:avoid;page-break-inside:avoid;max-width:100%}
figure h3{margin:0 0 6px;font-size:14px;overflow-wrap:anywhere}
figure svg{display:block;max-width:100%;height:auto}
figcaption{font-size:12px;color:var(--muted);margin-top:6px}
figcaption p{margin:2px 0}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;margin:4px 0 0}
.legend span.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.empty{color:var(--undef);font-style:italic;padding:8px 0}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;fill:#1d2330}
svg .tick{font-size:11px;fill:#5d6678}
svg .axtitle{font-size:12px;fill:#1d2330}
svg .nlab{font-size:10px;fill:#8a93a3}
svg .grid{stroke:#eceef2;stroke-width:1}
svg .axis{stroke:#9aa2b1;stroke-width:1}
svg .frame{fill:none;stroke:#9aa2b1;stroke-width:1}
svg .ref{stroke:#9aa2b1;stroke-width:1.2;stroke-dasharray:5 4}
svg .curve{fill:none;stroke:#1f5fa8;stroke-width:1.5;stroke-opacity:0.55}
svg .err{stroke:#1f5fa8;stroke-width:1.3}
svg .pt{fill:#1f5fa8;stroke:#fff;stroke-width:1.2}
svg .cell{stroke:#fff;stroke-width:1}
svg .diag{fill:none;stroke:#1d2330;stroke-width:1.4}
svg .cnt{font-size:12px;font-weight:600}
svg .cnt.zero{font-weight:400;fill:#b3b9c4}
svg .cnt.hi{fill:#ffffff}
svg .tot{font-size:11px;fill:#8a93a3}
footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:10px}
@media print{
  body{font-size:11px}
  main{max-width:none;padding:0}
  nav.toc{display:none}
  h2{break-after:avoid;page-break-after:avoid}
  tr,figure{break-inside:avoid;page-break-inside:avoid}
  .scroll{overflow:visible}
  figure{border-color:#ccc}
}
</style>
</head>
<body>
<main>
<header>
<h1>{{.Title}}</h1>
<dl class="meta">
{{with .Meta.Workspace}}<div><dt>Workspace</dt><dd>{{.}}</dd></div>{{end}}
{{with .Meta.Created}}<div><dt>Computed</dt><dd>{{.}}</dd></div>{{end}}
{{if .Meta.SnapshotID}}<div><dt>Snapshot</dt><dd>#{{.Meta.SnapshotID}}</dd></div>{{end}}
{{with .Meta.Fingerprint}}<div><dt>Input fingerprint</dt><dd><code>{{.}}</code></dd></div>{{end}}
<div><dt>Scope</dt><dd>{{if .Meta.Scope}}{{.Meta.Scope}}{{else}}whole workspace{{end}}</dd></div>
<div><dt>Items · ratings</dt><dd>{{.R.Items}} items · {{.R.Ratings}} ratings</dd></div>
<div><dt>Rubric sets</dt><dd>{{if .RubricSets}}{{range $i, $s := .RubricSets}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}{{else}}none{{end}}</dd></div>
<div><dt>Minimum items per figure</dt><dd>{{.R.MinItems}}</dd></div>
<div><dt>Bootstrap</dt><dd>{{.R.Resamples}} resamples · seed {{.R.Seed}}{{with .CILevel}} · {{.}} CIs{{end}}</dd></div>
</dl>
<nav class="toc"><a href="#summary">Reliability summary</a><a href="#tables">Full tables</a><a href="#distributions">Score distributions</a><a href="#confusion">Confusion matrices</a><a href="#calibration">Calibration</a><a href="#thresholds">Thresholds</a>{{if .Pairs}}<a href="#pairs">Side-by-side preference</a>{{end}}</nav>
</header>

<section id="summary">
<h2>Reliability summary</h2>
<p class="lead">Overall figures of every comparison (first {{.SummaryCols}} figures each){{with .CILevel}}, with {{.}} bootstrap confidence intervals in brackets{{end}}. n is the number of items each figure was computed on. Undefined figures give their reason instead of a number.</p>
{{if .Summary}}<div class="scroll"><table class="summary">
<thead><tr><th>Comparison</th><th>A</th><th></th><th>B</th><th class="num">n</th><th colspan="{{.SummaryCols}}">Figures</th></tr></thead>
<tbody>
{{- range .Summary}}
<tr class="grp"><th colspan="{{$.SummarySpan}}">{{.Dimension}}</th></tr>
{{- range .Rows}}
<tr><td class="kind">{{.Kind}}</td><td class="{{who .A}}">{{.A}}{{with .Rubric}}<br/><code class="note">{{.}}</code>{{end}}</td><td class="vs">vs</td><td class="{{who .B}}">{{.B}}</td><td class="num">{{.N}}</td>
{{- if .Undefined}}<td class="fig" colspan="{{$.SummaryCols}}"><span class="undef" title="{{.Undefined}}">undefined</span><small class="why">{{.Undefined}}</small></td>
{{- else}}{{range .Figs}}<td class="fig">{{template "sumfig" .}}</td>{{end}}{{range .Pad}}<td></td>{{end}}{{end}}</tr>
{{- end}}
{{- end}}
</tbody></table></div>
{{else}}<p class="empty">No comparisons in this report.</p>{{end}}
</section>

<section id="tables">
<h2>Full tables</h2>
<p class="lead">Every comparison by dimension and kind, overall and per group. n is the row's item count; a figure computed on a different number of items shows its own n.{{with .CILevel}} Brackets are {{.}} bootstrap CIs.{{end}} Hover a figure for its exact value and notes.</p>
{{range .Dims}}
<h3 id="{{.ID}}">{{.Dimension}}</h3>
{{range .Kinds}}
<h4>{{.Kind}}</h4>
<div class="scroll"><table class="full">
<thead><tr><th>A</th><th>B</th><th>Group</th>{{if .HasRubr}}<th>Rubric set</th>{{end}}<th class="num">n</th>{{range .Cols}}<th class="num" title="{{.Name}}">{{.Label}}</th>{{end}}</tr></thead>
<tbody>
{{- $k := .}}
{{- range .Rows}}
<tr{{if not .Overall}} class="sub"{{end}}><td class="{{who .A}}">{{.A}}</td><td class="{{who .B}}">{{.B}}</td><td class="grpc">{{.Group}}</td>{{if $k.HasRubr}}<td><code>{{.Rubric}}</code></td>{{end}}<td class="num">{{.N}}</td>
{{- if .Undefined}}<td colspan="{{$k.Span}}"><span class="undef" title="{{.Undefined}}">undefined</span><small class="why">{{.Undefined}}</small></td>
{{- else}}{{range .Cells}}<td class="num">{{if .}}{{template "cellfig" .}}{{else}}<span class="note">–</span>{{end}}</td>{{end}}{{end}}</tr>
{{- end}}
</tbody></table></div>
{{end}}
{{else}}<p class="empty">No comparisons in this report.</p>
{{end}}
</section>

<section id="distributions">
<h2>Score distributions</h2>
<p class="lead">Human and judge scores 0–10 per dimension, normalized to proportions of each rater's scores.</p>
{{if .Hists}}<div class="figs">{{range .Hists}}{{template "figure" .}}{{end}}</div>{{else}}<p class="empty">No score histograms in this report.</p>{{end}}
</section>

<section id="confusion">
<h2>Confusion matrices</h2>
<p class="lead">Rows are rater A's categories, columns rater B's; each cell counts the items that pair of categories was given to.</p>
{{if .Confusions}}<div class="figs">{{range .Confusions}}{{template "figure" .}}{{end}}</div>{{else}}<p class="empty">No confusion matrices in this report.</p>{{end}}
</section>

<section id="calibration">
<h2>Calibration</h2>
<p class="lead">What humans think of the items a machine rater gave each score. Points above the diagonal: the machine is harsher than the humans; below: more lenient.</p>
{{if .Calibration}}<div class="figs">{{range .Calibration}}{{template "figure" .}}{{end}}</div>{{else}}<p class="empty">No calibration curves in this report.</p>{{end}}
</section>

<section id="thresholds">
<h2>Thresholds</h2>
<p class="lead">The machine threshold (accept when score ≥ threshold) that best reproduces the human accept/reject decisions, and what it would reject of all the items this rater scored. The threshold is fitted on the same items it is scored on, so these figures are optimistic.</p>
{{if .Thresholds}}<div class="scroll"><table class="thr">
<thead><tr><th>Rater</th><th>Dimension</th><th class="num">Accept if ≥</th><th class="num">Agreement</th><th class="num">κ</th><th class="num">Precision</th><th class="num">Recall</th><th class="num">F1</th><th class="num">Would be rejected</th></tr></thead>
<tbody>
{{- range .Thresholds}}
<tr><td class="{{who .Rater}}">{{.Rater}}</td><td>{{.Dimension}}</td><td class="num"><span class="v">{{.Threshold}}</span></td><td class="num">{{template "cellfig" .Agreement}}</td><td class="num">{{template "cellfig" .Kappa}}</td><td class="num">{{template "cellfig" .Prec}}</td><td class="num">{{template "cellfig" .Rec}}</td><td class="num">{{template "cellfig" .F1}}</td><td class="num"><span class="v">{{.Rejected}}</span> of {{.Population}}{{with .RejectedPct}}<small class="n">{{.}}</small>{{end}}</td></tr>
{{- end}}
</tbody></table></div>
{{else}}<p class="empty">No threshold results in this report.</p>{{end}}
</section>
{{.Pairs}}
<footer>Generated by loupe. Self-contained file: no scripts, fonts or images are loaded from anywhere.</footer>
</main>
</body>
</html>
`

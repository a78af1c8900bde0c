package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/loupe-dev/loupe/report"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type statsOpts struct {
	queue     string
	by        string
	pair      []string
	minItems  int
	resamples int
	seed      uint64
	level     float64
	csv       bool
	markdown  bool
	html      string
	save      bool // store the computation as a snapshot
	noSave    bool // never store (the review screen's S); wins over save
	who       string
	distance  string // --kappa-distance
	cats      string // --categories
	pairs     pairStatsOpts
}

func newStatsCmd(g *globals) *cobra.Command {
	o := &statsOpts{}
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Agreement and calibration: judges vs humans, judge vs judge, pipeline vs humans, humans vs each other",
		Long: `Compute how far each judge (and the dataset's pipeline scorer) agrees with the annotators - each one and
their consensus - how far judges agree with each other and annotators with each other, per dimension,
overall and by --by group; calibration curves (the humans' mean score per judge score), systematic bias
per track, and for each score dimension the threshold that best reproduces the humans' accept/reject
decisions and how many items of the workspace it would reject.

Every figure is printed with n; a figure with fewer than --min-items items, or undefined (no variance,
one category...), says so instead of showing a number. CIs are percentile bootstrap over items, seeded.
Scores use the declared 0-10 scale (kappa weights from all 11 categories, observed or not).

The workspace is only read (a read-only file or folder works) unless --save stores the computation as a
snapshot (tables stat_snapshots, stat_figures, stat_thresholds, stat_calibration, stat_items); the same
inputs and options are recognised and not stored twice.`,
		Example: `  loupe stats
  loupe stats --queue prism-audit --by track
  loupe stats --pair gpt-4.1,ana --markdown
  loupe stats --save --annotator ana
  loupe stats --html report.html
  loupe stats --pairs --queue sbs --ties davidson`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runStats(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.queue, "queue", "", "only the items of this queue (default: the whole workspace)")
	f.StringVar(&o.by, "by", "dimension", "also split by: dimension (no split), track, subset, model or annotator")
	f.StringSliceVar(&o.pair, "pair", nil, "only compare these two raters: names (ana, gpt-4.1 / loupe-v1@..), kinds (judge, human, pipeline) or consensus")
	f.IntVar(&o.minItems, "min-items", 10, "fewest items a figure is shown for")
	f.IntVar(&o.resamples, "resamples", 1000, "bootstrap resamples for the CIs (0: none)")
	f.Uint64Var(&o.seed, "seed", 1, "bootstrap seed")
	f.Float64Var(&o.level, "level", 0.95, "CI level")
	f.BoolVar(&o.csv, "csv", false, "print every figure as CSV (one row per figure)")
	f.BoolVar(&o.markdown, "markdown", false, "print the tables as Markdown")
	f.StringVar(&o.html, "html", "", "write a self-contained HTML report with plots to this file")
	f.BoolVar(&o.save, "save", false, "store the computation as a snapshot in the workspace (else the workspace is only read)")
	f.BoolVar(&o.noSave, "no-save", false, "do not store a snapshot (the default)")
	f.MarkDeprecated("no-save", "nothing is stored without --save")
	f.StringVar(&o.who, "annotator", "", "with --save: who computed it, recorded in the snapshot (default $USER)")
	f.StringVar(&o.distance, "kappa-distance", "value", "weighted kappa distances of scores: value (on the declared scale) or index (positions among the categories, as scikit-learn and R irr)")
	f.StringVar(&o.cats, "categories", "", "the category set of scores (e.g. 0,1,2,3,4,5) or, as one number, how many there are (Gwet's q); default: the declared 0-10 scale")
	addPairStatsFlags(f, &o.pairs)
	return cmd
}

// computeStats loads the ratings and computes the report; with o.save (and not o.noSave) it stores its
// snapshot, or finds the one stored for the same inputs.
func computeStats(ctx context.Context, st *store.Store, o *statsOpts) (*review.AgreementReport, *store.SnapshotInfo, error) {
	var conv review.Conventions
	var err error
	if conv.Distance, err = review.ParseKappaDistance(o.distance); err != nil {
		return nil, nil, usageError{fmt.Errorf("--kappa-distance: %w", err)}
	}
	if conv.Categories, conv.Q, err = review.ParseCategories(o.cats); err != nil {
		return nil, nil, usageError{fmt.Errorf("--categories: %w", err)}
	}
	rep, snap, err := workspace.New(st).Stats(ctx, workspace.StatsOptions{Queue: o.queue, By: o.by, Pair: o.pair, MinItems: o.minItems,
		Resamples: o.resamples, Seed: o.seed, Level: o.level, Save: o.save && !o.noSave, Who: o.who, Conventions: conv})
	if errors.Is(err, workspace.ErrStatsUsage) {
		return nil, nil, usageError{errors.New(strings.TrimPrefix(err.Error(), workspace.ErrStatsUsage.Error()+": "))}
	}
	return rep, snap, err
}

func runStats(ctx context.Context, g *globals, o *statsOpts) error {
	if o.pairs.on {
		return runStatsPairs(ctx, g, o)
	}
	if o.minItems < 0 {
		return usageError{fmt.Errorf("--min-items %d: want 0 or more", o.minItems)}
	}
	open := g.openReadOnly
	if o.save && !o.noSave {
		open = g.openExisting
	}
	st, err := open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := refusePairQueue(ctx, st, o.queue, "loupe stats --pairs --queue"); err != nil {
		return err
	}
	rep, snap, err := computeStats(ctx, st, o)
	if err != nil {
		return err
	}
	if o.html != "" {
		pairs, err := pairSections(ctx, st, o)
		if err != nil {
			return err
		}
		if err := writeHTMLReport(o.html, rep, snap, g.db, o, pairs); err != nil {
			return err
		}
	}
	switch {
	case g.json:
		return g.printJSON(map[string]any{"snapshot": snap, "report": rep})
	case o.csv:
		return writeStatsCSV(g.out, rep)
	}
	printStats(g.out, rep, snap, o)
	if o.html != "" {
		fmt.Fprintf(g.out, "\nHTML report: %s\n", Clean(o.html))
	}
	return nil
}

func writeHTMLReport(path string, rep *review.AgreementReport, snap *store.SnapshotInfo, db string, o *statsOpts, pairs []report.PairSection) error {
	meta := report.Meta{Title: "loupe agreement report", Workspace: db, Scope: store.RatingsScope{Queue: o.queue}.Name()}
	if snap != nil {
		meta.SnapshotID, meta.Fingerprint, meta.Created = snap.ID, snap.Fingerprint, snap.Created
	}
	// one rule for every output file: missing folders are created, the file appears complete or not at all
	return writeOutputFile(path, func(w io.Writer) error { return report.WriteHTMLWithPairs(w, rep, meta, pairs) })
}

// fmtStat renders a figure with its CI, or why it is undefined.
func fmtStat(s review.Stat) string {
	if !s.Defined() {
		return "undefined"
	}
	v := strconv.FormatFloat(s.Value, 'f', 3, 64)
	if s.CI != nil && s.CI.Undefined == "" {
		v += fmt.Sprintf(" [%.2f, %.2f]", s.CI.Lo, s.CI.Hi)
	}
	return v
}

// headline are the figures the text tables show (every figure is in --json and --csv).
var headline = map[bool][]string{
	false: {"cohen_kappa_quadratic", "spearman_rho", "mae", "exact_agreement", "within_one", "mean_bias"},
	true:  {"exact_agreement", "cohen_kappa", "gwet_ac1", "krippendorff_alpha_nominal"},
}

func statByName(stats []review.Stat, name string) (review.Stat, bool) {
	for _, s := range stats {
		if s.Name == name {
			return s, true
		}
	}
	return review.Stat{}, false
}

// table prints aligned columns (or Markdown).
type table struct {
	head []string
	rows [][]string
}

func (t *table) print(w io.Writer, markdown bool) {
	width := make([]int, len(t.head))
	for i, h := range t.head {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, r := range t.rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		if markdown {
			b.WriteString("| ")
		} else {
			b.WriteString("  ")
		}
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i >= 4 && !markdown { // numbers right-aligned
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			if i < len(cells)-1 {
				if markdown {
					b.WriteString(" | ")
				} else {
					b.WriteString("  ")
				}
			}
		}
		if markdown {
			b.WriteString(" |")
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(t.head)
	if markdown {
		sep := make([]string, len(t.head))
		for i := range sep {
			sep[i] = strings.Repeat("-", width[i])
		}
		line(sep)
	}
	for _, r := range t.rows {
		line(r)
	}
}

func printStats(w io.Writer, rep *review.AgreementReport, snap *store.SnapshotInfo, o *statsOpts) {
	scope := store.RatingsScope{Queue: o.queue}.Name()
	h := "#"
	if !o.markdown {
		h = ""
	}
	fmt.Fprintf(w, "%sagreement: %s, %s, %s; figures need %s; CIs: %d bootstrap resamples (seed %d, %g%%)\n",
		strings.TrimSpace(h+" "), CleanLine(scope), plural(rep.Items, "item"), plural(rep.Ratings, "rating"), plural(rep.MinItems, "item"), rep.Resamples, o.seed, o.level*100)
	if snap != nil {
		state := "stored as snapshot"
		if snap.Existing {
			state = "same inputs as snapshot"
		}
		fmt.Fprintf(w, "%s #%d (%s), inputs %s\n", state, snap.ID, CleanLine(snap.Created), snap.Fingerprint[:16])
	}
	if len(rep.RubricSets) > 1 {
		fmt.Fprintf(w, "judges' rubric versions: %s (each rater is one model with one rubric set: never mixed)\n", CleanLine(strings.Join(rep.RubricSets, ", ")))
	}
	if len(rep.Rows) == 0 {
		fmt.Fprintln(w, "\nnothing to compare: no item has ratings from two raters (review some items, run a judge, or loupe import labels)")
		return
	}
	dims := []string{}
	for _, r := range rep.Rows {
		if len(dims) == 0 || dims[len(dims)-1] != r.Dimension {
			dims = append(dims, r.Dimension)
		}
	}
	undefinedCell := func(why string) string {
		if strings.Contains(why, "minimum") {
			return "n<" + strconv.Itoa(rep.MinItems)
		}
		return CleanLine(why)
	}
	var all []review.AgreementRow
	for _, dim := range dims {
		decision := dim == review.DecisionDimension
		t := &table{head: []string{"kind", "a", "b", "group", "n"}}
		t.head = append(t.head, headline[decision]...)
		for _, r := range rep.Rows {
			if r.Dimension != dim {
				continue
			}
			if r.Kind == review.AllHumans {
				all = append(all, r) // their own table: other figures than the pairs'
				continue
			}
			row := []string{CleanLine(string(r.Kind)), cell(shorten(r.A, 28), o.markdown), cell(shorten(r.B, 28), o.markdown), cell(groupName(r), o.markdown), strconv.Itoa(r.N)}
			for i, name := range headline[decision] {
				switch s, ok := statByName(r.Stats, name); {
				case r.Undefined != "" && i == 0:
					row = append(row, cell(undefinedCell(r.Undefined), o.markdown))
				case r.Undefined != "":
					row = append(row, "")
				case !ok:
					row = append(row, "-")
				default:
					row = append(row, fmtStat(s))
				}
			}
			t.rows = append(t.rows, row)
		}
		if len(t.rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s%s\n", map[bool]string{true: "## ", false: ""}[o.markdown], CleanLine(dim))
		t.print(w, o.markdown)
		printMoreFigures(w, rep.Rows, dim, o.markdown)
	}
	if len(all) > 0 {
		fmt.Fprintf(w, "\n%sAll annotators together (missing ratings allowed: Krippendorff's alpha; Fleiss' kappa in Gwet's generalisation)\n", map[bool]string{true: "## ", false: ""}[o.markdown])
		t := &table{head: []string{"dimension", "annotators", "group", "n", "figures"}}
		for _, r := range all {
			figs := undefinedCell(r.Undefined)
			if r.Undefined == "" {
				var parts []string
				for _, s := range r.Stats {
					parts = append(parts, fmt.Sprintf("%s %s (n=%d)", s.Name, fmtStat(s), s.N))
				}
				figs = strings.Join(parts, "  ")
			}
			t.rows = append(t.rows, []string{CleanLine(r.Dimension), cell(shorten(r.B, 40), o.markdown), cell(groupName(r), o.markdown), strconv.Itoa(r.N), cell(figs, o.markdown)})
		}
		t.print(w, o.markdown)
	}
	if len(rep.Calibration) > 0 {
		fmt.Fprintf(w, "\n%scalibration: humans' mean score per machine score (bias = machine - humans)\n", map[bool]string{true: "## ", false: ""}[o.markdown])
		t := &table{head: []string{"rater", "dimension", "bias", "", "points (score: human mean, n)"}}
		for _, c := range rep.Calibration {
			var pts []string
			for _, p := range c.Points {
				if p.HumanMean.Defined() {
					pts = append(pts, fmt.Sprintf("%g: %.1f (%d)", p.Score, p.HumanMean.Value, p.HumanMean.N))
				}
			}
			t.rows = append(t.rows, []string{cell(shorten(c.Rater, 28), o.markdown), cell(c.Dimension, o.markdown), fmtStat(c.Bias), "", strings.Join(pts, "  ")})
		}
		t.print(w, o.markdown)
	}
	if len(rep.Thresholds) > 0 {
		fmt.Fprintf(w, "\n%sthresholds: accept when score >= t, best reproducing the humans' decisions\n", map[bool]string{true: "## ", false: ""}[o.markdown])
		t := &table{head: []string{"rater", "dimension", "t", "n", "agreement", "kappa", "precision", "recall", "f1", "would reject"}}
		for _, r := range rep.Thresholds {
			rej := "-"
			if r.Population > 0 {
				rej = fmt.Sprintf("%d of %d", r.Rejected, r.Population)
			}
			t.rows = append(t.rows, []string{cell(shorten(r.Rater, 28), o.markdown), cell(r.Dimension, o.markdown), fmt.Sprintf("%g", r.Threshold), strconv.Itoa(r.Agreement.N),
				fmtStat(r.Agreement), fmtStat(r.Kappa), fmtStat(r.Precision), fmtStat(r.Recall), fmtStat(r.F1), rej})
		}
		t.print(w, o.markdown)
	}
	var undef []string
	for _, r := range rep.Rows {
		for _, s := range r.Stats {
			if !s.Defined() {
				undef = append(undef, fmt.Sprintf("%s %s vs %s, %s: %s (n=%d)", r.Dimension, shorten(r.A, 20), shorten(r.B, 20), s.Name, s.Undefined, s.N))
			}
		}
	}
	if len(undef) > 0 {
		fmt.Fprintf(w, "\nundefined figures (%d):\n", len(undef))
		for i, u := range undef {
			if i == 12 {
				fmt.Fprintf(w, "  ... and %d more (--json lists every one)\n", len(undef)-12)
				break
			}
			fmt.Fprintf(w, "  %s\n", CleanLine(u))
		}
	}
}

// cell makes a name safe for one table cell: CleanLine, and in Markdown a | that would end the cell
// escaped.
func cell(s string, markdown bool) string {
	s = CleanLine(s)
	if markdown {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	return s
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// writeStatsCSV writes one row per figure; names are cleaned as on the terminal (CleanLine: no control
// character, bidi control or line feed reaches the file).
func writeStatsCSV(w io.Writer, rep *review.AgreementReport) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"kind", "a", "b", "dimension", "by", "group", "rubric_set", "statistic", "n", "value", "ci_lo", "ci_hi", "undefined"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, r := range rep.Rows {
		stats := r.Stats
		if r.Undefined != "" {
			stats = []review.Stat{{Name: "n", N: r.N, Undefined: r.Undefined}}
		}
		for _, s := range stats {
			rec := []string{string(r.Kind), r.A, r.B, r.Dimension, r.By, r.Group, r.RubricSet, s.Name, strconv.Itoa(s.N), "", "", "", s.Undefined}
			for i := range rec {
				rec[i] = CleanLine(rec[i])
			}
			if s.Defined() {
				rec[9] = f(s.Value)
				if s.CI != nil && s.CI.Undefined == "" {
					rec[10], rec[11] = f(s.CI.Lo), f(s.CI.Hi)
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// groupName is a row's group: "all", or by=value.
func groupName(r review.AgreementRow) string {
	if r.By != "" {
		return r.By + "=" + r.Group
	}
	return "all"
}

// printMoreFigures lists, under a dimension's table, each overall pair row's further figures (kappa's SE
// and z under H0, Scott's pi, PABAK, prevalence and bias indices, tau-c...) and its ICC F tests.
func printMoreFigures(w io.Writer, rows []review.AgreementRow, dim string, markdown bool) {
	t := &table{head: []string{"a", "b", "more figures"}}
	for _, r := range rows {
		if r.Dimension != dim || r.By != "" || r.Kind == review.AllHumans || r.Undefined != "" || len(r.Extra)+len(r.ICC) == 0 {
			continue
		}
		var parts []string
		for _, s := range r.Extra {
			parts = append(parts, s.Name+" "+fmtStat(s))
		}
		for _, ic := range r.ICC {
			f := ic.ICC.Name + " " + fmtStat(ic.ICC)
			if ic.TestUndefined == "" {
				f += fmt.Sprintf(" (F(%g,%g)=%.2f, p=%.3g)", ic.DF1, ic.DF2, ic.F, ic.P)
			}
			parts = append(parts, f)
		}
		t.rows = append(t.rows, []string{cell(shorten(r.A, 28), markdown), cell(shorten(r.B, 28), markdown), cell(strings.Join(parts, "  "), markdown)})
	}
	if len(t.rows) > 0 {
		t.print(w, markdown)
	}
}

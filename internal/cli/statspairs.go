package cli

// loupe stats --pairs: side-by-side preference statistics of a pair queue (workspace.PairStats), and
// the pair queues' section of the HTML report (loupe stats --html).

import (
	"context"
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
	"github.com/spf13/pflag"
)

// pairStatsOpts are the flags of loupe stats --pairs (the queue, resamples, seed and level are the
// stats command's own).
type pairStatsOpts struct {
	on       bool
	dim      string
	judgeDim string
	ties     string
}

func addPairStatsFlags(f *pflag.FlagSet, o *pairStatsOpts) {
	f.BoolVar(&o.on, "pairs", false, "side-by-side preference of a pair queue (--queue; default the first): Bradley-Terry leaderboards, win rates, judge-human agreement, position bias")
	f.StringVar(&o.dim, "dimension", "", "with --pairs: the people's dimension (default: the queue's first)")
	f.StringVar(&o.judgeDim, "judge-dimension", "", "with --pairs: the pairwise judges' dimension to compare (default: alignment for overall, else the same)")
	f.StringVar(&o.ties, "ties", "half", "with --pairs: ties as half wins (half) or Davidson's tie model (davidson)")
}

func pairStatsRequest(o *statsOpts) (workspace.PairStatsRequest, error) {
	ties, err := workspace.ParseTieMode(o.pairs.ties)
	if err != nil {
		return workspace.PairStatsRequest{}, usageError{errors.New(strings.TrimPrefix(err.Error(), workspace.ErrStatsUsage.Error()+": "))}
	}
	if o.resamples < 0 {
		return workspace.PairStatsRequest{}, usageError{fmt.Errorf("--resamples %d: want 0 or more", o.resamples)}
	}
	if !(o.level > 0 && o.level < 1) {
		return workspace.PairStatsRequest{}, usageError{fmt.Errorf("--level %g: want a number between 0 and 1", o.level)}
	}
	return workspace.PairStatsRequest{Queue: o.queue, Dimension: o.pairs.dim, JudgeDimension: o.pairs.judgeDim, Ties: ties,
		Resamples: o.resamples, Seed: o.seed, Level: o.level}, nil
}

func runStatsPairs(ctx context.Context, g *globals, o *statsOpts) error {
	if g.cmd != nil {
		for _, name := range []string{"html", "csv", "save", "by", "pair", "annotator", "kappa-distance", "categories", "min-items"} {
			if g.cmd.Flags().Changed(name) {
				return usageError{fmt.Errorf("--%s does not apply to --pairs (loupe stats --html includes the pair queues' section)", name)}
			}
		}
	}
	req, err := pairStatsRequest(o)
	if err != nil {
		return err
	}
	st, err := g.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := workspace.New(st).PairStats(ctx, req)
	if errors.Is(err, workspace.ErrStatsUsage) {
		return usageError{errors.New(strings.TrimPrefix(err.Error(), workspace.ErrStatsUsage.Error()+": "))}
	}
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(rep)
	}
	printPairStats(g.out, rep, o.markdown)
	return nil
}

// pairSections computes the HTML report's side-by-side section: every pair queue and dimension with
// people's choices, with the stats command's resamples, seed and level.
func pairSections(ctx context.Context, st *store.Store, o *statsOpts) ([]report.PairSection, error) {
	req, err := pairStatsRequest(o)
	if err != nil {
		return nil, err
	}
	reps, err := workspace.New(st).PairReports(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("side-by-side preference: %w", err)
	}
	var out []report.PairSection
	for _, r := range reps {
		out = append(out, r.Section())
	}
	return out, nil
}

// footnotes numbers the reasons of undefined figures, each reason once.
type footnotes struct{ whys []string }

func (n *footnotes) ref(why string) string {
	why = CleanLine(why)
	for i, w := range n.whys {
		if w == why {
			return fmt.Sprintf("undefined [%d]", i+1)
		}
	}
	n.whys = append(n.whys, why)
	return fmt.Sprintf("undefined [%d]", len(n.whys))
}

func (n *footnotes) print(w io.Writer) {
	if len(n.whys) == 0 {
		return
	}
	fmt.Fprintln(w, "\nundefined (or not applicable) figures:")
	for i, why := range n.whys {
		fmt.Fprintf(w, "  [%d] %s\n", i+1, why)
	}
}

// stat renders a figure with its CI, or a footnote with why it is undefined.
func (n *footnotes) stat(s review.Stat) string {
	if !s.Defined() {
		return n.ref(s.Undefined)
	}
	return strconv.FormatFloat(s.Value, 'f', 3, 64)
}

// ptable is a table whose columns from the first numeric one (num) on are right-aligned.
type ptable struct {
	head []string
	num  int
	rows [][]string
}

func (t *ptable) print(w io.Writer, markdown bool) {
	if markdown {
		(&table{head: t.head, rows: t.rows}).print(w, true)
		return
	}
	width := make([]int, len(t.head))
	for _, r := range append([][]string{t.head}, t.rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range append([][]string{t.head}, t.rows...) {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			b.WriteString("  ")
			if i >= t.num {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func ratingStr(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

func signedRating(v float64) string {
	s := ratingStr(v)
	if s == "-0" {
		s = "0"
	}
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

func groupLabel(g workspace.PairGroup) string {
	switch g.Kind {
	case workspace.PairKindHumans:
		return "people (pooled)"
	case workspace.PairKindScores:
		return CleanLine(g.Rater) + " (score-derived judge: the higher absolute score wins)"
	}
	return CleanLine(g.Rater) + " (pairwise judge)"
}

func printPairStats(w io.Writer, rep *workspace.PairReport, markdown bool) {
	h := func(s string) {
		if markdown {
			fmt.Fprintf(w, "\n## %s\n", s)
		} else {
			fmt.Fprintf(w, "\n%s\n", s)
		}
	}
	lvl := strconv.FormatFloat(rep.Level*100, 'f', -1, 64) + "%"
	ties := "ties as half wins"
	if rep.Ties == "davidson" {
		ties = "ties by Davidson's model"
	}
	fmt.Fprintf(w, "side-by-side preference: queue %s, dimension %s (pairwise judges on %s, score-derived judges on %s)\n",
		CleanLine(rep.Queue), CleanLine(rep.Dimension), CleanLine(rep.JudgeDimension), CleanLine(rep.ScoreDimension))
	who := "no one"
	if len(rep.Annotators) > 0 {
		who = CleanLine(strings.Join(rep.Annotators, ", "))
	}
	fmt.Fprintf(w, "%s, %d answered (%s by %s); pairwise judge verdicts: %d read, %d unreadable (left out)\n",
		plural(rep.Pairs, "pair"), rep.Answered, plural(rep.Answers, "choice"), who, rep.Verdicts, rep.Unreadable)
	ci := "no CIs (--resamples 0)"
	if rep.Resamples > 0 {
		ci = fmt.Sprintf("%s CIs from %d bootstrap resamples over prompts (seed %d)", lvl, rep.Resamples, rep.Seed)
	}
	fmt.Fprintf(w, "ratings: Bradley-Terry, 1000 + 400 log10(strength), %s, one virtual tied game per model pair; %s\n", ties, ci)
	notes := &footnotes{}
	for _, g := range rep.Groups {
		lb := g.Leaderboard
		h("leaderboard: " + groupLabel(g))
		if lb.Undefined != "" {
			fmt.Fprintf(w, "  undefined: %s\n", CleanLine(lb.Undefined))
			continue
		}
		extra := ""
		if g.Unreadable > 0 {
			extra = fmt.Sprintf(", %d unreadable verdicts left out", g.Unreadable)
		}
		if lb.Ties == review.TiesDavidson {
			extra += fmt.Sprintf(", tie parameter nu %.3f", lb.Nu)
		}
		fmt.Fprintf(w, "  %s on %s%s\n", plural(lb.Comparisons, "comparison"), plural(lb.Prompts, "prompt"), extra)
		t := &ptable{head: []string{"#", "model", "rating", lvl + " CI", "W-L-T"}, num: 2}
		for i, m := range lb.Models {
			c := "-"
			switch {
			case m.RatingCI == nil:
			case m.RatingCI.Undefined != "":
				c = notes.ref(m.RatingCI.Undefined)
			default:
				c = fmt.Sprintf("[%s, %s]", ratingStr(m.RatingCI.Lo), ratingStr(m.RatingCI.Hi))
			}
			t.rows = append(t.rows, []string{strconv.Itoa(i + 1), cell(m.Model, markdown), ratingStr(m.Rating), c, fmt.Sprintf("%d-%d-%d", m.Wins, m.Losses, m.Ties)})
		}
		t.print(w, markdown)
		if len(lb.Separations) > 0 {
			fmt.Fprintf(w, "  separable at %s (the CI of the rating difference excludes 0):\n", lvl)
			for _, s := range lb.Separations {
				verdict := "not separable"
				c := ""
				switch {
				case s.DiffCI == nil:
					verdict = "no bootstrap"
				case s.DiffCI.Undefined != "":
					verdict = notes.ref(s.DiffCI.Undefined)
				default:
					c = fmt.Sprintf(" [%s, %s]", signedRating(s.DiffCI.Lo), signedRating(s.DiffCI.Hi))
					if s.Separable {
						verdict = "separable"
					}
				}
				fmt.Fprintf(w, "    %s vs %s: %s%s  %s\n", CleanLine(s.A), CleanLine(s.B), signedRating(s.Diff), c, verdict)
			}
		}
		fmt.Fprintln(w, "  win rates (row model vs column model, ties as half):")
		wr := &ptable{head: append([]string{"model"}, g.WinRates.Models...), num: 1}
		for i := range wr.head {
			wr.head[i] = cell(wr.head[i], markdown)
		}
		for i, m := range g.WinRates.Models {
			row := []string{cell(m, markdown)}
			for j := range g.WinRates.Models {
				r := g.WinRates.Rate[i][j]
				switch {
				case i == j:
					row = append(row, "-")
				case r.Defined():
					row = append(row, fmt.Sprintf("%.3f (n=%d)", r.Value, r.N))
				default:
					row = append(row, notes.ref(r.Undefined))
				}
			}
			wr.rows = append(wr.rows, row)
		}
		wr.print(w, markdown)
	}
	if len(rep.Agreements) > 0 {
		h("judges vs people (preferred model per pair, sides undone; decisive: pairs the people did not call a tie)")
		t := &ptable{head: []string{"judge", "kind", "n", "agreement", "kappa", "decisive n", "decisive agreement", "decisive kappa"}, num: 2}
		for _, a := range rep.Agreements {
			ag := a.Agreement
			t.rows = append(t.rows, []string{cell(a.Judge, markdown), a.Kind, strconv.Itoa(ag.Matched), notes.stat(ag.Agreement), notes.stat(ag.Kappa),
				strconv.Itoa(ag.DecisiveAgreement.N), notes.stat(ag.DecisiveAgreement), notes.stat(ag.DecisiveKappa)})
		}
		t.print(w, markdown)
		h("leaderboards vs the people's (rank correlation over the models both rank)")
		c := &ptable{head: []string{"judge", "kind", "models", "spearman", "kendall tau-b"}, num: 2}
		for _, g := range rep.Groups[1:] {
			c.rows = append(c.rows, []string{cell(g.Rater, markdown), g.Kind, strconv.Itoa(g.Spearman.N), notes.stat(g.Spearman), notes.stat(g.Kendall)})
		}
		c.print(w, markdown)
	}
	if len(rep.People) > 0 {
		h("people vs people (pairs both answered, sides undone; decisive: pairs the second did not call a tie)")
		t := &ptable{head: []string{"a", "b", "n", "agreement", "kappa", "decisive n", "decisive agreement", "decisive kappa"}, num: 2}
		for _, a := range rep.People {
			ag := a.Agreement
			t.rows = append(t.rows, []string{cell(a.A, markdown), cell(a.B, markdown), strconv.Itoa(ag.Matched), notes.stat(ag.Agreement), notes.stat(ag.Kappa),
				strconv.Itoa(ag.DecisiveAgreement.N), notes.stat(ag.DecisiveAgreement), notes.stat(ag.DecisiveKappa)})
		}
		t.print(w, markdown)
	}
	if len(rep.Biases) > 0 {
		h("position bias (left/first share of non-tie answers: 0.5 is unbiased; flip rate: answers that changed when the order did)")
		t := &ptable{head: []string{"rater", "kind", "decisive", "left/first share", "both orders", "flip rate"}, num: 2}
		for _, b := range rep.Biases {
			if b.NotApplicable != "" {
				na := strings.Replace(notes.ref(b.NotApplicable), "undefined", "n/a", 1)
				t.rows = append(t.rows, []string{cell(b.Bias.Rater, markdown), b.Kind, "-", na, "-", na})
				continue
			}
			t.rows = append(t.rows, []string{cell(b.Bias.Rater, markdown), b.Kind, strconv.Itoa(b.Bias.Decisive), notes.stat(b.Bias.LeftShare),
				strconv.Itoa(b.Bias.OrderPairs), notes.stat(b.Bias.FlipRate)})
		}
		t.print(w, markdown)
	}
	notes.print(w)
}

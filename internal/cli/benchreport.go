package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loupe-dev/loupe/prismbench"
	"github.com/loupe-dev/loupe/report"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

type benchReportOpts struct {
	lang      string
	judge     string
	published []string
	markdown  bool
	csv       bool
	html      string
}

func newBenchReportCmd(g *globals) *cobra.Command {
	o := &benchReportOpts{}
	cmd := &cobra.Command{
		Use:   "report [--lang en] [--judge NAME] [--published CSV...]",
		Short: "The PRISM-Bench leaderboard, computed exactly as the official code does, with coverage",
		Long: `Per model, judge and language: each track's alignment, aesthetics and average, and overall - pooled
means of the verdicts (failed and missing ones excluded, never 0), x10, one decimal, as the official
code computes them - with coverage (verdicts missing or failed per track). Published rows (a CSV in the
layout of the paper's tables) are shown beside, marked as published. For models judged by two judges:
per-track rank correlation of the models and per-image agreement between the judges.`,
		Example: `  loupe bench report
  loupe bench report --published prism_bench_en_gpt41.csv --markdown
  loupe bench report --html leaderboard.html`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchReport(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.lang, "lang", "", "only this language (en or zh)")
	f.StringVar(&o.judge, "judge", "", "only this judge (rater name, or a part of it)")
	f.StringSliceVar(&o.published, "published", nil, "published tables to show beside (CSV; judge and language from the file name, e.g. prism_bench_en_gpt41.csv)")
	f.BoolVar(&o.markdown, "markdown", false, "print Markdown")
	f.BoolVar(&o.csv, "csv", false, "print CSV (the published layout plus judge, lang, coverage)")
	f.StringVar(&o.html, "html", "", "write a self-contained HTML leaderboard to this file")
	return cmd
}

// benchData loads the verdicts as prismbench sees them.
func benchData(ctx context.Context, st *store.Store, lang, judgeFilter string) ([]prismbench.Verdict, []store.BenchVerdict, int, error) {
	bv, err := st.BenchVerdicts(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	var vs []prismbench.Verdict
	var kept []store.BenchVerdict
	for _, v := range bv {
		if (lang != "" && v.Lang != lang) || (judgeFilter != "" && !strings.Contains(v.Judge, judgeFilter)) {
			continue
		}
		kept = append(kept, v)
		vs = append(vs, prismbench.Verdict{Model: v.Model, Judge: v.Judge, Lang: v.Lang, Track: v.Track, Index: v.Index, Kind: v.Kind, Score: v.Value})
	}
	expected := 0
	for _, l := range []string{"en", "zh"} {
		if lang != "" && l != lang {
			continue
		}
		counts, err := st.BenchPromptCounts(ctx, l)
		if err != nil {
			return nil, nil, 0, err
		}
		for _, n := range counts {
			expected = max(expected, n)
		}
	}
	return vs, kept, expected, nil
}

func runBenchReport(ctx context.Context, g *globals, o *benchReportOpts) error {
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	vs, _, expected, err := benchData(ctx, st, o.lang, o.judge)
	if err != nil {
		return err
	}
	rows := prismbench.Aggregate(vs, expected)
	for _, p := range o.published {
		base := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		lang, judge := "en", base
		for _, l := range []string{"en", "zh"} {
			if strings.Contains(base, "_"+l+"_") {
				lang = l
				judge = base[strings.Index(base, "_"+l+"_")+4:]
			}
		}
		pub, err := prismbench.ReadPublished(p, judge, lang)
		if err != nil {
			return err
		}
		rows = append(rows, pub...)
	}
	comps := prismbench.CompareJudgesPerImage(rows, vs)
	if o.html != "" {
		if err := writeBenchHTML(o.html, rows, comps); err != nil {
			return err
		}
	}
	switch {
	case g.json:
		return g.printJSON(map[string]any{"rows": rows, "judges_compared": comps})
	case o.csv:
		return prismbench.WriteCSV(g.out, rows)
	case o.markdown:
		if err := prismbench.WriteMarkdown(g.out, rows); err != nil {
			return err
		}
	default:
		if len(rows) == 0 {
			fmt.Fprintln(g.out, "no PRISM-Bench verdicts in the workspace (loupe bench run, or import an official results folder)")
			return nil
		}
		if err := prismbench.WriteTable(g.out, rows); err != nil {
			return err
		}
	}
	printJudgeComparisons(g, comps)
	return nil
}

func printJudgeComparisons(g *globals, comps []prismbench.JudgeComparison) {
	for _, c := range comps {
		fmt.Fprintf(g.out, "\njudges compared (%s): %s vs %s\n", c.Lang, Clean(c.A), Clean(c.B))
		t := &table{head: []string{"track", "models", "spearman", "kendall tau-b"}}
		for _, r := range c.Ranks {
			t.rows = append(t.rows, []string{r.Track, fmt.Sprint(r.Models), fmtStat(r.Spearman), fmtStat(r.Kendall)})
		}
		t.print(g.out, false)
		for _, kind := range []string{"alignment", "aesthetics"} {
			var parts []string
			for _, s := range c.PerImage[kind] {
				parts = append(parts, fmt.Sprintf("%s %s (n=%d)", s.Name, fmtStat(s), s.N))
			}
			fmt.Fprintf(g.out, "  per image, %s: %s\n", kind, strings.Join(parts, ", "))
		}
	}
}

// writeBenchHTML writes the self-contained leaderboard page (report.WriteLeaderboard).
func writeBenchHTML(path string, rows []prismbench.Row, comps []prismbench.JudgeComparison) error {
	return writeOutputFile(path, func(w io.Writer) error { return report.WriteLeaderboard(w, rows, comps) })
}

// auditSample draws the audit queue: per track, the generations the judges disagree on most (half),
// and a random draw of the rest (half), so the audit covers both the doubtful and the typical.
func auditSample(raw []store.BenchVerdict, n int, seed uint64) []review.Candidate {
	type it struct {
		id    int64
		track string
		vals  []float64
	}
	items := map[int64]*it{}
	for _, v := range raw {
		if v.Kind != "alignment" || v.Value == nil {
			continue
		}
		x := items[v.ItemID]
		if x == nil {
			x = &it{id: v.ItemID, track: v.Track}
			items[v.ItemID] = x
		}
		x.vals = append(x.vals, *v.Value)
	}
	byTrack := map[string][]*it{}
	for _, x := range items {
		byTrack[x.track] = append(byTrack[x.track], x)
	}
	spread := func(x *it) float64 {
		lo, hi := 10.0, 0.0
		for _, v := range x.vals {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if len(x.vals) == 1 {
			return (5 - math.Abs(x.vals[0]-5)) / 10 // one judge: its middling, least decided scores first
		}
		return hi - lo
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	per := max(1, n/max(1, len(byTrack)))
	var out []review.Candidate
	tracks := make([]string, 0, len(byTrack))
	for t := range byTrack {
		tracks = append(tracks, t)
	}
	sort.Strings(tracks)
	for _, t := range tracks {
		xs := byTrack[t]
		sort.Slice(xs, func(i, j int) bool { return xs[i].id < xs[j].id })
		rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		sort.SliceStable(xs, func(i, j int) bool { return spread(xs[i]) > spread(xs[j]) })
		top := min(len(xs), (per+1)/2)
		picked := append([]*it(nil), xs[:top]...)
		rest := append([]*it(nil), xs[top:]...)
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		picked = append(picked, rest[:min(len(rest), per-top)]...)
		for _, x := range picked {
			out = append(out, review.Candidate{ID: x.id, Stratum: t})
		}
	}
	return out
}

package cli

import (
	"context"
	"fmt"
	"github.com/loupe-dev/loupe/judge"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loupe-dev/loupe/prismbench"
	"github.com/loupe-dev/loupe/report"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
)

type benchReportOpts struct {
	lang      string
	judge     string
	published []string
	markdown  bool
	csv       bool
	html      string
	parse     string
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
	f.StringVar(&o.parse, "parse", "official", "official: only judges that parse as PRISM-Bench does; extract: also those run with --parse extract, beside them")
	return cmd
}

func runBenchReport(ctx context.Context, g *globals, o *benchReportOpts) error {
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if o.parse != "official" && o.parse != judge.ParseExtract {
		return usageError{fmt.Errorf("--parse %q: official or extract", o.parse)}
	}
	rows, comps, err := workspace.New(st).BenchReport(ctx, o.lang, o.judge, o.published, o.parse == judge.ParseExtract)
	if err != nil {
		return err
	}
	// prompts the generator failed: part of the coverage (their verdicts count as missing)
	fails, err := st.BenchFailures(ctx, "prism", o.lang, "")
	if err != nil {
		return err
	}
	if o.html != "" {
		if err := writeBenchHTML(o.html, rows, comps); err != nil {
			return err
		}
	}
	switch {
	case g.json:
		return g.printJSON(map[string]any{"rows": rows, "judges_compared": comps, "generation_failures": fails})
	case o.csv:
		return prismbench.WriteCSV(g.out, rows)
	case o.markdown:
		if err := prismbench.WriteMarkdown(g.out, rows); err != nil {
			return err
		}
	default:
		if len(rows) == 0 {
			fmt.Fprintln(g.out, "no PRISM-Bench verdicts in the workspace (loupe bench run, or import an official results folder)")
			printGenerationFailures(g, fails)
			return nil
		}
		if err := prismbench.WriteTable(g.out, rows); err != nil {
			return err
		}
	}
	printGenerationFailures(g, fails)
	printJudgeComparisons(g, comps)
	return nil
}

// printGenerationFailures lists, per model and language, the prompts that have no image because the
// generator failed them (coverage: their verdicts are missing, never 0).
func printGenerationFailures(g *globals, fails []store.BenchFailure) {
	if len(fails) == 0 {
		return
	}
	fmt.Fprintf(g.out, "\ncoverage: %s without an image (the generator failed; verdicts missing, never 0)\n", plural(len(fails), "prompt"))
	t := &table{head: []string{"model", "lang", "prompt", "for good", "reason"}}
	for _, f := range fails {
		good := "no (next run asks again)"
		if f.Lasting {
			good = "yes (--retry-failed)"
		}
		t.rows = append(t.rows, []string{Clean(f.Model), f.Lang, fmt.Sprintf("%s/%d", f.Track, f.Index), good, shorten(Clean(f.Reason), 100)})
	}
	t.print(g.out, false)
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

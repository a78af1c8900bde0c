package cli

import (
	"context"
	"fmt"

	"github.com/loupe-dev/loupe/prismbench"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type benchAuditOpts struct {
	name      string
	n         int
	seed      uint64
	report    bool
	lang      string
	judge     string
	resamples int
}

func newBenchAuditCmd(g *globals) *cobra.Command {
	o := &benchAuditOpts{}
	cmd := &cobra.Command{
		Use:   "audit [--name QUEUE --n N] | --report",
		Short: "Audit the judges' verdicts with people, then the human-audited leaderboard",
		Long: `Without --report: make a review queue of benchmark images, stratified by track and weighted towards the
images the judges disagree on (half of each track's share), the rest drawn at random; review it with
loupe review --queue NAME, scoring prism_alignment (and aesthetics if you wish).

With --report: the human-audited leaderboard. Each model's track scores are recomputed with a judge's
verdicts replaced by the humans' scores where an image was reviewed, and elsewhere corrected by the
judge's bias on that track (its mean minus the humans' on the reviewed images of every model); bootstrap
CIs over prompts; and the ranking compared with the judge's own: which models move, and which pairs are
no longer separable (the CI of their difference includes 0).`,
		Example: `  loupe bench audit --name prism-human --n 70
  loupe review --queue prism-human
  loupe bench audit --report --judge gpt-4.1`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchAudit(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "prism-human-audit", "name of the audit queue")
	f.IntVar(&o.n, "n", 70, "images in the audit queue")
	f.Uint64Var(&o.seed, "seed", 1, "random seed of the draw and the bootstrap")
	f.BoolVar(&o.report, "report", false, "print the human-audited leaderboard")
	f.StringVar(&o.lang, "lang", "en", "language of the leaderboard")
	f.StringVar(&o.judge, "judge", "", "the judge whose leaderboard is audited (default: the one with most verdicts)")
	f.IntVar(&o.resamples, "resamples", 1000, "bootstrap resamples")
	return cmd
}

func runBenchAudit(ctx context.Context, g *globals, o *benchAuditOpts) error {
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ws := workspace.New(st)
	if !o.report {
		n, err := ws.BenchAuditQueue(ctx, o.name, o.lang, o.n, o.seed)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(map[string]any{"queue": o.name, "items": n})
		}
		fmt.Fprintf(g.out, "audit queue %s: %s, stratified by track, half of each track the judges' widest disagreements\n", Clean(o.name), plural(n, "image"))
		fmt.Fprintf(g.out, "review it: loupe review --queue %s (score prism_alignment with the digits), then: loupe bench audit --report\n", Clean(o.name))
		return nil
	}
	res, err := ws.BenchAudit(ctx, o.lang, o.judge, o.resamples, o.seed)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(res)
	}
	fmt.Fprintf(g.out, "human-audited leaderboard (%s, judge %s): %s reviewed of %d judged\n", o.lang, Clean(res.Judge), plural(res.Reviewed, "image"), res.Judged)
	t := &table{head: []string{"model", "judge overall", "rank", "audited overall", "95% CI", "rank", "change"}}
	for _, m := range res.Models {
		change := "="
		if m.AuditedRank != m.JudgeRank {
			change = fmt.Sprintf("%+d", m.JudgeRank-m.AuditedRank)
		}
		t.rows = append(t.rows, []string{Clean(m.Model), fmt.Sprintf("%.1f", m.Judge), fmt.Sprint(m.JudgeRank), fmt.Sprintf("%.1f", m.Audited),
			fmt.Sprintf("[%.1f, %.1f]", m.Lo, m.Hi), fmt.Sprint(m.AuditedRank), change})
	}
	t.print(g.out, false)
	fmt.Fprintln(g.out, "track bias of the judge (judge - humans, on reviewed images, 0-10):")
	for _, tr := range prismbench.Tracks {
		if b, ok := res.Bias[tr]; ok {
			fmt.Fprintf(g.out, "  %-15s %+.2f (n=%d)\n", tr, b.Bias, b.N)
		}
	}
	if len(res.NotSeparable) > 0 {
		fmt.Fprintln(g.out, "no longer separable after audit (the 95% CI of the difference includes 0):")
		for _, p := range res.NotSeparable {
			fmt.Fprintf(g.out, "  %s\n", Clean(p))
		}
	}
	return nil
}

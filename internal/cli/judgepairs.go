package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

// judgePairsOpts are the flags of `loupe judge --pairs`.
type judgePairsOpts struct {
	on              bool
	order           string
	limit           int
	redo            bool
	retryUnreadable bool
	dimensionSet    bool // --dimension was given (its default, both, is the single-image judge's)
}

// addJudgePairsFlags adds --pairs and its flags to the judge command.
func addJudgePairsFlags(cmd *cobra.Command, o *judgeOpts) {
	f := cmd.Flags()
	p := &o.pairs
	f.BoolVar(&p.on, "pairs", false, "pairwise judge: compare the two pictures of each pair of a pair queue (--queue; loupe sample --pairs)")
	f.StringVar(&p.order, "order", workspace.PairOrdersBoth, "with --pairs: both (each picture shown first once: measures position bias) or ab (the queue's order only)")
	f.IntVar(&p.limit, "limit", 0, "with --pairs: judge at most this many pairs (0: all)")
	f.BoolVar(&p.redo, "redo", false, "with --pairs: ask again the orders this judge answered already")
	f.BoolVar(&p.retryUnreadable, "retry-unreadable", false, "with --pairs: ask again the orders whose answer could not be read")
	pre := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		p.dimensionSet = c.Flags().Changed("dimension")
		if pre != nil {
			return pre(c, args)
		}
		return nil
	}
}

// judgePairsSummary is what `loupe judge --pairs` prints.
type judgePairsSummary struct {
	*workspace.JudgePairsReport
	Seconds   float64 `json:"seconds"`
	CostKnown bool    `json:"cost_known"`
	Stopped   string  `json:"stopped,omitempty"`
}

// runJudgePairs runs the pairwise judge over a pair queue (workspace.JudgePairs) and prints a summary.
func runJudgePairs(ctx context.Context, g *globals, o *judgeOpts) error {
	p := &o.pairs
	switch {
	case o.queue == "":
		return usageError{errors.New("--pairs needs --queue (a pair queue: loupe sample --pairs)")}
	case len(o.items) > 0 || o.dryRun || o.maxCost != 0 || o.batchOut != "" || o.batchIn != "" || o.parse != "" || o.rubrics != judge.Builtin().Name:
		return usageError{errors.New("--pairs takes --queue, --backend, --dimension, --order, --concurrency, --limit, --redo, --retry-unreadable and --quiet; --items, --dry-run, --max-cost, --batch-out, --batch-in, --parse and --rubrics are for the single-image judge")}
	case p.limit < 0:
		return usageError{fmt.Errorf("--limit %d: want 0 (every pair) or more", p.limit)}
	case p.order != workspace.PairOrdersBoth && p.order != workspace.PairOrdersAB:
		return usageError{fmt.Errorf("--order %q: use both or ab", p.order)}
	}
	dim := o.dimension
	if !p.dimensionSet {
		dim = "alignment"
	}
	if dim != "alignment" && dim != "aesthetics" {
		return usageError{fmt.Errorf("--dimension %q: with --pairs, use alignment or aesthetics", dim)}
	}
	cfg, err := config.Read(o.config)
	if err != nil {
		return err
	}
	name := o.backend
	if name == "" {
		// the configuration's only VLM backend, if it has exactly one
		var vlms []string
		for _, n := range cfg.BackendNames() {
			if b, err := cfg.Backend(n); err == nil && !b.Offline() {
				vlms = append(vlms, n)
			}
		}
		if len(vlms) != 1 {
			return usageError{fmt.Errorf("--backend is required (a VLM backend from the configuration file: %s)", orNone(vlms))}
		}
		name = vlms[0]
	}
	b, err := cfg.Backend(name)
	if err != nil {
		return err
	}
	if b.Offline() {
		return usageError{fmt.Errorf("backend %q is an offline judge: the pairwise judge needs a VLM backend", name)}
	}
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	hard, stop := workspace.Interrupts(ctx, func() {
		fmt.Fprintln(g.err, "\nloupe: stopping - finishing the calls in flight (Ctrl-C again to abandon them)")
	})
	defer stop()
	prog := newProgress(g.err, o.quiet || g.json)
	rep, err := workspace.New(st).JudgePairs(ctx, workspace.JudgePairsRequest{Queue: o.queue, Backend: b, Dimension: dim, Orders: p.order,
		Concurrency: o.concurrency, Limit: p.limit, Redo: p.redo, RetryUnreadable: p.retryUnreadable, Abandon: hard,
		Settings: map[string]any{"backend": b}, OnProgress: prog.update})
	prog.done()
	if err != nil {
		return err
	}
	_, _, known := b.Prices()
	sum := judgePairsSummary{JudgePairsReport: rep, Seconds: rep.Elapsed.Seconds(), CostKnown: known}
	if rep.Err != nil {
		sum.Stopped = rep.Err.Error()
	}
	if err := printJudgePairs(g, sum); err != nil {
		return err
	}
	answered := rep.AnswersAB + rep.AnswersBA
	switch {
	case rep.Err != nil && errors.Is(rep.Err, context.Canceled):
		return skippedError{msg: fmt.Errorf("stopped: %d of %d answers not made; run the same command again to resume", rep.Asked-answered, rep.Asked)}
	case rep.Err != nil:
		return rep.Err
	case rep.Errors > 0:
		return skippedError{msg: fmt.Errorf("%d answers could not be had (last: %s); run the same command again to retry them", rep.Errors, Clean(rep.LastError))}
	}
	return nil
}

// orNone joins names, or says there are none.
func orNone(names []string) string {
	if len(names) == 0 {
		return "none configured"
	}
	return strings.Join(names, ", ")
}

// printJudgePairs prints a pairwise run's summary: what was asked and stored, then the judge's position
// bias over all its answers on the queue.
func printJudgePairs(g *globals, s judgePairsSummary) error {
	if g.json {
		return g.printJSON(s)
	}
	w := g.out
	fmt.Fprintf(w, "judged pairs of %s with %s (rater %s), %s, %s\n", CleanLine(s.Queue), CleanLine(s.Backend), CleanLine(s.Rater), s.Dimension,
		map[string]string{workspace.PairOrdersBoth: "both orders", workspace.PairOrdersAB: "the queue's order only"}[s.Orders])
	fmt.Fprintf(w, "  pairs %d: to judge %d (%s to ask), already answered %s, judged %d\n", s.Pairs, s.Open, plural(s.Asked, "answer"),
		plural(s.AlreadyDone, "order"), s.Judged)
	if s.Asked > 0 {
		fmt.Fprintf(w, "  answers %d (A first %d, B first %d), unreadable %d, errors %d, from cache %d\n", s.AnswersAB+s.AnswersBA,
			s.AnswersAB, s.AnswersBA, s.Unreadable, s.Errors, s.Cached)
		fmt.Fprintf(w, "  http attempts %d (retries %d), %.1f s\n", s.Requests, s.Retries, s.Seconds)
		cost := fmt.Sprintf("$%.4f", s.CostUSD)
		if !s.CostKnown {
			cost = "unknown (set price_input / price_output for this backend)"
		}
		fmt.Fprintf(w, "  tokens in %d, out %d, cost %s\n", s.InputTokens, s.OutputTokens, cost)
	}
	b := s.Bias
	share := "-"
	if b.FirstPicks+b.SecondPicks > 0 {
		share = fmt.Sprintf("%.0f%%", 100*b.FirstShare)
	}
	fmt.Fprintf(w, "position bias (all of this judge's answers on the queue): first picked %s of %d decisive answers, ties %d, unreadable %d\n",
		share, b.FirstPicks+b.SecondPicks, b.Ties, b.Unreadable)
	if b.Unreadable > 0 {
		fmt.Fprintf(w, "  %s could not be read (--retry-unreadable asks them again)\n", plural(b.Unreadable, "answer"))
	}
	if b.Pairs > 0 {
		fmt.Fprintf(w, "  both orders on %s: consistent %d, tied %d, flips %d (the same position won both times)\n",
			plural(b.Pairs, "pair"), b.Consistent, b.Tied, b.Flips)
	}
	if s.Stopped != "" {
		fmt.Fprintf(w, "  stopped: %s\n", Clean(s.Stopped))
	}
	if s.LastError != "" && s.Errors > 0 {
		fmt.Fprintf(w, "  last error: %s\n", Clean(s.LastError))
	}
	return nil
}

package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
)

// exportPairsResult is what `loupe export --pairs --json` prints.
type exportPairsResult struct {
	Out        string `json:"out,omitempty"`
	Queue      string `json:"queue"`
	Dimension  string `json:"dimension"`
	Written    int    `json:"written"`
	Ties       int    `json:"ties"`
	Disagreed  int    `json:"disagreed"`
	TooFew     int    `json:"too_few_answers"`
	Unanswered int    `json:"unanswered"`
	DryRun     bool   `json:"dry_run,omitempty"`
}

func runExportPairs(ctx context.Context, g *globals, o *exportOpts) error {
	if o.filter.Queue == "" {
		return usageError{errors.New("--pairs needs --queue (a pair queue: loupe sample --pairs)")}
	}
	if o.format != "" && o.format != "pairs" && o.format != "jsonl" {
		return usageError{fmt.Errorf("--pairs writes JSONL: --format %q does not apply", o.format)}
	}
	if o.out == "" && !o.dryRun {
		return usageError{errors.New("--out is required")}
	}
	if o.minRaters < 1 {
		return usageError{fmt.Errorf("--min-raters %d: want at least 1", o.minRaters)}
	}
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	sum, err := workspace.New(st).ExportPairs(ctx, workspace.ExportPairsRequest{Queue: o.filter.Queue, Dimension: o.dimension, MinRaters: o.minRaters,
		DryRun: o.dryRun, Options: export.Options{Out: o.out, Force: o.force, Protect: []string{g.db}, Log: g.err}})
	if err != nil {
		return err
	}
	res := exportPairsResult{Out: o.out, Queue: o.filter.Queue, Dimension: sum.Dimension, Written: sum.Written, Ties: sum.Ties,
		Disagreed: sum.Disagreed, TooFew: sum.TooFew, Unanswered: sum.Unanswered, DryRun: o.dryRun}
	if g.json {
		return g.printJSON(res)
	}
	verb := "wrote"
	if o.dryRun {
		verb = "would write"
	}
	fmt.Fprintf(g.out, "%s %s (%s) of pair queue %q", verb, plural(sum.Written, "agreed pair"), Clean(sum.Dimension), Clean(o.filter.Queue))
	if !o.dryRun {
		fmt.Fprintf(g.out, " to %s", Clean(o.out))
	}
	fmt.Fprintf(g.out, "\nleft out: %d tie or both bad, %d split, %d with fewer than %d answers, %d unanswered\n",
		sum.Ties, sum.Disagreed, sum.TooFew, o.minRaters, sum.Unanswered)
	return nil
}

// refusePairQueue is a usage error when queue is a pair queue, which an item command (stats, judge,
// export without --pairs) would find empty: it names the command that does apply (use, then the queue).
func refusePairQueue(ctx context.Context, st *store.Store, queue, use string) error {
	if queue == "" {
		return nil
	}
	ok, err := workspace.New(st).IsPairQueue(ctx, queue)
	if err != nil || !ok {
		return err
	}
	return usageError{fmt.Errorf("queue %q is a pair queue (side-by-side comparisons), not a queue of items: use %s %s", queue, use, queue)}
}

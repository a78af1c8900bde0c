package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/vlm"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type judgeOpts struct {
	config      string
	backend     string
	parse       string // official or extract ("": the backend's)
	queue       string
	items       []string
	dimension   string
	rubrics     string
	dryRun      bool
	maxCost     float64
	batchOut    string
	batchIn     string
	concurrency int
	quiet       bool
	pairs       judgePairsOpts // --pairs: the pairwise judge (judgepairs.go)
}

func newJudgeCmd(g *globals) *cobra.Command {
	o := &judgeOpts{}
	cmd := &cobra.Command{
		Use:   "judge --backend NAME (--queue Q | --items ID,...)",
		Short: "Judge items with a VLM backend or an offline judge, PRISM-Bench style",
		Long: `Ask a judge for PRISM-Bench verdicts - alignment (the track's rubric) and aesthetics - on the items of
a queue or on named items, and store them as labels of the judge (model + rubric set). Generations are
judged against their prompt and track; dataset samples against the caption of their dominant trait.

Backends come from the configuration file ([backends.NAME]: kind, base_url or base_urls, model,
api_key_env, concurrency (per server), rpm, tpm, timeout, profile, extra); "ocr" and "rules" are offline
judges that need none. With base_urls each request goes to the least-loaded server; a server that refuses
connections is left alone until it answers again, and the run stops (naming the URL) within seconds
when no server is left.

Every response is cached by the content address of its request, so an interrupted or repeated run never
pays twice; Ctrl-C stops dispatching, waits for the calls in flight and stores them (a second Ctrl-C
abandons them). A failed verdict (refusal, unparseable answer, context too long) is stored as failed with
its raw text and is never averaged. --parse extract also reads a verdict whose JSON is wrapped in prose
(the first balanced {...}); such verdicts are marked, and the judge is then its own rater ("[parse=extract]")
that bench report leaves out unless asked (--parse extract there too).

--batch-out writes the requests as OpenAI Batch API files (also runnable with vllm run-batch) instead of
calling; --batch-in imports the results file in any order, joining on custom_id.

--pairs asks a VLM which of the two pictures of each pair of a pair queue (loupe sample --pairs) is
better on --dimension alignment (default) or aesthetics, with loupe's pairwise rubric, in both orders
(--order both, the default: each picture shown first once, which measures position bias) or in the
queue's order only (--order ab). Every answer is stored as it arrives; a rerun asks only what is open.`,
		Example: `  loupe judge --backend gpt41 --queue prism-audit --dry-run
  loupe judge --backend qwen --queue prism-audit --dimension alignment --max-cost 5
  loupe judge --backend rules --queue prism-audit
  loupe judge --backend gpt41 --queue prism-audit --batch-out batch.jsonl
  loupe judge --batch-in results.jsonl
  loupe judge --pairs --queue arena --backend qwen --dimension aesthetics`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runJudge(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "configuration file (default: $"+config.EnvVar+", else ~/.config/loupe/loupe.toml)")
	f.StringVar(&o.backend, "backend", "", "backend name from the configuration file, or ocr / rules")
	f.StringVar(&o.queue, "queue", "", "judge the items of this queue")
	f.StringSliceVar(&o.items, "items", nil, "judge these items (ids or #numbers, comma-separated)")
	f.StringVar(&o.dimension, "dimension", "both", "alignment, aesthetics or both")
	f.StringVar(&o.rubrics, "rubrics", judge.Builtin().Name, "rubric set (loupe rubrics list)")
	f.BoolVar(&o.dryRun, "dry-run", false, "count the requests and estimate tokens and cost; call nothing")
	f.Float64Var(&o.maxCost, "max-cost", 0, "stop before the run's cost would pass this many USD (0: no limit)")
	f.StringVar(&o.batchOut, "batch-out", "", "write OpenAI Batch API request files instead of calling")
	f.StringVar(&o.batchIn, "batch-in", "", "import a batch results file")
	f.IntVar(&o.concurrency, "concurrency", 0, "requests in flight per server (default: the backend's)")
	f.StringVar(&o.parse, "parse", "", "official (PRISM-Bench's parse), or extract: also the first JSON object in prose around it (default: the backend's parse, official)")
	f.BoolVar(&o.quiet, "quiet", false, "no progress line")
	addJudgePairsFlags(cmd, o)
	return cmd
}

// judgeSummary is what a judge run prints.
type judgeSummary struct {
	Backend     string            `json:"backend"`
	Rater       string            `json:"rater"`
	RunID       int64             `json:"run_id,omitempty"`
	Tasks       int               `json:"tasks"`
	AlreadyDone int               `json:"already_done"`
	NoPrompt    int               `json:"no_prompt_or_track"`
	Verdicts    int               `json:"verdicts"`
	Failed      int               `json:"failed"`
	Skipped     int               `json:"skipped"`
	Errors      int               `json:"errors"`
	Cached      int               `json:"from_cache"`
	Requests    int64             `json:"http_attempts"`
	Retries     int64             `json:"retries"`
	Conns       int64             `json:"connections_opened,omitempty"`
	Servers     []vlm.ServerStats `json:"servers,omitempty"`
	InputTok    int               `json:"input_tokens"`
	OutputTok   int               `json:"output_tokens"`
	CostUSD     float64           `json:"cost_usd"`
	CostKnown   bool              `json:"cost_known"`
	Seconds     float64           `json:"seconds"`
	PerSecond   float64           `json:"per_second"`
	DryRun      bool              `json:"dry_run,omitempty"`
	Stopped     string            `json:"stopped,omitempty"`
	Failures    map[string]int    `json:"failures,omitempty"`
	LastError   string            `json:"last_error,omitempty"`
	BatchFiles  []string          `json:"batch_files,omitempty"`
	CrossCheck  []store.Conflict  `json:"cross_check,omitempty"`
	BatchLines  int               `json:"batch_lines,omitempty"`
}

func runJudge(ctx context.Context, g *globals, o *judgeOpts) error {
	if o.pairs.on {
		return runJudgePairs(ctx, g, o)
	}
	if o.batchIn != "" {
		return runBatchIn(ctx, g, o)
	}
	if o.backend == "" {
		return usageError{errors.New("--backend is required (a name from the configuration file, or ocr / rules)")}
	}
	if (o.queue == "") == (len(o.items) == 0) {
		return usageError{errors.New("give --queue or --items (one of them)")}
	}
	cfg, err := config.Read(o.config)
	if err != nil {
		return err
	}
	b, err := cfg.Backend(o.backend)
	if err != nil {
		return err
	}
	if o.concurrency > 0 {
		b.Concurrency = o.concurrency
	}
	if o.parse != "" {
		if o.parse != "official" && o.parse != judge.ParseExtract {
			return usageError{fmt.Errorf("--parse %q: official or extract", o.parse)}
		}
		b.Parse = strings.TrimPrefix(o.parse, "official")
	}
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := refusePairQueue(ctx, st, o.queue, "loupe judge --pairs --queue"); err != nil {
		return err
	}
	var kinds []string
	switch o.dimension {
	case "both":
		kinds = []string{"alignment", "aesthetics"}
	case "alignment", "aesthetics":
		kinds = []string{o.dimension}
	default:
		return usageError{fmt.Errorf("--dimension %q: use alignment, aesthetics or both", o.dimension)}
	}
	ws := workspace.New(st)
	plan, err := ws.PlanJudge(ctx, workspace.Selection{Queue: o.queue, Items: o.items, Kinds: kinds}, b, o.rubrics)
	if errors.Is(err, workspace.ErrNoRubricSet) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	raterID, tasks := plan.RaterID, plan.Open
	sum := judgeSummary{Backend: b.Name, Rater: plan.Rater, Tasks: len(tasks), AlreadyDone: plan.AlreadyDone, NoPrompt: plan.Unusable, DryRun: o.dryRun, Failures: map[string]int{}}
	if o.batchOut != "" {
		return runBatchOut(ctx, g, o, ws, plan, sum)
	}
	_, _, known := b.Prices()
	sum.CostKnown = known
	hard, stop := workspace.Interrupts(ctx, func() {
		fmt.Fprintln(g.err, "\nloupe: stopping - finishing the calls in flight (Ctrl-C again to abandon them)")
	})
	defer stop()
	prog := newProgress(g.err, o.quiet || g.json)
	rep, err := ws.Run(ctx, plan, workspace.JudgeOptions{MaxCost: o.maxCost, DryRun: o.dryRun, Abandon: hard, OnProgress: prog.update,
		Settings: map[string]any{"backend": b, "rubrics": plan.Set.Name, "dimension": o.dimension, "queue": o.queue},
		OnStored: func(res judge.Result) {
			if res.Error != "" {
				sum.Failures[failureKind(res.Error)]++
			}
		}})
	prog.done()
	if err != nil {
		return err
	}
	p, runErr := rep.Progress, rep.Err
	sum.RunID = rep.RunID
	sum.Verdicts, sum.Failed, sum.Skipped, sum.Errors, sum.Cached = p.Verdicts, p.Failed, p.Skipped, p.Errors, p.Cached
	sum.InputTok, sum.OutputTok, sum.CostUSD = p.InputTokens, p.OutputTokens, p.Cost
	sum.Seconds, sum.PerSecond, sum.LastError = p.Elapsed.Seconds(), p.Rate, p.LastError
	sum.Requests, sum.Retries = rep.Requests, rep.Retries
	sum.Conns, sum.Servers = rep.Conns, rep.Servers
	if runErr != nil {
		sum.Stopped = runErr.Error()
	}
	if b.Offline() && !o.dryRun {
		// an offline judge cross-checks the VLMs: a wide disagreement is worth an annotator's look
		if sum.CrossCheck, err = st.JudgeConflicts(ctx, raterID, "prism_alignment", crossCheckMargin); err != nil {
			return err
		}
	}
	if err := printJudgeSummary(g, sum); err != nil {
		return err
	}
	switch {
	case runErr != nil && errors.Is(runErr, context.Canceled):
		return skippedError{msg: fmt.Errorf("stopped: %d of %d verdicts not made; run the same command again to resume", p.Total-p.Done, p.Total)}
	case runErr != nil:
		return runErr
	case p.Errors > 0:
		return skippedError{msg: fmt.Errorf("%d verdicts could not be made (last: %s); run the same command again to retry them", p.Errors, Clean(p.LastError))}
	}
	return nil
}

// failureKind groups failure reasons for the summary.
func failureKind(f string) string {
	for _, k := range []string{"refused", "truncated", "context_length", "bad_request", "not a JSON object", "score", "no \"score\""} {
		if strings.HasPrefix(f, k) {
			return strings.Trim(k, `"`)
		}
	}
	if i := strings.IndexAny(f, ":("); i > 0 {
		return strings.TrimSpace(f[:i])
	}
	return f
}

func printJudgeSummary(g *globals, s judgeSummary) error {
	if g.json {
		return g.printJSON(s)
	}
	w := g.out
	verb := "judged"
	if s.DryRun {
		verb = "would judge"
	}
	fmt.Fprintf(w, "%s with %s (rater %s)\n", verb, Clean(s.Backend), Clean(s.Rater))
	fmt.Fprintf(w, "  tasks %d (already judged %d, without prompt or track %d)\n", s.Tasks, s.AlreadyDone, s.NoPrompt)
	if s.BatchLines > 0 || len(s.BatchFiles) > 0 {
		fmt.Fprintf(w, "  batch: %s in %s: %s\n", plural(s.BatchLines, "request"), plural(len(s.BatchFiles), "file"), Clean(strings.Join(s.BatchFiles, ", ")))
	}
	if !s.DryRun {
		fmt.Fprintf(w, "  verdicts %d, failed %d, not applicable %d, errors %d, from cache %d\n", s.Verdicts, s.Failed, s.Skipped, s.Errors, s.Cached)
		if len(s.Failures) > 0 {
			keys := make([]string, 0, len(s.Failures))
			for k := range s.Failures {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var parts []string
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s %d", k, s.Failures[k]))
			}
			fmt.Fprintf(w, "  failures: %s\n", Clean(strings.Join(parts, ", ")))
		}
		rate := "" // under a second (a fatal stop, everything cached) a rate says nothing
		if s.PerSecond > 0 {
			rate = fmt.Sprintf(", %.1f/s", s.PerSecond)
		}
		fmt.Fprintf(w, "  http attempts %d (retries %d), %.1f s%s\n", s.Requests, s.Retries, s.Seconds, rate)
		if len(s.Servers) > 1 || (len(s.Servers) == 1 && s.Servers[0].Failures > 0) {
			printServers(w, s.Servers, s.Conns)
		}
	}
	cost := fmt.Sprintf("$%.4f", s.CostUSD)
	if !s.CostKnown {
		cost = "unknown (set price_input / price_output for this backend)"
	}
	label := "tokens"
	if s.DryRun {
		label = "estimated tokens (input + expected output)"
	}
	fmt.Fprintf(w, "  %s in %d, out %d, cost %s\n", label, s.InputTok, s.OutputTok, cost)
	if s.Stopped != "" {
		fmt.Fprintf(w, "  stopped: %s\n", Clean(s.Stopped))
	}
	if len(s.CrossCheck) > 0 {
		fmt.Fprintf(w, "cross-check: %d verdicts where %s and another judge differ by %g points or more (worth an annotator's look):\n",
			len(s.CrossCheck), Clean(s.Backend), float64(crossCheckMargin))
		for i, c := range s.CrossCheck {
			if i == 10 {
				fmt.Fprintf(w, "  ... %d more (--json lists them)\n", len(s.CrossCheck)-10)
				break
			}
			fmt.Fprintf(w, "  %s  %s %g vs %s %g: %s\n", Clean(c.ExtID), Clean(shorten(c.Other, 30)), c.OtherValue, Clean(s.Backend), c.Value,
				Clean(shorten(c.Explanation, 90)))
		}
	}
	return nil
}

// printServers prints what each server of the backend did.
func printServers(w io.Writer, servers []vlm.ServerStats, conns int64) {
	fmt.Fprintf(w, "  servers (%s opened):\n", plural(int(conns), "connection"))
	for _, s := range servers {
		line := fmt.Sprintf("    %s  requests %d, failures %d", s.URL, s.Requests, s.Failures)
		if s.MeanLatency > 0 {
			line += fmt.Sprintf(", mean %s", s.MeanLatency.Round(time.Millisecond))
		}
		if s.Down != "" {
			line += "  DOWN: " + s.Down
		}
		fmt.Fprintln(w, Clean(line))
	}
}

// crossCheckMargin is how far apart an offline judge and a VLM must be to be listed.
const crossCheckMargin = 4

// progress draws a one-line progress bar with rate and ETA on a terminal, or a line every few seconds
// elsewhere.
type progress struct {
	w     io.Writer
	off   bool
	tty   bool
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, off bool) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, off: off, tty: tty}
}

func (p *progress) update(s judge.Progress) {
	if p.off || s.Total == 0 {
		return
	}
	every := 100 * time.Millisecond
	if !p.tty {
		every = 5 * time.Second
	}
	if time.Since(p.last) < every && s.Done < s.Total {
		return
	}
	p.last = time.Now()
	const width = 24
	fill := width * s.Done / s.Total
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	eta := "-"
	if s.ETA > 0 {
		eta = s.ETA.Round(time.Second).String()
	}
	line := fmt.Sprintf("%s %d/%d  %.1f/s  ETA %s  failed %d  errors %d  $%.4f", bar, s.Done, s.Total, s.Rate, eta, s.Failed, s.Errors, s.Cost)
	if s.Stopping {
		line += "  stopping"
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.drawn = true
	} else {
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// runBatchOut writes the open tasks as batch request files (workspace.BatchOut) and prints the summary.
func runBatchOut(ctx context.Context, g *globals, o *judgeOpts, ws *workspace.Workspace, plan *workspace.JudgePlan, sum judgeSummary) error {
	if plan.Backend.Offline() {
		return usageError{fmt.Errorf("backend %q is an offline judge: there is nothing to batch", plan.Backend.Name)}
	}
	if _, err := os.Stat(o.batchOut); err == nil {
		return usageError{fmt.Errorf("%s exists: choose another --batch-out", o.batchOut)}
	}
	rep, err := ws.BatchOut(ctx, plan, o.batchOut)
	if err != nil {
		return err
	}
	sum.RunID, sum.Cached, sum.Errors, sum.LastError = rep.RunID, rep.Cached, rep.Errors, rep.LastError
	sum.InputTok, sum.OutputTok, sum.CostUSD, sum.CostKnown = rep.InputTok, rep.OutputTok, rep.CostUSD, rep.CostKnown
	sum.BatchFiles, sum.BatchLines, sum.DryRun = rep.Files, rep.Lines, true
	if err := printJudgeSummary(g, sum); err != nil {
		return err
	}
	if sum.Errors > 0 {
		return skippedError{msg: fmt.Errorf("%d requests could not be built (last: %s)", sum.Errors, Clean(sum.LastError))}
	}
	return nil
}

// runBatchIn imports a batch results file (workspace.BatchIn) and prints what it did.
func runBatchIn(ctx context.Context, g *globals, o *judgeOpts) error {
	f, err := os.Open(o.batchIn)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := g.openExisting(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := workspace.New(st).BatchIn(ctx, f, o.batchIn)
	if err != nil {
		return err
	}
	if g.json {
		if err := g.printJSON(s); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.out, "%s: %d lines, %d verdicts stored, %d failed verdicts stored, %d already stored, %d unknown custom_id\n",
			Clean(s.File), s.Lines, s.Stored, s.Failed, s.Duplicates, s.Unknown)
		for _, l := range s.BadLines {
			fmt.Fprintf(g.out, "  %s\n", Clean(l))
		}
		if s.Missing > 0 {
			fmt.Fprintf(g.out, "  %d requests still pending (not in this file, or failed in it)\n", s.Missing)
		}
	}
	if len(s.BadLines) > 0 || s.Unknown > 0 {
		return skippedError{msg: fmt.Errorf("%d lines could not be imported", len(s.BadLines)+s.Unknown)}
	}
	return nil
}

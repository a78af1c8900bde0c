package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/loupe-dev/loupe/generate"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type benchRunOpts struct {
	parse     string
	config    string
	prompts   string
	lang      string
	model     string
	generator string
	images    string
	judges    []string
	limit     int
	seed      int64
	size      int
	dir       string
	quiet     bool
	retry     bool // --retry-failed
	update    bool // --update-prompts
}

func newBenchCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "PRISM-Bench end to end: generate, judge, report, audit"}
	o := &benchRunOpts{}
	run := &cobra.Command{
		Use:   "run --prompts DIR --model NAME (--generator NAME | --images DIR) --judge NAME[,NAME]",
		Short: "Generate (or take) a model's images for the PRISM-Bench prompts and judge them",
		Long: `Run PRISM-Bench for one model and language: the prompts are the official layout
(DIR/captions/<lang>/<track>.jsonl, or DIR/<lang>/<track>.jsonl); the images are generated with a
generator backend (resumable: an image that exists is kept; the seed of prompt i is --seed + i) or taken
from a folder in the official layout (<track>/<i>.png); then every judge gives each image an alignment
and an aesthetics verdict (loupe judge, cached and resumable). Several models, languages and judges live
in one workspace; loupe bench report tabulates them.

Images are drawn the generator's concurrency at a time on each server of its pool. A prompt the
generator fails is recorded with its reason and the run goes on (exit 3 at the end): a refusal or a
lasting 4xx (a prompt over the context length) is not requested again unless --retry-failed; other
failures are retried by the next run. Quota spent, a key refused or no server reachable stop the run.
Ctrl-C finishes the images in flight and exits 3 (Ctrl-C again abandons them).

The prompt texts are recorded in the workspace: a run whose prompt files changed a recorded prompt is
refused; --update-prompts records the new text as the prompt's next version (verdicts made so far keep
the text they were made against).`,
		Example: `  loupe bench run --prompts ~/prism-bench --model my-flux --generator comfy --judge gpt41,qwen
  loupe bench run --prompts ~/prism-bench --model sd15 --images ~/outputs/sd15 --judge gpt41 --lang zh`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBench(cmd.Context(), g, o) },
	}
	f := run.Flags()
	f.StringVar(&o.config, "config", "", "configuration file (default: $"+config.EnvVar+", else ~/.config/loupe/loupe.toml)")
	f.StringVar(&o.prompts, "prompts", "", "the prompt set: a folder with captions/<lang>/<track>.jsonl")
	f.StringVar(&o.lang, "lang", "en", "prompt language: en or zh")
	f.StringVar(&o.model, "model", "", "the model's name in the leaderboard")
	f.StringVar(&o.generator, "generator", "", "generate the images with this generator ([generators.NAME] or procedural)")
	f.StringVar(&o.images, "images", "", "take the images from this folder (<track>/<i>.png)")
	f.StringSliceVar(&o.judges, "judge", nil, "judge backends (comma-separated; none: generate only)")
	f.StringVar(&o.parse, "parse", "", "how verdicts are read: official (PRISM-Bench's parse) or extract (see loupe judge --help)")
	f.IntVar(&o.limit, "limit", 0, "only the first N prompts of each track (0: all)")
	f.Int64Var(&o.seed, "seed", 42, "base generation seed")
	f.IntVar(&o.size, "size", 1024, "generated image size (square)")
	f.StringVar(&o.dir, "dir", "", "where generated images go (default: beside the workspace, <db>-bench/)")
	f.BoolVar(&o.quiet, "quiet", false, "no progress line")
	f.BoolVar(&o.retry, "retry-failed", false, "request again the prompts an earlier run recorded as refused or failed for good")
	f.BoolVar(&o.update, "update-prompts", false, "record changed prompt texts as new versions of the prompts (default: refuse to run)")
	cmd.AddCommand(run, newBenchReportCmd(g), newBenchAuditCmd(g))
	return cmd
}

func runBench(ctx context.Context, g *globals, o *benchRunOpts) error {
	if o.prompts == "" || o.model == "" {
		return usageError{errors.New("--prompts and --model are required")}
	}
	if (o.generator == "") == (o.images == "") {
		return usageError{errors.New("give --generator NAME or --images DIR (one of them)")}
	}
	if o.lang != "en" && o.lang != "zh" {
		return usageError{fmt.Errorf("--lang %q: want en or zh", o.lang)}
	}
	if strings.ContainsAny(o.model, `/\`) || o.model == "." || o.model == ".." {
		return usageError{fmt.Errorf("--model %q: a name without slashes", o.model)}
	}
	cfg, err := config.Read(o.config)
	if err != nil {
		return err
	}
	for _, j := range o.judges {
		if _, err := cfg.Backend(j); err != nil {
			return err
		}
	}
	dir := o.dir
	if dir == "" {
		dir = strings.TrimSuffix(g.db, filepath.Ext(g.db)) + "-bench"
	}
	// the bench folder in the official layout: captions/<lang>/ and one folder per model
	prompts, err := workspace.ReadBenchPrompts(o.prompts, o.lang, o.limit, "")
	if err != nil {
		return err
	}
	for _, pr := range prompts.Problems {
		fmt.Fprintf(g.err, "loupe: %s %s: %s (skipped; later prompts keep their index)\n", Clean(pr.File), pr.Where, Clean(pr.Message))
	}
	st, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if st != nil {
			st.Close()
		}
	}()
	if err := checkBenchPrompts(ctx, g, st, prompts, o.update); err != nil {
		return err
	}
	if err := prompts.Install(dir); err != nil {
		return err
	}
	mdir := filepath.Join(dir, o.lang+"-"+o.model)
	var genFailed error // exit 3 at the end: some prompts have no image
	if o.images != "" {
		abs, err := filepath.Abs(o.images)
		if err != nil {
			return err
		}
		os.Remove(mdir)
		if err := os.Symlink(abs, mdir); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
	} else {
		gc, err := cfg.Generator(o.generator)
		if err != nil {
			return err
		}
		gc.Notify = func(msg string) { fmt.Fprintf(g.err, "\nloupe: %s\n", Clean(msg)) }
		gen, err := generate.New(gc)
		if err != nil {
			return err
		}
		if genFailed, err = benchGenerate(ctx, g, st, gen, mdir, prompts, o); err != nil {
			return err
		}
	}
	rep, err := workspace.New(st).Import(ctx, []string{mdir}, ingest.Options{Model: o.model, Lang: o.lang})
	if err != nil {
		return err
	}
	fmt.Fprintf(g.out, "bench %s (%s): %s in the workspace\n", Clean(o.model), o.lang, plural(rep.Inserted, "new image"))
	items := prompts.ItemIDs(o.model)
	present, err := workspace.New(st).Present(ctx, items)
	st.Close()
	st = nil
	if err != nil {
		return err
	}
	if len(present) < len(items) {
		fmt.Fprintf(g.out, "  %d of %s %s no image (missing verdicts count as missing, never 0)\n", len(items)-len(present), plural(len(items), "prompt"), hasHave(len(items)-len(present)))
	}
	var failed error
	for _, j := range o.judges {
		err := runJudge(ctx, g, &judgeOpts{config: o.config, backend: j, items: present, dimension: "both",
			rubrics: "loupe-v1", quiet: o.quiet, parse: o.parse})
		var se skippedError
		if errors.As(err, &se) {
			failed = err
			continue
		}
		if err != nil {
			return err
		}
	}
	if failed == nil {
		failed = genFailed
	}
	return failed
}

// checkBenchPrompts compares the prompt texts with those the workspace recorded: a changed one stops the
// run (its verdicts would be judged against a text they were not made with), unless update, which
// records the new text as the prompt's next version.
func checkBenchPrompts(ctx context.Context, g *globals, st *store.Store, prompts *workspace.BenchPrompts, update bool) error {
	stored, err := st.StoredPrompts(ctx, "prism", prompts.Lang)
	if err != nil {
		return err
	}
	type change struct {
		key      string
		id       int64
		old, new string
	}
	var changed []change
	for _, t := range review.Tracks {
		for _, l := range prompts.Tracks[t] {
			key := fmt.Sprintf("%s/%d", t, l.Index)
			if sp, ok := stored[key]; ok && store.PromptHash(sp.Body) != store.PromptHash(l.Prompt) {
				changed = append(changed, change{key, sp.ID, sp.Body, l.Prompt})
			}
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if !update {
		var b strings.Builder
		for i, c := range changed {
			if i == 3 {
				fmt.Fprintf(&b, "; and %d more", len(changed)-3)
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "prompt %s/%s: recorded %q, now %q", prompts.Lang, c.key, shorten(c.old, 60), shorten(c.new, 60))
		}
		return fmt.Errorf("%s changed since the workspace recorded %s: %s. Run with --update-prompts to record the new text as a new version of the prompt (verdicts made so far keep the text they were made against), or restore the prompt files",
			plural(len(changed), "prompt"), agree(len(changed), "it", "them"), b.String())
	}
	for _, c := range changed {
		v, err := st.UpdatePrompt(ctx, c.id, c.new)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.err, "loupe: prompt %s/%s: new text recorded as version %d (earlier verdicts keep version %d)\n", prompts.Lang, c.key, v, v-1)
	}
	return nil
}

// benchGenerate draws the missing images; it returns a skippedError when some prompts have no image (the
// run goes on to judging), and an error that stops the run.
func benchGenerate(ctx context.Context, g *globals, st *store.Store, gen generate.Generator, mdir string, prompts *workspace.BenchPrompts, o *benchRunOpts) (error, error) {
	known, err := st.BenchFailures(ctx, "prism", o.lang, o.model)
	if err != nil {
		return nil, err
	}
	text := map[string]string{}
	for t, ls := range prompts.Tracks {
		for _, l := range ls {
			text[fmt.Sprintf("%s/%d", t, l.Index)] = l.Prompt
		}
	}
	skip := map[string]string{}
	for _, f := range known {
		key := fmt.Sprintf("%s/%d", f.Track, f.Index)
		// a lasting failure holds for the text it was for; --retry-failed asks again
		if f.Lasting && !o.retry && f.PromptHash == store.PromptHash(text[key]) {
			skip[key] = f.Reason
		}
	}
	hard, stop := workspace.Interrupts(ctx, func() {
		fmt.Fprintln(g.err, "\nloupe: stopping - finishing the images in flight (Ctrl-C again to abandon them)")
	})
	defer stop()
	start := time.Now()
	var progress func(done, total int)
	prog := newProgress(g.err, o.quiet || g.json)
	if !prog.off {
		var mu sync.Mutex
		progress = func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			if prog.tty {
				fmt.Fprintf(prog.w, "\r\x1b[Kgenerating %d/%d", done, total)
				prog.drawn = true
			} else if done == total || time.Since(prog.last) >= 5*time.Second {
				// a log, not a terminal: a plain line every few seconds and at the end
				prog.last = time.Now()
				fmt.Fprintf(prog.w, "generating %d/%d\n", done, total)
			}
		}
	}
	res, runErr := workspace.GenerateBench(ctx, gen, mdir, prompts, workspace.BenchGenOptions{Seed: o.seed, Size: o.size,
		Workers: generate.Workers(gen), Skip: skip, Abandon: hard, Progress: progress})
	if progress != nil && prog.drawn {
		fmt.Fprintln(g.err)
	}
	// record what failed (with the text it failed for), forget what now has an image
	for _, f := range res.Failed {
		fmt.Fprintf(g.err, "loupe: %s/%d: %s\n", f.Track, f.Index, Clean(f.Reason))
		if err := st.RecordBenchFailure(ctx, "prism", store.BenchFailure{Lang: o.lang, Model: o.model, Track: f.Track, Index: f.Index,
			PromptHash: store.PromptHash(f.Prompt), Reason: f.Reason, Lasting: f.Lasting}); err != nil {
			return nil, err
		}
	}
	for _, f := range known {
		if _, err := os.Stat(filepath.Join(mdir, f.Track, fmt.Sprintf("%d.png", f.Index))); err == nil {
			if err := st.ClearBenchFailure(ctx, "prism", o.lang, o.model, f.Track, f.Index); err != nil {
				return nil, err
			}
		}
	}
	refused := len(res.Refused)
	fmt.Fprintf(g.out, "generated %s (%d existed, %d refused, %d failed, %d not requested: failed for good before) in %.1f s\n",
		plural(res.Made, "image"), res.Existed, refused, len(res.Failed)-refused, res.Skipped, time.Since(start).Seconds())
	if runErr != nil {
		return nil, runErr
	}
	if res.Stopped {
		return nil, skippedError{msg: fmt.Errorf("stopped: %d of %s not made (the images in flight were kept); run the same command again to resume",
			res.NotDone(), plural(res.Total, "image"))}
	}
	if n := len(res.Failed) + res.Skipped; n > 0 {
		return skippedError{msg: fmt.Errorf("%s of %d %s no image (loupe bench report lists them; refused and lasting failures are asked again with --retry-failed, others by the next run)",
			plural(n, "prompt"), res.Total, hasHave(n))}, nil
	}
	return nil, nil
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/generate"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type benchRunOpts struct {
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
in one workspace; loupe bench report tabulates them.`,
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
	f.IntVar(&o.limit, "limit", 0, "only the first N prompts of each track (0: all)")
	f.Int64Var(&o.seed, "seed", 42, "base generation seed")
	f.IntVar(&o.size, "size", 1024, "generated image size (square)")
	f.StringVar(&o.dir, "dir", "", "where generated images go (default: beside the workspace, <db>-bench/)")
	f.BoolVar(&o.quiet, "quiet", false, "no progress line")
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
	prompts, err := workspace.ReadBenchPrompts(o.prompts, o.lang, o.limit, dir)
	if err != nil {
		return err
	}
	for _, pr := range prompts.Problems {
		fmt.Fprintf(g.err, "loupe: %s %s: %s (skipped; later prompts keep their index)\n", Clean(pr.File), pr.Where, Clean(pr.Message))
	}
	mdir := filepath.Join(dir, o.lang+"-"+o.model)
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
		gen, err := generate.New(gc)
		if err != nil {
			return err
		}
		start := time.Now()
		var progress func(done, total int)
		if !o.quiet && !g.json {
			progress = func(done, total int) { fmt.Fprintf(g.err, "\r\x1b[Kgenerating %d/%d", done, total) }
		}
		res, err := workspace.GenerateBench(ctx, gen, mdir, prompts, o.seed, o.size, progress)
		if progress != nil && res != nil && res.Made > 0 {
			fmt.Fprintln(g.err)
		}
		if res != nil {
			for _, r := range res.Refused {
				fmt.Fprintf(g.err, "loupe: %s\n", Clean(r))
			}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(g.out, "generated %s (%d existed) in %.1f s\n", plural(res.Made, "image"), res.Existed, time.Since(start).Seconds())
	}
	st, err := g.open(ctx)
	if err != nil {
		return err
	}
	rep, err := workspace.New(st).Import(ctx, []string{mdir}, ingest.Options{Model: o.model, Lang: o.lang})
	if err != nil {
		st.Close()
		return err
	}
	fmt.Fprintf(g.out, "bench %s (%s): %s in the workspace\n", Clean(o.model), o.lang, plural(rep.Inserted, "new image"))
	items := prompts.ItemIDs(o.model)
	present, err := workspace.New(st).Present(ctx, items)
	st.Close()
	if err != nil {
		return err
	}
	if len(present) < len(items) {
		fmt.Fprintf(g.out, "  %d of %s %s no image (missing verdicts count as missing, never 0)\n", len(items)-len(present), plural(len(items), "prompt"), hasHave(len(items)-len(present)))
	}
	var failed error
	for _, j := range o.judges {
		err := runJudge(ctx, g, &judgeOpts{config: o.config, backend: j, items: present, dimension: "both",
			rubrics: "loupe-v1", quiet: o.quiet})
		var se skippedError
		if errors.As(err, &se) {
			failed = err
			continue
		}
		if err != nil {
			return err
		}
	}
	return failed
}

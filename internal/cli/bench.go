package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/generate"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/review"
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

// promptDir finds the captions/<lang> folder of a prompt set.
func promptDir(root, lang string) (string, error) {
	for _, d := range []string{filepath.Join(root, "captions", lang), filepath.Join(root, lang)} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d, nil
		}
	}
	return "", fmt.Errorf("%s: no captions/%s/<track>.jsonl prompt files", root, lang)
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
	src, err := promptDir(o.prompts, o.lang)
	if err != nil {
		return err
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
	capDir := filepath.Join(dir, "captions", o.lang)
	if err := os.MkdirAll(capDir, 0o755); err != nil {
		return err
	}
	prompts := map[string][]dataset.PromptLine{}
	for _, t := range review.Tracks {
		p := filepath.Join(src, t+".jsonl")
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		lines, probs, err := dataset.ReadPrompts(p)
		if err != nil {
			return err
		}
		for _, pr := range probs {
			fmt.Fprintf(g.err, "loupe: %s %s: %s (skipped; later prompts keep their index)\n", Clean(pr.File), pr.Where, Clean(pr.Message))
		}
		if o.limit > 0 && len(lines) > o.limit {
			lines = lines[:o.limit]
		}
		prompts[t] = lines
		if err := os.WriteFile(filepath.Join(capDir, t+".jsonl"), b, 0o644); err != nil {
			return err
		}
	}
	if len(prompts) == 0 {
		return fmt.Errorf("%s: no <track>.jsonl prompt files", src)
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
		if err := benchGenerate(ctx, g, gen, mdir, prompts, o); err != nil {
			return err
		}
	}
	st, err := g.open(ctx)
	if err != nil {
		return err
	}
	rep, err := ingest.Import(ctx, st, []string{mdir}, ingest.Options{Model: o.model, Lang: o.lang})
	st.Close()
	if err != nil {
		return err
	}
	fmt.Fprintf(g.out, "bench %s (%s): %s in the workspace\n", Clean(o.model), o.lang, plural(rep.Inserted, "new image"))
	var items []string
	for t, lines := range prompts {
		for _, l := range lines {
			items = append(items, fmt.Sprintf("prism-%s/%s/%s/%d", o.lang, o.model, t, l.Index))
		}
	}
	st, err = g.open(ctx)
	if err != nil {
		return err
	}
	var present []string
	for _, id := range items {
		if _, err := st.Item(ctx, id); err == nil {
			present = append(present, id)
		}
	}
	st.Close()
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

// benchGenerate draws every prompt's image that does not exist yet, in the official layout.
func benchGenerate(ctx context.Context, g *globals, gen generate.Generator, mdir string, prompts map[string][]dataset.PromptLine, o *benchRunOpts) error {
	total, done, made := 0, 0, 0
	for _, ls := range prompts {
		total += len(ls)
	}
	start := time.Now()
	for _, t := range review.Tracks {
		for _, l := range prompts[t] {
			done++
			path := filepath.Join(mdir, t, fmt.Sprintf("%d.png", l.Index))
			if _, err := os.Stat(path); err == nil {
				continue
			}
			img, err := gen.Generate(ctx, generate.Request{Prompt: l.Prompt, Seed: o.seed + int64(l.Index), Width: o.size, Height: o.size})
			if errors.Is(err, generate.ErrRefused) {
				fmt.Fprintf(g.err, "loupe: %s/%d refused by the generator: %v\n", t, l.Index, err)
				continue
			}
			if err != nil {
				return fmt.Errorf("%s/%d: %w", t, l.Index, err)
			}
			f, err := export.CreateAtomic(path)
			if err != nil {
				return err
			}
			if _, err := f.Write(img.Bytes); err != nil {
				f.Abort()
				return err
			}
			if err := f.Commit(); err != nil {
				return err
			}
			made++
			if !o.quiet && !g.json {
				fmt.Fprintf(g.err, "\r\x1b[Kgenerating %d/%d", done, total)
			}
		}
	}
	if !o.quiet && !g.json && made > 0 {
		fmt.Fprintln(g.err)
	}
	fmt.Fprintf(g.out, "generated %s (%d existed) in %.1f s\n", plural(made, "image"), total-made, time.Since(start).Seconds())
	return nil
}

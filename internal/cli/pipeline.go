package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/generate"
	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/pipeline"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type pipelineOpts struct {
	config     string
	steps      string
	backend    string
	generator  string
	prompts    string
	images     string
	queue      string
	subset     string
	seed       int64
	imageDir   string
	size       int
	thresholds string
	th         workspace.Thresholds
	quiet      bool
}

func newPipelineCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "pipeline", Short: "The FLUX-Reason curation pipeline: generate, score, caption, translate"}
	o := &pipelineOpts{th: workspace.DefaultThresholds}
	run := &cobra.Command{
		Use:   "run --steps all|STEP,... (--prompts FILE | --queue Q) [--backend NAME] [--generator NAME]",
		Short: "Run pipeline steps over a prompt file or a queue's items",
		Long: `Run the FLUX-Reason-6M curation steps, each a versioned prompt of loupe's wording with a JSON schema:
  expand          seed prompts -> more creative prompts (LLM, temperature 0.9)
  rewrite         a caption -> a rich description to generate from
  generate        description -> picture (generator backend; seed recorded)
  quality         picture -> clarity and structure 0-10 (drops below --clarity / --structure)
  traits          picture -> the six trait scores
  mine-text       picture -> does it hold legible text, and which
  typography      text pictures: tesseract OCR plus a VLM check of legibility and correctness (drops below --typography)
  captions        a category caption for each trait scored at least --trait
  gcot            the long Generation Chain-of-Thought caption
  align-original  original caption vs picture 0-10 (the caption is kept at --original or above)
  translate       EN -> ZH for every caption, keeping quoted render strings verbatim (checked; retried, then flagged)

A prompt file (one prompt a line, or JSONL with a "prompt" field) becomes items of --subset with
their pictures under --image-dir. Outputs are stored as texts, the inline pipeline scores (what review,
stats and export read) and labels of the rater pipeline:<model> with the prompt version. Model answers
are cached by request and finished outputs are skipped: a rerun or a resumed run repeats no work.
--thresholds SNAPSHOT takes the calibrated thresholds of a loupe stats snapshot.`,
		Example: `  loupe pipeline run --steps all --prompts seeds.txt --backend qwen --generator comfy
  loupe pipeline run --steps all --prompts seeds.txt --backend local --generator procedural
  loupe pipeline run --steps traits,captions --queue demo --backend qwen`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runPipeline(cmd.Context(), g, o) },
	}
	f := run.Flags()
	f.StringVar(&o.config, "config", "", "configuration file (default: $"+config.EnvVar+", else ~/.config/loupe/loupe.toml)")
	f.StringVar(&o.steps, "steps", "all", "all, or steps separated by commas: "+strings.Join(pipeline.Order, ","))
	f.StringVar(&o.backend, "backend", "", "the model steps' backend ([backends.NAME])")
	f.StringVar(&o.generator, "generator", "procedural", "the generate step's generator ([generators.NAME], or procedural)")
	f.StringVar(&o.prompts, "prompts", "", "a prompt file: one prompt a line, or JSONL with a \"prompt\" field")
	f.StringVar(&o.queue, "queue", "", "work on the items of this queue")
	f.StringVar(&o.images, "images", "", "import this folder of new images (with sidecar .txt captions) and work on them")
	f.StringVar(&o.subset, "subset", "pipeline", "subset of the items a prompt file makes")
	f.Int64Var(&o.seed, "seed", 1, "base generation seed (an item's seed is this plus its number)")
	f.StringVar(&o.imageDir, "image-dir", "", "where generated pictures go (default: beside the workspace, <db>-images/)")
	f.IntVar(&o.size, "size", 512, "generated picture size in pixels (square)")
	f.StringVar(&o.thresholds, "thresholds", "", "take thresholds from this loupe stats snapshot id")
	f.Float64Var(&o.th.Clarity, "clarity", o.th.Clarity, "quality: keep at this clarity or above")
	f.Float64Var(&o.th.Structure, "structure", o.th.Structure, "quality: keep at this structure or above")
	f.Float64Var(&o.th.Trait, "trait", o.th.Trait, "captions: write a category caption for traits scored at least this")
	f.Float64Var(&o.th.Typography, "typography", o.th.Typography, "typography: keep text pictures at this correctness or above")
	f.Float64Var(&o.th.Original, "original", o.th.Original, "align-original: keep the original caption at this alignment or above")
	f.BoolVar(&o.quiet, "quiet", false, "no progress line")
	cmd.AddCommand(run)
	return cmd
}

func runPipeline(ctx context.Context, g *globals, o *pipelineOpts) error {
	var steps []string
	if o.steps == "all" {
		steps = pipeline.Order
	} else {
		for _, s := range strings.Split(o.steps, ",") {
			if s = strings.TrimSpace(s); s != "" {
				steps = append(steps, s)
			}
		}
	}
	given := 0
	for _, s := range []string{o.prompts, o.queue, o.images} {
		if s != "" {
			given++
		}
	}
	if given != 1 {
		return usageError{errors.New("give one of --prompts FILE, --queue Q or --images DIR")}
	}
	cfg, err := config.Read(o.config)
	if err != nil {
		return err
	}
	ro := workspace.PipelineOptions{Steps: steps, Subset: o.subset, Seed: o.seed, Width: o.size, Height: o.size, Thresholds: o.th}
	needsModel := false // every step but generate asks a model
	for _, s := range steps {
		needsModel = needsModel || s != "generate"
	}
	if o.backend != "" {
		if ro.Backend, err = cfg.Backend(o.backend); err != nil {
			return err
		}
		if ro.Backend.Offline() {
			return usageError{fmt.Errorf("backend %q is an offline judge: the pipeline needs a model", o.backend)}
		}
	} else if needsModel {
		return usageError{errors.New("--backend is required for the model steps")}
	}
	for _, s := range steps {
		if s == "generate" {
			gc, err := cfg.Generator(o.generator)
			if err != nil {
				return err
			}
			if ro.Generator, err = generate.New(gc); err != nil {
				return err
			}
			ro.GenName = gc.Name + " (" + gc.Kind + ")"
		}
	}
	if o.prompts != "" {
		if ro.Prompts, err = workspace.ReadPromptFile(o.prompts); err != nil {
			return err
		}
	}
	st, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ws := workspace.New(st)
	if o.thresholds != "" {
		n, err := strconv.ParseInt(o.thresholds, 10, 64)
		if err != nil {
			return usageError{fmt.Errorf("--thresholds %q: want a snapshot id (loupe stats prints it)", o.thresholds)}
		}
		if err := ws.SnapshotThresholds(ctx, n, &ro.Thresholds); err != nil {
			return err
		}
	}
	ro.ImageDir = o.imageDir
	if ro.ImageDir == "" {
		ro.ImageDir = strings.TrimSuffix(g.db, filepath.Ext(g.db)) + "-images"
	}
	if o.queue != "" || o.images != "" {
		if ro.Items, err = ws.PipelineItems(ctx, o.queue, o.images); err != nil {
			return err
		}
	}
	prog := newProgress(g.err, o.quiet || g.json)
	ro.Progress = func(step string, done, total int) {
		if prog.off {
			return
		}
		if prog.tty {
			fmt.Fprintf(prog.w, "\r\x1b[K%-15s %d/%d", step, done, total)
			prog.drawn = true
		} else if done == total || time.Since(prog.last) >= 5*time.Second {
			// a log, not a terminal: a plain line every few seconds and at each step's end
			prog.last = time.Now()
			fmt.Fprintf(prog.w, "%-15s %d/%d\n", step, done, total)
		}
	}
	sum, runErr := ws.RunPipeline(ctx, ro)
	prog.done()
	if sum != nil {
		if g.json {
			if err := g.printJSON(sum); err != nil {
				return err
			}
		} else {
			printPipelineSummary(g, sum)
		}
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			return skippedError{msg: errors.New("stopped: run the same command again to resume")}
		}
		return runErr
	}
	failed := 0
	for _, s := range sum.Steps {
		failed += s.Failed
	}
	if failed > 0 {
		return skippedError{msg: fmt.Errorf("%d step outputs failed (see last errors above); run again to retry them", failed)}
	}
	return nil
}

func printPipelineSummary(g *globals, sum *workspace.PipelineSummary) {
	fmt.Fprintf(g.out, "pipeline over %s\n", plural(sum.Items, "item"))
	t := &table{head: []string{"step", "version", "items", "requests", "cached", "done before", "kept", "dropped", "failed", "tokens in", "tokens out", "cost", "s"}}
	for _, s := range sum.Steps {
		t.rows = append(t.rows, []string{s.Step, s.Version, strconv.Itoa(s.Items), strconv.Itoa(s.Requests), strconv.Itoa(s.Cached), strconv.Itoa(s.Skipped),
			strconv.Itoa(s.Kept), strconv.Itoa(s.Dropped), strconv.Itoa(s.Failed), strconv.Itoa(s.InputTok), strconv.Itoa(s.OutputTok),
			fmt.Sprintf("$%.4f", s.CostUSD), fmt.Sprintf("%.1f", s.Seconds)})
	}
	t.print(g.out, false)
	for _, s := range sum.Steps {
		if s.LastError != "" {
			fmt.Fprintf(g.out, "  %s: last error: %s\n", s.Step, Clean(s.LastError))
		}
	}
}

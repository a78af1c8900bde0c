package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/internal/demo"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type demoOptions struct {
	dir    string
	seed   int64
	noOpen bool
	force  bool
}

func newDemoCmd(g *globals) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build the demo workspace (offline, deterministic) and open it",
		Long: `Draw the demo pictures - skies, landscapes, signs with text, arranged objects, patterns - with
captions in English and Chinese, trait scores, PRISM-Bench prompts for the 7 tracks with two fictional
models' generations (a known share deliberately wrong, recorded as ground truth), a synthetic judge's
verdicts and two annotators' decisions; import it all into <dir>/loupe.db (or --db when given) and
open the review screen on queue "demo" (--no-open prints the workspace summary instead).`,
		Example: `  loupe demo
  loupe demo --no-open --dir /tmp/loupe-demo
  loupe demo gen --out /tmp/shards --shards 100 --rows 5000 --image-size 64`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			db := g.db
			if !cmd.Flags().Changed("db") {
				db = filepath.Join(o.dir, "loupe.db")
			}
			return runDemo(cmd, g, o, db)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "loupe-demo", "folder for the demo's pictures and (without --db) its workspace")
	f.Int64Var(&o.seed, "seed", 1, "seed: the same seed draws the same demo")
	f.BoolVar(&o.noOpen, "no-open", false, "build the workspace and exit")
	f.BoolVar(&o.force, "force", false, "rebuild even if the demo workspace exists")
	cmd.AddCommand(newDemoGenCmd(g))
	return cmd
}

func runDemo(cmd *cobra.Command, g *globals, o *demoOptions, db string) error {
	ctx := cmd.Context()
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	if filepath.Dir(db) != "." {
		if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
			return err
		}
	}
	if o.force {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(db + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	gg := *g
	gg.db = db
	st, err := gg.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	in, err := st.Info(ctx)
	if err != nil {
		return err
	}
	var sum *demo.Summary
	if in.Items == 0 {
		opts := demo.Defaults(o.dir, o.seed)
		if !g.json {
			opts.Progress = func(s string) { fmt.Fprintln(g.err, Clean(s)) }
		}
		t0 := time.Now()
		if sum, err = demo.Build(ctx, st, opts); err != nil {
			return err
		}
		if !g.json {
			fmt.Fprintf(g.err, "demo built in %.1f s\n", time.Since(t0).Seconds())
		}
		if in, err = st.Info(ctx); err != nil {
			return err
		}
	} else if !g.json {
		fmt.Fprintf(g.err, "demo workspace %s exists (%s); --force rebuilds it\n", db, plural(in.Items, "item"))
	}
	if g.json {
		return g.printJSON(map[string]any{"workspace": db, "built": sum, "info": in})
	}
	if sum != nil {
		fmt.Fprintf(g.out, "demo: %s, %s, %s, %s, %s, %s, queues %s\n",
			plural(sum.Samples, "dataset sample"), plural(sum.Generations, "generation"), plural(sum.Defects, "known defect"),
			plural(sum.JudgeLabels, "judge label"), plural(sum.OfflineLabels, "offline-judge verdict"), plural(sum.Events, "human event"),
			strings.Join(sum.Queues, ", "))
	}
	fmt.Fprintf(g.out, "workspace: %s\n\n", db)
	if !o.noOpen && interactiveTerminal() {
		return reviewWorkspace(ctx, st, &reviewOptions{queue: "demo"})
	}
	gi := *g
	gi.db = db
	info := newInfoCmd(&gi)
	info.SetContext(ctx)
	if err := info.RunE(info, nil); err != nil {
		return err
	}
	return demoPairs(ctx, g.out, st)
}

// demoPairs prints the demo pair queue's leaderboards and the judge's position bias: what loupe stats
// --pairs says at length.
func demoPairs(ctx context.Context, w io.Writer, st *store.Store) error {
	rep, err := workspace.New(st).PairStats(ctx, workspace.PairStatsRequest{Queue: demo.PairQueue, Resamples: 1000, Seed: 1})
	if errors.Is(err, store.ErrNotFound) {
		return nil // a demo workspace from before pair queues
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nside-by-side preference: pair queue %s, %d pairs, %d answers by %s (loupe review --queue %s; loupe stats --pairs)\n",
		Clean(rep.Queue), rep.Pairs, rep.Answers, Clean(strings.Join(rep.Annotators, ", ")), Clean(rep.Queue))
	for _, gr := range rep.Groups {
		if gr.Kind == workspace.PairKindScores || gr.Leaderboard.Undefined != "" {
			continue
		}
		fmt.Fprintf(w, "  %s:", Clean(groupLabel(gr)))
		for i, m := range gr.Leaderboard.Models {
			ci := ""
			if m.RatingCI != nil && m.RatingCI.Undefined == "" {
				ci = fmt.Sprintf(" [%.0f, %.0f]", m.RatingCI.Lo, m.RatingCI.Hi)
			}
			fmt.Fprintf(w, "  %d. %s %.0f%s", i+1, Clean(m.Model), m.Rating, ci)
		}
		fmt.Fprintln(w)
	}
	for _, b := range rep.Biases {
		if b.Kind != workspace.PairKindJudge || !b.Bias.LeftShare.Defined() || !b.Bias.FlipRate.Defined() {
			continue
		}
		fmt.Fprintf(w, "  %s picks the picture shown first in %.0f%% of its decisive answers; %.0f%% of its verdicts change when the order does\n",
			Clean(b.Bias.Rater), 100*b.Bias.LeftShare.Value, 100*b.Bias.FlipRate.Value)
	}
	return nil
}

type demoGenOptions struct {
	out       string
	shards    int
	rows      int
	seed      int64
	subset    string
	imageSize int
	pool      int
	rowGroups int
	prism     bool
	prompts   int
	images    int
	models    []string
	judge     bool
}

func newDemoGenCmd(g *globals) *cobra.Command {
	o := &demoGenOptions{}
	cmd := &cobra.Command{
		Use:   "gen",
		Short: "Write synthetic FLUX-Reason-6M shards or a PRISM-Bench folder (for tests and benchmarks)",
		Long: `Write data in the published layouts, drawn by the demo generator:
  shards: <out>/<Subset folder>/fluxdb-<subset>-NNNNN-of-MMMMM.parquet, all 36 columns, image as
          struct<bytes,path> with JPEG bytes, --row-groups row groups per shard. With --image-pool P, row i
          shows picture i mod P (captions and scores follow the picture), so big sets are quick to write.
  --prism: <out>/captions/{en,zh}/<track>.jsonl, <out>/<model>/<track>/<i>.png, official-layout judge
          outputs <out>/<model>/{alignment,aesthetic}/<track>/<i>.jsonl and <out>/<model>/truth.jsonl.`,
		Example: `  loupe demo gen --out /tmp/flux --shards 100 --rows 5000 --image-size 64
  loupe demo gen --prism --out /tmp/prism --images 100 --models a,b`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.out == "" {
				return usageError{errors.New("--out is required")}
			}
			t0 := time.Now()
			if o.prism {
				err := dataset.WritePrism(dataset.PrismOptions{Out: o.out, Seed: o.seed, Prompts: o.prompts, Images: o.images,
					Models: o.models, ImageSize: o.imageSize, Judge: o.judge})
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(map[string]any{"out": o.out, "prompts_per_track": o.prompts, "images_per_track": o.images, "models": o.models})
				}
				fmt.Fprintf(g.out, "wrote PRISM-Bench folder %s: 7 tracks x %d prompts (en, zh), %d images per track for %s in %.1f s\n",
					o.out, o.prompts, o.images, strings.Join(o.models, ", "), time.Since(t0).Seconds())
				return nil
			}
			paths, err := dataset.WriteShards(dataset.GenOptions{Out: o.out, Shards: o.shards, Rows: o.rows, Seed: o.seed,
				Subset: o.subset, ImageSize: o.imageSize, ImagePool: o.pool, RowGroups: o.rowGroups})
			if err != nil {
				return err
			}
			if g.json {
				return g.printJSON(map[string]any{"out": o.out, "shards": paths, "rows": o.shards * o.rows})
			}
			fmt.Fprintf(g.out, "wrote %d shards x %d rows to %s in %.1f s\n", len(paths), o.rows, o.out, time.Since(t0).Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "output folder (required)")
	f.IntVar(&o.shards, "shards", 4, "number of shards")
	f.IntVar(&o.rows, "rows", 5000, "rows per shard")
	f.Int64Var(&o.seed, "seed", 1, "seed")
	f.StringVar(&o.subset, "subset", "", "write every shard for one subset (default: spread over the four)")
	f.IntVar(&o.imageSize, "image-size", 256, "picture size in pixels")
	f.IntVar(&o.pool, "image-pool", 256, "distinct pictures per subset (0: every row its own, slow)")
	f.IntVar(&o.rowGroups, "row-groups", 50, "row groups per shard")
	f.BoolVar(&o.prism, "prism", false, "write a PRISM-Bench folder instead of shards")
	f.IntVar(&o.prompts, "prompts", 100, "--prism: prompts per track")
	f.IntVar(&o.images, "images", 10, "--prism: images per track and model")
	f.StringSliceVar(&o.models, "models", []string{"aurora-xl", "pixelsmith-2"}, "--prism: model names")
	f.BoolVar(&o.judge, "judge", true, "--prism: write synthetic judge outputs")
	return cmd
}

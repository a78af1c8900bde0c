package cli

import (
	"fmt"

	"github.com/loupe-dev/loupe/ingest"
	"github.com/spf13/cobra"
)

type importOptions struct {
	format  string
	judge   string
	model   string
	lang    string
	workers int
	quiet   bool
}

func newImportCmd(g *globals) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import Parquet shards, PRISM-Bench folders, JSONL manifests or image folders",
		Long: `Import data into the workspace. Each PATH is a file, a folder or a glob; its format is detected:
  parquet  FLUX-Reason-6M shards (*.parquet, or folders of them): only ids, scores and caption flags are
           indexed; captions and images stay in the shard and are read when needed
  prism    a PRISM-Bench folder: captions/{en,zh}/<track>.jsonl, model folders <model>/<track>/<i>.png,
           official judge outputs <model>/{alignment|aesthetic}/<track>/<i>.jsonl (name the judge: --judge)
  jsonl    a manifest, one item a line: {"id", "image", "subset", "texts": {...}, "scores": {...}}
  folder   a folder of images, with optional same-name .txt captions

Importing is idempotent and resumable: what is already in the workspace is skipped. Bad rows, lines
and files are reported and skipped; a failure leaves the workspace as it was before the failing batch.`,
		Example: `  loupe import ~/data/FLUX-Reason-6M/Text
  loupe import 'shards/*/fluxdb-*.parquet'
  loupe import prism-bench/ --judge gpt-4.1 --lang en
  loupe import manifest.jsonl --json`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runImport(cmd, g, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "input format: parquet, prism, jsonl or folder (default: detect)")
	f.StringVar(&o.judge, "judge", "", "PRISM-Bench: name of the judge that wrote alignment/ and aesthetic/ outputs")
	f.StringVar(&o.model, "model", "", "PRISM-Bench: model name for a single model folder (default: folder name)")
	f.StringVar(&o.lang, "lang", "en", "PRISM-Bench: prompt language of the images (en or zh)")
	f.IntVar(&o.workers, "workers", 0, "parallel shard readers (default: number of CPUs)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress lines")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"parquet", "prism", "jsonl", "folder"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("lang", cobra.FixedCompletions([]string{"en", "zh"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.AddCommand(newImportLabelsCmd(g))
	return cmd
}

func runImport(cmd *cobra.Command, g *globals, o *importOptions, args []string) error {
	switch o.format {
	case "", "parquet", "prism", "jsonl", "folder":
	default:
		return usageError{fmt.Errorf("--format %q: want parquet, prism, jsonl or folder", o.format)}
	}
	ctx := cmd.Context()
	st, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	opts := ingest.Options{Format: ingest.Format(o.format), Judge: o.judge, Model: o.model, Lang: o.lang, Workers: o.workers}
	if !o.quiet && !g.json {
		opts.Progress = func(s string) { fmt.Fprintln(g.err, Clean(s)) }
	}
	rep, err := ingest.Import(ctx, st, args, opts)
	if rep != nil {
		if g.json {
			if jerr := g.printJSON(rep); jerr != nil {
				return jerr
			}
		} else {
			printReport(g, rep)
		}
	}
	if err != nil {
		return err
	}
	if rep.ProblemCount > 0 {
		return skippedError{n: rep.ProblemCount}
	}
	return nil
}

func printReport(g *globals, r *ingest.Report) {
	w := g.out
	fmt.Fprintf(w, "imported %s: %d source(s), %d already up to date, %d failed\n", orAll(string(r.Format)), r.Sources, r.UpToDate, r.Failed)
	fmt.Fprintf(w, "  items added %d, updated %d; labels added %d; texts added %d; rows skipped %d\n",
		r.Inserted, r.Updated, r.Labels, r.Texts, r.Skipped)
	if r.ProblemCount == 0 {
		return
	}
	fmt.Fprintf(w, "%d problem(s):\n", r.ProblemCount)
	const show = 20
	for i, p := range r.Problems {
		if i == show {
			fmt.Fprintf(w, "  ... and %d more (all of them: loupe import --json, or loupe info)\n", r.ProblemCount-show)
			break
		}
		fmt.Fprintln(w, "  "+Clean(p.String()))
	}
}

func orAll(s string) string {
	if s == "" {
		return "(several formats)"
	}
	return s
}

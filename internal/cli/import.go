package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

type importOptions struct {
	format       string
	judge        string
	model        string
	lang         string
	workers      int
	quiet        bool
	allowOutside bool
	problems     bool
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
and files are reported and skipped, and every one of them is kept in the workspace: --problems lists
them all (reading the workspace only). A shard already imported whose import skipped rows is named
again, with exit status 3, whenever it is imported. A failure leaves the workspace as it was before the
failing batch.`,
		Example: `  loupe import ~/data/FLUX-Reason-6M/Text
  loupe import 'shards/*/fluxdb-*.parquet'
  loupe import prism-bench/ --judge gpt-4.1 --lang en
  loupe import manifest.jsonl --json
  loupe import --problems > problems.txt`,
		Args: usageArgs(func(cmd *cobra.Command, args []string) error {
			if o.problems {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		}),
		RunE: func(cmd *cobra.Command, args []string) error { return runImport(cmd, g, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "input format: parquet, prism, jsonl or folder (default: detect)")
	f.StringVar(&o.judge, "judge", "", "PRISM-Bench: name of the judge that wrote alignment/ and aesthetic/ outputs")
	f.StringVar(&o.model, "model", "", "PRISM-Bench: model name for a single model folder (default: folder name)")
	f.StringVar(&o.lang, "lang", "en", "PRISM-Bench: prompt language of the images (en or zh)")
	f.IntVar(&o.workers, "workers", 0, "parallel shard readers (default: number of CPUs)")
	f.BoolVar(&o.allowOutside, "allow-outside", false, "accept pictures that resolve (symlinks followed) outside the folder being imported")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress lines")
	f.BoolVar(&o.problems, "problems", false, "import nothing: list every problem stored by the workspace's imports (file, where, message)")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"parquet", "prism", "jsonl", "folder"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("lang", cobra.FixedCompletions([]string{"en", "zh"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.AddCommand(newImportLabelsCmd(g))
	return cmd
}

func runImport(cmd *cobra.Command, g *globals, o *importOptions, args []string) error {
	if o.problems {
		return listProblems(cmd.Context(), g)
	}
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
	opts := ingest.Options{Format: ingest.Format(o.format), Judge: o.judge, Model: o.model, Lang: o.lang, Workers: o.workers, AllowOutside: o.allowOutside}
	if !o.quiet && !g.json {
		opts.Progress = func(s string) { fmt.Fprintln(g.err, CleanLine(s)) }
	}
	rep, err := workspace.New(st).Import(ctx, args, opts)
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
	if len(rep.SkippedBefore) > 0 {
		n := 0
		for _, s := range rep.SkippedBefore {
			n += s.Problems
		}
		return skippedError{n: n, msg: fmt.Errorf("nothing new was skipped, but %s of earlier imports of %s %s still missing from the workspace (%s lists them)",
			plural(n, "problem"), plural(len(rep.SkippedBefore), "unchanged source"), isAre(n), allProblems)}
	}
	return nil
}

// allProblems is the command that lists every stored import problem.
const allProblems = "loupe import --problems"

// listProblems prints every problem stored by the workspace's imports, one a line (file, where,
// message; cleaned for the terminal), or with --json one JSON array, streamed: never all in memory.
func listProblems(ctx context.Context, g *globals) error {
	st, err := g.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	w := bufio.NewWriter(g.out)
	n := 0
	if g.json {
		w.WriteString("[")
	}
	err = st.EachIssue(ctx, func(is store.Issue) error {
		n++
		if g.json {
			b, err := json.Marshal(is)
			if err != nil {
				return err
			}
			if n > 1 {
				w.WriteString(",")
			}
			w.WriteString("\n  ")
			_, err = w.Write(escapeJSONControls(b))
			return err
		}
		line := CleanLine(is.Source) + ": "
		if is.Where != "" {
			line += CleanLine(is.Where) + ": "
		}
		_, err := fmt.Fprintln(w, line+CleanLine(is.Message))
		return err
	})
	if err != nil {
		return err
	}
	if g.json {
		if n > 0 {
			w.WriteString("\n")
		}
		w.WriteString("]\n")
	} else if n == 0 {
		fmt.Fprintln(w, "no import problems stored")
	}
	return w.Flush()
}

func printReport(g *globals, r *ingest.Report) {
	w := g.out
	fmt.Fprintf(w, "imported %s: %s, %d already up to date, %d failed\n", orAll(string(r.Format)), plural(r.Sources, "source"), r.UpToDate, r.Failed)
	fmt.Fprintf(w, "  items added %d, updated %d; labels added %d; texts added %d; rows skipped %d\n",
		r.Inserted, r.Updated, r.Labels, r.Texts, r.Skipped)
	for _, s := range r.SkippedBefore {
		fmt.Fprintf(w, "shard %s: %s skipped when it was imported; it is unchanged since (%s lists them)\n",
			CleanLine(s.File), plural(s.Problems, "row")+" "+wasWere(s.Problems), allProblems)
	}
	if r.ProblemCount == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", plural(r.ProblemCount, "problem"))
	const show = 20
	for i, p := range r.Problems {
		if i == show {
			fmt.Fprintf(w, "  ... and %d more (all of them, kept in the workspace: %s)\n", r.ProblemCount-show, allProblems)
			break
		}
		fmt.Fprintln(w, "  "+problemLine(p))
	}
}

// problemLine prints a problem on one line: file, where and message each cleaned.
func problemLine(p dataset.Problem) string {
	s := CleanLine(p.File) + ": "
	if p.Where != "" {
		s += CleanLine(p.Where) + ": "
	}
	return s + CleanLine(p.Message)
}

func orAll(s string) string {
	if s == "" {
		return "(several formats)"
	}
	return s
}

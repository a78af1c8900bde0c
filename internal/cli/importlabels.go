package cli

import (
	"cmp"
	"fmt"

	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

func newImportLabelsCmd(g *globals) *cobra.Command {
	var o ingest.LabelOptions
	var scales, categories []string
	cmd := &cobra.Command{
		Use:   "labels [--create-items] FILE",
		Short: "Import ratings made elsewhere (human scores and decisions, other judges' scores)",
		Long: `Import ratings made outside loupe - a spreadsheet, another tool's export, your own judge runs - so
agreement can be measured on them. FILE is JSONL (one object a line) or CSV/TSV with a header row;
the format follows the extension (.jsonl .ndjson .json / .csv .tsv), else the content.

Fields (JSON keys or CSV columns):
  item       the item's external id (text-00000042, prism-en/model-a/text_rendering/3) or #123, its
             workspace number
  dimension  a workspace dimension: composition, entity, text, imagination, style, affection, clarity,
             structure, original_alignment, prism_alignment, prism_aesthetics, decision
  source     human (or human:NAME) for a person's rating, recorded as that annotator's review event;
             anything else names a machine rater of kind judge (judge:gpt-4.1, my-clip-score);
             pipeline and truth are reserved
  value      a number on the dimension's scale (0-10); for decision also accept/reject, yes/no,
             true/false, 1/0
  annotator  who rated (required for source human)
  time       when, RFC 3339 (checked; the workspace records the import time)
  note       the human event's reason, or the machine label's justification

Rows with a problem are reported (FILE:LINE, the field, why) and skipped; the others are stored, 2,000
rows per transaction. Importing the same file again adds nothing: a label the rater already gave, or a
human value already in force, counts as a duplicate. Exit 3 when rows were skipped.`,
		Example: `  loupe import labels ratings.csv
  loupe import labels --create-items gpt41-scores.jsonl --json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			o.Scales = map[string]ingest.DimScale{}
			for _, d := range []struct {
				flag string
				vals []string
			}{{"--scale", scales}, {"--categories", categories}} {
				for _, v := range d.vals {
					dim, sc, err := ingest.ParseDimScale(v, d.flag == "--categories")
					if err != nil {
						return usageError{fmt.Errorf("%s %w", d.flag, err)}
					}
					if _, dup := o.Scales[dim]; dup {
						return usageError{fmt.Errorf("%s %q: a scale for %q is declared twice", d.flag, v, cmp.Or(dim, "every new dimension"))}
					}
					o.Scales[dim] = sc
				}
			}
			open := g.openExisting
			if o.CreateItems {
				open = g.open
			}
			st, err := open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			rep, err := workspace.New(st).ImportLabels(ctx, args[0], o)
			if rep != nil {
				if g.json {
					if jerr := g.printJSON(rep); jerr != nil {
						return jerr
					}
				} else {
					printLabelReport(g, rep)
				}
			}
			if err != nil {
				return err
			}
			if rep.ProblemCount > 0 {
				return skippedError{n: rep.ProblemCount}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.CreateItems, "create-items", false, "create a bare item for an external id the workspace lacks (default: report the row)")
	cmd.Flags().StringArrayVar(&scales, "scale", nil, "declare a numeric scale, [DIM=]MIN-MAX (1-5, 0-100): a dimension the workspace lacks is created with it; without DIM= for every such dimension of the file")
	cmd.Flags().StringArrayVar(&categories, "categories", nil, "declare a categorical dimension, [DIM=]a,b,c (values are the names; compared as categories)")
	return cmd
}

func printLabelReport(g *globals, r *ingest.LabelReport) {
	w := g.out
	fmt.Fprintf(w, "imported labels from %s (%s): %s, %d stored, %d already there, %s created, %d skipped\n",
		Clean(r.File), r.Format, plural(r.Rows, "row"), r.Stored, r.Duplicates, plural(r.CreatedItems, "item"), r.ProblemCount)
	if r.ProblemCount == 0 {
		return
	}
	const show = 20
	for i, p := range r.Problems {
		if i == show {
			fmt.Fprintf(w, "  ... and %d more (all of them, kept in the workspace: %s)\n", r.ProblemCount-show, allProblems)
			break
		}
		fmt.Fprintln(w, "  "+CleanLine(p.String(r.File)))
	}
}

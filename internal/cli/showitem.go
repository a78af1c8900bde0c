package cli

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

// itemView is show-item's output: the item plus what was read from its shard.
type itemView struct {
	*review.Item
	ImageBytes int    `json:"image_bytes,omitempty"`
	ShardError string `json:"shard_error,omitempty"`
}

func newShowItemCmd(g *globals) *cobra.Command {
	var noShard bool
	cmd := &cobra.Command{
		Use:   "show-item ID",
		Short: "Every text, label and decision of one item",
		Long: `Show one item: where its image lives, its captions (read from its Parquet shard when they are not
in the workspace), the pipeline's scores, every judge's verdict, ground truth where known, and the
human history. ID is the item's external id (e.g. text-00000042), or its workspace number.`,
		Example: `  loupe show-item aesthetics-part01-00000042
  loupe show-item prism-en/model-a/text_rendering/3 --json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := g.openReadOnly(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			it, err := st.Item(ctx, args[0])
			if err != nil {
				return err
			}
			v := itemView{Item: it}
			if it.Image.Shard != "" && !noShard {
				c := workspace.ContentOf(it)
				if c.RowErr != nil {
					v.ShardError = c.RowErr.Error()
				} else {
					v.ImageBytes, it.Texts = c.ImageBytes(), c.Texts
				}
			}
			if g.json {
				return g.printJSON(v)
			}
			printItem(g, v)
			return nil
		},
	}
	cmd.Flags().BoolVar(&noShard, "no-shard", false, "do not read captions and image from the Parquet shard")
	return cmd
}

func printItem(g *globals, v itemView) {
	it := v.Item
	w := g.out
	fmt.Fprintf(w, "%s  (#%d, %s", Clean(it.ExtID), it.ID, it.Kind)
	if it.Subset != "" {
		fmt.Fprintf(w, ", subset %s", Clean(it.Subset))
	}
	fmt.Fprintln(w, ")")
	if it.Track != "" {
		fmt.Fprintf(w, "generation: model %s, track %s, prompt %d\n", Clean(it.Model), it.Track, it.Prompt)
	}
	switch {
	case it.Image.Shard != "":
		fmt.Fprintf(w, "image: %s row %d", Clean(it.Image.Shard), it.Image.Row)
		if v.ImageBytes > 0 {
			fmt.Fprintf(w, " (%d bytes)", v.ImageBytes)
		}
		fmt.Fprintln(w)
	case it.Image.Path != "":
		fmt.Fprintf(w, "image: %s\n", Clean(it.Image.Path))
	}
	if v.ShardError != "" {
		fmt.Fprintf(w, "shard: %s\n", Clean(v.ShardError))
	}
	if len(it.Queues) > 0 {
		fmt.Fprintf(w, "queues: %s\n", Clean(strings.Join(it.Queues, ", ")))
	}
	if len(it.Texts) > 0 {
		fmt.Fprintln(w, "\ntexts")
		sort.SliceStable(it.Texts, func(i, j int) bool {
			return review.TextKindID(it.Texts[i].Kind) < review.TextKindID(it.Texts[j].Kind)
		})
		for _, t := range it.Texts {
			fmt.Fprintf(w, "  [%s/%s] %s\n", t.Kind, t.Lang, Clean(t.Body))
		}
	}
	if len(it.Labels) > 0 {
		fmt.Fprintln(w, "\nlabels")
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		for _, l := range it.Labels {
			val := "(failed)"
			if l.Error != "" {
				val = "(failed: " + Clean(truncateRunes(l.Error, 120)) + ")"
			}
			if l.Value != nil {
				val = fmt.Sprintf("%g", *l.Value)
				if l.Parse == "extract" {
					val += " (extracted from prose)"
				}
			}
			if l.ValueText != "" {
				val += " " + l.ValueText
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", l.Dimension, Clean(l.Rater), val, Clean(l.Justification))
		}
		tw.Flush()
	}
	if len(it.Events) > 0 {
		fmt.Fprintln(w, "\nhistory")
		for _, e := range it.Events {
			val := ""
			if e.Value != nil {
				val = fmt.Sprintf("%g", *e.Value)
			}
			if e.ValueText != "" {
				val += " " + e.ValueText
			}
			rep := ""
			if e.Replaces != 0 {
				rep = fmt.Sprintf(" (replaces #%d)", e.Replaces)
			}
			fmt.Fprintf(w, "  #%d %s %s %s %s %s%s %s\n", e.ID, e.At, Clean(e.Annotator), e.Kind, e.Dimension, Clean(val), rep, Clean(e.Reason))
		}
	}
}

// truncateRunes cuts s to at most n runes, marking the cut.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newInfoCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "info",
		Short: "Counts of items, labels, queues and annotators in the workspace",
		Example: `  loupe info
  loupe info --json | jq .items`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			in, err := st.Info(cmd.Context())
			if err != nil {
				return err
			}
			if g.json {
				return g.printJSON(in)
			}
			w := tabwriter.NewWriter(g.out, 2, 4, 2, ' ', 0)
			fmt.Fprintf(w, "workspace\t%s (schema %d)\n", Clean(in.Path), in.SchemaVersion)
			var kinds []string
			for _, k := range in.ByKind {
				kinds = append(kinds, fmt.Sprintf("%d %ss", k.Count, k.Name))
			}
			fmt.Fprintf(w, "items\t%d\t%s\n", in.Items, strings.Join(kinds, ", "))
			fmt.Fprintf(w, "texts\t%d\tprompts %d\n", in.Texts, in.Prompts)
			var srcs []string
			for _, s := range in.Sources {
				srcs = append(srcs, fmt.Sprintf("%d %s (%s)", s.Count, s.Name, s.Kind))
			}
			fmt.Fprintf(w, "sources\t%s\n", strings.Join(srcs, ", "))
			fmt.Fprintf(w, "import issues\t%d\n", in.ImportIssues)
			w.Flush()
			if len(in.BySubset) > 0 {
				fmt.Fprintln(g.out, "\nsubsets")
				w = tabwriter.NewWriter(g.out, 2, 4, 2, ' ', 0)
				for _, s := range in.BySubset {
					fmt.Fprintf(w, "  %s\t%s\t%d\n", Clean(s.Name), s.Kind, s.Count)
				}
				w.Flush()
			}
			if len(in.Labels) > 0 {
				fmt.Fprintln(g.out, "\nlabels (dimension, rater)")
				w = tabwriter.NewWriter(g.out, 2, 4, 2, ' ', 0)
				for _, l := range in.Labels {
					mean := "-"
					if l.Mean != nil {
						mean = fmt.Sprintf("%.2f", *l.Mean)
					}
					failed := ""
					if l.Failed > 0 {
						failed = fmt.Sprintf("%d failed", l.Failed)
					}
					fmt.Fprintf(w, "  %s\t%s\t%s\t%d\tmean %s\t%s\n", l.Dimension, Clean(l.Rater), l.RaterKind, l.Count, mean, failed)
				}
				w.Flush()
			}
			if len(in.Queues) > 0 {
				fmt.Fprintln(g.out, "\nqueues")
				w = tabwriter.NewWriter(g.out, 2, 4, 2, ' ', 0)
				for _, q := range in.Queues {
					fmt.Fprintf(w, "  %s\t%s\tseed %d\t%d items\t%d decided\n", Clean(q.Name), q.Strategy, q.Seed, q.Size, q.Decided)
				}
				w.Flush()
			}
			if len(in.Annotators) > 0 {
				fmt.Fprintln(g.out, "\nannotators")
				w = tabwriter.NewWriter(g.out, 2, 4, 2, ' ', 0)
				for _, a := range in.Annotators {
					fmt.Fprintf(w, "  %s\t%d events\t%d items decided\n", Clean(a.Name), a.Events, a.Decided)
				}
				w.Flush()
			}
			return nil
		},
	}
}

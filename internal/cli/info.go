package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newInfoCmd(g *globals) *cobra.Command {
	var upgrade bool
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Counts of items, labels, queues and annotators in the workspace",
		Long: `Counts of items, labels, queues and annotators in the workspace. The workspace is opened read-only
(nothing is created, migrated or written; a read-only file or folder works); a workspace made by an
older loupe is refused until --upgrade migrates it in place.`,
		Example: `  loupe info
  loupe info --json | jq .items
  loupe info --upgrade`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			open := g.openReadOnly
			if upgrade {
				open = g.openExisting
			}
			st, err := open(cmd.Context())
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
			fmt.Fprintf(w, "workspace\t%s (schema %d)\n", CleanLine(in.Path), in.SchemaVersion)
			var kinds []string
			for _, k := range in.ByKind {
				kinds = append(kinds, plural(k.Count, CleanLine(k.Name)))
			}
			fmt.Fprintf(w, "items\t%d\t%s\n", in.Items, strings.Join(kinds, ", "))
			fmt.Fprintf(w, "texts\t%d\tprompts %d\n", in.Texts, in.Prompts)
			var srcs []string
			for _, s := range in.Sources {
				srcs = append(srcs, fmt.Sprintf("%d %s (%s)", s.Count, CleanLine(s.Name), CleanLine(s.Kind)))
			}
			fmt.Fprintf(w, "sources\t%s\n", strings.Join(srcs, ", "))
			if in.ImportIssues > 0 {
				fmt.Fprintf(w, "import issues\t%d\t(loupe import --problems lists every one)\n", in.ImportIssues)
			} else {
				fmt.Fprintf(w, "import issues\t0\n")
			}
			w.Flush()
			if len(in.BySubset) > 0 {
				fmt.Fprintln(g.out, "\nsubsets")
				w = tabwriter.NewWriter(g.out, 2, 4, 2, ' ', 0)
				for _, s := range in.BySubset {
					fmt.Fprintf(w, "  %s\t%s\t%d\n", CleanLine(s.Name), CleanLine(s.Kind), s.Count)
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
					fmt.Fprintf(w, "  %s\t%s\t%s\t%d\tmean %s\t%s\n", CleanLine(l.Dimension), CleanLine(l.Rater), CleanLine(l.RaterKind), l.Count, mean, failed)
				}
				w.Flush()
			}
			if len(in.Queues) > 0 {
				fmt.Fprintln(g.out, "\nqueues")
				w = tabwriter.NewWriter(g.out, 2, 4, 2, ' ', 0)
				for _, q := range in.Queues {
					if q.Pairs {
						fmt.Fprintf(w, "  %s\t%s\tseed %d\t%s\t%d answered\n", CleanLine(q.Name), CleanLine(q.Strategy), q.Seed, plural(q.Size, "pair"), q.Decided)
						continue
					}
					fmt.Fprintf(w, "  %s\t%s\tseed %d\t%s\t%d decided\n", CleanLine(q.Name), CleanLine(q.Strategy), q.Seed, plural(q.Size, "item"), q.Decided)
				}
				w.Flush()
			}
			if len(in.Annotators) > 0 {
				fmt.Fprintln(g.out, "\nannotators")
				w = tabwriter.NewWriter(g.out, 2, 4, 2, ' ', 0)
				for _, a := range in.Annotators {
					fmt.Fprintf(w, "  %s\t%s\t%s decided\n", CleanLine(a.Name), plural(a.Events, "event"), plural(a.Decided, "item"))
				}
				w.Flush()
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&upgrade, "upgrade", false, "migrate a workspace made by an older loupe to this loupe's schema first (older loupes cannot open it then)")
	return cmd
}

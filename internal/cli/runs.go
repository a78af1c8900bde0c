package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newRunsCmd(g *globals) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List judge, pipeline and generation runs with their status and counts",
		Long: `List the workspace's runs, newest first: kind, backend, model, status, when, requests, verdicts,
failures and cost. A run still marked running whose process is gone (kill -9, a crash) shows as
interrupted, with the counts its stored verdicts give; the next judge run records it so.`,
		Example: `  loupe runs
  loupe runs --limit 0 --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 0 {
				return usageError{fmt.Errorf("--limit %d: must be 0 (all) or more", limit)}
			}
			st, err := g.openReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			runs, err := st.Runs(cmd.Context(), limit)
			if err != nil {
				return err
			}
			if g.json {
				return g.printJSON(runs)
			}
			if len(runs) == 0 {
				fmt.Fprintln(g.out, "no runs yet")
				return nil
			}
			w := tabwriter.NewWriter(g.out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tKIND\tBACKEND\tMODEL\tSTATUS\tSTARTED\tREQUESTS\tVERDICTS\tFAILED\tCOST")
			for _, r := range runs {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t$%.4f\n", r.ID, r.Kind, Clean(r.Backend), Clean(r.Model),
					r.Status, r.StartedAt, r.Requests, r.Verdicts, r.Failed, r.CostUSD)
			}
			return w.Flush()
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "how many runs (0: all)")
	return cmd
}

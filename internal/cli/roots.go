package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newRootsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "roots",
		Short: "List the data folders the workspace imported from; move one",
		Long: `Every import files its sources (shards, manifests, image and PRISM-Bench folders) under a data root:
the folder it read them from. Paths are kept relative to their root, so when a data folder moves,
one command points the workspace at the new place:

  loupe roots move OLD NEW    (OLD: the root's name or its old path; NEW: the folder now)

Re-importing a moved shard or picture (same content) from its new place also updates its location.`,
		Example: `  loupe roots
  loupe roots move flux /mnt/big/FLUX-Reason-6M`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			roots, err := st.Roots(cmd.Context())
			if err != nil {
				return err
			}
			if g.json {
				return g.printJSON(roots)
			}
			if len(roots) == 0 {
				fmt.Fprintln(g.out, "no data roots: nothing imported yet")
				return nil
			}
			w := tabwriter.NewWriter(g.out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tPATH\tSOURCES\tMISSING")
			for _, r := range roots {
				fmt.Fprintf(w, "%s\t%s\t%d\t%d\n", Clean(r.Name), Clean(r.Path), r.Sources, r.Missing)
			}
			return w.Flush()
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "move OLD NEW",
		Short: "Point a data root at the folder it moved to",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			to, err := filepath.Abs(args[1])
			if err != nil {
				return err
			}
			if st, err := os.Stat(to); err != nil || !st.IsDir() {
				return fmt.Errorf("%s: not a folder (move the data first, then tell loupe where it is)", Clean(args[1]))
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := st.MoveRoot(cmd.Context(), args[0], to)
			if err != nil {
				return err
			}
			roots, err := st.Roots(cmd.Context())
			if err != nil {
				return err
			}
			for _, x := range roots {
				if x.ID == r.ID {
					r = x
				}
			}
			if g.json {
				return g.printJSON(r)
			}
			fmt.Fprintf(g.out, "root %s now at %s: %s, %d missing\n", Clean(r.Name), Clean(r.Path), plural(r.Sources, "source"), r.Missing)
			return nil
		},
	})
	return cmd
}

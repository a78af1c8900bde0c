package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

func newRubricsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rubrics",
		Short: "PRISM-Bench judging rubrics: loupe's own, or the official text from your copy of the scripts",
	}
	var name string
	imp := &cobra.Command{
		Use:   "import PATH",
		Short: "Store the official rubrics from eval_gpt41.py or eval_qwen25.py as a rubric set",
		Long: `Read messages_1 ... messages_8 from your copy of the official PRISM-Bench evaluation script (the
official repository's evaluation/eval_gpt41.py or eval_qwen25.py), keeping every character, and store
them as a rubric set (default name: official-<file name>). Every verdict records the hash of the rubric
text it was made with.`,
		Example: `  loupe rubrics import ~/src/prism-bench/evaluation/eval_gpt41.py`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			set, err := judge.ParseOfficial(args[0], src)
			if err != nil {
				return err
			}
			if name == "" {
				name = "official-" + filepath.Base(args[0])
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			added, err := st.SaveRubricSet(cmd.Context(), name, args[0], workspace.StoredRubrics(set))
			if err != nil {
				return err
			}
			return printRubricSet(cmd, g, st, name, added)
		},
	}
	imp.Flags().StringVar(&name, "name", "", "name of the rubric set (default: official-<file name>)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the rubric sets: loupe's built-in one and those stored in the workspace",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if _, err := st.SaveRubricSet(cmd.Context(), judge.Builtin().Name, "built in", workspace.StoredRubrics(judge.Builtin())); err != nil {
				return err
			}
			names, err := st.RubricSets(cmd.Context())
			if err != nil {
				return err
			}
			var sets []*store.RubricSetInfo
			for _, n := range names {
				s, err := st.RubricSet(cmd.Context(), n)
				if err != nil {
					return err
				}
				sets = append(sets, s)
			}
			if g.json {
				return g.printJSON(sets)
			}
			for _, s := range sets {
				fmt.Fprintf(g.out, "%s  (%s, %s)\n", Clean(s.Name), Clean(s.Source), plural(len(s.Rubrics), "rubric"))
				for _, r := range s.Rubrics {
					fmt.Fprintf(g.out, "  %-10s %-15s %s\n", r.Kind, r.Track, r.Hash)
				}
			}
			return nil
		},
	}
	cmd.AddCommand(imp, list)
	return cmd
}

func printRubricSet(cmd *cobra.Command, g *globals, st *store.Store, name string, added bool) error {
	s, err := st.RubricSet(cmd.Context(), name)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(map[string]any{"set": s, "added": added})
	}
	state := "stored"
	if !added {
		state = "already stored, unchanged"
	}
	fmt.Fprintf(g.out, "rubric set %s: %s, %s\n", Clean(name), plural(len(s.Rubrics), "rubric"), state)
	for _, r := range s.Rubrics {
		fmt.Fprintf(g.out, "  %-10s %-15s %s\n", r.Kind, r.Track, r.Hash)
	}
	return nil
}

package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/loupe-dev/loupe/workspace"
	"github.com/spf13/cobra"
)

// maxGuidelines is the largest guidelines file a queue takes.
const maxGuidelines = 1 << 20

func newQueueCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "queue",
		Short: "Show or change a review queue's settings: blind mode, overlap, guidelines",
		Long: `A review queue (made by loupe sample) keeps its review settings:
  blind        judge and pipeline values stay hidden until the annotator decided the item
  overlap      how many annotators decide each item (above 1, items are handed out by lease)
  show-others  in overlap mode, other annotators' answers are shown before one's own decision
  guidelines   the queue's instructions (markdown), shown in the review screen

loupe sample --blind --show-others --guidelines FILE.md sets them when the queue is made.`,
		Example: `  loupe queue show audit
  loupe queue guidelines audit rules.md
  loupe queue blind audit on
  loupe queue overlap audit 2`,
		Args: usageArgs(cobra.NoArgs),
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show QUEUE",
		Short: "Print a queue's review settings",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openReadOnly(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			qs, err := workspace.New(st).QueueSettings(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if g.json {
				return g.printJSON(struct {
					Queue      string `json:"queue"`
					Blind      bool   `json:"blind"`
					ShowOthers bool   `json:"show_others"`
					Guidelines string `json:"guidelines"`
				}{args[0], qs.Blind, qs.ShowOthers, qs.Guidelines})
			}
			fmt.Fprintf(g.out, "queue        %s\nblind        %s\nshow-others  %s\n", Clean(args[0]), onOff(qs.Blind), onOff(qs.ShowOthers))
			if qs.Guidelines == "" {
				fmt.Fprintln(g.out, "guidelines   none (loupe queue guidelines QUEUE FILE.md)")
				return nil
			}
			fmt.Fprintln(g.out, "guidelines")
			for _, l := range strings.Split(strings.TrimRight(qs.Guidelines, "\n"), "\n") {
				fmt.Fprintln(g.out, "  "+Clean(l))
			}
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "guidelines QUEUE FILE.md",
		Short: "Replace a queue's guidelines with a markdown file's text",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := readGuidelines(args[1])
			if err != nil {
				return err
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if err := workspace.New(st).SetQueueGuidelines(cmd.Context(), args[0], text); err != nil {
				return err
			}
			if g.json {
				return g.printJSON(map[string]any{"queue": args[0], "guidelines_bytes": len(text)})
			}
			fmt.Fprintf(g.out, "queue %q: guidelines from %s (%s)\n", Clean(args[0]), Clean(args[1]), plural(len(text), "byte"))
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:       "blind QUEUE on|off",
		Short:     "Turn a queue's blind mode on or off",
		Args:      usageArgs(cobra.ExactArgs(2)),
		ValidArgs: []string{"on", "off"},
		RunE: func(cmd *cobra.Command, args []string) error {
			var on bool
			switch args[1] {
			case "on":
				on = true
			case "off":
			default:
				return usageError{fmt.Errorf("blind %q: want on or off", args[1])}
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if err := workspace.New(st).SetQueueBlind(cmd.Context(), args[0], on); err != nil {
				return err
			}
			if g.json {
				return g.printJSON(map[string]any{"queue": args[0], "blind": on})
			}
			fmt.Fprintf(g.out, "queue %q: blind %s\n", Clean(args[0]), onOff(on))
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "overlap QUEUE K",
		Short: "Set how many annotators decide each item of a queue",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := strconv.Atoi(args[1])
			if err != nil || k < 1 {
				return usageError{fmt.Errorf("overlap %q: want a number of annotators, 1 or more", args[1])}
			}
			st, err := g.openExisting(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if err := workspace.New(st).SetOverlap(cmd.Context(), args[0], k); err != nil {
				return err
			}
			if g.json {
				return g.printJSON(map[string]any{"queue": args[0], "overlap": k})
			}
			fmt.Fprintf(g.out, "queue %q: overlap %d\n", Clean(args[0]), k)
			return nil
		},
	})
	return cmd
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// readGuidelines reads a guidelines file: UTF-8 text of at most maxGuidelines bytes.
func readGuidelines(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("guidelines: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxGuidelines+1))
	if err != nil {
		return "", fmt.Errorf("guidelines %s: %w", Clean(path), err)
	}
	if len(b) > maxGuidelines {
		return "", fmt.Errorf("guidelines %s: larger than %d bytes", Clean(path), maxGuidelines)
	}
	if !utf8.Valid(b) {
		return "", errors.New("guidelines " + Clean(path) + ": not UTF-8 text")
	}
	return string(b), nil
}

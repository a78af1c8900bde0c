package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/tui"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type reviewOptions struct {
	queue     string
	annotator string
	blind     bool
	protocol  string
}

func newReviewCmd(g *globals) *cobra.Command {
	o := &reviewOptions{}
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Review a queue in the terminal: accept, reject, score, note, flag",
		Long: `Open the review screen on a queue, at the first item this annotator has not decided. The picture,
the captions (English or Chinese), the pipeline's trait scores, the judges' verdicts and the ground truth
are shown side by side; every key's effect is committed to the workspace before the screen shows it.

Keys: a accept, x reject, space skip, u undo, j/k move, tab focus a dimension, 1-9 and 0 (=10) score it,
enter agree with the judge, e override with a reason, n note, f flag, t language, z zoom, ? help, q quit.`,
		Example: `  loupe review --queue demo --annotator ana
  loupe review --blind --protocol blocks`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runReview(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.queue, "queue", "", "queue to review (default: the workspace's first queue)")
	f.StringVar(&o.annotator, "annotator", "", "your name, recorded with every decision (default: $USER)")
	f.BoolVar(&o.blind, "blind", false, "hide judge and pipeline values until you have decided the item")
	f.StringVar(&o.protocol, "protocol", "", "pictures: kitty, iterm2, sixel, blocks or none (default: detect; env "+termimg.EnvVar+")")
	cmd.RegisterFlagCompletionFunc("protocol", cobra.FixedCompletions([]string{"kitty", "iterm2", "sixel", "blocks", "none"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// reviewWorkspace runs the review screen on an open workspace.
func reviewWorkspace(ctx context.Context, st *store.Store, o *reviewOptions) error {
	forced, err := termimg.ParseProtocol(o.protocol)
	if err != nil {
		return usageError{err}
	}
	if !interactiveTerminal() {
		return usageError{errors.New("the review screen needs a terminal")}
	}
	queue := o.queue
	if queue == "" {
		qs, err := st.Queues(ctx)
		if err != nil {
			return err
		}
		if len(qs) == 0 {
			return errors.New("the workspace has no queues: make one with loupe sample")
		}
		queue = qs[0].Name
	}
	name := o.annotator
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = "annotator"
	}
	ses, err := st.OpenSession(ctx, queue, name)
	if err != nil {
		return err
	}
	if len(ses.Items) == 0 {
		return fmt.Errorf("queue %q is empty", queue)
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		tty = nil
	}
	caps := termimg.Detect(tty, forced, os.Getenv, 300*time.Millisecond)
	if tty != nil {
		tty.Close()
	}
	return tui.Run(ctx, tui.Config{Store: st, Session: ses, Blind: o.blind, Caps: caps, Start: -1})
}

func runReview(ctx context.Context, g *globals, o *reviewOptions) error {
	if _, err := os.Stat(g.db); err != nil {
		return fmt.Errorf("no workspace %s (loupe import, or loupe demo)", g.db)
	}
	st, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return reviewWorkspace(ctx, st, o)
}

// interactiveTerminal reports whether stdin and stdout are a terminal (the review screen needs one).
func interactiveTerminal() bool {
	return term.IsTerminal(int(os.Stdout.Fd())) && term.IsTerminal(int(os.Stdin.Fd()))
}

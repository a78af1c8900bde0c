// Package cli wires loupe's commands: flags in, an Options struct per command, a run function that
// opens the workspace and calls the domain packages, and output as text or JSON.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/spf13/cobra"
)

// Exit codes: scripts rely on them.
const (
	ExitOK      = 0 // success
	ExitError   = 1 // the command failed; the workspace is as it was before the failing batch
	ExitUsage   = 2 // bad flags or arguments
	ExitSkipped = 3 // finished, but some input was skipped (see the report)
)

// usageError marks errors in how the command was called.
type usageError struct{ error }

// skippedError marks a command that finished but skipped some input.
type skippedError struct {
	n   int
	msg error // when set, says what was left undone
}

func (e skippedError) Error() string {
	if e.msg != nil {
		return e.msg.Error()
	}
	return fmt.Sprintf("%d problem(s) in the input were skipped", e.n)
}

// globals are the flags every command takes.
type globals struct {
	db   string
	json bool
	out  io.Writer
	err  io.Writer
}

func (g *globals) open(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, g.db)
}

// openExisting opens the workspace for commands that read it: a missing file is an error, not a new
// empty workspace.
func (g *globals) openExisting(ctx context.Context) (*store.Store, error) {
	if _, err := os.Stat(g.db); err != nil {
		return nil, fmt.Errorf("no workspace at %s (make one with loupe import or loupe demo, or pass --db)", g.db)
	}
	return store.Open(ctx, g.db)
}

// printJSON writes v as indented JSON.
func (g *globals) printJSON(v any) error {
	enc := json.NewEncoder(g.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Main runs loupe with args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	g := &globals{out: stdout, err: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var se skippedError
	if errors.As(err, &se) {
		fmt.Fprintln(stderr, "loupe:", Clean(err.Error()))
		return ExitSkipped
	}
	fmt.Fprintln(stderr, "loupe:", Clean(err.Error()))
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") ||
		strings.HasPrefix(err.Error(), "required flag") {
		return ExitUsage
	}
	return ExitError
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "loupe",
		Short: "Review text-to-image training data and audit VLM-judge verdicts in the terminal",
		Long: `loupe imports text-to-image data (FLUX-Reason-6M Parquet shards, PRISM-Bench folders, JSONL
manifests, image folders) into a workspace - one SQLite file - samples review queues, and shows
captions, trait scores and judge verdicts side by side.

The workspace is --db, else $LOUPE_DB, else ./loupe.db.

Exit codes: 0 success, 1 failure, 2 bad usage, 3 finished but some input was skipped.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	def := os.Getenv("LOUPE_DB")
	if def == "" {
		def = "loupe.db"
	}
	root.PersistentFlags().StringVar(&g.db, "db", def, "workspace file (env LOUPE_DB)")
	root.PersistentFlags().BoolVar(&g.json, "json", false, "print machine-readable JSON")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newImportCmd(g), newDemoCmd(g), newSampleCmd(g), newInfoCmd(g), newShowItemCmd(g), newViewCmd(g), newRubricsCmd(g), newReviewCmd(g),
		newJudgeCmd(g), newBackendsCmd(g), newStatsCmd(g), newExportCmd(g), newPipelineCmd(g), newBenchCmd(g))
	return root
}

// Clean makes data safe to print on a terminal (see review.Clean).
func Clean(s string) string { return review.Clean(s) }

// usageArgs makes cobra's argument-count errors usage errors (exit 2).
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

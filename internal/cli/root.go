// Package cli wires loupe's commands: flags in, an Options struct per command, a run function that
// opens the workspace and calls the domain packages, and output as text or JSON.
package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/mattn/go-sqlite3"
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
	cmd  *cobra.Command // the command being run (set before it runs)
}

// readOnlyAnnotation marks a command that only reads the workspace: openExisting opens the workspace
// read-only for it (store.OpenReadOnly: nothing created, migrated or written; a read-only file or
// folder works).
const readOnlyAnnotation = "loupe.readonly"

// readOnlyCommands are the commands, defined elsewhere, that newRoot marks with readOnlyAnnotation.
// (info, show-item, view, import --problems and stats without --save call openReadOnly themselves.)
var readOnlyCommands = []string{"loupe export"}

// open opens the workspace for a command that changes it, creating it if there is none.
func (g *globals) open(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, g.db)
}

// openExisting opens the workspace for commands that need one: a missing file is an error, not a new
// empty workspace. A command marked with readOnlyAnnotation gets it read-only, any other to write.
func (g *globals) openExisting(ctx context.Context) (*store.Store, error) {
	if g.cmd != nil && g.cmd.Annotations[readOnlyAnnotation] == "true" {
		return g.openReadOnly(ctx)
	}
	if err := g.mustExist(); err != nil {
		return nil, err
	}
	return store.Open(ctx, g.db)
}

// openReadOnly opens the existing workspace read-only, for commands that only read it: nothing is
// created or migrated, and a read-only file or folder works.
func (g *globals) openReadOnly(ctx context.Context) (*store.Store, error) {
	if err := g.mustExist(); err != nil {
		return nil, err
	}
	return store.OpenReadOnly(ctx, g.db)
}

func (g *globals) mustExist() error {
	if _, err := os.Stat(g.db); err != nil {
		return fmt.Errorf("no workspace at %s (make one with loupe import or loupe demo, or pass --db)", g.db)
	}
	return nil
}

// printJSON writes v as indented JSON, terminal-safe: besides the control characters JSON escapes
// anyway, DEL, C1 controls and bidi controls inside strings are written as \u escapes (the same text
// to a JSON reader).
func (g *globals) printJSON(v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := g.out.Write(escapeJSONControls(b.Bytes()))
	return err
}

// escapeJSONControls rewrites DEL, C1 controls and bidi controls in encoded JSON as \u escapes. Only
// strings hold non-ASCII characters, so the result is the same JSON value.
func escapeJSONControls(b []byte) []byte {
	unsafe := func(r rune) bool {
		return r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x200e || r == 0x200f || r == 0x061c ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
	}
	if !bytes.ContainsFunc(b, unsafe) {
		return b
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		if unsafe(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.WriteRune(r)
		}
	}
	return out.Bytes()
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
	if isReadOnlyErr(err) {
		err = fmt.Errorf("%w: the workspace %s (or its folder) cannot be written; make it writable, or work on a copy (the commands that only read it, such as info, stats and export, work as it is)", err, g.db)
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
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		g.cmd = cmd
		return nil
	}
	root.AddCommand(newImportCmd(g), newDemoCmd(g), newSampleCmd(g), newInfoCmd(g), newShowItemCmd(g), newViewCmd(g), newRubricsCmd(g), newReviewCmd(g),
		newJudgeCmd(g), newBackendsCmd(g), newStatsCmd(g), newExportCmd(g), newPipelineCmd(g), newBenchCmd(g), newRootsCmd(g))
	markReadOnly(root)
	return root
}

// markReadOnly sets readOnlyAnnotation on the readOnlyCommands.
func markReadOnly(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if slices.Contains(readOnlyCommands, c.CommandPath()) {
			if c.Annotations == nil {
				c.Annotations = map[string]string{}
			}
			c.Annotations[readOnlyAnnotation] = "true"
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// isReadOnlyErr reports whether err is SQLite refusing to write a read-only database.
func isReadOnlyErr(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrReadonly {
		return true
	}
	return strings.Contains(err.Error(), "attempt to write a readonly database")
}

// Clean makes data safe to print on a terminal (see review.Clean).
func Clean(s string) string { return review.Clean(s) }

// CleanLine is Clean for a value printed within one line (a name, an id, a table cell, a CSV field):
// line feeds and tabs are shown as escapes too, so a value never starts a line or a column of its own.
func CleanLine(s string) string {
	s = Clean(s)
	if !strings.ContainsAny(s, "\n\t") {
		return s
	}
	return strings.NewReplacer("\n", `\x0a`, "\t", `\x09`).Replace(s)
}

// usageArgs makes cobra's argument-count errors usage errors (exit 2).
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

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
	"path/filepath"
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
	if e.n == 1 {
		return "1 problem in the input was skipped"
	}
	return fmt.Sprintf("%d problems in the input were skipped", e.n)
}

// isAre, wasWere and hasHave agree a verb with a count of n.
func isAre(n int) string   { return agree(n, "is", "are") }
func wasWere(n int) string { return agree(n, "was", "were") }
func hasHave(n int) string { return agree(n, "has", "have") }

func agree[N ~int | ~int64](n N, one, many string) string { return review.Agree(n, one, many) }

// plural is review.Plural: plural(1, "item") is "1 item", plural(3, "item") "3 items".
func plural[N ~int | ~int64](n N, noun string, pluralForm ...string) string {
	return review.Plural(n, noun, pluralForm...)
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
	out := &countingWriter{w: stdout}
	g := &globals{out: out, err: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := ExitError
	var se skippedError
	var ue usageError
	switch {
	case errors.As(err, &se):
		code = ExitSkipped
	case errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") ||
		strings.HasPrefix(err.Error(), "required flag"):
		code = ExitUsage
	case isReadOnlyErr(err):
		err = fmt.Errorf("%w: the workspace %s (or its folder) cannot be written; make it writable, or work on a copy (the commands that only read it, such as info, stats and export, work as it is)", err, g.db)
	}
	msg := Clean(err.Error())
	fmt.Fprintln(stderr, "loupe:", msg)
	// With --json, stdout always holds one JSON document: the command's own (a report that ends in
	// exit 3 has printed it), else {"error": ...}. The flag may not be parsed when parsing failed.
	if (g.json || jsonAsked(args)) && out.n == 0 {
		g.printJSON(map[string]string{"error": msg})
	}
	return code
}

// writeOutputFile writes a file a command was asked for: missing parent folders are created (the one
// rule for every output path), and the file is replaced only once write has succeeded (a temporary file
// beside it, renamed), so a failed write leaves what was there before.
func writeOutputFile(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create the folder of %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := write(tmp); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// countingWriter counts the bytes written through it, so Main knows whether a command printed.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// jsonAsked reports whether args ask for --json, for errors raised before the flags are parsed.
func jsonAsked(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--json" || a == "--json=true" || a == "--json=1" {
			return true
		}
	}
	return false
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "loupe",
		Short: "Review text-to-image training data and audit VLM-judge verdicts in the terminal",
		Long: `loupe imports text-to-image data (FLUX-Reason-6M Parquet shards, PRISM-Bench folders, JSONL
manifests, image folders) into a workspace - one SQLite file - samples review queues, and shows
captions, trait scores and judge verdicts side by side.

The workspace is --db, else $LOUPE_DB, else ./loupe.db.

Exit codes: 0 success, 1 failure, 2 bad usage, 3 finished but some input was skipped. With --json,
stdout holds one JSON document, {"error": "..."} when a command fails before printing its own.

A file a command writes (export --out, stats --html, bench report --html) is created with any missing
parent folders.`,
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
	root.AddCommand(newQueueCmd(g), newRunsCmd(g), newProgressCmd(g), newServeCmd(g))
	root.SetOut(g.out) // before strictParents: the completion commands keep the writer they see
	root.SetErr(g.err)
	markReadOnly(root)
	strictParents(root)
	return root
}

// strictParents makes a word that names no command a usage error (exit 2) where cobra would print
// help and exit 0: `loupe help nosuch`, `loupe completion tcsh`, `loupe rubrics nosuch`. A parent
// command given no word still prints its help.
func strictParents(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.Run = nil
			c.RunE = func(c *cobra.Command, args []string) error {
				cmd, rest, err := c.Root().Find(args)
				if err != nil || cmd == nil || len(rest) > 0 {
					return usageError{fmt.Errorf("unknown help topic %q (loupe help lists the commands)", strings.Join(args, " "))}
				}
				cmd.InitDefaultHelpFlag()
				return cmd.Help()
			}
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.Runnable() && sub.HasSubCommands() {
				sub.Args = nil
				sub.RunE = func(cmd *cobra.Command, args []string) error {
					if len(args) > 0 {
						var names []string
						for _, s := range cmd.Commands() {
							if s.IsAvailableCommand() {
								names = append(names, s.Name())
							}
						}
						return usageError{fmt.Errorf("unknown command %q for %q (want one of: %s)", args[0], cmd.CommandPath(), strings.Join(names, ", "))}
					}
					return cmd.Help()
				}
			}
			walk(sub)
		}
	}
	walk(root)
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

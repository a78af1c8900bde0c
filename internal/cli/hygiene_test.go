package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// smallWorkspace writes a workspace of n dataset items (subset "text") and returns its path.
func smallWorkspace(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "w.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sub, err := store.EnsureSubset(ctx, st.DB, "text", "dataset")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: fmt.Sprintf("it-%d", i), Kind: review.Sample, SubsetID: sub, Scores: review.NoScores}); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestUnknownWordsAreUsageErrors: a word that names no command or help topic exits 2 (cobra printed
// help and exited 0); a parent command alone still prints its help.
func TestUnknownWordsAreUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"completion", "tcsh"}, ExitUsage, `unknown command "tcsh" for "loupe completion" (want one of: bash, fish, powershell, zsh)`},
		{[]string{"help", "nosuch"}, ExitUsage, `unknown help topic "nosuch"`},
		{[]string{"help", "rubrics", "nosuch"}, ExitUsage, `unknown help topic "rubrics nosuch"`},
		{[]string{"rubrics", "nosuch"}, ExitUsage, `unknown command "nosuch" for "loupe rubrics"`},
		{[]string{"completion"}, ExitOK, ""},
		{[]string{"completion", "bash"}, ExitOK, ""},
		{[]string{"help", "sample"}, ExitOK, ""},
		{[]string{"help", "pipeline", "run"}, ExitOK, ""},
		{[]string{"rubrics"}, ExitOK, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, e := run(t, tc.args...)
			if code != tc.code || !strings.Contains(e, tc.err) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, e, tc.code, tc.err)
			}
			if code == ExitOK && out == "" {
				t.Fatal("nothing printed")
			}
		})
	}
}

// TestJSONErrors: with --json a failure prints {"error": ...} on stdout as well as the text on stderr,
// unless the command printed its own document (a report that ends in exit 3).
func TestJSONErrors(t *testing.T) {
	db := smallWorkspace(t, 3)
	missing := filepath.Join(t.TempDir(), "none.db")
	for _, tc := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"unknown flag", []string{"--json", "info", "--bogus"}, ExitUsage, "unknown flag: --bogus"},
		{"flag after the error", []string{"info", "--bogus", "--json"}, ExitUsage, "unknown flag: --bogus"},
		{"no workspace", []string{"--db", missing, "info", "--json"}, ExitError, "no workspace at"},
		{"bad value", []string{"--db", db, "sample", "--json", "--name", "q", "--n", "0"}, ExitUsage, "want a positive sample size"},
		{"unknown command", []string{"--json", "frobnicate"}, ExitUsage, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, e := run(t, tc.args...)
			var doc struct {
				Error string `json:"error"`
			}
			if code != tc.code || json.Unmarshal([]byte(out), &doc) != nil || !strings.Contains(doc.Error, tc.err) || !strings.Contains(e, tc.err) {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, e)
			}
		})
	}
	// Without --json stdout stays empty.
	if code, out, _ := run(t, "--db", missing, "info"); code != ExitError || out != "" {
		t.Fatalf("plain error: %d %q", code, out)
	}
	// A skipped-input report is the one document on stdout.
	m := filepath.Join(t.TempDir(), "m.jsonl")
	os.WriteFile(m, []byte("{\"id\": \"z\", \"image\": \"nope.png\"}\n"), 0o644)
	code, out, _ := run(t, "--db", db, "import", m, "--json")
	var rep map[string]any
	if code != ExitSkipped || json.Unmarshal([]byte(out), &rep) != nil || rep["error"] != nil {
		t.Fatalf("import with problems: %d %s", code, out)
	}
}

// TestSampleRefusesBadValues: an empty queue name and scores outside 0-10 are usage errors, not a
// queue nobody can address or a filter that selects nothing.
func TestSampleRefusesBadValues(t *testing.T) {
	db := smallWorkspace(t, 3)
	for _, tc := range []struct {
		name string
		args []string
		err  string
	}{
		{"empty name", []string{"--name", ""}, "--name is empty"},
		{"blank name", []string{"--name", "  "}, "--name is empty"},
		{"score above 10", []string{"--name", "a", "--score", "text=11:12"}, "scores run from 0 to 10"},
		{"score below 0", []string{"--name", "b", "--score", "text=-1:"}, "scores run from 0 to 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, e := run(t, append([]string{"--db", db, "sample"}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(e, tc.err) {
				t.Fatalf("exit %d, %q; want 2 and %q", code, e, tc.err)
			}
		})
	}
	if code, out, e := run(t, "--db", db, "sample", "--name", "ok", "--score", "text=0:10", "--kind", "sample"); code != 1 || !strings.Contains(e, "no items match") {
		// the items have no scores: the full range is accepted and simply matches none of them
		t.Fatalf("full range: %d %s %s", code, out, e)
	}
}

// TestSampleDuplicateName: a second queue of the same name says so in words, not as a driver error.
func TestSampleDuplicateName(t *testing.T) {
	db := smallWorkspace(t, 3)
	if code, _, e := run(t, "--db", db, "sample", "--name", "demo", "--n", "2"); code != 0 {
		t.Fatalf("first: %d %s", code, e)
	}
	code, _, e := run(t, "--db", db, "sample", "--name", "demo", "--n", "2")
	if code != ExitError || !strings.Contains(e, `a queue named "demo" exists`) || strings.Contains(e, "UNIQUE") || strings.Contains(e, "conflict") {
		t.Fatalf("duplicate: %d %q", code, e)
	}
}

// TestPlurals: counts of one are singular.
func TestPlurals(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{plural(1, "item"), "1 item"},
		{plural(0, "item"), "0 items"},
		{plural(int64(2), "event"), "2 events"},
		{plural(1, "entry", "entries"), "1 entry"},
		{plural(3, "entry", "entries"), "3 entries"},
		{skippedError{n: 1}.Error(), "1 problem in the input was skipped"},
		{skippedError{n: 2}.Error(), "2 problems in the input were skipped"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
	db := smallWorkspace(t, 1)
	code, out, e := run(t, "--db", db, "sample", "--name", "one", "--n", "5")
	if code != 0 || !strings.Contains(out, `queue "one": 1 item (`) || !strings.Contains(out, "only 1 item matches the filters") {
		t.Fatalf("sample of one: %d %q %s", code, out, e)
	}
	code, out, _ = run(t, "--db", db, "info")
	if code != 0 || !strings.Contains(out, "1 sample") || strings.Contains(out, "1 samples") || strings.Contains(out, "1 items") {
		t.Fatalf("info: %d %q", code, out)
	}
}

// TestOutputFoldersAreCreated: every output file's missing parent folders are created (export did,
// bench report --html failed); a failed write leaves the old file.
func TestOutputFoldersAreCreated(t *testing.T) {
	db := smallWorkspace(t, 1)
	path := filepath.Join(t.TempDir(), "new", "sub", "leaderboard.html")
	code, _, e := run(t, "--db", db, "bench", "report", "--published", "../../prismbench/testdata/prism_bench_en_gpt41.csv", "--html", path)
	if code != 0 {
		t.Fatalf("bench report --html: %d %s", code, e)
	}
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), "PRISM-Bench leaderboard") {
		t.Fatalf("leaderboard: %v", err)
	}
	if err := writeOutputFile(path, func(w io.Writer) error { w.Write([]byte("half")); return errors.New("disk full") }); err == nil {
		t.Fatal("failed write reported no error")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "PRISM-Bench leaderboard") || len(entries) != 1 {
		t.Fatalf("a failed write changed the file or left a temporary one: %d entries", len(entries))
	}
}

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/export"
)

func TestExportPairsCommand(t *testing.T) {
	db := pairStatsWorkspace(t, true)
	out := filepath.Join(t.TempDir(), "prefs.jsonl")
	code, stdout, e := run(t, "--db", db, "export", "--pairs", "--queue", "sbs", "--out", out)
	if code != 0 {
		t.Fatalf("export --pairs: %d %s", code, e)
	}
	// ana answered all 30 pairs: 3 ties are left out, 27 preferences written
	if !strings.Contains(stdout, "wrote 27 agreed pairs (overall)") || !strings.Contains(stdout, "3 tie or both bad") {
		t.Fatalf("summary: %s", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := export.ReadPairs(f)
	if err != nil || len(lines) != 27 {
		t.Fatalf("re-read: %d lines, %v", len(lines), err)
	}
	m1 := 0
	for _, l := range lines {
		if l.ChosenModel == "m1" {
			m1++
		}
		if l.ChosenModel == l.RejectedModel || !strings.HasPrefix(l.Chosen, l.ChosenModel+"-") {
			t.Fatalf("line %+v", l)
		}
	}
	// ana prefers m1 on pairs i%3 != 2 (20 of 30) and calls 9, 19 and 29 ties: 9 and 19 were m1's
	if m1 != 18 {
		t.Fatalf("m1 chosen %d times, want 18", m1)
	}
	if code, _, e := run(t, "--db", db, "export", "--pairs", "--queue", "sbs", "--out", out); code == 0 || !strings.Contains(e, "exists") {
		t.Fatalf("second export without --force: %d %s", code, e)
	}
	if code, _, e := run(t, "--db", db, "export", "--pairs", "--out", out); code != 2 || !strings.Contains(e, "--queue") {
		t.Fatalf("no --queue: %d %s", code, e)
	}
}

// Item commands on a pair queue say which command applies instead of finding it empty.
func TestItemCommandsReferPairQueues(t *testing.T) {
	db := pairStatsWorkspace(t, true)
	out := filepath.Join(t.TempDir(), "x.jsonl")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"stats", "--queue", "sbs"}, "use loupe stats --pairs --queue sbs"},
		{[]string{"export", "--format", "jsonl", "--queue", "sbs", "--out", out}, "use loupe export --pairs --queue sbs"},
		{[]string{"judge", "--queue", "sbs", "--backend", "rules"}, "use loupe judge --pairs --queue sbs"},
	} {
		code, _, e := run(t, append([]string{"--db", db}, c.args...)...)
		if code != 2 || !strings.Contains(e, c.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, e, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an item export of a pair queue wrote a file")
	}
}

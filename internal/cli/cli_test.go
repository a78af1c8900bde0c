package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommandsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	shards := filepath.Join(dir, "shards")
	prism := filepath.Join(dir, "prism")
	if code, _, e := run(t, "demo", "gen", "--out", shards, "--shards", "4", "--rows", "50", "--image-size", "32", "--row-groups", "5"); code != 0 {
		t.Fatalf("demo gen: %d %s", code, e)
	}
	if code, _, e := run(t, "demo", "gen", "--prism", "--out", prism, "--images", "2", "--prompts", "4", "--image-size", "32"); code != 0 {
		t.Fatalf("demo gen --prism: %d %s", code, e)
	}
	code, out, e := run(t, "--db", db, "import", shards, "--json")
	if code != 0 {
		t.Fatalf("import: %d %s", code, e)
	}
	var rep struct {
		Added int `json:"items_added"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Added != 200 {
		t.Fatalf("import report %s %v", out, err)
	}
	if code, out, e = run(t, "--db", db, "import", prism, "--judge", "synthetic"); code != 0 || !strings.Contains(out, "items added 28") {
		t.Fatalf("prism import: %d %s %s", code, out, e)
	}
	os.Setenv("LOUPE_DB", db)
	defer os.Unsetenv("LOUPE_DB")
	code, out, _ = run(t, "info", "--json")
	var info struct {
		Items int `json:"items"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &info) != nil || info.Items != 228 {
		t.Fatalf("info: %d %s", code, out)
	}
	code, out, e = run(t, "sample", "--name", "q1", "--n", "40", "--by", "subset", "--seed", "9", "--json")
	if code != 0 || !strings.Contains(out, `"size": 40`) || !strings.Contains(out, `"imaginative": 7`) {
		t.Fatalf("sample: %d %s %s", code, out, e)
	}
	if code, _, e = run(t, "sample", "--name", "q1", "--n", "5"); code != 1 || !strings.Contains(e, `queue "q1"`) {
		t.Fatalf("duplicate queue name: %d %s", code, e)
	}
	code, out, _ = run(t, "show-item", "text-00000007")
	if code != 0 || !strings.Contains(out, "[detail/en]") || !strings.Contains(out, "[detail/zh]") || !strings.Contains(out, "queues: q1") && !strings.Contains(out, "text-00000007") {
		t.Fatalf("show-item: %d %s", code, out)
	}
	code, out, _ = run(t, "show-item", "prism-en/aurora-xl/text_rendering/1", "--json")
	if code != 0 || !strings.Contains(out, `"rater": "synthetic"`) || !strings.Contains(out, `"kind": "prompt"`) {
		t.Fatalf("show-item generation: %d %s", code, out)
	}
	if code, _, e = run(t, "show-item", "nope"); code != 1 || !strings.Contains(e, `item "nope": not found`) {
		t.Fatalf("missing item: %d %s", code, e)
	}
	// Usage errors exit 2.
	for _, args := range [][]string{{"sample", "--name", "x", "--strategy", "clever"}, {"import"}, {"frobnicate"}, {"info", "--bogus"}} {
		if code, _, _ := run(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	// Skipped input exits 3.
	m := filepath.Join(dir, "m.jsonl")
	os.WriteFile(m, []byte("{\"id\": \"z\", \"image\": \"nope.png\"}\n"), 0o644)
	if code, out, _ = run(t, "import", m); code != 3 || !strings.Contains(out, "m.jsonl: line 1: image") {
		t.Fatalf("import with problems: %d %s", code, out)
	}
}

func TestDemoBuildsAndReuses(t *testing.T) {
	if testing.Short() {
		t.Skip("draws 148 pictures")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, e := run(t, "demo", "--no-open", "--dir", dir)
	if code != 0 {
		t.Fatalf("demo: %d %s", code, e)
	}
	for _, want := range []string{"64 dataset samples, 84 generations", "queues demo, prism-audit, arena", "items          148",
		"arena        pairs       seed 1  42 pairs  42 answered", "pair queue arena, 42 pairs, 84 answers by ana, ben",
		"people (pooled):  1. ", "demo-pair-judge picks the picture shown first in "} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if code, _, e = run(t, "demo", "--no-open", "--dir", dir); code != 0 || !strings.Contains(e, "exists (148 items)") {
		t.Fatalf("second demo: %d %s", code, e)
	}
}

func TestReadingCommandsNeedAWorkspace(t *testing.T) {
	db := filepath.Join(t.TempDir(), "missing.db")
	for _, args := range [][]string{{"info"}, {"show-item", "x"}, {"sample", "--name", "q"}} {
		code, _, e := run(t, append([]string{"--db", db}, args...)...)
		if code != 1 || !strings.Contains(e, "no workspace at "+db) {
			t.Errorf("%v: exit %d %q", args, code, e)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a reading command created the workspace")
	}
}

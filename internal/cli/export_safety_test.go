package cli

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// files lists the regular files under root, relative, sorted; SQLite's -wal and -shm files (which
// opening the workspace may create) are left out.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, "-wal") && !strings.HasSuffix(p, "-shm") {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func itemCount(t *testing.T, db string) int {
	t.Helper()
	code, out, e := run(t, "--db", db, "--json", "info")
	var info struct{ Items int }
	if code != 0 || json.Unmarshal([]byte(out), &info) != nil {
		t.Fatalf("info %s: %d %s %s", db, code, out, e)
	}
	return info.Items
}

// Issue 13, point 1, as reported: `loupe --db ws/loupe.db export --out ws --force` must not delete the
// workspace (or anything else in ws), nor may `--out ws/loupe.db --force` overwrite it.
func TestExportForceKeepsWorkspace(t *testing.T) {
	dir, db, _ := exportWorkspace(t)
	ws := filepath.Join(dir, "ws")
	os.MkdirAll(ws, 0o755)
	wsdb := filepath.Join(ws, "loupe.db")
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(wsdb, b, 0o644)
	os.WriteFile(filepath.Join(ws, "notes.txt"), []byte("mine"), 0o644)
	os.Symlink(ws, filepath.Join(dir, "wslink"))
	items := itemCount(t, wsdb)
	before := files(t, ws)

	refused := func(args ...string) {
		t.Helper()
		code, out, e := run(t, append([]string{"--db", wsdb, "export", "--quiet"}, args...)...)
		if code == 0 || !strings.Contains(e, "workspace") {
			t.Errorf("%v: exit %d, %s %s", args, code, out, e)
		}
		if got := files(t, ws); strings.Join(got, " ") != strings.Join(before, " ") {
			t.Fatalf("%v changed ws: %v, was %v", args, got, before)
		}
		if b, _ := os.ReadFile(filepath.Join(ws, "notes.txt")); string(b) != "mine" {
			t.Fatalf("%v: notes.txt now %q", args, b)
		}
	}
	for _, format := range []string{"webdataset", "hf", "parquet"} {
		refused("--format", format, "--out", ws, "--force")
		refused("--format", format, "--out", filepath.Join(dir, "wslink"), "--force")
		refused("--format", format, "--out", dir, "--force") // a folder above the workspace
	}
	for _, format := range []string{"jsonl", "csv"} {
		refused("--format", format, "--out", wsdb, "--force")
		refused("--format", format, "--out", wsdb+"-wal", "--force")
		refused("--format", format, "--out", filepath.Join(dir, "wslink", "loupe.db"), "--force")
	}
	if n := itemCount(t, wsdb); n != items {
		t.Fatalf("the workspace holds %d items, was %d", n, items)
	}
}

// --force replaces an earlier export, saying so on stderr; a file of the user's among its files is
// refused by name and kept.
func TestExportForceReplacesEarlierExport(t *testing.T) {
	dir, db, accepted := exportWorkspace(t)
	for _, tc := range []struct{ format, out, foreignIn string }{
		{"jsonl", "out/a.jsonl", "out/a.jsonl_images"},
		{"hf", "out/hub", "out/hub/data"},
		{"webdataset", "out/wds", "out/wds"},
	} {
		out := filepath.Join(dir, tc.out)
		args := []string{"--db", db, "export", "--format", tc.format, "--out", out, "--decision", "accepted", "--quiet"}
		if code, _, e := run(t, args...); code != 0 {
			t.Fatalf("%s: %d %s", tc.format, code, e)
		}
		code, _, e := run(t, append(args, "--force")...)
		if code != 0 || !strings.Contains(e, "replacing") || !strings.Contains(e, "earlier export") {
			t.Errorf("%s --force: exit %d, stderr %q", tc.format, code, e)
		}
		mine := filepath.Join(dir, tc.foreignIn, "mine.txt")
		os.WriteFile(mine, []byte("x"), 0o644)
		code, _, e = run(t, append(args, "--force")...)
		if code != ExitUsage || !strings.Contains(e, "mine.txt") {
			t.Errorf("%s --force with a file of the user's: exit %d, %q", tc.format, code, e)
		}
		if _, err := os.Stat(mine); err != nil {
			t.Errorf("%s: %v", tc.format, err)
		}
		os.Remove(mine)
		if code, out, e := run(t, append(args, "--force")...); code != 0 || !strings.Contains(out, "exported "+itoa(len(accepted))) {
			t.Errorf("%s --force again: %d %s %s", tc.format, code, out, e)
		}
	}
}

// Issue 13, point 12 through the command: cells are guarded by default, --csv-raw turns that off,
// --excel adds a byte order mark; both are for --format csv only.
func TestExportCSVFlags(t *testing.T) {
	dir, db, _ := exportWorkspace(t)
	out := filepath.Join(dir, "a.csv")
	if code, _, e := run(t, "--db", db, "export", "--format", "csv", "--out", out, "--excel", "--quiet"); code != 0 {
		t.Fatalf("--excel: %d %s", code, e)
	}
	if b, _ := os.ReadFile(out); !bytes.HasPrefix(b, []byte("\xEF\xBB\xBFid,")) {
		t.Errorf("--excel: starts %q", b[:min(len(b), 8)])
	}
	if code, _, e := run(t, "--db", db, "export", "--format", "csv", "--out", filepath.Join(dir, "b.csv"), "--csv-raw", "--quiet"); code != 0 {
		t.Fatalf("--csv-raw: %d %s", code, e)
	}
	if code, _, _ := run(t, "--db", db, "export", "--format", "jsonl", "--out", filepath.Join(dir, "c.jsonl"), "--csv-raw"); code != ExitUsage {
		t.Errorf("--csv-raw with jsonl: exit %d", code)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

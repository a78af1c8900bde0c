package cli

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/internal/unprivileged"
)

// ratedWorkspace builds a workspace in dir: one demo shard of 20 rows, and ratings of its items by a
// judge (judge) and two annotators (ann, "ben") so that stats has figures. It returns the workspace path.
func ratedWorkspace(t *testing.T, dir, judge, ann string) string {
	t.Helper()
	db := filepath.Join(dir, "ws", "w.db")
	os.MkdirAll(filepath.Dir(db), 0o755)
	shards := filepath.Join(dir, "shards")
	if code, _, e := run(t, "demo", "gen", "--out", shards, "--shards", "1", "--rows", "20", "--image-size", "32"); code != 0 {
		t.Fatalf("demo gen: %d %s", code, e)
	}
	if code, _, e := run(t, "--db", db, "import", "-q", shards); code != 0 {
		t.Fatalf("import: %d %s", code, e)
	}
	var ids []string
	d, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := d.Query(`SELECT ext_id FROM item_ext ORDER BY item_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		ids = append(ids, s)
	}
	rows.Close()
	d.Close()
	if len(ids) != 20 {
		t.Fatalf("%d items", len(ids))
	}
	var lines []string
	add := func(item, dim, source, annotator string, v any) {
		b, _ := json.Marshal(map[string]any{"item": item, "dimension": dim, "source": source, "annotator": annotator, "value": v})
		lines = append(lines, string(b))
	}
	for i, id := range ids {
		add(id, "prism_alignment", judge, "", i%11)
		add(id, "prism_alignment", "human", ann, (i+i%3)%11)
		add(id, "prism_alignment", "human", "ben", i%11)
		dec := map[bool]string{true: "accept", false: "reject"}[i%11 >= 5]
		add(id, "decision", "human", ann, dec)
		add(id, "decision", "human", "ben", dec)
	}
	file := filepath.Join(dir, "labels.jsonl")
	os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if code, out, e := run(t, "--db", db, "import", "labels", file); code != 0 {
		t.Fatalf("import labels: %d %s %s", code, out, e)
	}
	return db
}

// firstItem is the ext id of the workspace's first item.
func firstItem(t *testing.T, db string) string {
	t.Helper()
	d, _ := sql.Open("sqlite3", db) // read-write: the last connection's close removes the -wal and -shm
	defer d.Close()
	var id string
	if err := d.QueryRow(`SELECT ext_id FROM item_ext ORDER BY item_id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// readCommands are the commands that only read the workspace, with the arguments they need.
func readCommands(item, out string) [][]string {
	return [][]string{
		{"info"},
		{"info", "--json"},
		{"show-item", item},
		{"show-item", item, "--json"},
		{"view", "--protocol", "blocks", "--size", "10x5", "--cell-size", "8x16", item},
		{"stats", "--resamples", "0"},
		{"stats", "--resamples", "0", "--csv"},
		{"stats", "--resamples", "0", "--markdown"},
		{"stats", "--resamples", "0", "--json"},
		{"import", "--problems"},
		{"export", "--format", "jsonl", "--out", out},
	}
}

// TestReadCommandsLeaveTheWorkspaceUntouched: info, show-item, view, stats (without --save), export and
// import --problems change no byte of the workspace; stats --save stores one snapshot.
func TestReadCommandsLeaveTheWorkspaceUntouched(t *testing.T) {
	dir := t.TempDir()
	db := ratedWorkspace(t, dir, "vlm-a", "ana")
	item := firstItem(t, db)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for i, args := range readCommands(item, filepath.Join(dir, fmt.Sprintf("out-%d.jsonl", 0))) {
		if args[0] == "export" {
			args[len(args)-1] = filepath.Join(dir, fmt.Sprintf("out-%d.jsonl", i))
		}
		if code, _, e := run(t, append([]string{"--db", db}, args...)...); code != 0 {
			t.Errorf("%v: exit %d %s", args, code, e)
		}
	}
	after, _ := os.ReadFile(db)
	if !bytes.Equal(before, after) {
		t.Error("a read command changed the workspace file")
	}
	if n := countRows(t, db, `SELECT count(*) FROM stat_snapshots`); n != 0 {
		t.Errorf("stats without --save stored %d snapshot(s)", n)
	}
	code, out, e := run(t, "--db", db, "stats", "--resamples", "0", "--save")
	if code != 0 || !strings.Contains(out, "stored as snapshot #1") {
		t.Errorf("stats --save: %d %s %s", code, out, e)
	}
	if n := countRows(t, db, `SELECT count(*) FROM stat_snapshots`); n != 1 {
		t.Errorf("stats --save stored %d snapshot(s)", n)
	}
}

// TestZeroByteAndForeignFilesAreRefusedUntouched: no command turns a zero-byte file or another
// program's SQLite file into a workspace.
func TestZeroByteAndForeignFilesAreRefusedUntouched(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)
	other := filepath.Join(dir, "other.db")
	d, _ := sql.Open("sqlite3", other)
	d.Exec(`CREATE TABLE mine (x)`)
	d.Close()
	otherBytes, _ := os.ReadFile(other)
	m := filepath.Join(dir, "m.jsonl")
	os.WriteFile(m, []byte(`{"id": "z", "image": "nope.png"}`+"\n"), 0o644)
	for _, db := range []string{empty, other} {
		for _, args := range [][]string{{"info"}, {"stats"}, {"show-item", "x"}, {"import", m}, {"sample", "--name", "q", "--n", "1"}} {
			code, _, e := run(t, append([]string{"--db", db}, args...)...)
			if code != ExitError || !strings.Contains(e, db) {
				t.Errorf("%s %v: exit %d %q", filepath.Base(db), args, code, e)
			}
		}
	}
	if b, _ := os.ReadFile(empty); len(b) != 0 {
		t.Errorf("the zero-byte file became %d bytes", len(b))
	}
	if b, _ := os.ReadFile(other); !bytes.Equal(b, otherBytes) {
		t.Error("the foreign SQLite file changed")
	}
}

// TestOlderWorkspaceIsRefusedByReadCommandsUntilUpgraded: a workspace of an older schema is not
// migrated by reading commands, which say how to upgrade it; info --upgrade does.
func TestOlderWorkspaceIsRefusedByReadCommandsUntilUpgraded(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	m := filepath.Join(dir, "m.jsonl")
	os.WriteFile(m, []byte(`{"id": "z", "image": "nope.png"}`+"\n"), 0o644)
	run(t, "--db", db, "import", m)
	d, _ := sql.Open("sqlite3", db)
	var v int
	d.QueryRow(`PRAGMA user_version`).Scan(&v)
	d.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v-1))
	d.Close()
	before, _ := os.ReadFile(db)
	code, _, e := run(t, "--db", db, "info")
	if code != ExitError || !strings.Contains(e, "loupe info --upgrade") || !strings.Contains(e, db) {
		t.Fatalf("info on an older workspace: %d %q", code, e)
	}
	if b, _ := os.ReadFile(db); !bytes.Equal(b, before) {
		t.Error("info changed the older workspace")
	}
	if code, out, e := run(t, "--db", db, "info", "--upgrade"); code != 0 || !strings.Contains(out, fmt.Sprintf("schema %d", v)) {
		t.Fatalf("info --upgrade: %d %s %s", code, out, e)
	}
	if code, _, e := run(t, "--db", db, "info"); code != 0 {
		t.Errorf("info after the upgrade: %d %s", code, e)
	}
}

// TestReadCommandsOnReadOnlyWorkspace runs as an unprivileged user (root ignores file modes): with the
// workspace file 0444 in a 0555 folder every read command works; a write command names the file and
// says what to do.
func TestReadCommandsOnReadOnlyWorkspace(t *testing.T) {
	if !unprivileged.Run(t) {
		return
	}
	dir := t.TempDir()
	db := ratedWorkspace(t, dir, "vlm-a", "ana")
	item := firstItem(t, db)
	os.Chmod(db, 0o444)
	os.Chmod(filepath.Dir(db), 0o555)
	defer os.Chmod(filepath.Dir(db), 0o755)
	for _, args := range readCommands(item, filepath.Join(dir, "out.jsonl")) {
		if code, _, e := run(t, append([]string{"--db", db}, args...)...); code != 0 {
			t.Errorf("%v on a read-only workspace: exit %d %s", args, code, e)
		}
	}
	m := filepath.Join(dir, "m.jsonl")
	os.WriteFile(m, []byte(`{"id": "z", "image": "nope.png"}`+"\n"), 0o644)
	for _, args := range [][]string{{"import", m}, {"stats", "--save"}, {"sample", "--name", "q", "--n", "1"}} {
		code, _, e := run(t, append([]string{"--db", db}, args...)...)
		if code != ExitError || !strings.Contains(e, db) || !strings.Contains(e, "read-only") {
			t.Errorf("%v: exit %d %q", args, code, e)
		}
		if strings.Contains(e, "attempt to write a readonly database") {
			t.Errorf("%v: SQLite's bare message %q", args, e)
		}
	}
	for _, s := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(db + s); err == nil {
			t.Errorf("%s left behind", s)
		}
	}
}

// hostile is a name with a clipboard write (OSC 52), a screen clear, a bell, C1 controls, bidi
// overrides and marks, and a line feed followed by a fake row.
const hostile = "ev\x1b]52;c;aGFjaw==\x07il\x1b[2J\a\u0085\u009b31m\u202eabc\u2066\u200f\u200e\u061c\r\nFAKE-ROW,1,2"

// checkTerminalSafe fails when out holds a control byte other than \n (and \t where tabs are allowed),
// DEL, a C1 control or a bidi control, or a line starting with the fake row.
func checkTerminalSafe(t *testing.T, what, out string, tabs bool) {
	t.Helper()
	for i, r := range out {
		bad := (r < 0x20 && r != '\n' && !(tabs && r == '\t')) || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
			r == 0x200e || r == 0x200f || r == 0x061c || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
		if bad {
			t.Errorf("%s: %U at byte %d: %q", what, r, i, out[max(0, i-20):min(len(out), i+20)])
			return
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " |"), "FAKE-ROW") {
			t.Errorf("%s: a line feed in a name made a row of its own: %q", what, l)
		}
	}
}

// TestStatsAndInfoOutputsAreTerminalSafe: rater and annotator names with escape sequences, bidi controls
// and line feeds reach no output raw: stats plain, Markdown and CSV, info, import --problems.
func TestStatsAndInfoOutputsAreTerminalSafe(t *testing.T) {
	dir := t.TempDir()
	db := ratedWorkspace(t, dir, "judge-"+hostile, "ana-"+hostile)
	// the CSV first: the reported case
	code, out, e := run(t, "--db", db, "stats", "--resamples", "0", "--min-items", "2", "--csv")
	if code != 0 || !strings.Contains(out, "judge-ev") {
		t.Fatalf("csv: %d %s\n%s", code, e, out)
	}
	checkTerminalSafe(t, "stats --csv", out, false)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range lines {
		if strings.Count(l, ",") < 12 {
			t.Errorf("csv line with fewer than 13 fields: %q", l)
		}
	}
	// a problem whose file name and message carry the same
	m := filepath.Join(dir, "m.jsonl")
	line, _ := json.Marshal(map[string]string{"id": "z" + hostile, "image": "nope" + hostile + ".png"})
	os.WriteFile(m, append(line, '\n'), 0o644)
	if code, out, e = run(t, "--db", db, "import", m); code != ExitSkipped {
		t.Fatalf("import: %d %s %s", code, out, e)
	} else {
		checkTerminalSafe(t, "import", out, false)
		checkTerminalSafe(t, "import (stderr)", e, false)
	}
	for _, args := range [][]string{
		{"stats", "--resamples", "0", "--min-items", "2"},
		{"stats", "--resamples", "0", "--min-items", "2", "--markdown"},
		{"stats", "--resamples", "0", "--min-items", "2", "--by", "annotator"},
		{"info"},
		{"import", "--problems"},
	} {
		code, out, e := run(t, append([]string{"--db", db}, args...)...)
		if code != 0 {
			t.Errorf("%v: %d %s", args, code, e)
			continue
		}
		if !strings.Contains(out, "ana-ev") && args[0] != "import" {
			t.Errorf("%v: the annotator is not shown:\n%s", args, out)
		}
		checkTerminalSafe(t, strings.Join(args, " "), out, false)
		checkTerminalSafe(t, strings.Join(args, " ")+" (stderr)", e, false)
	}
	for _, args := range [][]string{{"stats", "--resamples", "0", "--min-items", "2", "--json"}, {"info", "--json"}, {"import", "--problems", "--json"}} {
		code, out, e := run(t, append([]string{"--db", db}, args...)...)
		if code != 0 || !json.Valid([]byte(out)) {
			t.Errorf("%v: %d %s\n%s", args, code, e, out)
			continue
		}
		checkTerminalSafe(t, strings.Join(args, " "), out, false)
	}
}

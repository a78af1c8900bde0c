package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// statsWorkspace imports ratings: a judge (source judge:gpt-4.1) and three annotators; cy decides only
// some items, dan rates items nobody else rates.
func statsWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	var lines []string
	add := func(item string, dim, source, ann string, v any) {
		b, _ := json.Marshal(map[string]any{"item": item, "dimension": dim, "source": source, "annotator": ann, "value": v})
		lines = append(lines, string(b))
	}
	for i := range 33 {
		it := fmt.Sprintf("x-%02d", i)
		add(it, "prism_alignment", "judge:gpt-4.1", "", i%11)
		add(it, "prism_alignment", "human", "ana", (i+i/20)%11)
		dec := map[bool]string{true: "accept", false: "reject"}
		add(it, "decision", "human", "ana", dec[i%3 != 0])
		add(it, "decision", "human", "bo", dec[i%3 != 0 || i%7 == 0])
		if i < 24 {
			add(it, "decision", "human", "cy", dec[i%3 != 0 && i%5 != 0])
		}
	}
	for i := range 3 {
		add(fmt.Sprintf("y-%02d", i), "decision", "human", "dan", "accept")
	}
	file := filepath.Join(dir, "labels.jsonl")
	os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if code, out, e := run(t, "--db", db, "import", "labels", "--create-items", file); code != 0 {
		t.Fatalf("import labels: %d %s %s", code, out, e)
	}
	return db
}

type statsJSON struct {
	Report struct {
		Ratings int `json:"ratings"`
		Rows    []struct {
			Kind, A, B, Dimension string
			N                     int
			Undefined             string
			Stats                 []struct {
				Name  string   `json:"name"`
				Value *float64 `json:"value"`
				N     int      `json:"n"`
			}
		} `json:"rows"`
	} `json:"report"`
}

func statsRun(t *testing.T, args ...string) (int, statsJSON, string, string) {
	t.Helper()
	code, out, e := run(t, append([]string{"--json", "stats", "--resamples", "0"}, args...)...)
	var s statsJSON
	if code == 0 {
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	return code, s, out, e
}

// #18.1-5
func TestStatsDefects(t *testing.T) {
	db := statsWorkspace(t)
	// 1: created items carry no pipeline scores: only the imported ratings count
	_, s, _, _ := statsRun(t, "--db", db)
	if s.Report.Ratings != 33*5-9+3 {
		t.Errorf("%d ratings, want %d (no pipeline zeros)", s.Report.Ratings, 33*5-9+3)
	}
	for _, r := range s.Report.Rows {
		if r.Kind == "pipeline-human" || strings.HasPrefix(r.A, "pipeline") {
			t.Errorf("a pipeline row from nothing: %+v", r)
		}
	}
	// 2: --pair by the name users give: gpt-4.1 is judge:gpt-4.1, ana is human:ana
	code, s, out, e := statsRun(t, "--db", db, "--pair", "gpt-4.1,ana")
	found := false
	for _, r := range s.Report.Rows {
		found = found || (r.A == "judge:gpt-4.1" && r.B == "human:ana" && len(r.Stats) > 0)
	}
	if code != 0 || !found {
		t.Errorf("--pair gpt-4.1,ana: %d %s %s", code, out, e)
	}
	if code, _, _, e := statsRun(t, "--db", db, "--pair", "gpt-5,ana"); code != 2 || !strings.Contains(e, "judge:gpt-4.1") || !strings.Contains(e, "human:ana") {
		t.Errorf("unknown rater: exit %d, %s", code, e)
	}
	if code, _, _, e := statsRun(t, "--db", db, "--pair", "human:,gpt"); code != 2 || !strings.Contains(e, "several") {
		t.Errorf("ambiguous prefix: exit %d, %s", code, e)
	}
	if code, s, _, e := statsRun(t, "--db", db, "--pair", "gp,an"); code != 0 || len(s.Report.Rows) == 0 {
		t.Errorf("unique prefixes gp,an: exit %d, %d rows, %s", code, len(s.Report.Rows), e)
	}
	if code, _, out, _ := statsRun(t, "--db", db, "--pair", "dan,gpt-4.1"); code != 0 || !strings.Contains(out, `"rows": []`) {
		t.Errorf("nothing shared: %d %s", code, out)
	}
	// 3: --min-items 0 is no minimum; negative refused
	code, s, _, _ = statsRun(t, "--db", db, "--min-items", "0", "--pair", "bo,cy")
	if code != 0 || len(s.Report.Rows) == 0 {
		t.Errorf("--min-items 0: exit %d, %d rows", code, len(s.Report.Rows))
	}
	for _, r := range s.Report.Rows {
		if r.Undefined != "" && strings.Contains(r.Undefined, "minimum") {
			t.Errorf("--min-items 0: %+v", r)
		}
	}
	if code, _, _, _ := statsRun(t, "--db", db, "--min-items", "-1"); code != 2 {
		t.Errorf("--min-items -1: exit %d", code)
	}
	// 4: Fleiss over every item two or more annotators decided (cy missing on 9), n = items used
	_, s, _, _ = statsRun(t, "--db", db)
	fleiss := -1
	for _, r := range s.Report.Rows {
		if r.Kind == "all-humans" && r.Dimension == "decision" {
			for _, st := range r.Stats {
				if st.Name == "fleiss_kappa" && st.Value != nil {
					fleiss = st.N
				}
			}
		}
	}
	if fleiss != 33 {
		t.Errorf("Fleiss' kappa on %d items, want 33 (incomplete items included)", fleiss)
	}
	// 5: the real reason, and a row for annotators with no shared item
	_, s, _, _ = statsRun(t, "--db", db, "--min-items", "1")
	var danRow bool
	for _, r := range s.Report.Rows {
		if (r.A == "human:dan" || r.B == "human:dan") && r.Undefined == "no item rated by both" {
			danRow = true
		}
		if strings.Contains(r.Undefined, "minimum") {
			t.Errorf("--min-items 1: %+v", r)
		}
	}
	if !danRow {
		t.Error("no row says dan shares no item with the others")
	}
	code, text, _ := run(t, "--db", db, "stats", "--resamples", "0")
	if code != 0 || !strings.Contains(text, "All annotators together") {
		t.Errorf("text layout: the all-humans figures have no table of their own:\n%s", text)
	}
}

// #18.8: the conventions are options, and every figure that depends on one says which it used.
func TestStatsConventionOptions(t *testing.T) {
	db := statsWorkspace(t)
	code, out, e := run(t, "--db", db, "--json", "stats", "--resamples", "0", "--kappa-distance", "index", "--pair", "gpt-4.1,ana")
	if code != 0 || !strings.Contains(out, `"convention": "distance=index`) {
		t.Fatalf("--kappa-distance index: %d %s %s", code, out, e)
	}
	code, out, _ = run(t, "--db", db, "--json", "stats", "--resamples", "0", "--pair", "gpt-4.1,ana")
	if code != 0 || !strings.Contains(out, `"convention": "distance=value`) {
		t.Errorf("default convention not stated: %d %s", code, out)
	}
	for _, bad := range [][]string{{"--kappa-distance", "manhattan"}, {"--categories", "x,y"}} {
		if code, _, e := run(t, append([]string{"--db", db, "stats"}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d %s", bad, code, e)
		}
	}
	if code, _, e := run(t, "--db", db, "stats", "--categories", "11", "--resamples", "0"); code != 0 {
		t.Errorf("--categories 11: %d %s", code, e)
	}
}

// #18.6: kappa's SE and z under H0 (and the other further figures) are printed, not only in --json.
func TestStatsPrintsMoreFigures(t *testing.T) {
	db := statsWorkspace(t)
	code, out, e := run(t, "--db", db, "stats", "--resamples", "0")
	for _, want := range []string{"cohen_kappa_z", "pabak", "scott_pi", "prevalence_index", "kendall_tau_c", "icc_2_1"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("%s not printed: %d\n%s\n%s", want, code, out, e)
		}
	}
}

// #18.9: scales other than 0-10 and categories other than accept/reject through import labels: declared
// per dimension, stored with it, used by stats; values off the scale are refused naming the row.
func TestImportLabelsDeclaredScales(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	var lines []string
	add := func(item, dim, ann string, v any) {
		b, _ := json.Marshal(map[string]any{"item": item, "dimension": dim, "source": "human", "annotator": ann, "value": v})
		lines = append(lines, string(b))
	}
	kinds := []string{"photo", "render", "sketch"}
	for i := range 24 {
		it := fmt.Sprintf("z-%02d", i)
		add(it, "likert", "ana", 1+i%5)
		add(it, "likert", "bo", 1+(i+i/12)%5)
		add(it, "percent", "ana", (i*7)%101)
		add(it, "percent", "bo", (i*7+3)%101)
		add(it, "medium", "ana", kinds[i%3])
		add(it, "medium", "bo", kinds[(i+i/20)%3])
	}
	add("z-00", "likert", "cy", 7)         // off the 1-5 scale
	add("z-00", "medium", "cy", "collage") // not a category
	file := filepath.Join(dir, "labels.jsonl")
	os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	// undeclared: every row of the new dimensions is refused, naming the way to declare them
	code, out, e := run(t, "--db", db, "import", "labels", "--create-items", file)
	if code != ExitSkipped || !strings.Contains(out+e, "--scale") {
		t.Fatalf("undeclared: %d %s %s", code, out, e)
	}
	code, out, e = run(t, "--db", db, "import", "labels", "--create-items", file,
		"--scale", "likert=1-5", "--scale", "percent=0-100", "--categories", "medium=photo,render,sketch")
	if code != ExitSkipped || !strings.Contains(out+e, "7 is outside likert's scale 1-5") || !strings.Contains(out+e, `"collage" is not a category of medium`) {
		t.Fatalf("declared: %d %s %s", code, out, e)
	}
	// a declared dimension keeps its scale
	if code, _, e := run(t, "--db", db, "import", "labels", file, "--scale", "likert=0-10"); code != 1 || !strings.Contains(e, "exists with scale 1-5") {
		t.Errorf("redeclared: %d %s", code, e)
	}
	_, s, _, _ := statsRun(t, "--db", db)
	got := map[string][]string{}
	for _, r := range s.Report.Rows {
		if r.Kind == "human-human" {
			for _, st := range r.Stats {
				got[r.Dimension] = append(got[r.Dimension], st.Name)
			}
		}
	}
	if !strings.Contains(strings.Join(got["medium"], ","), "gwet_ac1") || strings.Contains(strings.Join(got["medium"], ","), "spearman") {
		t.Errorf("medium compared as categories? %v", got["medium"])
	}
	if !strings.Contains(strings.Join(got["likert"], ","), "cohen_kappa_quadratic") || !strings.Contains(strings.Join(got["percent"], ","), "spearman") {
		t.Errorf("scores: %v", got)
	}
	code, out, _ = run(t, "--db", db, "show-item", "z-01")
	if code != 0 || !strings.Contains(out, "render") {
		t.Errorf("show-item shows the category name: %d %s", code, out)
	}
}

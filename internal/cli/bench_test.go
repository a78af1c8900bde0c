package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/judge/judgetest"
)

// TestBenchOffline runs PRISM-Bench end to end offline: two procedural "models" generated for a small
// prompt set, judged by a local VLM server and the rules judge, reported (with a published table beside)
// and audited.
func TestBenchOffline(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	dir := t.TempDir()
	if err := dataset.WritePrism(dataset.PrismOptions{Out: filepath.Join(dir, "set"), Seed: 5, Prompts: 2, Images: 1, Models: []string{"x"}, ImageSize: 32}); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "b.db")
	cfg := filepath.Join(dir, "loupe.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("[backends.vlm]\nkind = \"vllm\"\nbase_url = %q\nmodel = \"judge-a\"\n", srv.BaseURL())), 0o644)
	for _, m := range []string{"careful", "sloppy"} {
		code, out, e := run(t, "--db", db, "bench", "run", "--prompts", filepath.Join(dir, "set"), "--model", m, "--generator", "procedural",
			"--size", "64", "--judge", "vlm,rules", "--config", cfg, "--quiet", "--seed", map[string]string{"careful": "1", "sloppy": "2"}[m])
		if code != 0 {
			t.Fatalf("bench run %s: %d\n%s\n%s", m, code, out, e)
		}
	}
	// 2 models x 14 prompts x 2 verdicts reached the server; a second run asks nothing
	if n := len(srv.Requests()); n != 56 {
		t.Errorf("%d requests, want 56", n)
	}
	if code, _, e := run(t, "--db", db, "bench", "run", "--prompts", filepath.Join(dir, "set"), "--model", "careful", "--generator", "procedural",
		"--size", "64", "--judge", "vlm", "--config", cfg, "--quiet", "--seed", "1"); code != 0 || len(srv.Requests()) != 56 {
		t.Errorf("rerun: %d %s, %d requests", code, e, len(srv.Requests()))
	}
	code, out, e := run(t, "--db", db, "--json", "bench", "report", "--published", "../../prismbench/testdata/prism_bench_en_gpt41.csv")
	if code != 0 {
		t.Fatalf("report: %d %s", code, e)
	}
	var rep struct {
		Rows []struct {
			Model, Judge string
			Published    bool
			Overall      struct{ Avg struct{ Value *float64 } }
		} `json:"rows"`
		Judges []struct{ A, B string } `json:"judges_compared"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rep.Rows {
		seen[fmt.Sprintf("%s/%v", r.Model, r.Published)] = true
		if !r.Published && strings.Contains(r.Judge, "judge-a") && r.Overall.Avg.Value == nil {
			t.Errorf("%s has no overall", r.Model)
		}
	}
	if !seen["careful/false"] || !seen["sloppy/false"] || !seen["GPT-Image-1 [High]/true"] {
		t.Errorf("rows: %v", seen)
	}
	if len(rep.Judges) == 0 {
		t.Error("the two judges are not compared")
	}
	code, out, _ = run(t, "--db", db, "bench", "report", "--markdown")
	if code != 0 || !strings.Contains(out, "careful") {
		t.Errorf("markdown: %s", out)
	}
	code, out, e = run(t, "--db", db, "bench", "audit", "--n", "14", "--name", "audit")
	if code != 0 || !strings.Contains(out, "audit queue audit") {
		t.Fatalf("audit: %d %s %s", code, out, e)
	}
	// an annotator reviews four of careful's images: they score them 0 where the judge said otherwise
	var lines []string
	for _, tr := range []string{"style", "entity", "affection", "imagination"} {
		lines = append(lines, fmt.Sprintf(`{"item": "prism-en/careful/%s/0", "dimension": "prism_alignment", "source": "human", "annotator": "ana", "value": 0}`, tr))
	}
	lf := filepath.Join(dir, "h.jsonl")
	os.WriteFile(lf, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if code, out, e := run(t, "--db", db, "import", "labels", lf); code != 0 {
		t.Fatalf("labels: %s %s", out, e)
	}
	code, out, e = run(t, "--db", db, "--json", "bench", "audit", "--report", "--judge", "judge-a")
	var ar struct {
		Reviewed int `json:"images_reviewed"`
		Models   []struct {
			Model        string
			Judge        float64 `json:"judge_overall"`
			AuditedScore float64 `json:"audited_overall"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(out), &ar); code != 0 || err != nil {
		t.Fatalf("audit report: %d %v %s %s", code, err, out, e)
	}
	if ar.Reviewed != 4 || len(ar.Models) != 2 {
		t.Errorf("audit: %+v", ar)
	}
	for _, m := range ar.Models {
		if m.Model == "careful" && !(m.AuditedScore < m.Judge) {
			t.Errorf("careful's audited score %v is not below its judge score %v after humans scored 0", m.AuditedScore, m.Judge)
		}
	}
}

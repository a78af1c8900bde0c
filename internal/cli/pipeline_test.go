package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/pipeline"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
)

// pipelineServer answers every step as a capable VLM would (pipeline.Answer), by the step named in the
// request's response_format.
func pipelineServer() *judgetest.Server {
	srv := judgetest.New(judgetest.VLLM)
	srv.Answer = func(r *judgetest.Request) string {
		var rf struct {
			JSONSchema struct {
				Name string `json:"name"`
			} `json:"json_schema"`
		}
		json.Unmarshal(r.Fields["response_format"], &rf)
		step := strings.ReplaceAll(rf.JSONSchema.Name, "_", "-")
		return pipeline.Answer(step, r.Text, r.ImageMIME != "")
	}
	return srv
}

// TestPipelineRunOffline runs every step over a prompt file with the procedural generator and a local
// OpenAI-compatible server, reruns it (no request repeated), and exports the result in the
// FLUX-Reason-6M layout that loupe import reads back.
func TestPipelineRunOffline(t *testing.T) {
	srv := pipelineServer()
	defer srv.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "loupe.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("[backends.local]\nkind = \"vllm\"\nbase_url = %q\nmodel = \"Qwen/Qwen2.5-VL-7B-Instruct\"\nconcurrency = 4\nmax_tokens = 2048\n", srv.BaseURL())), 0o644)
	prompts := filepath.Join(dir, "seeds.txt")
	os.WriteFile(prompts, []byte("a red fox in the snow\n{\"prompt\": \"a bakery sign that reads \\\"OPEN DAILY\\\"\"}\nthree blue cubes on a table\n"), 0o644)
	args := []string{"--db", db, "pipeline", "run", "--steps", "all", "--prompts", prompts, "--backend", "local", "--config", cfg,
		"--size", "128", "--clarity", "0", "--structure", "0", "--quiet"}
	code, out, e := run(t, args...)
	if code != 0 && code != ExitSkipped {
		t.Fatalf("pipeline: %d\n%s\n%s", code, out, e)
	}
	for _, step := range pipeline.Order {
		if !strings.Contains(out, step) {
			t.Errorf("summary lacks %s:\n%s", step, out)
		}
	}
	items := countRows(t, db, `SELECT count(*) FROM items`)
	if items != 3+3*pipeline.ExpandCount {
		t.Errorf("%d items, want %d (3 seeds, %d expansions each)", items, 3+3*pipeline.ExpandCount, pipeline.ExpandCount)
	}
	if n := countRows(t, db, `SELECT count(*) FROM texts t JOIN text_kinds k ON k.id = t.kind_id WHERE k.name = 'detail' AND t.lang = 'en'`); n != items {
		t.Errorf("%d GCoT captions for %d items", n, items)
	}
	if n := countRows(t, db, `SELECT count(*) FROM texts t JOIN text_kinds k ON k.id = t.kind_id WHERE k.name = 'detail' AND t.lang = 'zh'`); n == 0 {
		t.Error("no translations")
	}
	if n := countRows(t, db, `SELECT count(*) FROM labels l JOIN raters r ON r.id = l.rater_id WHERE r.name = 'pipeline:Qwen/Qwen2.5-VL-7B-Instruct' AND l.rubric_hash = 'quality-v1'`); n < 2*items {
		t.Errorf("%d quality labels with their prompt version", n)
	}
	sent := len(srv.Requests())
	code, out, e = run(t, args...)
	if code != 0 && code != ExitSkipped {
		t.Fatalf("rerun: %d %s %s", code, out, e)
	}
	if got := len(srv.Requests()) - sent; got != 0 {
		t.Errorf("the rerun sent %d requests", got)
	}
	// a forced rerun of one step on one item (the review screen's P key) asks again and replaces its output
	c, err := config.Load(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Backend("local")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	setDetail := func(body string) {
		if err := store.SetText(context.Background(), st.DB, 1, "detail", "en", body); err != nil {
			t.Fatal(err)
		}
	}
	setDetail("stale caption")
	sent = len(srv.Requests())
	sum, err := workspace.New(st).RunPipeline(context.Background(), workspace.PipelineOptions{Steps: []string{"gcot"}, Backend: b, Items: []int64{1},
		Thresholds: workspace.DefaultThresholds, Force: true})
	st.Close()
	if err != nil || sum.Steps[0].Failed != 0 || len(srv.Requests()) != sent+1 {
		t.Fatalf("forced rerun: %v %+v, %d requests", err, sum.Steps[0], len(srv.Requests())-sent)
	}
	if n := countRows(t, db, `SELECT count(*) FROM texts WHERE item_id = 1 AND kind_id = 8 AND lang = 'en' AND body != 'stale caption'`); n != 1 {
		t.Error("the rerun's caption did not replace the old one")
	}
	exp := filepath.Join(dir, "flux")
	if code, out, e := run(t, "--db", db, "export", "--format", "parquet", "--out", exp, "--quiet"); code != 0 {
		t.Fatalf("export: %s %s", out, e)
	}
	back := filepath.Join(dir, "back.db")
	if code, out, e := run(t, "--db", back, "import", exp, "-q"); code != 0 {
		t.Fatalf("import: %s %s", out, e)
	}
	if n := countRows(t, back, `SELECT count(*) FROM items`); n != items {
		t.Errorf("%d items read back, want %d", n, items)
	}
}

// TestPipelineResumesAfterKill kills a run after some answers and checks the rerun sends none of the
// requests the server had answered.
func TestPipelineResumesAfterKill(t *testing.T) {
	srv := pipelineServer()
	defer srv.Close()
	const first = 6
	srv.Script = func(n int, _ *judgetest.Request) *judgetest.Reply {
		if n > first {
			return &judgetest.Reply{Hang: true}
		}
		return nil
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "loupe.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("[backends.local]\nkind = \"vllm\"\nbase_url = %q\nmodel = \"m\"\nconcurrency = 2\ntimeout = \"30s\"\n", srv.BaseURL())), 0o644)
	prompts := filepath.Join(dir, "seeds.txt")
	os.WriteFile(prompts, []byte("a red fox\na green lake\nan old clock\na paper boat\n"), 0o644)
	args := []string{"--db", db, "pipeline", "run", "--steps", "rewrite,generate,quality,traits", "--prompts", prompts, "--backend", "local",
		"--config", cfg, "--size", "64", "--clarity", "0", "--structure", "0", "--quiet"}
	cmd := child(t, args...)
	waitUntil(t, "answers cached", func() bool {
		d, err := sql.Open("sqlite3", "file:"+db+"?mode=ro") // a plain path would create the file
		if err != nil {
			return false
		}
		defer d.Close()
		var n int
		return d.QueryRow(`SELECT count(*) FROM judge_cache`).Scan(&n) == nil && n >= first
	})
	cmd.Process.Kill()
	cmd.Wait()
	answered := srv.Answered()
	seen := len(srv.Requests())
	srv.SetScript(nil)
	if code, out, e := run(t, args...); code != 0 {
		t.Fatalf("rerun: %d %s %s", code, out, e)
	}
	for _, r := range srv.Requests()[seen:] {
		if answered[r.Hash] > 0 {
			t.Errorf("request %d was answered before the kill and sent again", r.N)
		}
	}
	if n := countRows(t, db, `SELECT count(*) FROM labels l JOIN dimensions d ON d.id = l.dimension_id WHERE d.name = 'clarity'`); n != 4 {
		t.Errorf("%d clarity labels after the rerun, want 4", n)
	}
}

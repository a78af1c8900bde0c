package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/generate/gentest"
	"github.com/loupe-dev/loupe/store"
)

// genBench makes a prompt set (7 tracks x 2 prompts) and a configuration file with generator "emu"
// over servers; it returns the set, the workspace path, the configuration and the bench folder.
func genBench(t *testing.T, concurrency int, servers ...string) (set, db, cfg, dir string) {
	t.Helper()
	dir = t.TempDir()
	set = filepath.Join(dir, "set")
	if err := dataset.WritePrism(dataset.PrismOptions{Out: set, Seed: 5, Prompts: 2, Images: 1, Models: []string{"x"}, ImageSize: 16}); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, s := range servers {
		urls = append(urls, fmt.Sprintf("%q", s))
	}
	cfg = filepath.Join(dir, "loupe.toml")
	conf := fmt.Sprintf("[generators.emu]\nkind = \"openai\"\nbase_urls = [%s]\nmodel = \"flux\"\nconcurrency = %d\n", strings.Join(urls, ", "), concurrency)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return set, filepath.Join(dir, "w.db"), cfg, filepath.Join(dir, "bench")
}

// firstPrompt is the text of a track's first prompt in a set.
func firstPrompt(t *testing.T, set, track string) string {
	t.Helper()
	lines, _, err := dataset.ReadPrompts(filepath.Join(set, "captions", "en", track+".jsonl"))
	if err != nil || len(lines) == 0 {
		t.Fatal(err)
	}
	return lines[0].Prompt
}

func benchGen(t *testing.T, set, db, cfg, dir string, more ...string) (int, string, string) {
	t.Helper()
	args := append([]string{"--db", db, "bench", "run", "--prompts", set, "--model", "m", "--generator", "emu", "--size", "64",
		"--config", cfg, "--dir", dir, "--quiet"}, more...)
	return run(t, args...)
}

func countPNGs(t *testing.T, dir string) int {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "en-m", "*", "*.png"))
	return len(m)
}

// TestBenchRunGoesOnPastBadPrompt: a prompt the server answers 400 for good and one it refuses are
// recorded with their reasons; the run makes the other 12 images and exits 3; the report lists both in
// its coverage; a rerun does not ask for them again, --retry-failed does (#17.1, #17.5 summary).
func TestBenchRunGoesOnPastBadPrompt(t *testing.T) {
	srv := gentest.NewOpenAI()
	defer srv.Close()
	set, db, cfg, dir := genBench(t, 2, srv.URL)
	long, refused := firstPrompt(t, set, "style"), firstPrompt(t, set, "entity")
	srv.FailPrompt(long, gentest.ContextLength)
	srv.FailPrompt(refused, gentest.ContentPolicy)
	code, out, e := benchGen(t, set, db, cfg, dir)
	if code != ExitSkipped {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, out, e)
	}
	if n := countPNGs(t, dir); n != 12 {
		t.Fatalf("%d images, want 12", n)
	}
	if !strings.Contains(e, "style/0") || !strings.Contains(e, "context length") || !strings.Contains(e, "entity/0") {
		t.Errorf("stderr does not name the failures:\n%s", e)
	}
	if !strings.Contains(out, "generated 12 images (0 existed, 1 refused, 1 failed") {
		t.Errorf("summary: %s", out)
	}
	code, out, e = run(t, "--db", db, "--json", "bench", "report")
	var rep struct {
		Fails []struct {
			Model, Track, Reason string
			Index                int
			Lasting              bool
		} `json:"generation_failures"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil {
		t.Fatalf("report: %d %v %s %s", code, err, out, e)
	}
	if len(rep.Fails) != 2 || rep.Fails[0].Track+rep.Fails[1].Track != "entitystyle" && rep.Fails[0].Track+rep.Fails[1].Track != "styleentity" ||
		!rep.Fails[0].Lasting || !rep.Fails[1].Lasting {
		t.Fatalf("failures in the report: %+v", rep.Fails)
	}
	if _, out, _ = run(t, "--db", db, "bench", "report"); !strings.Contains(out, "coverage: 2 prompts without an image") {
		t.Errorf("report:\n%s", out)
	}
	seen := srv.Count()
	code, out, e = benchGen(t, set, db, cfg, dir)
	if code != ExitSkipped || srv.Count() != seen {
		t.Fatalf("rerun: exit %d, %d new requests (want 3, 0)\n%s\n%s", code, srv.Count()-seen, out, e)
	}
	code, _, e = benchGen(t, set, db, cfg, dir, "--retry-failed")
	if code != ExitSkipped || srv.Count() != seen+2 {
		t.Fatalf("--retry-failed: exit %d, %d new requests (want 3, 2)\n%s", code, srv.Count()-seen, e)
	}
}

// TestBenchRunConcurrencyPerServer: bench run keeps concurrency requests in flight on each server of the
// pool (#17.2).
func TestBenchRunConcurrencyPerServer(t *testing.T) {
	a, b := gentest.NewOpenAI(), gentest.NewOpenAI()
	defer a.Close()
	defer b.Close()
	a.Latency, b.Latency = 200*time.Millisecond, 200*time.Millisecond
	set, db, cfg, dir := genBench(t, 3, a.URL, b.URL)
	if code, out, e := benchGen(t, set, db, cfg, dir); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, e)
	}
	if a.MaxInFlight() != 3 || b.MaxInFlight() != 3 {
		t.Fatalf("in flight at most %d and %d, want 3 on each server", a.MaxInFlight(), b.MaxInFlight())
	}
}

// TestBenchRunServerDown: a generator whose server refuses connections stops the run within 10 s with a
// message naming the URL (#17.3).
func TestBenchRunServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	set, db, cfg, dir := genBench(t, 4, u)
	start := time.Now()
	code, _, e := benchGen(t, set, db, cfg, dir)
	if code != ExitError || !strings.Contains(e, u) || !strings.Contains(e, "no server is reachable") {
		t.Fatalf("exit %d: %s", code, e)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %s", d)
	}
}

// TestBenchRunQuota: a spent quota stops the run at once: one request, not four (#17.7).
func TestBenchRunQuota(t *testing.T) {
	srv := gentest.NewOpenAI()
	defer srv.Close()
	for range 20 {
		srv.Fail(gentest.Quota)
	}
	set, db, cfg, dir := genBench(t, 1, srv.URL)
	code, _, e := benchGen(t, set, db, cfg, dir)
	if code != ExitError || !strings.Contains(e, "quota") || srv.Count() != 1 {
		t.Fatalf("exit %d, %d requests (want 1): %s", code, srv.Count(), e)
	}
}

// TestBenchRunCtrlC: Ctrl-C during generation finishes the images in flight, keeps them and exits 3
// (#17.5).
func TestBenchRunCtrlC(t *testing.T) {
	srv := gentest.NewOpenAI()
	defer srv.Close()
	srv.Latency = 400 * time.Millisecond
	set, db, cfg, dir := genBench(t, 2, srv.URL)
	cmd := child(t, "--db", db, "bench", "run", "--prompts", set, "--model", "m", "--generator", "emu", "--size", "64",
		"--config", cfg, "--dir", dir, "--quiet")
	waitUntil(t, "some requests", func() bool { return srv.Count() >= 3 })
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != ExitSkipped {
		t.Fatalf("exit after Ctrl-C: %v", err)
	}
	n := countPNGs(t, dir)
	if n != srv.Count() || n == 14 {
		t.Fatalf("%d images kept, %d requested", n, srv.Count())
	}
}

// TestBenchRunChangedPrompt: a prompt file edited after a run is refused, naming the prompt;
// --update-prompts records the new text as version 2 and the verdicts made keep version 1 (#17.10).
func TestBenchRunChangedPrompt(t *testing.T) {
	srv := gentest.NewOpenAI()
	defer srv.Close()
	set, db, cfg, dir := genBench(t, 4, srv.URL)
	if code, out, e := benchGen(t, set, db, cfg, dir, "--judge", "rules"); code != 0 {
		t.Fatalf("first run: %d\n%s\n%s", code, out, e)
	}
	old := firstPrompt(t, set, "style")
	f := filepath.Join(set, "captions", "en", "style.jsonl")
	b, _ := os.ReadFile(f)
	os.WriteFile(f, []byte(strings.Replace(string(b), old, "A blue teapot on a wooden table, watercolour.", 1)), 0o644)
	seen := srv.Count()
	code, out, e := benchGen(t, set, db, cfg, dir, "--judge", "rules")
	if code != ExitError || !strings.Contains(e, "prompt en/style/0") || !strings.Contains(e, "--update-prompts") || srv.Count() != seen {
		t.Fatalf("changed prompt: exit %d, %d requests\n%s\n%s", code, srv.Count()-seen, out, e)
	}
	if code, out, e := benchGen(t, set, db, cfg, dir, "--judge", "rules", "--update-prompts"); code != 0 || !strings.Contains(e, "version 2") {
		t.Fatalf("--update-prompts: %d\n%s\n%s", code, out, e)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps, err := st.StoredPrompts(context.Background(), "prism", "en")
	if p := ps["style/0"]; err != nil || p.Body != "A blue teapot on a wooden table, watercolour." || p.Version != 2 {
		t.Fatalf("stored prompt %+v %v", p, err)
	}
	var label int64
	if err := st.DB.QueryRow(`SELECT l.id FROM labels l JOIN items i ON i.id = l.item_id WHERE i.ext_id = 'prism-en/m/style/0' LIMIT 1`).Scan(&label); err != nil {
		t.Fatal(err)
	}
	v, body, err := st.VerdictPromptVersion(context.Background(), label)
	if err != nil || v != 1 || body != old {
		t.Fatalf("the verdict's prompt: version %d %q %v", v, body, err)
	}
	// a third run with the same files is not refused again
	if code, out, e := benchGen(t, set, db, cfg, dir, "--judge", "rules"); code != 0 {
		t.Fatalf("third run: %d\n%s\n%s", code, out, e)
	}
}

// TestPipelineGenerateConcurrency: pipeline run's generate step keeps the generator's concurrency in
// flight on each server, not a fixed 2 (#17.2).
func TestPipelineGenerateConcurrency(t *testing.T) {
	srv := gentest.NewOpenAI()
	defer srv.Close()
	srv.Latency = 200 * time.Millisecond
	_, db, cfg, dir := genBench(t, 4, srv.URL)
	seeds := filepath.Join(filepath.Dir(dir), "seeds.txt")
	var lines []string
	for i := range 12 {
		lines = append(lines, fmt.Sprintf("prompt number %d", i))
	}
	os.WriteFile(seeds, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	code, out, e := run(t, "--db", db, "pipeline", "run", "--steps", "generate", "--prompts", seeds, "--generator", "emu", "--config", cfg, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, e)
	}
	if srv.Count() != 12 || srv.MaxInFlight() != 4 {
		t.Fatalf("%d requests, at most %d in flight (want 12, 4)", srv.Count(), srv.MaxInFlight())
	}
}

// TestBenchRunProgressInLogs: progress written to a log (not a terminal) is plain lines, never the
// terminal's carriage return and erase-line (#17.7).
func TestBenchRunProgressInLogs(t *testing.T) {
	srv := gentest.NewOpenAI()
	defer srv.Close()
	set, db, cfg, dir := genBench(t, 2, srv.URL)
	code, _, e := run(t, "--db", db, "bench", "run", "--prompts", set, "--model", "m", "--generator", "emu", "--size", "64",
		"--config", cfg, "--dir", dir)
	if code != 0 || strings.ContainsAny(e, "\r\x1b") || !strings.Contains(e, "generating") {
		t.Fatalf("exit %d, progress %q", code, e)
	}
}

package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/judge/judgetest"
	_ "github.com/mattn/go-sqlite3"
)

// TestMain lets a test run loupe as a child process (to kill it): LOUPE_CLI_CHILD holds the arguments
// as JSON.
func TestMain(m *testing.M) {
	if a := os.Getenv("LOUPE_CLI_CHILD"); a != "" {
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			os.Exit(2)
		}
		os.Exit(Main(args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// judgeWorkspace makes a workspace with PRISM-style generations (7 tracks x images x 1 model) in
// queue "q", and a configuration file with backend "emu" pointing at srv.
func judgeWorkspace(t *testing.T, srv *judgetest.Server, images int) (db, cfg string) {
	t.Helper()
	dir := t.TempDir()
	prism := filepath.Join(dir, "prism")
	if err := dataset.WritePrism(dataset.PrismOptions{Out: prism, Seed: 3, Prompts: images, Images: images, Models: []string{"m1"}, ImageSize: 48}); err != nil {
		t.Fatal(err)
	}
	db = filepath.Join(dir, "w.db")
	for _, args := range [][]string{
		{"--db", db, "import", prism, "-q"},
		{"--db", db, "sample", "--name", "q", "--n", "10000", "--kind", "generation", "--seed", "1"},
	} {
		if code, _, e := run(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, e)
		}
	}
	cfg = filepath.Join(dir, "loupe.toml")
	url := "http://127.0.0.1:1/v1"
	if srv != nil {
		url = srv.BaseURL()
	}
	conf := fmt.Sprintf(`[backends.emu]
kind = "vllm"
base_url = %q
model = "Qwen/Qwen2.5-VL-72B-Instruct"
concurrency = 4
timeout = "30s" # generous: under -race on a loaded machine an answer can take seconds, and a retry would be a second answer
max_retries = 1
`, url)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return db, cfg
}

func countLabels(t *testing.T, db, cond string) int {
	t.Helper()
	return countRows(t, db, `SELECT count(*) FROM labels l JOIN raters r ON r.id = l.rater_id WHERE r.kind = 'judge' AND `+cond)
}

func TestJudgeQueueAgainstServer(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	bad := map[int]*judgetest.Reply{3: {Content: "I think it's about an 8."}, 5: {Status: 503, ErrMessage: "loading"}}
	srv.Script = func(n int, _ *judgetest.Request) *judgetest.Reply { return bad[n] }
	db, cfg := judgeWorkspace(t, srv, 2) // 14 generations x 2 verdicts
	code, out, e := run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q", "--dry-run")
	if code != 0 || !strings.Contains(out, "tasks 28") || len(srv.Requests()) != 0 {
		t.Fatalf("dry run: %d %q %q, %d requests", code, out, e, len(srv.Requests()))
	}
	code, out, e = run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q")
	if code != 0 {
		t.Fatalf("judge: %d %s %s", code, out, e)
	}
	if !strings.Contains(out, "verdicts 27, failed 1") || !strings.Contains(out, "retries 1") {
		t.Errorf("summary:\n%s", out)
	}
	if n := countLabels(t, db, "l.value IS NOT NULL AND l.rubric_hash IS NOT NULL"); n != 27 {
		t.Errorf("%d verdicts stored", n)
	}
	if n := countLabels(t, db, "l.value IS NULL AND l.error LIKE 'not a JSON object%' AND l.raw = 'I think it''s about an 8.'"); n != 1 {
		t.Errorf("%d failed verdicts stored with their raw text", n)
	}
	before := len(srv.Requests())
	code, out, _ = run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q")
	if code != 0 || len(srv.Requests()) != before || !strings.Contains(out, "already judged 28") {
		t.Errorf("a second run called the server %d times: %s", len(srv.Requests())-before, out)
	}
	// the verdicts show on the item
	code, out, _ = run(t, "--db", db, "--json", "show-item", "1")
	if code != 0 || !strings.Contains(out, `"rubric_hash"`) || !strings.Contains(out, "Qwen/Qwen2.5-VL-72B-Instruct / loupe-v1@") {
		t.Errorf("show-item: %s", out)
	}
}

func TestJudgeErrorsAreClear(t *testing.T) {
	srv := judgetest.New(judgetest.OpenAI)
	defer srv.Close()
	srv.Script = func(int, *judgetest.Request) *judgetest.Reply {
		return &judgetest.Reply{Status: 429, ErrCode: "insufficient_quota", ErrType: "insufficient_quota", ErrMessage: "You exceeded your current quota"}
	}
	db, cfg := judgeWorkspace(t, srv, 1)
	code, _, e := run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q")
	if code != ExitError || !strings.Contains(e, "quota") {
		t.Errorf("quota: %d %s", code, e)
	}
	if n := len(srv.Requests()); n > 4 {
		t.Errorf("%d requests after a quota error (concurrency 4)", n)
	}
	code, _, e = run(t, "--db", db, "judge", "--config", cfg, "--backend", "nope", "--queue", "q")
	if code != ExitError || !strings.Contains(e, `no backend "nope"`) || !strings.Contains(e, "emu") {
		t.Errorf("unknown backend: %d %s", code, e)
	}
	code, _, e = run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu")
	if code != ExitUsage {
		t.Errorf("no queue: %d %s", code, e)
	}
	os.WriteFile(cfg, []byte("[backends.x]\nkind = \"openai\"\nmodel = \"gpt-4.1\"\napi_key_env = \"LOUPE_TEST_NO_SUCH_VAR\"\n"), 0o644)
	code, _, e = run(t, "--db", db, "judge", "--config", cfg, "--backend", "x", "--queue", "q")
	if code != ExitError || !strings.Contains(e, "LOUPE_TEST_NO_SUCH_VAR") {
		t.Errorf("missing key: %d %s", code, e)
	}
}

// child starts loupe in a child process.
func child(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LOUPE_CLI_CHILD="+string(a))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestJudgeResumesAfterKill kills a judge run (SIGKILL) after some answers, reruns it, and checks that
// no request the server had answered reaches it again.
func TestJudgeResumesAfterKill(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	const first = 9
	srv.Script = func(n int, _ *judgetest.Request) *judgetest.Reply {
		if n > first {
			return &judgetest.Reply{Hang: true} // the rest are in flight when the process dies
		}
		return nil
	}
	db, cfg := judgeWorkspace(t, srv, 2)
	cmd := child(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q", "--quiet")
	waitUntil(t, "the first answers to be stored", func() bool { return countLabels(t, db, "1") == first })
	cmd.Process.Kill()
	cmd.Wait()
	answered := srv.Answered()
	if len(answered) != first {
		t.Fatalf("%d answered before the kill", len(answered))
	}
	seen := len(srv.Requests())
	srv.SetScript(nil)
	code, out, e := run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q")
	if code != 0 {
		t.Fatalf("rerun: %d %s %s", code, out, e)
	}
	for _, r := range srv.Requests()[seen:] {
		if answered[r.Hash] > 0 {
			t.Errorf("request %d was answered before the kill and sent again", r.N)
		}
	}
	if n := countLabels(t, db, "1"); n != 28 {
		t.Errorf("%d labels after the rerun, want 28", n)
	}
	for h, n := range srv.Answered() {
		if n != 1 {
			t.Errorf("request %s answered %d times", h[:8], n)
		}
	}
}

// TestJudgeCtrlC interrupts a run: the calls in flight finish and are stored, so the rerun sends only
// what was never answered.
func TestJudgeCtrlC(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	srv.Latency = 150 * time.Millisecond
	db, cfg := judgeWorkspace(t, srv, 2)
	cmd := child(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q", "--quiet")
	waitUntil(t, "some answers", func() bool { return len(srv.Answered()) >= 6 })
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != ExitSkipped {
		t.Fatalf("exit after Ctrl-C: %v", err)
	}
	answered := srv.Answered()
	if n := countLabels(t, db, "1"); n != len(answered) || n == 28 {
		t.Fatalf("%d labels stored, %d answered", n, len(answered))
	}
	seen := len(srv.Requests())
	srv.SetLatency(0)
	if code, out, e := run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q"); code != 0 {
		t.Fatalf("rerun: %s %s", out, e)
	}
	if got := len(srv.Requests()) - seen; got != 28-len(answered) {
		t.Errorf("rerun sent %d requests, want %d", got, 28-len(answered))
	}
}

func TestJudgeBatchRoundTrip(t *testing.T) {
	srv := judgetest.New(judgetest.OpenAI)
	defer srv.Close()
	srv.KeepBodies = true
	db, cfg := judgeWorkspace(t, srv, 2)
	out := filepath.Join(t.TempDir(), "batch.jsonl")
	code, o, e := run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q", "--dimension", "alignment", "--batch-out", out)
	if code != 0 || !strings.Contains(o, "batch: 14 requests in 1 file:") {
		t.Fatalf("batch-out: %d %s %s", code, o, e)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	// answer each request through the emulator, as a batch executor would, in reverse order; drop one
	// and fail one
	var results []string
	for i, l := range slices.Backward(lines) {
		var in struct {
			CustomID string          `json:"custom_id"`
			Method   string          `json:"method"`
			URL      string          `json:"url"`
			Body     json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal([]byte(l), &in); err != nil || in.Method != "POST" || in.URL != "/v1/chat/completions" {
			t.Fatalf("line %d: %v %s", i, err, l[:min(len(l), 200)])
		}
		switch i {
		case 0:
			continue
		case 1:
			results = append(results, fmt.Sprintf(`{"id":"b%d","custom_id":%q,"response":null,"error":{"code":"server_error","message":"boom"}}`, i, in.CustomID))
			continue
		}
		body := postJSON(t, srv.BaseURL()+"/chat/completions", in.Body)
		results = append(results, fmt.Sprintf(`{"id":"b%d","custom_id":%q,"response":{"status_code":200,"request_id":"r","body":%s},"error":null}`, i, in.CustomID, body))
	}
	results = append(results, `{"custom_id": "nope", "response": {"status_code": 200, "body": {}}}`, `garbage`)
	resFile := filepath.Join(t.TempDir(), "results.jsonl")
	os.WriteFile(resFile, []byte(strings.Join(results, "\n")+"\n"), 0o644)
	code, o, e = run(t, "--db", db, "judge", "--batch-in", resFile)
	if code != ExitSkipped || !strings.Contains(o, "12 verdicts stored") || !strings.Contains(o, "1 unknown custom_id") ||
		!strings.Contains(o, "2 requests still pending") || !strings.Contains(o, "boom") {
		t.Errorf("batch-in: %d\n%s\n%s", code, o, e)
	}
	if n := countLabels(t, db, "l.value IS NOT NULL"); n != 12 {
		t.Errorf("%d verdicts stored", n)
	}
	// importing again stores nothing twice
	code, o, _ = run(t, "--db", db, "judge", "--batch-in", resFile)
	if code != ExitSkipped || !strings.Contains(o, "0 verdicts stored") || !strings.Contains(o, "12 already stored") {
		t.Errorf("second batch-in: %s", o)
	}
	// the same requests online now come from the cache: only the 2 pending ones reach the server
	before := len(srv.Requests())
	code, o, e = run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q", "--dimension", "alignment")
	if code != 0 || len(srv.Requests())-before != 2 {
		t.Errorf("online after batch: %d requests; %s %s", len(srv.Requests())-before, o, e)
	}
}

func postJSON(t *testing.T, url string, body []byte) string {
	t.Helper()
	resp, err := httpPost(url, body)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestJudgeOfflineRulesAndOCR(t *testing.T) {
	db, _ := judgeWorkspace(t, nil, 3)
	code, out, e := run(t, "--db", db, "judge", "--backend", "rules", "--queue", "q")
	if code != 0 {
		t.Fatalf("rules: %d %s %s", code, out, e)
	}
	if n := countLabels(t, db, "r.name = 'rules'"); n == 0 {
		t.Errorf("no rules verdicts: %s", out)
	}
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract is not installed")
	}
	code, out, e = run(t, "--db", db, "judge", "--backend", "ocr", "--queue", "q")
	if code != 0 {
		t.Fatalf("ocr: %d %s %s", code, out, e)
	}
	if n := countLabels(t, db, "r.name = 'ocr' AND l.value IS NOT NULL"); n != 3 {
		t.Errorf("%d OCR verdicts, want 3 (the text_rendering generations): %s", n, out)
	}
}

func TestBackendsTest(t *testing.T) {
	srv := judgetest.New(judgetest.Ollama)
	defer srv.Close()
	srv.Answer = func(r *judgetest.Request) string {
		switch {
		case strings.Contains(r.Text, "colour"):
			return "Red."
		case strings.Contains(r.Text, "JSON"):
			return `{"justification": "matches", "score": 9}`
		}
		return "OK"
	}
	_, cfg := judgeWorkspace(t, srv, 1)
	code, out, e := run(t, "backends", "test", "--config", cfg, "emu")
	if code != 0 || strings.Count(out, "ok  ") != 3 {
		t.Errorf("backends test: %d\n%s\n%s", code, out, e)
	}
	srv.SetAnswer(func(*judgetest.Request) string { return "I cannot see images." })
	code, out, _ = run(t, "backends", "test", "--config", cfg, "emu")
	if code != ExitError || !strings.Contains(out, "FAIL image input") || !strings.Contains(out, "FAIL json schema") {
		t.Errorf("backends test, blind model: %d\n%s", code, out)
	}
	code, out, _ = run(t, "backends", "list", "--config", cfg)
	if code != 0 || !strings.Contains(out, "emu") || !strings.Contains(out, "rules") {
		t.Errorf("backends list: %s", out)
	}
}

func httpPost(url string, body []byte) (string, error) {
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	return string(b), err
}

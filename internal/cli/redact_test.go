package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/judge/judgetest"
)

// echoKey is an API key with characters JSON escapes (& < > /), so that a server echoing it puts it in
// the body in several spellings; echoCore is the part every spelling shares.
const (
	echoKey  = "sk-loupe-test-SECRET&k<42>+/=Zq9"
	echoCore = "loupe-test-SECRET"
)

// workspaceBytes is the workspace file and its -wal, -shm and -journal, as stored.
func workspaceBytes(t *testing.T, db string) []byte {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		b, err := os.ReadFile(db + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if len(all) == 0 {
		t.Fatalf("%s: no workspace", db)
	}
	return all
}

// assertNoKey fails when any spelling of the echoed key is in b.
func assertNoKey(t *testing.T, what string, b []byte) {
	t.Helper()
	if i := bytes.Index(b, []byte(echoCore)); i >= 0 {
		lo, hi := max(0, i-60), min(len(b), i+60)
		t.Errorf("%s holds the API key: ...%q...", what, b[lo:hi])
	}
}

// TestJudgeNeverStoresTheKey runs loupe judge against a server that echoes the Authorization header in
// successful verdicts, in an answer that is no verdict, and in an error body: the workspace file, its
// WAL, show-item and the command's own output must hold the key in no spelling.
func TestJudgeNeverStoresTheKey(t *testing.T) {
	t.Setenv("LOUPE_TEST_ECHO_KEY", echoKey)
	srv := judgetest.New(judgetest.OpenAI)
	defer srv.Close()
	srv.Answer = func(r *judgetest.Request) string {
		why, _ := json.Marshal("The sign is legible. Request header: " + r.Auth)
		return fmt.Sprintf(`{"justification": %s, "score": 8}`, why)
	}
	srv.Script = func(n int, r *judgetest.Request) *judgetest.Reply {
		switch n {
		case 3: // no verdict: stored as a failure with its raw text
			return &judgetest.Reply{Content: "I cannot score this. You sent " + r.Auth}
		case 5: // a terminal error whose body echoes the key
			return &judgetest.Reply{Status: 400, ErrMessage: "bad request from " + r.Auth}
		case 6: // the key alone as the justification, in a plain-text verdict
			return &judgetest.Reply{Content: "justification: " + strings.TrimPrefix(r.Auth, "Bearer ") + "\nscore: 6"}
		}
		return nil
	}
	db, cfg := judgeWorkspace(t, srv, 1)
	conf, _ := os.ReadFile(cfg)
	conf = bytes.Replace(conf, []byte(`kind = "vllm"`), []byte("kind = \"openai\"\napi_key_env = \"LOUPE_TEST_ECHO_KEY\""), 1)
	if err := os.WriteFile(cfg, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, e := run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q")
	if code != 0 {
		t.Fatalf("judge: %d %s %s", code, out, e)
	}
	reqs := srv.Requests()
	if len(reqs) == 0 || reqs[0].Auth != "Bearer "+echoKey {
		t.Fatalf("the server did not get the key: %d requests", len(reqs))
	}
	assertNoKey(t, "judge's output", []byte(out+e))
	if n := countLabels(t, db, "l.value IS NOT NULL AND l.justification LIKE '%[redacted]%'"); n == 0 {
		t.Error("no verdict kept its justification with the key redacted")
	}
	if n := countLabels(t, db, "l.value IS NULL"); n < 2 {
		t.Errorf("%d failed verdicts stored, want the unparsable answer and the error", n)
	}
	if n := countRows(t, db, `SELECT count(*) FROM judge_cache`); n == 0 {
		t.Error("no response cached")
	}
	// a rerun answers from the cache and must not bring the key back either
	if code, out, e = run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q"); code != 0 {
		t.Fatalf("rerun: %d %s %s", code, out, e)
	}
	assertNoKey(t, "the workspace", workspaceBytes(t, db))
	items := countRows(t, db, `SELECT count(*) FROM items`)
	for id := 1; id <= items; id++ {
		for _, json := range []bool{false, true} {
			args := []string{"--db", db, "show-item", fmt.Sprint(id)}
			if json {
				args = append([]string{"--json"}, args...)
			}
			code, out, e := run(t, args...)
			if code != 0 {
				t.Fatalf("show-item %d: %d %s", id, code, e)
			}
			assertNoKey(t, fmt.Sprintf("show-item %d (json %v)", id, json), []byte(out+e))
		}
	}
}

// echoInto appends the request's Authorization header to every long string of a JSON answer.
func echoInto(answer, auth string) string {
	var v any
	if json.Unmarshal([]byte(answer), &v) != nil {
		return answer + " " + auth
	}
	var walk func(any) any
	walk = func(x any) any {
		switch x := x.(type) {
		case string:
			if len(x) > 30 {
				return x + " (" + auth + ")"
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			for k := range x {
				x[k] = walk(x[k])
			}
		}
		return x
	}
	b, _ := json.Marshal(walk(v))
	return string(b)
}

// TestPipelineNeverStoresTheKey runs every pipeline step against a server that echoes the
// Authorization header into each answer's texts: the cached responses, the captions, translations and
// labels it stores and its output must not hold the key.
func TestPipelineNeverStoresTheKey(t *testing.T) {
	t.Setenv("LOUPE_TEST_ECHO_KEY", echoKey)
	srv := pipelineServer()
	defer srv.Close()
	answer := srv.Answer
	srv.Answer = func(r *judgetest.Request) string { return echoInto(answer(r), r.Auth) }
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	cfg := filepath.Join(dir, "loupe.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("[backends.local]\nkind = \"vllm\"\nbase_url = %q\nmodel = \"Qwen/Qwen2.5-VL-7B-Instruct\"\nconcurrency = 4\nmax_tokens = 2048\napi_key_env = \"LOUPE_TEST_ECHO_KEY\"\n", srv.BaseURL())), 0o644)
	prompts := filepath.Join(dir, "seeds.txt")
	os.WriteFile(prompts, []byte("a red fox in the snow\nthree blue cubes on a table\n"), 0o644)
	code, out, e := run(t, "--db", db, "pipeline", "run", "--steps", "all", "--prompts", prompts, "--backend", "local", "--config", cfg,
		"--size", "128", "--clarity", "0", "--structure", "0", "--quiet")
	if code != 0 && code != ExitSkipped {
		t.Fatalf("pipeline: %d\n%s\n%s", code, out, e)
	}
	if reqs := srv.Requests(); len(reqs) == 0 || reqs[0].Auth != "Bearer "+echoKey {
		t.Fatalf("the server did not get the key")
	}
	if n := countRows(t, db, `SELECT count(*) FROM texts WHERE body LIKE '%[redacted]%'`); n == 0 {
		t.Error("no stored text kept with the key redacted (did the server echo it?)")
	}
	assertNoKey(t, "pipeline's output", []byte(out+e))
	assertNoKey(t, "the workspace", workspaceBytes(t, db))
	code, out, e = run(t, "--db", db, "--json", "show-item", "1")
	if code != 0 {
		t.Fatalf("show-item: %d %s", code, e)
	}
	assertNoKey(t, "show-item", []byte(out+e))
}

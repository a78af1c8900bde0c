package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/judge/judgetest"
)

// fleetConfig writes a configuration with backend "fleet" over urls (default retries: a down server
// was retried 7 times per request).
func fleetConfig(t *testing.T, urls ...string) string {
	t.Helper()
	q := make([]string, len(urls))
	for i, u := range urls {
		q[i] = fmt.Sprintf("%q", u)
	}
	cfg := filepath.Join(t.TempDir(), "fleet.toml")
	conf := fmt.Sprintf("[backends.fleet]\nkind = \"vllm\"\nbase_urls = [%s]\nmodel = \"Qwen/Qwen2.5-VL-72B-Instruct\"\nconcurrency = 4\ntimeout = \"30s\"\n", strings.Join(q, ", "))
	if len(urls) == 1 {
		conf = strings.Replace(conf, "base_urls = ["+q[0]+"]", "base_url = "+q[0], 1)
	}
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Defect 3: a judge run against a server that is down stops within seconds with a message naming the
// URL (it took minutes: every request retried a refused connection 7 times).
func TestJudgeDownServerFailsFast(t *testing.T) {
	db, _ := judgeWorkspace(t, nil, 2)
	down := judgetest.DownURL()
	cfg := fleetConfig(t, down)
	start := time.Now()
	code, out, e := run(t, "--db", db, "judge", "--config", cfg, "--backend", "fleet", "--queue", "q")
	took := time.Since(start)
	if code != ExitError || !strings.Contains(e, down) || !strings.Contains(e, "refused") {
		t.Errorf("judge against a down server: exit %d\n%s\n%s", code, out, e)
	}
	if took > 20*time.Second { // a hang guard: the circuit gives up after about 8 s
		t.Errorf("took %s", took)
	}
	start = time.Now()
	code, out, e = run(t, "backends", "test", "--config", cfg, "fleet")
	took = time.Since(start)
	if code != ExitError || !strings.Contains(out+e, down) || !strings.Contains(out+e, "refused") {
		t.Errorf("backends test against a down server: exit %d\n%s\n%s", code, out, e)
	}
	if took > 5*time.Second {
		t.Errorf("backends test took %s to say the server is down", took)
	}
}

// A judge backend over a pool: base_urls with a down server among three healthy ones; the run finishes
// on the three and the summary shows each server's requests, failures and latency.
func TestJudgePoolWithDownServer(t *testing.T) {
	var urls []string
	var srvs []*judgetest.Server
	for range 3 {
		s := judgetest.New(judgetest.VLLM)
		defer s.Close()
		srvs = append(srvs, s)
		urls = append(urls, s.BaseURL())
	}
	down := judgetest.DownURL()
	db, _ := judgeWorkspace(t, nil, 2) // 28 tasks
	cfg := fleetConfig(t, append([]string{down}, urls...)...)
	code, out, e := run(t, "--db", db, "judge", "--config", cfg, "--backend", "fleet", "--queue", "q")
	if code != 0 || !strings.Contains(out, "verdicts 28") {
		t.Fatalf("judge over a pool: exit %d\n%s\n%s", code, out, e)
	}
	if !strings.Contains(out, down) || !strings.Contains(out, "DOWN: connection refused") {
		t.Errorf("the summary does not show the down server:\n%s", out)
	}
	for i, s := range srvs {
		n := len(s.Requests())
		if n == 0 || !strings.Contains(out, fmt.Sprintf("%s  requests %d, failures 0, mean ", s.BaseURL(), n)) {
			t.Errorf("server %d (%d requests) not in the summary:\n%s", i, n, out)
		}
	}
	code, out, _ = run(t, "backends", "list", "--config", cfg)
	if code != 0 || !strings.Contains(out, urls[2]) {
		t.Errorf("backends list: %s", out)
	}
}

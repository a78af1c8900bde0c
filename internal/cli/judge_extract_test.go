package cli

import (
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/judge/judgetest"
)

// #17.13: --parse extract rescues verdicts wrapped in prose, marks them, and is its own rater; the
// official run and report are untouched unless asked. Answers come from the cache: no request twice.
func TestJudgeParseExtract(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	srv.Script = func(n int, _ *judgetest.Request) *judgetest.Reply {
		if n%4 == 0 {
			return &judgetest.Reply{Content: "Here is my verdict:\n{\"justification\": \"the sign is legible\", \"score\": 7}\nThanks!"}
		}
		return nil
	}
	db, cfg := judgeWorkspace(t, srv, 2)
	code, out, e := run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q", "--quiet")
	if code != ExitSkipped && code != 0 {
		t.Fatalf("official: %d %s %s", code, out, e)
	}
	failed := countRows(t, db, `SELECT count(*) FROM labels WHERE value IS NULL`)
	if failed == 0 {
		t.Fatal("no verdict failed the official parse")
	}
	sent := len(srv.Requests())
	code, out, e = run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q", "--quiet", "--parse", "extract")
	if code != 0 || !strings.Contains(out, "parse=extract") {
		t.Fatalf("extract: %d %s %s", code, out, e)
	}
	if got := len(srv.Requests()) - sent; got != 0 {
		t.Errorf("the extract run sent %d requests (the answers are cached)", got)
	}
	if n := countRows(t, db, `SELECT count(*) FROM label_parse WHERE mode = 'extract'`); n != failed {
		t.Errorf("%d verdicts marked extracted, %d failed the official parse", n, failed)
	}
	if n := countRows(t, db, `SELECT count(*) FROM labels l JOIN raters r ON r.id = l.rater_id WHERE r.name LIKE '%parse=extract%' AND l.value IS NULL`); n != 0 {
		t.Errorf("%d verdicts still failed with extract", n)
	}
	code, out, _ = run(t, "--db", db, "bench", "report")
	if code != 0 || strings.Contains(out, "parse=extract") {
		t.Errorf("the official report shows the extract judge: %d\n%s", code, out)
	}
	code, out, _ = run(t, "--db", db, "bench", "report", "--parse", "extract")
	if code != 0 || !strings.Contains(out, "parse=extract") || !strings.Contains(out, "/ loupe-v1@") {
		t.Errorf("report --parse extract: %d\n%s", code, out)
	}
	if code, _, _ := run(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q", "--parse", "loose"); code != 2 {
		t.Errorf("--parse loose: exit %d", code)
	}
}

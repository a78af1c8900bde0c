package cli

import (
	"fmt"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/judge/judgetest"
)

// #17.6: a run killed with -9 is not left 'running' with 0 counts: `loupe runs` shows it interrupted
// with the verdicts it stored, and the next run records it so; a double Ctrl-C is not recorded 'done'.
func TestJudgeRunRecordsAfterKillAndDoubleCtrlC(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	const first = 5
	srv.Script = func(n int, _ *judgetest.Request) *judgetest.Reply {
		if n > first {
			return &judgetest.Reply{Hang: true}
		}
		return nil
	}
	db, cfg := judgeWorkspace(t, srv, 2)
	cmd := child(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q", "--quiet")
	waitUntil(t, "the first answers to be stored", func() bool { return countLabels(t, db, "1") == first })
	cmd.Process.Kill()
	cmd.Wait()
	if n := countRows(t, db, `SELECT count(*) FROM runs WHERE status = 'running' AND verdicts = 0`); n != 1 {
		t.Fatalf("%d runs left running with 0 verdicts (the killed one)", n)
	}

	// a second run, interrupted twice while its requests hang
	cmd = child(t, "--db", db, "judge", "--config", cfg, "--backend", "emu", "--queue", "q", "--quiet")
	waitUntil(t, "requests in flight", func() bool { return len(srv.Requests()) > first+4 })
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
		t.Fatalf("exit after a double Ctrl-C: %v", err)
	}
	if n := countRows(t, db, `SELECT count(*) FROM runs WHERE status = 'done'`); n != 0 {
		t.Errorf("%d runs recorded done", n)
	}
	if n := countRows(t, db, fmt.Sprintf(`SELECT count(*) FROM runs r JOIN run_processes p ON p.run_id = r.id WHERE p.interrupted = 1 AND r.verdicts = %d`, first)); n != 1 {
		t.Errorf("the killed run is not recorded interrupted with its %d verdicts", first)
	}
	if n := countRows(t, db, `SELECT count(*) FROM runs r LEFT JOIN run_processes p ON p.run_id = r.id WHERE coalesce(p.interrupted, 0) = 0`); n != 0 {
		t.Errorf("%d runs not recorded interrupted", n)
	}
}

package cli

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/loupe-dev/loupe/store"
)

// #17.6: a run left running by a process that died shows as interrupted in `loupe runs` (which writes
// nothing) and is recorded so when the next run starts.
func TestRunsListsAndRecordsInterruptedRuns(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.db")
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.StartRun(ctx, "judge", "local", "m", "", "")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	st.DB.Exec(`UPDATE run_processes SET pid = ? WHERE run_id = ?`, cmd.Process.Pid, id)
	st.Close()
	list := func() []store.RunRow {
		t.Helper()
		code, out, e := run(t, "--db", db, "runs", "--json")
		var rs []store.RunRow
		if code != 0 || json.Unmarshal([]byte(out), &rs) != nil {
			t.Fatalf("runs: %d %s %s", code, out, e)
		}
		return rs
	}
	if rs := list(); len(rs) != 1 || rs[0].Status != "interrupted" {
		t.Fatalf("runs: %+v", rs)
	}
	if n := countRows(t, db, `SELECT count(*) FROM runs WHERE status = 'running'`); n != 1 {
		t.Fatalf("loupe runs wrote the workspace: %d running", n)
	}
	st, _ = store.Open(ctx, db)
	if _, err := st.StartRun(ctx, "judge", "local", "m", "", ""); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if n := countRows(t, db, `SELECT count(*) FROM runs r JOIN run_processes p ON p.run_id = r.id WHERE p.interrupted = 1 AND r.finished_at IS NOT NULL`); n != 1 {
		t.Errorf("%d runs recorded interrupted", n)
	}
	if code, _, _ := run(t, "--db", db, "runs", "--limit", "-1"); code != 2 {
		t.Errorf("--limit -1: exit %d", code)
	}
}

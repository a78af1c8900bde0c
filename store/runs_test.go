package store_test

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
)

// #17.6: a run left 'running' by a process that died is marked 'interrupted' at the next start, with
// the counts its verdicts give; a run of a live process is left alone.
func TestReapRunsOfDeadProcesses(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	dead, err := st.StartRun(ctx, "judge", "b", "m", "", "h")
	if err != nil {
		t.Fatal(err)
	}
	live, err := st.StartRun(ctx, "judge", "b", "m", "", "h")
	if err != nil {
		t.Fatal(err)
	}
	// a process that has exited: its pid is free
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	host, _ := os.Hostname()
	if _, err := st.DB.Exec(`UPDATE run_processes SET pid = ?, host = ? WHERE run_id = ?`, cmd.Process.Pid, host, dead); err != nil {
		t.Fatal(err)
	}
	sub, err := store.EnsureSubset(ctx, st.DB, "s", "benchmark")
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: "a", Kind: review.Generation, SubsetID: sub})
	if err != nil {
		t.Fatal(err)
	}
	rater, err := store.EnsureRater(ctx, st.DB, "judge", "judge:m", "m", "h")
	if err != nil {
		t.Fatal(err)
	}
	v := 7.0
	if err := st.SaveVerdicts(ctx, []review.Verdict{
		{ItemID: id, Dimension: "prism_alignment", RaterID: rater, RunID: dead, Value: &v},
		{ItemID: id, Dimension: "prism_aesthetics", RaterID: rater, RunID: dead, Error: "not a JSON object"},
	}); err != nil {
		t.Fatal(err)
	}
	n, err := st.ReapRuns(ctx)
	if err != nil || n != 1 {
		t.Fatalf("reaped %d, %v", n, err)
	}
	runs, err := st.Runs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]store.RunRow{}
	for _, r := range runs {
		got[r.ID] = r
	}
	if r := got[dead]; r.Status != "interrupted" || r.Verdicts != 1 || r.Failed != 1 || r.FinishedAt == "" {
		t.Errorf("dead run: %+v", r)
	}
	if r := got[live]; r.Status != "running" {
		t.Errorf("live run: %+v", r)
	}
}

package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// TestKill9LosesNothingAcknowledged runs a child process that decides items and prints "ack N" after
// each decision returns, kills it with SIGKILL mid-stream, and checks every acknowledged decision is in
// the workspace.
func TestKill9LosesNothingAcknowledged(t *testing.T) {
	if path := os.Getenv("LOUPE_KILL_CHILD_DB"); path != "" {
		killChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "k.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var cands []review.Candidate
	for i := range 2000 {
		id, _, _ := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: fmt.Sprint("k", i), Kind: review.Sample, Scores: review.NoScores})
		cands = append(cands, review.Candidate{ID: id})
	}
	if _, err := st.CreateQueue(ctx, store.QueueSpec{Name: "q", Strategy: "random"}, cands); err != nil {
		t.Fatal(err)
	}
	st.Close()

	cmd := exec.Command(os.Args[0], "-test.run", "^TestKill9LosesNothingAcknowledged$")
	cmd.Env = append(os.Environ(), "LOUPE_KILL_CHILD_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked, _ = strconv.Atoi(n)
			if acked >= 150 {
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	cmd.Wait()
	if acked < 150 {
		t.Fatalf("child acknowledged only %d decisions", acked)
	}
	st, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ses, err := st.OpenSession(ctx, "q", "killed")
	if err != nil {
		t.Fatal(err)
	}
	done, err := ses.Decided(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= acked; i++ {
		if !done[i] {
			t.Fatalf("decision %d was acknowledged before the kill but is not in the workspace", i)
		}
	}
	if pos, _ := ses.Resume(ctx); pos < acked+1 {
		t.Fatalf("resume at %d, before the last acknowledged %d", pos, acked)
	}
}

func killChild(path string) {
	st, err := store.Open(context.Background(), path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	ses, err := st.OpenSession(context.Background(), "q", "killed")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for i, item := range ses.Items {
		if _, err := ses.Decide(context.Background(), item, i%2 == 0, ""); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Printf("ack %d\n", i)
	}
	os.Exit(0)
}

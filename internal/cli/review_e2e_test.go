package cli

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// e2eWorkspace builds the loupe binary and a small workspace with queue "q" of 12 items.
func e2eWorkspace(t *testing.T) (bin, db string) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	bin = filepath.Join(dir, "loupe")
	build := exec.Command("go", "build", "-o", bin, "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db = filepath.Join(dir, "w.db")
	shards := filepath.Join(dir, "shards")
	for _, args := range [][]string{
		{"demo", "gen", "--out", shards, "--shards", "1", "--rows", "12", "--image-size", "64", "--row-groups", "2", "--subset", "text"},
		{"--db", db, "import", shards, "-q"},
		{"--db", db, "sample", "--name", "q", "--n", "12", "--seed", "1"},
	} {
		if code, _, e := run(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, e)
		}
	}
	return bin, db
}

type tmuxSession struct {
	t    *testing.T
	name string
}

func startTmux(t *testing.T, name string, args ...string) *tmuxSession {
	t.Helper()
	cmd := append([]string{"new-session", "-d", "-x", "120", "-y", "40", "-s", name}, strings.Join(args, " "))
	if out, err := exec.Command("tmux", cmd...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	s := &tmuxSession{t, name}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", name).Run() })
	return s
}

func (s *tmuxSession) keys(keys ...string) {
	for _, k := range keys {
		exec.Command("tmux", "send-keys", "-t", s.name, k).Run()
		time.Sleep(150 * time.Millisecond)
	}
}

// waitFor polls the pane until it shows text.
func (s *tmuxSession) waitFor(text string) string {
	s.t.Helper()
	var pane []byte
	for range 50 {
		pane, _ = exec.Command("tmux", "capture-pane", "-p", "-t", s.name).Output()
		if strings.Contains(string(pane), text) {
			return string(pane)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("the screen never showed %q:\n%s", text, pane)
	return ""
}

func decisions(t *testing.T, db, annotator string) (accepts, rejects, undos int) {
	t.Helper()
	h, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	q := `SELECT coalesce(sum(h.value = 1), 0), coalesce(sum(h.value = 0), 0),
		(SELECT count(*) FROM events e JOIN annotators a2 ON a2.id = e.annotator_id WHERE a2.name = ?1 AND e.kind = 'undo')
		FROM human_current h JOIN annotators a ON a.id = h.annotator_id WHERE a.name = ?1 AND h.dimension_id = 12`
	if err := h.QueryRow(q, annotator).Scan(&accepts, &rejects, &undos); err != nil {
		t.Fatal(err)
	}
	return
}

// TestReviewInTmux drives the real binary in tmux: accept, reject, undo, quit; then reads the workspace.
func TestReviewInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives tmux")
	}
	bin, db := e2eWorkspace(t)
	s := startTmux(t, "loupe-e2e-1", bin, "--db", db, "review", "--queue", "q", "--annotator", "tess", "--protocol", "blocks")
	s.waitFor("tess")
	s.keys("a")
	s.waitFor("2/12")
	s.keys("x")
	s.waitFor("3/12")
	s.keys("a", "U") // U walks back to the latest change, on the previous item
	s.waitFor("3/12")
	s.keys("q")
	time.Sleep(300 * time.Millisecond)
	acc, rej, undos := decisions(t, db, "tess")
	if acc != 1 || rej != 1 || undos != 1 {
		t.Fatalf("workspace: %d accepted, %d rejected, %d undos; want 1, 1, 1", acc, rej, undos)
	}
	// Reopening resumes after the last item decided.
	s2 := startTmux(t, "loupe-e2e-2", bin, "--db", db, "review", "--queue", "q", "--annotator", "tess", "--protocol", "blocks")
	s2.waitFor("3/12")
}

// TestTwoAnnotatorsAtOnce: two review processes on one workspace, deciding at the same time.
func TestTwoAnnotatorsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives tmux")
	}
	bin, db := e2eWorkspace(t)
	a := startTmux(t, "loupe-e2e-a", bin, "--db", db, "review", "--queue", "q", "--annotator", "ana", "--protocol", "blocks")
	b := startTmux(t, "loupe-e2e-b", bin, "--db", db, "review", "--queue", "q", "--annotator", "ben", "--protocol", "blocks")
	a.waitFor("ana")
	b.waitFor("ben")
	for range 5 {
		a.keys("a")
		b.keys("x")
	}
	a.waitFor("6/12")
	b.waitFor("6/12")
	a.keys("q")
	b.keys("q")
	time.Sleep(300 * time.Millisecond)
	if acc, _, _ := decisions(t, db, "ana"); acc != 5 {
		t.Errorf("ana: %d accepted, want 5", acc)
	}
	if _, rej, _ := decisions(t, db, "ben"); rej != 5 {
		t.Errorf("ben: %d rejected, want 5", rej)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatal(err)
	}
}

// TestReviewKill9 kills the review process with SIGKILL after three acknowledged decisions: all three
// are in the workspace, and reopening resumes after them.
func TestReviewKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives tmux")
	}
	if _, err := exec.LookPath("pgrep"); err != nil {
		t.Skip("pgrep is not installed")
	}
	bin, db := e2eWorkspace(t)
	s := startTmux(t, "loupe-e2e-k", bin, "--db", db, "review", "--queue", "q", "--annotator", "kim", "--protocol", "blocks")
	s.waitFor("kim")
	s.keys("a", "x", "a")
	s.waitFor("4/12")
	out, err := exec.Command("pgrep", "-f", db+" review").Output()
	if err != nil {
		t.Fatalf("pgrep: %v", err)
	}
	for _, pid := range strings.Fields(string(out)) {
		exec.Command("kill", "-9", pid).Run()
	}
	time.Sleep(300 * time.Millisecond)
	acc, rej, _ := decisions(t, db, "kim")
	if acc != 2 || rej != 1 {
		t.Fatalf("after kill -9: %d accepted, %d rejected; want 2 and 1", acc, rej)
	}
	s2 := startTmux(t, "loupe-e2e-k2", bin, "--db", db, "review", "--queue", "q", "--annotator", "kim", "--protocol", "blocks")
	s2.waitFor("4/12")
}

// TestReviewKeysAt20PerSecond (#15.5): keys typed at 20 per second while pictures load and decisions
// save all land, in order.
func TestReviewKeysAt20PerSecond(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives tmux")
	}
	bin, db := e2eWorkspace(t)
	s := startTmux(t, "loupe-e2e-fast", bin, "--db", db, "review", "--queue", "q", "--annotator", "fay", "--protocol", "blocks")
	s.waitFor("fay")
	for _, k := range []string{"a", "a", "j", "a", "x", "a", "j", "j", "a"} {
		exec.Command("tmux", "send-keys", "-t", s.name, k).Run()
		time.Sleep(50 * time.Millisecond)
	}
	s.waitFor("10/12")
	s.keys("q")
	time.Sleep(300 * time.Millisecond)
	if acc, rej, _ := decisions(t, db, "fay"); acc != 5 || rej != 1 {
		t.Fatalf("%d accepted, %d rejected; want 5 and 1", acc, rej)
	}
}

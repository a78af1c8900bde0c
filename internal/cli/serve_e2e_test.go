package cli

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sshE2E is a loupe serve process on the e2e workspace with keys for ana and ben (in the annotators
// file) and eve (not), driven with Debian's ssh client.
type sshE2E struct {
	t                 *testing.T
	bin, db, dir, log string
	port              string
	srv               *exec.Cmd
}

func newSSHE2E(t *testing.T) *sshE2E {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and drives ssh in tmux")
	}
	for _, tool := range []string{"ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " (openssh-client) is not installed")
		}
	}
	bin, db := e2eWorkspace(t)
	e := &sshE2E{t: t, bin: bin, db: db, dir: filepath.Dir(db)}
	var team strings.Builder
	for _, name := range []string{"ana", "ben", "eve"} {
		key := filepath.Join(e.dir, "id_"+name)
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name+"@laptop", "-f", key).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
		if name == "eve" {
			continue
		}
		pub, err := os.ReadFile(key + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&team, "%s %s", name, pub)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "team.keys"), []byte(team.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, e.port, _ = net.SplitHostPort(l.Addr().String())
	l.Close()
	e.start()
	return e
}

// start runs the server and waits until it listens.
func (e *sshE2E) start() {
	e.t.Helper()
	e.log = filepath.Join(e.dir, fmt.Sprintf("serve-%d.log", time.Now().UnixNano()))
	logf, err := os.Create(e.log)
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv = exec.Command(e.bin, "--db", e.db, "serve", "--addr", "127.0.0.1:"+e.port, "--annotators", filepath.Join(e.dir, "team.keys"),
		"--host-key", filepath.Join(e.dir, "host_ed25519"), "--protocol", "blocks")
	e.srv.Stdout, e.srv.Stderr = logf, logf
	if err := e.srv.Start(); err != nil {
		e.t.Fatal(err)
	}
	srv := e.srv
	e.t.Cleanup(func() { srv.Process.Kill(); srv.Wait(); logf.Close() })
	for range 100 {
		if c, err := net.Dial("tcp", "127.0.0.1:"+e.port); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, _ := os.ReadFile(e.log)
	e.t.Fatalf("loupe serve does not listen:\n%s", out)
}

// ssh is the client's command line for a key, with extra options and a remote command.
func (e *sshE2E) ssh(who string, extra ...string) []string {
	args := []string{"ssh", "-F", "/dev/null", "-i", filepath.Join(e.dir, "id_"+who), "-p", e.port,
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
		"-o", "BatchMode=yes", "-o", "LogLevel=ERROR"}
	args = append(args, extra...)
	return append(args, who+"@127.0.0.1")
}

// review opens who's session in a tmux window; the pane says SSH-EXITED when ssh ends.
func (e *sshE2E) review(who, session string) *tmuxSession {
	e.t.Helper()
	cmd := "TERM=xterm-256color " + strings.Join(e.ssh(who, "-tt"), " ") + "; echo SSH-EXITED $?; sleep 60"
	s := startTmux(e.t, session, "sh", "-c", "'"+cmd+"'")
	s.waitFor("Choose a queue")
	s.keys("Enter")
	s.waitFor("/12")
	return s
}

var leasedItem = regexp.MustCompile(`(text-\d{8}) sample .*lease · overlap 2`)

func (s *tmuxSession) item() string {
	s.t.Helper()
	m := leasedItem.FindStringSubmatch(s.waitFor("lease · overlap 2"))
	return m[1]
}

// TestServeInTmux drives loupe serve with the real ssh client in tmux: two annotators with their own
// keys on a queue with overlap 2 get different items, every event carries the key's name, no item goes
// past 2 decisions; an unknown key, a command and a port forward are refused; after kill -9 of the
// server no acknowledged decision is lost, the clients see the connection close, and a restart
// resumes.
func TestServeInTmux(t *testing.T) {
	e := newSSHE2E(t)
	if code, _, errb := run(t, "--db", e.db, "queue", "overlap", "q", "2"); code != 0 {
		t.Fatal(errb)
	}
	ana := e.review("ana", "loupe-serve-ana")
	ben := e.review("ben", "loupe-serve-ben")
	if a, b := ana.item(), ben.item(); a == b {
		t.Fatalf("ana and ben were both handed %s", a)
	}
	for i := 1; i <= 3; i++ {
		ana.keys("a")
		ana.waitFor(fmt.Sprintf("✓%d ✗0", i))
		ben.keys("x")
		ben.waitFor(fmt.Sprintf("✓0 ✗%d", i))
	}

	// Refusals, with the real client.
	out, err := exec.Command(e.ssh("eve", "-T")[0], append(e.ssh("eve", "-T")[1:], "true")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Permission denied") {
		t.Errorf("an unknown key: err %v, output %q", err, out)
	}
	args := e.ssh("ana")
	out, err = exec.Command(args[0], append(args[1:], "ls")...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "commands are not allowed") {
		t.Errorf("ssh host ls: err %v, output %q", err, out)
	}
	args = e.ssh("ana", "-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:127.0.0.1:9")
	fwd := exec.Command(args[0], args[1:]...)
	done := make(chan []byte, 1)
	go func() { out, _ := fwd.CombinedOutput(); done <- out }()
	select {
	case out := <-done:
		if !strings.Contains(string(out), "forwarding failed") {
			t.Errorf("ssh -R: %q", out)
		}
	case <-time.After(10 * time.Second):
		fwd.Process.Kill()
		t.Error("ssh -R was not refused")
	}

	// kill -9: the three acknowledged decisions of each are stored; the clients see the end.
	if err := e.srv.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	e.srv.Wait()
	ana.waitFor("SSH-EXITED")
	ben.waitFor("SSH-EXITED")
	if acc, rej, _ := decisions(t, e.db, "ana"); acc != 3 || rej != 0 {
		t.Fatalf("ana: %d accepted, %d rejected after kill -9; the screen acknowledged 3 accepts", acc, rej)
	}
	if acc, rej, _ := decisions(t, e.db, "ben"); acc != 0 || rej != 3 {
		t.Fatalf("ben: %d accepted, %d rejected after kill -9; the screen acknowledged 3 rejects", acc, rej)
	}
	if n := countQuery(t, e.db, `SELECT count(*) FROM (SELECT item_id FROM human_current WHERE dimension_id = 12 GROUP BY item_id HAVING count(*) > 2)`); n != 0 {
		t.Fatalf("%d items past 2 decisions", n)
	}
	if n := countQuery(t, e.db, `SELECT count(*) FROM events e JOIN annotators a ON a.id = e.annotator_id WHERE a.name NOT IN ('ana', 'ben')`); n != 0 {
		t.Fatalf("%d events under another name", n)
	}

	// Restart: ana goes on where she was, with her 3 decisions.
	e.start()
	again := e.review("ana", "loupe-serve-ana2")
	again.waitFor("✓3 ✗0")
	again.keys("a")
	again.waitFor("✓4 ✗0")
	again.keys("q", "q")
	again.waitFor("SSH-EXITED 0")
	// SIGTERM: the session is told and ends, the server exits 0.
	last := e.review("ben", "loupe-serve-ben2")
	if err := e.srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	last.waitFor("the server is shutting down")
	last.waitFor("SSH-EXITED")
	if err := e.srv.Wait(); err != nil {
		t.Fatalf("loupe serve after SIGTERM: %v", err)
	}
	logText, _ := os.ReadFile(e.log)
	for _, want := range []string{"event=end name=ana", "decisions=1", "event=end name=ben", "reason=shutdown", "event=stopped"} {
		if !strings.Contains(string(logText), want) {
			t.Fatalf("the log lacks %q:\n%s", want, logText)
		}
	}
}

func countQuery(t *testing.T, db, q string) int {
	t.Helper()
	h, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var n int
	if err := h.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

package serve_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/internal/cli"
	"github.com/loupe-dev/loupe/internal/serve"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/tui"
	"github.com/loupe-dev/loupe/workspace"
	gossh "golang.org/x/crypto/ssh"
)

// fixture is a workspace with queue "q" of 12 items served on loopback, and two keys: ana's (in the
// annotators file) and a stranger's.
type fixture struct {
	dir, db, addr     string
	ana, stranger     gossh.Signer
	anaKey, strangerK ed25519.PrivateKey
	hostKey           string
}

func newKey(t *testing.T) (gossh.Signer, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, priv
}

func authorized(s gossh.Signer) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey())))
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir()}
	f.db = filepath.Join(f.dir, "w.db")
	shards := filepath.Join(f.dir, "shards")
	for _, args := range [][]string{
		{"demo", "gen", "--out", shards, "--shards", "1", "--rows", "12", "--image-size", "32", "--row-groups", "2", "--subset", "text"},
		{"--db", f.db, "import", shards, "-q"},
		{"--db", f.db, "sample", "--name", "q", "--n", "12", "--seed", "1"},
	} {
		var out, errb bytes.Buffer
		if code := cli.Main(args, &out, &errb); code != 0 {
			t.Fatalf("%v: %s", args, errb.String())
		}
	}
	f.ana, f.anaKey = newKey(t)
	f.stranger, f.strangerK = newKey(t)
	keys := filepath.Join(f.dir, "team.keys")
	if err := os.WriteFile(keys, []byte("# the team\nana "+authorized(f.ana)+" ana@laptop queues=q\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws := workspace.New(st)
	f.hostKey = filepath.Join(f.dir, "host_ed25519")
	var logMu sync.Mutex
	srv, err := serve.New(serve.Options{
		HostKey:       f.hostKey,
		Annotators:    keys,
		DefaultQueue:  ws.DefaultQueue,
		Protocol:      termimg.Blocks,
		DetectTimeout: 50 * time.Millisecond,
		Open: func(ctx context.Context, annotator, queue string) (tui.Config, error) {
			ses, err := ws.OpenSession(ctx, queue, annotator)
			if err != nil {
				return tui.Config{}, err
			}
			return tui.Config{Session: ses, Start: -1, Lease: true}, nil
		},
		Logf: func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			t.Logf(format, args...)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = l.Addr().String()
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	t.Cleanup(func() { srv.Close(); l.Close(); <-done })
	return f
}

func (f *fixture) dial(t *testing.T, user string, key gossh.Signer) (*gossh.Client, error) {
	t.Helper()
	return gossh.Dial("tcp", f.addr, &gossh.ClientConfig{
		User:            user,
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
}

func (f *fixture) client(t *testing.T) *gossh.Client {
	t.Helper()
	c, err := f.dial(t, "mallory", f.ana) // the ssh user name is not the annotator's name
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// events counts the events of kind 'set' recorded under an annotator's name.
func events(t *testing.T, db, annotator string) int {
	t.Helper()
	h, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var n int
	if err := h.QueryRow(`SELECT count(*) FROM events e JOIN annotators a ON a.id = e.annotator_id WHERE a.name = ? AND e.kind = 'set'`, annotator).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHostKeyCreated(t *testing.T) {
	f := newFixture(t)
	st, err := os.Stat(f.hostKey)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v, want 0600", st.Mode().Perm())
	}
}

func TestUnknownKeyRefused(t *testing.T) {
	f := newFixture(t)
	c, err := f.dial(t, "ana", f.stranger)
	if err == nil {
		c.Close()
		t.Fatal("a key not in the annotators file was let in")
	}
	if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("error %v", err)
	}
}

func TestExecRefused(t *testing.T) {
	f := newFixture(t)
	s, err := f.client(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.CombinedOutput("ls")
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() == 0 {
		t.Fatalf("exec: err %v, output %q", err, out)
	}
	if !strings.Contains(string(out), "commands are not allowed") {
		t.Errorf("exec output %q", out)
	}
}

func TestPortForwardAndSubsystemRefused(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	if conn, err := c.Dial("tcp", f.addr); err == nil { // local forward (-L)
		conn.Close()
		t.Error("direct-tcpip channel accepted")
	}
	if l, err := c.Listen("tcp", "127.0.0.1:0"); err == nil { // remote forward (-R)
		l.Close()
		t.Error("tcpip-forward accepted")
	}
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RequestSubsystem("sftp"); err == nil {
		t.Error("sftp subsystem accepted")
	}
	s2, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Shell(); err != nil { // a shell without a pty: refused with a message
		t.Fatal(err)
	}
	if err := s2.Wait(); err == nil {
		t.Error("a session without a terminal ran")
	}
}

// screen accumulates a session's output, without escape sequences.
type screen struct {
	mu  sync.Mutex
	raw bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.Write(p)
}

func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.raw.String())
}

func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(s.text(), want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the screen never showed %q:\n%s", want, s.text())
}

func TestReviewOverSSH(t *testing.T) {
	f := newFixture(t)
	s, err := f.client(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	var scr screen
	s.Stdout = &scr
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	scr.waitFor(t, "ana")
	scr.waitFor(t, "1/12")
	if _, err := io.WriteString(in, "a"); err != nil {
		t.Fatal(err)
	}
	scr.waitFor(t, "2/12")
	deadline := time.Now().Add(5 * time.Second)
	for events(t, f.db, "ana") == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := events(t, f.db, "ana"); n != 1 {
		t.Fatalf("%d decisions under ana, want 1", n)
	}
	if n := events(t, f.db, "mallory"); n != 0 {
		t.Fatalf("%d decisions under the ssh user name", n)
	}
	io.WriteString(in, "q")
	done := make(chan error, 1)
	go func() { done <- s.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the session did not end after q")
	}
}

// TestOpenSSHClient drives Debian's ssh binary: exec refused with a message, and the review screen
// shown in a pty (ssh -tt).
func TestOpenSSHClient(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("ssh (openssh-client) is not installed")
	}
	f := newFixture(t)
	keyFile := filepath.Join(f.dir, "id_ana")
	blk, err := gossh.MarshalPrivateKey(f.anaKey, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(f.addr)
	ssh := func(ctx context.Context, args ...string) *exec.Cmd {
		base := []string{"-F", "/dev/null", "-i", keyFile, "-p", port, "-o", "StrictHostKeyChecking=no",
			"-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR"}
		return exec.CommandContext(ctx, "ssh", append(append(base, args...), "ana@"+host)...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// ssh host ls: refused.
	cmd := ssh(ctx)
	cmd.Args = append(cmd.Args, "ls")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "commands are not allowed") {
		t.Fatalf("ssh host ls: err %v, output %q", err, out)
	}
	// ssh -tt: the review screen; q quits.
	cmd = ssh(ctx, "-tt")
	var scr screen
	cmd.Stdout, cmd.Stderr = &scr, &scr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scr.waitFor(t, "1/12")
	io.WriteString(stdin, "a")
	scr.waitFor(t, "2/12")
	io.WriteString(stdin, "q")
	if err := cmd.Wait(); err != nil {
		t.Logf("ssh: %v", err)
	}
	if n := events(t, f.db, "ana"); n != 1 {
		t.Fatalf("%d decisions under ana, want 1", n)
	}
}

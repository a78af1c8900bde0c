package serve_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
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

// fixture is a workspace with queue "q" of 12 items served on loopback, and keys: ana's (queues=q),
// ben's (any queue), lea's (role=lead), all in the annotators file, and a stranger's.
type fixture struct {
	dir, db, addr     string
	ana, stranger     gossh.Signer
	ben, lea          gossh.Signer
	anaKey, strangerK ed25519.PrivateKey
	hostKey           string
	srv               *serve.Server
	ws                *workspace.Workspace
	logMu             sync.Mutex
	log               []string
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

func loupe(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := cli.Main(args, &out, &errb); code != 0 {
		t.Fatalf("%v: %s", args, errb.String())
	}
	return out.String()
}

// newFixture starts the server; setup may change its options (and the workspace, through f.db) first.
func newFixture(t *testing.T, setup ...func(f *fixture, o *serve.Options)) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir()}
	f.db = filepath.Join(f.dir, "w.db")
	shards := filepath.Join(f.dir, "shards")
	loupe(t, "demo", "gen", "--out", shards, "--shards", "1", "--rows", "12", "--image-size", "32", "--row-groups", "2", "--subset", "text")
	loupe(t, "--db", f.db, "import", shards, "-q")
	loupe(t, "--db", f.db, "sample", "--name", "q", "--n", "12", "--seed", "1")
	f.ana, f.anaKey = newKey(t)
	f.stranger, f.strangerK = newKey(t)
	f.ben, _ = newKey(t)
	f.lea, _ = newKey(t)
	keys := filepath.Join(f.dir, "team.keys")
	team := "# the team\nana " + authorized(f.ana) + " ana@laptop queues=q\nben " + authorized(f.ben) + "\nlea " + authorized(f.lea) + " role=lead\n"
	if err := os.WriteFile(keys, []byte(team), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ws := workspace.New(st)
	f.ws = ws
	f.hostKey = filepath.Join(f.dir, "host_ed25519")
	o := serve.Options{
		HostKey:       f.hostKey,
		Annotators:    keys,
		Workspace:     ws,
		Protocol:      termimg.Blocks,
		DetectTimeout: 50 * time.Millisecond,
		Open: func(ctx context.Context, who serve.Annotator, queue string) (tui.Config, error) {
			ses, err := ws.OpenSession(ctx, queue, who.Name)
			if err != nil {
				return tui.Config{}, err
			}
			return tui.Config{Session: ses, Start: -1, Lease: true}, nil
		},
		Logf: func(format string, args ...any) {
			f.logMu.Lock()
			defer f.logMu.Unlock()
			line := fmt.Sprintf(format, args...)
			f.log = append(f.log, line)
			t.Log(line)
		},
	}
	for _, fn := range setup {
		fn(f, &o)
	}
	srv, err := serve.New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
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

// logged waits for a server log line holding every one of want.
func (f *fixture) logged(t *testing.T, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		f.logMu.Lock()
		for _, l := range f.log {
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(l, w)
			}
			if ok {
				f.logMu.Unlock()
				return l
			}
		}
		f.logMu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	f.logMu.Lock()
	defer f.logMu.Unlock()
	t.Fatalf("no log line with %q in:\n%s", want, strings.Join(f.log, "\n"))
	return ""
}

// term is an interactive session: a pty shell and what the screen showed.
type term struct {
	s    *gossh.Session
	scr  *screen
	in   io.Writer
	w, h int
}

// shell opens the review server's screen with key, as user, on a w x h terminal.
func (f *fixture) shell(t *testing.T, key gossh.Signer, w, h int) *term {
	t.Helper()
	c, err := f.dial(t, "someone", key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	tm := &term{s: s, scr: &screen{}, w: w, h: h}
	s.Stdout, s.Stderr = tm.scr, tm.scr
	if tm.in, err = s.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	return tm
}

// see waits until the screen shows want: in the output as it came, or in a full repaint, which a
// change of the window's width forces (bubbletea sends only the changed cells of a frame).
func (tm *term) see(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		mark := tm.scr.mark()
		if err := tm.s.WindowChange(tm.h, tm.w+i%2); err != nil {
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond)
		if strings.Contains(tm.scr.since(mark), want) {
			return
		}
	}
	t.Fatalf("the screen never showed %q:\n%s", want, tm.scr.text())
}

func (tm *term) keys(t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, err := io.WriteString(tm.in, k); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// wait waits for the session to end.
func (tm *term) wait(t *testing.T) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- tm.s.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("the session did not end:\n%s", tm.scr.text())
	}
	return nil
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

// mark is a place in the output; since returns what came after it.
func (s *screen) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.Len()
}

func (s *screen) since(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.raw.String()[n:])
}

func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
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
	scr.waitFor(t, "Choose a queue")
	io.WriteString(in, "\r")
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
	mark := scr.mark()
	io.WriteString(in, "q") // back to the start screen
	for !strings.Contains(scr.since(mark), "YOURS") {
		time.Sleep(20 * time.Millisecond)
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
	scr.waitFor(t, "Choose a queue")
	io.WriteString(stdin, "\r")
	scr.waitFor(t, "1/12")
	io.WriteString(stdin, "a")
	scr.waitFor(t, "2/12")
	io.WriteString(stdin, "qq") // typed at once: the second q reaches the start screen (no key lost between screens)
	ended := make(chan error, 1)
	go func() { ended <- cmd.Wait() }()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("ssh: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("q q did not end the session:\n%s", scr.text())
	}
	if n := events(t, f.db, "ana"); n != 1 {
		t.Fatalf("%d decisions under ana, want 1", n)
	}
}

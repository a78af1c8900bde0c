// Package serve serves the review screen over SSH (loupe serve): one process, one workspace, every
// session an annotator identified by their public key. Nothing but a pty session running the review
// screen is offered: no shell, no exec, no port forwarding, no subsystems (SFTP).
package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/tui"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/term"
)

// OpenFunc opens the review screen's configuration for an annotator on a queue (the caller's
// workspace session, keymap and judges; Caps is set by the server from the client's terminal).
type OpenFunc func(ctx context.Context, annotator, queue string) (tui.Config, error)

// Options configure a Server.
type Options struct {
	HostKey    string   // host key file, created (ed25519, mode 0600) when it does not exist
	Annotators string   // annotators file (ParseAnnotators), reread when it changes
	Queues     []string // queues the server offers; empty: each annotator's own, else the workspace's first
	// DefaultQueue names the workspace's first queue, used when neither the server nor the annotator
	// names one.
	DefaultQueue func(ctx context.Context) (string, error)
	Open         OpenFunc
	Protocol     termimg.Protocol // forced picture protocol; empty: detect from the client's terminal
	// DetectTimeout bounds the terminal queries at the start of a session (default 300 ms).
	DetectTimeout time.Duration
	Logf          func(format string, args ...any) // server log; nil: discarded
}

// Server is the SSH server. Create it with New, run it with Serve, stop it with Close.
type Server struct {
	opts Options
	keys *annotatorsFile
	srv  *ssh.Server
}

type ctxKey struct{}

// New checks the options, reads the annotators file and the host key (creating it if missing).
func New(o Options) (*Server, error) {
	if o.Open == nil {
		return nil, errors.New("serve: no Open function")
	}
	if o.Annotators == "" {
		return nil, errors.New("serve: no annotators file (--annotators): every key must be known")
	}
	if o.HostKey == "" {
		return nil, errors.New("serve: no host key file (--host-key)")
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.DetectTimeout <= 0 {
		o.DetectTimeout = 300 * time.Millisecond
	}
	keys, err := loadAnnotatorsFile(o.Annotators, o.Logf)
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(o.HostKey)
	s := &Server{opts: o, keys: keys}
	srv, err := wish.NewServer(
		wish.WithHostKeyPath(o.HostKey),
		wish.WithPublicKeyAuth(s.auth),
		ssh.AllocatePty(), // a real pty: the terminal queries (pictures) go to the client's terminal
		wish.WithMiddleware(func(ssh.Handler) ssh.Handler { return s.handle }),
	)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		if err := os.Chmod(o.HostKey, 0o600); err != nil {
			return nil, err
		}
		o.Logf("host key %s created", o.HostKey)
	}
	// Nothing but sessions: no port forwarding (local or remote), no subsystems, no passwords.
	srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": ssh.DefaultSessionHandler}
	srv.RequestHandlers = map[string]ssh.RequestHandler{}
	srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
	srv.LocalPortForwardingCallback = nil
	srv.ReversePortForwardingCallback = nil
	srv.PasswordHandler = nil
	srv.KeyboardInteractiveHandler = nil
	s.srv = srv
	return s, nil
}

// auth accepts the keys of the annotators file (reread if it changed) and remembers whose key it is.
func (s *Server) auth(ctx ssh.Context, key ssh.PublicKey) bool {
	a, ok := s.keys.get().Lookup(key)
	if !ok {
		s.opts.Logf("refused key %s from %s (user %q): not in the annotators file", fingerprint(key), ctx.RemoteAddr(), ctx.User())
		return false
	}
	ctx.SetValue(ctxKey{}, a)
	return true
}

func fingerprint(key ssh.PublicKey) string {
	if key == nil {
		return "(none)"
	}
	return gossh.FingerprintSHA256(key)
}

// Serve accepts connections on l until Close.
func (s *Server) Serve(l net.Listener) error {
	err := s.srv.Serve(l)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// ListenAndServe listens on addr and serves until Close.
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.opts.Logf("listening on %s", l.Addr())
	return s.Serve(l)
}

// Close stops the server and closes every connection.
func (s *Server) Close() error { return s.srv.Close() }

// Shutdown stops accepting connections and waits for the sessions to end or ctx to be done.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// refuse tells the client why and ends the session with exit status 1.
func refuse(sess ssh.Session, format string, args ...any) {
	fmt.Fprintf(sess.Stderr(), "loupe: "+format+"\r\n", args...)
	_ = sess.Exit(1)
}

// queueFor picks the queue this annotator opens: the first of their queues the server offers, else
// the server's first, else the workspace's first. (A start screen choosing among several is a later
// step.)
func (s *Server) queueFor(ctx context.Context, a Annotator) (string, error) {
	switch {
	case len(a.Queues) > 0 && len(s.opts.Queues) > 0:
		for _, q := range a.Queues {
			if slices.Contains(s.opts.Queues, q) {
				return q, nil
			}
		}
		return "", fmt.Errorf("none of your queues (%s) is served here (%s)", strings.Join(a.Queues, ", "), strings.Join(s.opts.Queues, ", "))
	case len(a.Queues) > 0:
		return a.Queues[0], nil
	case len(s.opts.Queues) > 0:
		return s.opts.Queues[0], nil
	case s.opts.DefaultQueue != nil:
		return s.opts.DefaultQueue(ctx)
	}
	return "", errors.New("no queue")
}

// clientEnv is the environment a session's terminal detection sees: TERM from the pty request and the
// client's terminal hints it sent (SendEnv), nothing else (no TMUX: it would run tmux on the server).
func clientEnv(sess ssh.Session, termName string) []string {
	env := []string{"TERM=" + termName}
	for _, kv := range sess.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "COLORTERM", "TERM_PROGRAM", "LC_TERMINAL", "KITTY_WINDOW_ID", "NO_COLOR", termimg.EnvVar:
			env = append(env, kv)
		}
	}
	return env
}

func getenv(env []string) func(string) string {
	return func(k string) string {
		v := ""
		for _, kv := range env {
			if kk, vv, ok := strings.Cut(kv, "="); ok && kk == k {
				v = vv
			}
		}
		return v
	}
}

// handle runs one session: the review screen on a pty, or a refusal.
func (s *Server) handle(sess ssh.Session) {
	start := time.Now()
	a, ok := sess.Context().Value(ctxKey{}).(Annotator)
	if !ok { // cannot happen: every connection passed auth
		refuse(sess, "unknown key")
		return
	}
	from := sess.RemoteAddr().String()
	if sess.Subsystem() != "" || len(sess.RawCommand()) > 0 || len(sess.Command()) > 0 {
		s.opts.Logf("session %s from %s: refused command %q", a.Name, from, sess.RawCommand())
		refuse(sess, "this server runs only the review screen; commands are not allowed (connect with plain `ssh -t`)")
		return
	}
	pty, winch, ok := sess.Pty()
	if !ok || pty.Slave == nil {
		s.opts.Logf("session %s from %s: refused, no terminal", a.Name, from)
		refuse(sess, "the review screen needs a terminal (ssh -t)")
		return
	}
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	queue, err := s.queueFor(ctx, a)
	if err != nil {
		refuse(sess, "%v", err)
		return
	}
	cfg, err := s.opts.Open(ctx, a.Name, queue)
	if err != nil {
		s.opts.Logf("session %s from %s: %v", a.Name, from, err)
		refuse(sess, "%v", err)
		return
	}
	env := clientEnv(sess, pty.Term)
	cfg.Caps = termimg.Detect(pty.Slave, s.opts.Protocol, getenv(env), s.opts.DetectTimeout)
	if getenv(env)("NO_COLOR") != "" {
		cfg.NoColor = true
	}
	m, err := tui.New(ctx, cfg)
	if err != nil {
		refuse(sess, "%v", err)
		return
	}
	defer m.Close()
	s.opts.Logf("session %s (%s) from %s: queue %s, pictures %s (%s)", a.Name, a.Role, from, queue, cfg.Caps.Protocol, cfg.Caps.Reason)
	p := tea.NewProgram(m,
		tea.WithContext(ctx),
		tea.WithInput(pty.Slave),
		tea.WithOutput(pty.Slave),
		tea.WithEnvironment(env),
		tea.WithWindowSize(pty.Window.Width, pty.Window.Height),
		tea.WithColorProfile(colorProfile(cfg.Caps.Profile)),
		tea.WithoutSignalHandler(), // the server's signals are not this session's
	)
	sized := make(chan struct{})
	go func() { watchSize(ctx, p, int(pty.Slave.Fd()), winch); close(sized) }()
	_, err = p.Run()
	cancel()
	<-sized // the pty is closed once handle returns
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		s.opts.Logf("session %s from %s: %v", a.Name, from, err)
	}
	s.opts.Logf("session %s from %s: ended after %s", a.Name, from, time.Since(start).Round(time.Second))
}

// watchSize tells the program the window's size when it changes. The ssh library's own resizer reads
// the same window-change channel, so the pty's size is polled too.
func watchSize(ctx context.Context, p *tea.Program, fd int, winch <-chan ssh.Window) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	lw, lh := 0, 0
	send := func(w, h int) {
		if w > 0 && h > 0 && (w != lw || h != lh) {
			lw, lh = w, h
			p.Send(tea.WindowSizeMsg{Width: w, Height: h})
		}
	}
	if w, h, err := term.GetSize(fd); err == nil {
		lw, lh = w, h
	}
	for {
		select {
		case <-ctx.Done():
			return
		case w, ok := <-winch:
			if !ok {
				winch = nil
				continue
			}
			send(w.Width, w.Height)
		case <-t.C:
			if w, h, err := term.GetSize(fd); err == nil {
				send(w, h)
			}
		}
	}
}

// colorProfile is termimg's colour profile as bubbletea's renderer names it.
func colorProfile(p termimg.Profile) colorprofile.Profile {
	switch p {
	case termimg.TrueColor:
		return colorprofile.TrueColor
	case termimg.ANSI16:
		return colorprofile.ANSI
	}
	return colorprofile.ANSI256
}

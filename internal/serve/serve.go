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
	"sync"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/tui"
	"github.com/loupe-dev/loupe/workspace"
	gossh "golang.org/x/crypto/ssh"
)

// OpenFunc opens the review screen's configuration for a person on a queue (the caller's workspace
// session, keymap and judges; Caps is set by the server from the client's terminal). The server has
// already checked that the person may review the queue; what a role may do (re-judging) is the
// opener's to set.
type OpenFunc func(ctx context.Context, who Annotator, queue string) (tui.Config, error)

// Options configure a Server.
type Options struct {
	HostKey    string   // host key file, created (ed25519, mode 0600) when it does not exist
	Annotators string   // annotators file (ParseAnnotators), reread when it changes
	Queues     []string // queues the server offers; empty: every queue of the workspace
	// Workspace gives the start screen its queues and their progress.
	Workspace *workspace.Workspace
	Open      OpenFunc
	// OpenPairs opens the comparison screen's configuration for a person on a pair queue; it returns nil
	// (and no error) when the queue is not a pair queue, and the review screen opens instead (nil: pair
	// queues open the review screen too).
	OpenPairs func(ctx context.Context, who Annotator, queue string) (*tui.CompareConfig, error)
	// Adjudicate opens the adjudication screen's configuration for a lead on a queue (nil: none).
	Adjudicate func(ctx context.Context, lead, queue string) (tui.AdjudicationConfig, error)
	// Team writes the team view of a queue (loupe progress --queue Q) for leads (nil: none).
	Team func(ctx context.Context, queue string) (string, error)
	// OpenAccess (--open) lets unknown keys in: the person is asked for a name, recorded as
	// UnverifiedPrefix+name, with the key's fingerprint in the log.
	OpenAccess bool
	Protocol   termimg.Protocol // forced picture protocol; empty: detect from the client's terminal
	// DetectTimeout bounds the terminal queries at the start of a session (default 300 ms).
	DetectTimeout time.Duration
	// IdleTimeout ends a session after this long without a key press (0: the default, 30 minutes;
	// negative: never).
	IdleTimeout time.Duration
	// MaxSessions is how many sessions may run at once (0: the default, 64; negative: no limit).
	MaxSessions int
	// RatePerMinute is how many sessions one key may open per minute (0: the default, 10; negative:
	// no limit).
	RatePerMinute int
	Logf          func(format string, args ...any) // server log; nil: discarded
}

// Defaults of the operational limits.
const (
	DefaultIdleTimeout   = 30 * time.Minute
	DefaultMaxSessions   = 64
	DefaultRatePerMinute = 10
)

// Server is the SSH server. Create it with New, run it with Serve, stop it with Shutdown or Close.
type Server struct {
	opts  Options
	keys  *annotatorsFile
	srv   *ssh.Server
	rate  *rateLimiter
	lis   *countingListener
	mu    sync.Mutex
	live  map[*session]struct{}
	close bool // shutting down: new sessions are refused
	// pics are the rendered pictures every session shares (sixel, iTerm2, blocks: an item's picture is
	// rendered once for everyone who sees it at that size)
	pics *termimg.Caches
}

// PictureCacheBytes bounds the shared rendered pictures of each protocol and size class (a 60x30-cell
// sixel picture is about 100 KB: some 600 of them).
const PictureCacheBytes = 64 << 20

type ctxKey struct{}

// New checks the options, reads the annotators file and the host key (creating it if missing).
func New(o Options) (*Server, error) {
	if o.Open == nil || o.Workspace == nil {
		return nil, errors.New("serve: no Open function or workspace")
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
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxSessions == 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.RatePerMinute == 0 {
		o.RatePerMinute = DefaultRatePerMinute
	}
	keys, err := loadAnnotatorsFile(o.Annotators, o.Logf)
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(o.HostKey)
	s := &Server{opts: o, keys: keys, live: map[*session]struct{}{}, pics: termimg.NewCaches(PictureCacheBytes, 2),
		rate: &rateLimiter{n: o.RatePerMinute, window: time.Minute, starts: map[string][]time.Time{}}}
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

// auth accepts the keys of the annotators file (reread if it changed) and remembers whose key it is;
// with OpenAccess, any key (the session asks for a name).
func (s *Server) auth(ctx ssh.Context, key ssh.PublicKey) bool {
	a, ok := s.keys.get().Lookup(key)
	if !ok {
		if s.opts.OpenAccess && key != nil {
			ctx.SetValue(ctxKey{}, Annotator{Role: RoleAnnotator, Key: key})
			return true
		}
		s.opts.Logf("%s", logLine("event", "refused", "reason", "unknown key", "key", fingerprint(key), "from", ctx.RemoteAddr(), "user", ctx.User()))
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

// Serve accepts connections on l until Close or Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	s.lis = &countingListener{Listener: l, conns: map[string]*countingConn{}}
	cl := s.lis
	s.mu.Unlock()
	err := s.srv.Serve(cl)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// ListenAndServe listens on addr and serves until Close or Shutdown.
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.opts.Logf("%s", logLine("event", "listening", "addr", l.Addr()))
	return s.Serve(l)
}

// Close stops the server and closes every connection at once.
func (s *Server) Close() error {
	defer s.pics.Close()
	return s.srv.Close()
}

// Shutdown stops accepting connections, tells every session the server is stopping (their screens
// end; each decision a screen acknowledged is already committed) and waits for them to end or ctx to
// be done, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.close = true
	live := make([]*session, 0, len(s.live))
	for se := range s.live {
		live = append(live, se)
	}
	s.mu.Unlock()
	for _, se := range live {
		se.stop(stopShutdown)
	}
	// The connections the sessions leave open (a client may keep one for more sessions) are closed once
	// every session has ended, or when ctx is done.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var err error
	for s.Sessions() > 0 && err == nil {
		select {
		case <-ctx.Done():
			err = fmt.Errorf("%d sessions still running: %w", s.Sessions(), ctx.Err())
		case <-tick.C:
		}
	}
	s.Close()
	return err
}

// Sessions is how many sessions are running.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// refuse tells the client why and ends the session with exit status 1.
func refuse(sess ssh.Session, format string, args ...any) {
	fmt.Fprintf(sess.Stderr(), "loupe: "+format+"\r\n", args...)
	_ = sess.Exit(1)
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

// handle runs one session: the start screen and the screens opened from it on a pty, or a refusal.
func (s *Server) handle(sess ssh.Session) {
	who, ok := sess.Context().Value(ctxKey{}).(Annotator)
	if !ok { // cannot happen: every connection passed auth
		refuse(sess, "unknown key")
		return
	}
	from := sess.RemoteAddr().String()
	key := fingerprint(who.Key)
	log := func(kv ...any) { s.opts.Logf("%s", logLine(kv...)) }
	if sess.Subsystem() != "" || len(sess.RawCommand()) > 0 || len(sess.Command()) > 0 {
		log("event", "refused", "name", who.Name, "key", key, "from", from, "reason", "command", "command", sess.RawCommand()+sess.Subsystem())
		refuse(sess, "this server runs only the review screen; commands are not allowed (connect with plain `ssh -t`)")
		return
	}
	pty, winch, ok := sess.Pty()
	if !ok || pty.Slave == nil {
		log("event", "refused", "name", who.Name, "key", key, "from", from, "reason", "no terminal")
		refuse(sess, "the review screen needs a terminal (ssh -t)")
		return
	}
	se := &session{who: who, from: from, key: key, start: time.Now(), sess: sess, pty: pty, winch: winch}
	if why := s.admit(se); why != "" {
		log("event", "refused", "name", who.Name, "key", key, "from", from, "reason", why)
		refuse(sess, "%s", why)
		return
	}
	defer s.leave(se)
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	if s.lis != nil {
		se.conn = s.lis.lookup(from)
	}
	se.lastKey.Store(time.Now().UnixNano())
	if s.opts.IdleTimeout > 0 {
		go s.watchIdle(ctx, se)
	}
	if err := se.openTTY(); err != nil {
		refuse(sess, "%v", err)
		return
	}
	defer se.closeTTY()
	se.env = clientEnv(sess, pty.Term)
	se.caps = termimg.Detect(se.tty, s.opts.Protocol, getenv(se.env), s.opts.DetectTimeout)

	if who.Name == "" { // --open: an unknown key names itself
		known := s.keys.get()
		m, err := se.run(ctx, &namePrompt{taken: known.HasName})
		if err != nil || m.(*namePrompt).name == "" {
			s.end(se, err)
			return
		}
		se.who.Name = m.(*namePrompt).name
		log("event", "unverified", "name", se.who.Name, "key", key, "from", from)
	}
	log("event", "start", "name", se.who.Name, "role", se.who.Role, "key", key, "from", from, "term", pty.Term,
		"pictures", se.caps.Protocol, "detected", se.caps.Reason)

	r := newRoot(ctx, s, se)
	_, err := se.run(ctx, r)
	r.leave()
	s.end(se, err)
}

// admit registers a session, or says why it may not start: the server is stopping, full, or the key
// opened too many sessions in the last minute.
func (s *Server) admit(se *session) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.close:
		return "the server is shutting down: try again in a moment"
	case s.opts.MaxSessions > 0 && len(s.live) >= s.opts.MaxSessions:
		return fmt.Sprintf("the server is full (%d sessions): try again later", s.opts.MaxSessions)
	case !s.rate.allow(se.key, time.Now()):
		return fmt.Sprintf("too many connections with this key (at most %d a minute): wait a minute", s.opts.RatePerMinute)
	}
	s.live[se] = struct{}{}
	return ""
}

func (s *Server) leave(se *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.live, se)
}

// watchIdle stops the session after IdleTimeout without a key press.
func (s *Server) watchIdle(ctx context.Context, se *session) {
	every := min(time.Second, s.opts.IdleTimeout/4)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if time.Since(time.Unix(0, se.lastKey.Load())) >= s.opts.IdleTimeout {
				se.stop(stopIdle)
				return
			}
		}
	}
}

// end tells the person why the session ended when it was not their doing, and logs the session's
// line: who, from where, how long, what they did, and the bytes it took.
func (s *Server) end(se *session, err error) {
	why := se.stoppedFor()
	switch why {
	case stopShutdown:
		fmt.Fprint(se.sess.Stderr(), "\r\nloupe: the server is shutting down. Every decision the screen showed as recorded is saved.\r\n")
	case stopIdle:
		fmt.Fprintf(se.sess.Stderr(), "\r\nloupe: no key for %s: disconnected. Your decisions are saved; connect again to go on.\r\n", s.opts.IdleTimeout)
	}
	if why == "" && se.sess.Context().Err() != nil {
		why, err = "disconnected", nil // the client went away: the screens' errors are about that
	}
	if why == "" {
		why = "quit"
	}
	kv := []any{"event", "end", "name", se.who.Name, "role", se.who.Role, "key", se.key, "from", se.from,
		"duration", time.Since(se.start).Round(time.Second), "queues", strings.Join(se.queues, ","),
		"decisions", se.decisions, "items", se.items, "pictures", se.caps.Protocol, "reason", why}
	if se.conn != nil {
		sent := se.conn.sent.Load()
		kv = append(kv, "sent", humanBytes(sent))
		if se.items > 0 {
			kv = append(kv, "sent_per_item", humanBytes(sent/int64(se.items)))
		}
	}
	if err != nil {
		kv = append(kv, "error", err)
	}
	s.opts.Logf("%s", logLine(kv...))
	_ = se.sess.Exit(0)
}

// allowedQueues are the queues this person may open: their own (queues= in the annotators file) among
// the server's (--queue), else the server's, else every queue of the workspace.
func (s *Server) allowedQueues(ctx context.Context, who Annotator) ([]string, error) {
	served := s.opts.Queues
	if len(served) == 0 {
		p, err := s.opts.Workspace.Progress(ctx, "", time.Now())
		if err != nil {
			return nil, err
		}
		for _, q := range p.Queues {
			served = append(served, q.Name)
		}
	}
	if len(who.Queues) == 0 {
		return served, nil
	}
	var out []string
	for _, q := range who.Queues {
		if slices.Contains(served, q) {
			out = append(out, q)
		}
	}
	return out, nil
}

// queueRows reads the start screen's figures of each queue the person may open.
func (s *Server) queueRows(ctx context.Context, who Annotator) ([]QueueRow, error) {
	names, err := s.allowedQueues(ctx, who)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	rows := make([]QueueRow, 0, len(names))
	for _, q := range names {
		p, err := s.opts.Workspace.Progress(ctx, q, now)
		if err != nil {
			return nil, fmt.Errorf("queue %s: %w", q, err)
		}
		if len(p.Queues) != 1 {
			continue
		}
		r := QueueRow{ProgressQueue: p.Queues[0]}
		for _, a := range p.Annotators {
			if a.Name == who.Name {
				r.Mine, r.MineToday = a.Decided, a.DecidedToday
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

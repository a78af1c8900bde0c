package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"github.com/loupe-dev/loupe/termimg"
	"github.com/loupe-dev/loupe/tui"
	"golang.org/x/term"
)

// Why a session's screen was stopped from outside (the server's, not the person's, doing).
const (
	stopShutdown = "shutdown" // the server is stopping (SIGTERM)
	stopIdle     = "idle"     // no key for the idle timeout
)

// session is one connected person: their terminal, what runs on it now, and what they did.
type session struct {
	who   Annotator
	from  string
	key   string // the key's SHA256 fingerprint
	start time.Time
	sess  ssh.Session
	pty   ssh.Pty
	// tty is the screens' own handle on the pty (a dup of its slave): the ssh library closes the slave
	// when the session ends, while a program's input reader may still be winding down on its handle.
	tty     *os.File
	winch   <-chan ssh.Window
	env     []string
	caps    termimg.Caps
	conn    *countingConn // the connection's bytes on the wire (nil when not counted)
	lastKey atomic.Int64  // unix nanoseconds of the latest key press

	mu      sync.Mutex
	prog    *tea.Program // the screen running now, nil between screens
	stopped string       // stopShutdown, stopIdle, or "" while it may go on

	decisions, items int
	queues           []string // the queues opened, in order
}

// openTTY makes the session's own handle on the pty's slave.
func (se *session) openTTY() error {
	fd, err := syscall.Dup(int(se.pty.Slave.Fd()))
	if err != nil {
		return fmt.Errorf("pty: %w", err)
	}
	se.tty = os.NewFile(uintptr(fd), "pty")
	return nil
}

// closeTTY closes the handle once the last program's input reader has surely stopped (it was
// cancelled when its program ended; closing under it would race with its last read).
func (se *session) closeTTY() {
	if se.tty != nil {
		tty := se.tty
		time.AfterFunc(5*time.Second, func() { tty.Close() })
	}
}

// touch notes a key press (the idle timeout counts from the latest).
func (se *session) touch() { se.lastKey.Store(time.Now().UnixNano()) }

// stopMsg asks the running screen to end at once (the server's decision, not the person's).
type stopMsg struct{}

// stop ends the session's screen for a reason; the first reason given is the one reported.
func (se *session) stop(reason string) {
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.stopped == "" {
		se.stopped = reason
	}
	if se.prog != nil {
		se.prog.Send(stopMsg{})
	}
}

func (se *session) stoppedFor() string {
	se.mu.Lock()
	defer se.mu.Unlock()
	return se.stopped
}

// guarded wraps a screen: it notes every key press (the idle timeout counts from the latest) and ends
// the screen on stopMsg.
type guarded struct {
	tea.Model
	se *session
}

func (g guarded) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case stopMsg:
		return g, tea.Quit
	case tea.KeyPressMsg:
		g.se.touch()
	}
	m, cmd := g.Model.Update(msg)
	g.Model = m
	return g, cmd
}

// run shows one screen on the session's terminal until it quits or the session is stopped, and returns
// the screen's final model.
func (se *session) run(ctx context.Context, m tea.Model) (tea.Model, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// No tea.WithContext: a program ended by its context is killed, and a killed program closes its
	// input reader without waiting for it (a race with the reader's last read); a quit waits.
	p := tea.NewProgram(guarded{Model: m, se: se},
		tea.WithInput(se.tty),
		tea.WithOutput(se.tty),
		tea.WithEnvironment(se.env),
		tea.WithWindowSize(se.pty.Window.Width, se.pty.Window.Height),
		tea.WithColorProfile(tui.ScreenProfile(se.caps.Profile)),
		tea.WithoutSignalHandler(), // the server's signals are not this session's
	)
	se.mu.Lock()
	if se.stopped != "" {
		se.mu.Unlock()
		return m, nil
	}
	se.prog = p
	se.mu.Unlock()
	sized, ended := make(chan struct{}), make(chan struct{})
	go func() { se.winch = watchSize(ctx, p, int(se.tty.Fd()), se.winch); close(sized) }()
	go func() {
		select {
		case <-ctx.Done(): // the client went away, or the server ends the session
			p.Quit()
		case <-ended:
		}
	}()
	final, err := p.Run()
	close(ended)
	cancel()
	<-sized
	se.mu.Lock()
	se.prog = nil
	se.mu.Unlock()
	if g, ok := final.(guarded); ok {
		final = g.Model
	} else {
		final = m
	}
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		err = nil
	}
	return final, err
}

// watchSize tells the program the window's size when it changes, and hands the window-change channel
// back for the next screen. The ssh library's own resizer reads the same channel, so the pty's size is
// polled too.
func watchSize(ctx context.Context, p *tea.Program, fd int, winch <-chan ssh.Window) <-chan ssh.Window {
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
		p.Send(tea.WindowSizeMsg{Width: w, Height: h}) // the size may have changed since the last screen
	}
	for {
		select {
		case <-ctx.Done():
			return winch
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

// countingListener counts the bytes each accepted connection sends (SSH's encrypted bytes on the wire:
// what the client's network carries).
type countingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[string]*countingConn // by remote address
}

type countingConn struct {
	net.Conn
	l    *countingListener
	sent atomic.Int64
	once sync.Once
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	cc := &countingConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[c.RemoteAddr().String()] = cc
	l.mu.Unlock()
	return cc, nil
}

func (l *countingListener) lookup(addr string) *countingConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns[addr]
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.sent.Add(int64(n))
	return n, err
}

func (c *countingConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c.RemoteAddr().String())
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// logLine formats key=value pairs as one log line (logfmt: values with spaces or quotes are quoted).
func logLine(kv ...any) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		v := fmt.Sprint(kv[i+1])
		if v == "" || strings.ContainsAny(v, " \t\"=\\") || strconv.Quote(v) != `"`+v+`"` {
			v = strconv.Quote(v)
		}
		fmt.Fprintf(&b, "%v=%s", kv[i], v)
	}
	return b.String()
}

// humanBytes writes a byte count in KB or MB (1000-based, one decimal).
func humanBytes(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fMB", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%.1fKB", float64(n)/1e3)
	}
	return fmt.Sprintf("%dB", n)
}

// rateLimiter allows each key at most n new sessions in any window.
type rateLimiter struct {
	n      int
	window time.Duration
	mu     sync.Mutex
	starts map[string][]time.Time
}

func (r *rateLimiter) allow(key string, now time.Time) bool {
	if r.n <= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	keep := r.starts[key][:0]
	for _, t := range r.starts[key] {
		if now.Sub(t) < r.window {
			keep = append(keep, t)
		}
	}
	if len(keep) >= r.n {
		r.starts[key] = keep
		return false
	}
	r.starts[key] = append(keep, now)
	if len(r.starts) > 10000 { // forget keys not seen within the window
		for k, ts := range r.starts {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= r.window {
				delete(r.starts, k)
			}
		}
	}
	return true
}

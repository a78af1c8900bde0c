package generate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// unhealthyFor is how long a server that failed with a 5xx or a broken connection is avoided (it is
// still used when no other server has a free slot).
const unhealthyFor = 30 * time.Second

// probeEvery is how often a server whose connection was refused is probed (a TCP connect); downGrace
// is how long requests wait for a probe to succeed when every server of the pool is down, before they
// fail: the run stops with the URLs named well within 10 s instead of retrying for minutes.
var (
	probeEvery = 2 * time.Second
	downGrace  = 5 * time.Second
)

// ErrUnreachable marks a request that found no server of the pool reachable (every one refused the
// connection or its name did not resolve). It ends a run: test with errors.Is.
var ErrUnreachable = errors.New("no server is reachable")

// UnreachableError names the servers that are down and why; it wraps ErrUnreachable.
type UnreachableError struct {
	Servers []string
	Reasons []string
}

func (e *UnreachableError) Error() string {
	var parts []string
	for i, s := range e.Servers {
		parts = append(parts, s+" ("+e.Reasons[i]+")")
	}
	return "no server is reachable: " + strings.Join(parts, ", ")
}

// Unwrap returns ErrUnreachable.
func (e *UnreachableError) Unwrap() error { return ErrUnreachable }

// pool spreads requests over the servers of a generator: each server holds at most per requests at
// once, a request goes to the least-loaded healthy server, and a server whose connection is refused is
// left out (its circuit open) until a probe finds it listening again.
type pool struct {
	mu       sync.Mutex
	urls     []string
	per      int
	inFlight []int
	failedAt []time.Time // zero: never failed (5xx, broken connection)
	down     []string    // non-empty: the circuit is open, with the reason
	probeAt  []time.Time // when a down server is probed next
	probing  []bool
	allDown  time.Time     // when the last server went down (zero: some server is up)
	next     int           // round-robin start among equals
	wake     chan struct{} // closed (and replaced) when a slot frees or a server changes state
	now      func() time.Time
	dial     func(ctx context.Context, addr string) error
	notify   func(string) // told when a server goes down or comes back (nil: no one)
}

func newPool(urls []string, per int, name string, notify func(string)) *pool {
	n := len(urls)
	p := &pool{urls: urls, per: max(1, per), inFlight: make([]int, n), failedAt: make([]time.Time, n),
		down: make([]string, n), probeAt: make([]time.Time, n), probing: make([]bool, n),
		wake: make(chan struct{}), now: time.Now, dial: dialProbe}
	if notify != nil {
		p.notify = func(msg string) { notify(fmt.Sprintf("generator %q: %s", name, msg)) }
	}
	return p
}

// dialProbe checks that something listens at addr.
func dialProbe(ctx context.Context, addr string) error {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		c.Close()
	}
	return err
}

// signal wakes every waiter; p.mu is held.
func (p *pool) signal() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// acquire waits for a free slot on a server that is up and returns the server's index; release it with
// release. When every server is down for downGrace, it fails with an *UnreachableError.
func (p *pool) acquire(ctx context.Context) (int, error) {
	for {
		p.mu.Lock()
		now := p.now()
		best, bestHealthy := -1, false
		up := 0
		n := len(p.urls)
		for k := range n {
			i := (p.next + k) % n
			if p.down[i] != "" {
				continue
			}
			up++
			if p.inFlight[i] >= p.per {
				continue
			}
			healthy := p.failedAt[i].IsZero() || now.Sub(p.failedAt[i]) >= unhealthyFor
			if best < 0 || healthy && !bestHealthy || healthy == bestHealthy && p.inFlight[i] < p.inFlight[best] {
				best, bestHealthy = i, healthy
			}
		}
		if best >= 0 {
			p.inFlight[best]++
			p.next = best + 1
			p.mu.Unlock()
			return best, nil
		}
		wait := time.Duration(-1)
		if up == 0 {
			if p.allDown.IsZero() {
				p.allDown = now
			}
			if now.Sub(p.allDown) >= downGrace {
				e := &UnreachableError{Servers: slices.Clone(p.urls), Reasons: slices.Clone(p.down)}
				p.mu.Unlock()
				return -1, e
			}
			wait = downGrace - now.Sub(p.allDown)
		}
		// a waiter probes the down servers that are due
		for i := range n {
			if p.down[i] == "" {
				continue
			}
			if !p.probing[i] && !now.Before(p.probeAt[i]) {
				p.probing[i] = true
				go p.probe(i)
			}
			if d := p.probeAt[i].Sub(now); d > 0 && (wait < 0 || d < wait) {
				wait = d
			}
		}
		wake := p.wake
		p.mu.Unlock()
		var timer <-chan time.Time
		var t *time.Timer
		if wait >= 0 {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-wake:
		case <-timer:
		case <-ctx.Done():
		}
		if t != nil {
			t.Stop()
		}
		if err := ctx.Err(); err != nil {
			return -1, err
		}
	}
}

// probe dials down server i once and closes its circuit when it answers.
func (p *pool) probe(i int) {
	err := p.dial(context.Background(), hostPort(p.urls[i]))
	p.mu.Lock()
	defer p.mu.Unlock()
	p.probing[i] = false
	if err == nil {
		p.down[i] = ""
		p.failedAt[i] = time.Time{}
		p.allDown = time.Time{}
		if p.notify != nil {
			p.notify(p.urls[i] + " answers again: requests go to it again")
		}
	} else {
		p.probeAt[i] = p.now().Add(probeEvery)
	}
	p.signal()
}

// release gives back a slot of server i.
func (p *pool) release(i int) {
	p.mu.Lock()
	p.inFlight[i]--
	p.signal()
	p.mu.Unlock()
}

// fail marks server i unhealthy (5xx, broken connection): others are preferred for a while.
func (p *pool) fail(i int) {
	p.mu.Lock()
	p.failedAt[i] = p.now()
	p.mu.Unlock()
}

// ok marks server i healthy again.
func (p *pool) ok(i int) {
	p.mu.Lock()
	p.failedAt[i] = time.Time{}
	p.mu.Unlock()
}

// setDown opens server i's circuit: no request goes to it until a probe succeeds.
func (p *pool) setDown(i int, reason string) {
	p.mu.Lock()
	if p.down[i] == "" {
		p.down[i] = reason
		p.probeAt[i] = p.now().Add(probeEvery)
		if !slices.Contains(p.down, "") && p.allDown.IsZero() {
			p.allDown = p.now()
		}
		if p.notify != nil {
			p.notify(fmt.Sprintf("%s is down (%s): no request goes to it; probing it every %s", p.urls[i], reason, probeEvery))
		}
	}
	p.signal()
	p.mu.Unlock()
}

// hostPort is the host:port a base URL connects to.
func hostPort(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// downReason says why err means the server is not there (connection refused, a name that does not
// resolve, no route), or "" when it does not.
func downReason(err error) string {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return "DNS: " + dns.Err
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to host"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" && !op.Timeout() {
		return fmt.Sprintf("cannot connect: %v", op.Err)
	}
	return ""
}

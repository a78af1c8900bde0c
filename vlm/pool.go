package vlm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openai/openai-go/v3"
)

// Pool settings. A server that refuses connections (or whose name does not resolve) is down: nothing
// is sent to it until a probe connects again. When every server of a backend is down, the calls wait
// DownGrace for one to come back, then fail with ClassUnreachable, so a run stops within seconds, not
// after every request has retried a dead address with backoff.
const (
	// DefaultDownGrace is how long calls wait for a down backend to come back before they fail.
	DefaultDownGrace = 8 * time.Second
	// probeEvery is how often a down server is probed (a TCP connection to its address).
	probeEvery = 2 * time.Second
	// drainAfter consecutive transient failures (5xx, dropped connections, timeouts) drain a server of a
	// pool for drainFor: the other servers take its requests; it gets them again afterwards.
	drainAfter = 3
	drainFor   = 10 * time.Second
	// dialTimeout bounds the TCP (and DNS) part of a connection: a silent address is a down server too.
	dialTimeout = 5 * time.Second
)

// ServerStats is what one server of a backend's pool did in a run.
type ServerStats struct {
	URL         string        `json:"url"`
	Requests    int64         `json:"requests"` // HTTP attempts sent to it
	Failures    int64         `json:"failures"` // attempts that got no 2xx answer
	MeanLatency time.Duration `json:"mean_latency_ns"`
	Down        string        `json:"down,omitempty"` // why it is unreachable now ("" when it is not)
}

// server is one base URL of a backend.
type server struct {
	url  string
	addr string // host:port, for the probe
	chat openai.ChatCompletionService

	requests, failures, latency atomic.Int64 // latency: the sum over answered attempts, ns
	answered                    atomic.Int64

	// guarded by pool.mu
	busy         int
	downSince    time.Time // zero: reachable
	downErr      string
	lastProbe    time.Time
	probing      bool
	consecutive  int // transient failures in a row
	drainedUntil time.Time
}

// pool spreads a backend's requests over its servers: each call goes to the least-loaded reachable,
// undrained server with a free slot (per servers' slots each).
type pool struct {
	mu      sync.Mutex
	servers []*server
	per     int
	next    int             // round-robin start among equally loaded servers
	waiters []chan struct{} // callers waiting for a slot, first come first woken
	now     func() time.Time
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
}

func newPool(urls []string, per int, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *pool {
	p := &pool{per: max(1, per), now: time.Now, dial: dial}
	for _, u := range urls {
		s := &server{url: u}
		if pu, err := url.Parse(u); err == nil {
			port := pu.Port()
			if port == "" {
				port = "80"
				if pu.Scheme == "https" {
					port = "443"
				}
			}
			s.addr = net.JoinHostPort(pu.Hostname(), port)
		}
		p.servers = append(p.servers, s)
	}
	return p
}

// wakeOne wakes the longest-waiting caller (a slot freed: one caller can take it; waking them all
// would have every waiter scan the pool on every answer). p.mu is held.
func (p *pool) wakeOne() {
	if len(p.waiters) > 0 {
		p.waiters[0] <- struct{}{}
		p.waiters = p.waiters[1:]
	}
}

// wakeAll wakes every waiting caller (a server came back, or went down). p.mu is held.
func (p *pool) wakeAll() {
	for _, w := range p.waiters {
		w <- struct{}{}
	}
	p.waiters = nil
}

// acquire takes a slot on the least-loaded usable server. When every server is down it waits up to
// grace (from when the last one went down) for a probe to reach one, then fails with ClassUnreachable.
func (p *pool) acquire(ctx context.Context, grace time.Duration) (*server, error) {
	for {
		p.mu.Lock()
		now := p.now()
		best, bestDrained := -1, true
		allDown := true
		var lastDown time.Time
		wake := time.Duration(-1)
		n := len(p.servers)
		for k := range n {
			i := (p.next + k) % n
			s := p.servers[i]
			if !s.downSince.IsZero() {
				if s.downSince.After(lastDown) {
					lastDown = s.downSince
				}
				if !s.probing && now.Sub(s.lastProbe) >= probeEvery {
					p.probe(s, now)
				}
				continue
			}
			allDown = false
			if s.busy >= p.per {
				continue
			}
			drained := now.Before(s.drainedUntil)
			if drained {
				if d := s.drainedUntil.Sub(now); wake < 0 || d < wake {
					wake = d
				}
			}
			// an undrained server beats a drained one; then the fewest requests in flight
			if best < 0 || (bestDrained && !drained) || (drained == bestDrained && s.busy < p.servers[best].busy) {
				best, bestDrained = i, drained
			}
		}
		if best >= 0 && bestDrained && p.undrainedOpen(now) {
			best = -1 // a healthy server is only full: wait for it rather than feed the drained one
		}
		if best >= 0 {
			s := p.servers[best]
			s.busy++
			p.next = best + 1
			p.mu.Unlock()
			return s, nil
		}
		if allDown {
			left := lastDown.Add(grace).Sub(now)
			if left <= 0 {
				err := p.unreachable(grace)
				p.mu.Unlock()
				return nil, err
			}
			wake = min(left, probeEvery)
		}
		ch := make(chan struct{}, 1)
		p.waiters = append(p.waiters, ch)
		p.mu.Unlock()
		var timer *time.Timer
		var tc <-chan time.Time
		if wake >= 0 {
			timer = time.NewTimer(wake)
			tc = timer.C
		}
		woken := false
		select {
		case <-ctx.Done():
		case <-ch:
			woken = true
		case <-tc:
		}
		if timer != nil {
			timer.Stop()
		}
		if !woken {
			p.mu.Lock()
			if i := slices.Index(p.waiters, ch); i >= 0 {
				p.waiters = slices.Delete(p.waiters, i, i+1)
			} else {
				p.wakeOne() // woken meanwhile: hand the wake-up on, or a free slot would wait for the next answer
			}
			p.mu.Unlock()
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

// undrainedOpen reports whether some reachable server is not drained (it may be full); p.mu is held.
func (p *pool) undrainedOpen(now time.Time) bool {
	for _, s := range p.servers {
		if s.downSince.IsZero() && !now.Before(s.drainedUntil) {
			return true
		}
	}
	return false
}

// unreachable is the error of a call that found every server down; p.mu is held.
func (p *pool) unreachable(grace time.Duration) *CallError {
	var parts []string
	for _, s := range p.servers {
		parts = append(parts, fmt.Sprintf("%s (%s)", s.url, s.downErr))
	}
	msg := "cannot reach " + parts[0]
	if len(parts) > 1 {
		msg = "cannot reach any server: " + strings.Join(parts, ", ")
	}
	if grace > 0 {
		msg += fmt.Sprintf("; probed every %s for %s: is the server running, and is base_url right?", probeEvery, grace.Round(time.Second))
	} else {
		msg += ": is the server running, and is base_url right?"
	}
	return &CallError{Class: ClassUnreachable, Message: msg}
}

// probe connects to a down server's address in the background; a connection brings it back. p.mu is held.
func (p *pool) probe(s *server, now time.Time) {
	s.probing, s.lastProbe = true, now
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), probeEvery)
		defer cancel()
		c, err := p.dial(ctx, "tcp", s.addr)
		if err == nil {
			c.Close()
		}
		p.mu.Lock()
		s.probing = false
		if err == nil {
			s.downSince, s.downErr, s.consecutive, s.drainedUntil = time.Time{}, "", 0, time.Time{}
			p.wakeAll()
		}
		p.mu.Unlock()
	}()
}

// release returns a slot and records the attempt's outcome: a dial failure takes the server down, a
// run of transient failures drains it, an answer makes it healthy again.
func (p *pool) release(s *server, took time.Duration, cerr *CallError, dialErr error) {
	s.requests.Add(1)
	if cerr != nil {
		s.failures.Add(1)
	} else {
		s.answered.Add(1)
		s.latency.Add(int64(took))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s.busy--
	now := p.now()
	wakeAll := false
	switch {
	case dialErr != nil:
		if s.downSince.IsZero() {
			s.downSince, s.downErr, s.lastProbe = now, dialMessage(dialErr), now
			wakeAll = true // callers waiting for a slot on it now wait for another server, or fail
		}
	case cerr == nil:
		s.consecutive, s.drainedUntil = 0, time.Time{}
	case cerr.Class == ClassTransient && cerr.Status != 429:
		// 429 is the backend's rate limit, which the limiter handles; not a sick server
		s.consecutive++
		if s.consecutive >= drainAfter && len(p.servers) > 1 {
			s.drainedUntil = now.Add(drainFor)
		}
	}
	if wakeAll {
		p.wakeAll()
	} else {
		p.wakeOne()
	}
}

// stats reports every server.
func (p *pool) stats() []ServerStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]ServerStats, len(p.servers))
	for i, s := range p.servers {
		st := ServerStats{URL: s.url, Requests: s.requests.Load(), Failures: s.failures.Load(), Down: s.downErr}
		if n := s.answered.Load(); n > 0 {
			st.MeanLatency = time.Duration(s.latency.Load() / n)
		}
		out[i] = st
	}
	return out
}

// dialError returns the error of a connection that could not be made (refused, no such host, no
// route, dial timeout), nil for any other failure.
func dialError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return op
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns
	}
	return nil
}

// dialMessage says why a connection could not be made, without the request's URL.
func dialMessage(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "lookup " + dns.Name + ": " + dns.Err
	}
	var op *net.OpError
	if errors.As(err, &op) {
		s := op.Err.Error()
		if i := strings.LastIndex(s, ": "); i >= 0 {
			s = s[i+2:]
		}
		return s
	}
	return err.Error()
}

package vlm

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limiter is a client-side token bucket for requests and tokens per minute. It starts from the
// configured rpm/tpm (0: unlimited) and follows the server's x-ratelimit-* headers once they arrive, so
// the client slows down before it is refused rather than after.
type Limiter struct {
	mu    sync.Mutex
	now   func() time.Time
	req   bucket
	tok   bucket
	until time.Time // nothing is sent before this (after a 429 or an exhausted header)
}

type bucket struct {
	limit  float64 // per minute; 0 = unlimited
	avail  float64
	last   time.Time
	resetT time.Time // when the server said the window resets (zero: unknown)
}

func (b *bucket) refill(now time.Time) {
	if b.limit <= 0 {
		return
	}
	if !b.last.IsZero() {
		b.avail += now.Sub(b.last).Minutes() * b.limit
	}
	if b.avail > b.limit {
		b.avail = b.limit
	}
	if !b.resetT.IsZero() && !now.Before(b.resetT) && b.avail < b.limit {
		// the server's window has reset: its remaining count is back to its limit
		b.avail, b.resetT = b.limit, time.Time{}
	}
	b.last = now
}

// wait returns how long until n units are available (0: now).
func (b *bucket) wait(n float64) time.Duration {
	if b.limit <= 0 {
		return 0
	}
	n = min(n, b.limit) // a request larger than the whole bucket waits for a full one
	if b.avail >= n {
		return 0
	}
	return time.Duration((n - b.avail) / b.limit * float64(time.Minute))
}

// NewLimiter makes a limiter for rpm requests and tpm tokens per minute (0: unlimited).
func NewLimiter(rpm, tpm float64) *Limiter {
	l := &Limiter{now: time.Now}
	t := l.now()
	l.req = bucket{limit: rpm, avail: rpm, last: t}
	l.tok = bucket{limit: tpm, avail: tpm, last: t}
	return l
}

// Wait blocks until one request of about tokens tokens may be sent, then takes them from the buckets.
func (l *Limiter) Wait(ctx context.Context, tokens int) error {
	for {
		l.mu.Lock()
		now := l.now()
		l.req.refill(now)
		l.tok.refill(now)
		d := max(l.req.wait(1), l.tok.wait(float64(tokens)))
		if w := l.until.Sub(now); w > d {
			d = w
		}
		if d <= 0 {
			if l.req.limit > 0 {
				l.req.avail--
			}
			if l.tok.limit > 0 {
				l.tok.avail -= float64(tokens)
			}
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Pause holds every request until d from now (a Retry-After for the whole backend).
func (l *Limiter) Pause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if u := l.now().Add(d); u.After(l.until) {
		l.until = u
	}
}

// Observe feeds the limiter a response's x-ratelimit-* headers (OpenAI's names: limit, remaining and
// reset, for requests and tokens). The limits replace the configured ones; the remaining counts bound
// what the buckets hold; an exhausted count holds requests until its reset.
func (l *Limiter) Observe(h http.Header) {
	if h == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, x := range []struct {
		b    *bucket
		name string
	}{{&l.req, "requests"}, {&l.tok, "tokens"}} {
		limit, okL := headerFloat(h, "x-ratelimit-limit-"+x.name)
		remaining, okR := headerFloat(h, "x-ratelimit-remaining-"+x.name)
		reset, okT := ResetDuration(h.Get("x-ratelimit-reset-" + x.name))
		if okL && limit > 0 {
			x.b.refill(now)
			x.b.limit = limit
		}
		if okR && x.b.limit > 0 {
			x.b.refill(now)
			if remaining < x.b.avail {
				x.b.avail = remaining
			}
			if okT {
				x.b.resetT = now.Add(reset)
			}
			if remaining <= 0 && okT {
				if u := now.Add(reset); u.After(l.until) {
					l.until = u
				}
			}
		}
	}
}

func headerFloat(h http.Header, name string) (float64, bool) {
	v := h.Get(name)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return f, err == nil
}

// ResetDuration reads an x-ratelimit-reset-* value: OpenAI writes Go-like durations ("1s", "6m0s",
// "20ms"); others write seconds.
func ResetDuration(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(v); err == nil {
		return d, true
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
		return time.Duration(f * float64(time.Second)), true
	}
	return 0, false
}

// RetryAfter reads a server-directed delay: Retry-After-Ms first, then Retry-After in seconds or as an
// HTTP date.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if v := h.Get("Retry-After-Ms"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
			return time.Duration(f * float64(time.Millisecond)), true
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
		return time.Duration(f * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

package generate

import (
	"sync"
	"time"
)

// unhealthyFor is how long a server that failed with a connection error or
// a 5xx is skipped.
const unhealthyFor = 30 * time.Second

// pool spreads requests round-robin across healthy servers.
type pool struct {
	mu       sync.Mutex
	urls     []string
	failedAt []time.Time // zero: never failed
	next     int
	now      func() time.Time
}

func newPool(urls []string) *pool {
	return &pool{urls: urls, failedAt: make([]time.Time, len(urls)), now: time.Now}
}

// pick returns the index of the next healthy server in round-robin order; when
// every server is unhealthy, the one that failed least recently.
func (p *pool) pick() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	n := len(p.urls)
	for i := range n {
		idx := (p.next + i) % n
		if f := p.failedAt[idx]; f.IsZero() || now.Sub(f) >= unhealthyFor {
			p.next = idx + 1
			return idx
		}
	}
	best := 0
	for i := 1; i < n; i++ {
		if p.failedAt[i].Before(p.failedAt[best]) {
			best = i
		}
	}
	return best
}

// fail marks server i unhealthy.
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

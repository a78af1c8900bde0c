package imagesafe

import (
	"container/list"
	"context"
	"sync"
)

// pixels is the program's decode budget: one for all decodes, since they share one machine's memory.
var pixels = newBudget(DecodeBudget)

// budget is a weighted semaphore over bytes, served in arrival order so a large picture is not starved
// by a stream of small ones. A request over the whole budget is cut to it: it waits until nothing else
// holds any, then runs alone. It is safe for concurrent use by multiple goroutines.
type budget struct {
	size int64

	mu      sync.Mutex // guards used, peak and waiters
	used    int64
	peak    int64     // the most ever held at once (for tests)
	waiters list.List // of *waiter, in arrival order
}

type waiter struct {
	n     int64
	ready chan struct{} // closed when the bytes are granted
}

func newBudget(size int64) *budget { return &budget{size: size} }

// acquire takes n bytes of the budget, waiting for them (behind earlier waiters) until ctx is done.
func (b *budget) acquire(ctx context.Context, n int64) error {
	n = min(max(n, 0), b.size)
	b.mu.Lock()
	if b.waiters.Len() == 0 && b.used+n <= b.size {
		b.take(n)
		b.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	e := b.waiters.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		select {
		case <-w.ready: // granted while giving up: hand the bytes back
			b.used -= n
		default:
			b.waiters.Remove(e)
		}
		b.grant() // those behind may fit now
		b.mu.Unlock()
		return ctx.Err()
	}
}

// release gives back n bytes taken by acquire.
func (b *budget) release(n int64) {
	n = min(max(n, 0), b.size)
	b.mu.Lock()
	b.used -= n
	if b.used < 0 {
		b.mu.Unlock()
		panic("imagesafe: budget released more than it gave")
	}
	b.grant()
	b.mu.Unlock()
}

// grant hands bytes to the waiters at the front while they fit. b.mu must be held.
func (b *budget) grant() {
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		w := e.Value.(*waiter)
		if b.used+w.n > b.size {
			return
		}
		b.take(w.n)
		b.waiters.Remove(e)
		close(w.ready)
	}
}

// take adds n to what is held. b.mu must be held.
func (b *budget) take(n int64) {
	b.used += n
	b.peak = max(b.peak, b.used)
}

// stats returns what is held now and the most ever held at once.
func (b *budget) stats() (used, peak int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.peak
}

package termimg

import "sync"

// Caches shares rendered pictures among the screens of one process (loupe serve: many sessions, one
// workspace): one Cache per set of rendering options, each bounded by the same byte budget and with
// the same few prefetch workers, so N sessions neither render a picture N times nor keep N caches.
type Caches struct {
	maxBytes int64
	workers  int

	mu sync.Mutex
	m  map[cachesKey]*Cache
}

type cachesKey struct {
	o            Options
	placeholders bool
}

// NewCaches returns an empty set of shared caches; each cache made holds at most maxBytes of
// renderings and runs workers prefetch workers.
func NewCaches(maxBytes int64, workers int) *Caches {
	return &Caches{maxBytes: maxBytes, workers: workers, m: map[cachesKey]*Cache{}}
}

// For returns the cache for pictures rendered with o (made on first use), or nil for kitty pictures:
// those name their terminal's image ids, which are each terminal's own (a screen keeps its own cache).
// A shared cache is not the caller's to Close; Close the Caches.
func (c *Caches) For(o Options, placeholders bool) *Cache {
	if o.Protocol == Kitty {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cachesKey{o, placeholders}
	if ca, ok := c.m[k]; ok {
		return ca
	}
	ca := NewCache(o, nil, placeholders, c.maxBytes, c.workers)
	c.m[k] = ca
	return ca
}

// Len is the number of caches made.
func (c *Caches) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// Close stops every cache's workers.
func (c *Caches) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ca := range c.m {
		ca.Close()
	}
}

package termimg

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Key identifies one rendering of one picture.
type Key struct {
	Source   string // file path, or "shard#row", or item id
	Box      Box
	Protocol Protocol
	Cell     CellSize
	Profile  Profile
}

// Rendered is a picture ready for a TUI pane.
type Rendered struct {
	Fit   Fit
	Lines []string // what the pane renders as text: blocks, kitty placeholders, blanks, or an error frame
	// Raw draws the picture over the blank Lines (sixel, iTerm2; for kitty without placeholders a
	// placement of the stored image): write it with AtCell after the frame, and again when that area
	// was repainted.
	Raw []byte
	// Transmit stores a kitty image under KittyID: for placeholders in Lines send it before the frame
	// that shows them, for a placement (Raw) before Raw; once per terminal, and again after a screen
	// clear (kitty frees stored images on one).
	Transmit []byte
	KittyID  int
	Err      error // why Lines shows an error frame instead of the picture
	// Serial is unique to this rendering: a TUI remembers what it sent by it without keeping the
	// rendering (and its bytes) alive.
	Serial uint64
}

var serials atomic.Uint64

// size is the memory the rendering holds (what the cache's budget counts).
func (r *Rendered) size() int64 {
	n := int64(cap(r.Raw) + cap(r.Transmit))
	for _, l := range r.Lines {
		n += int64(len(l))
	}
	return n
}

// exact returns b in a slice of its own length: a sequence built by appending keeps up to twice its size
// in capacity, which a cached rendering would hold for nothing.
func exact(b []byte) []byte {
	if cap(b) == len(b) {
		return b
	}
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

// Render prepares src for a box in a TUI. A nil src or a failed decode gives an error frame.
func Render(key Key, src *Source, loadErr error, ids *KittyIDs, placeholders bool, o Options) *Rendered {
	if loadErr != nil || src == nil {
		msg := "no image"
		if loadErr != nil {
			msg = loadErr.Error()
		}
		return &Rendered{Lines: Frame(key.Box.Cols, key.Box.Rows, msg), Err: loadErr, Fit: Fit{Cols: key.Box.Cols, Rows: key.Box.Rows}}
	}
	b := src.Image.Bounds()
	fit := fitFor(b.Dx(), b.Dy(), key.Box, o)
	r := &Rendered{Fit: fit, Serial: serials.Add(1)}
	switch o.Protocol {
	case Blocks:
		r.Lines = EncodeBlocks(src.Image, fit.Cols, fit.Rows, BlockOptions{Profile: o.Profile, Symbols: o.Symbols})
		return r
	case None, "":
		r.Lines = Frame(fit.Cols, fit.Rows, "image")
		return r
	}
	scaled := Scale(src.Image, fit.W, fit.H)
	var err error
	if o.Protocol == Kitty && ids != nil {
		// Stored once under an id (Transmit, sent once per terminal), then placed: by Unicode
		// placeholders in the frame, or by a small placement drawn over the blank cells (Raw) - the
		// picture's bytes cross the wire once however often it is shown.
		var seq bytes.Buffer
		id, _, evicted := ids.Acquire(key.Source + fmt.Sprintf("@%dx%d", fit.Cols, fit.Rows))
		if evicted != 0 {
			seq.WriteString(KittyDelete(evicted))
		}
		if err = KittyImageZ(&seq, scaled, KittyStore, id, 0, 0, true); err == nil {
			if placeholders {
				seq.WriteString(KittyPlaceVirtual(id, fit.Cols, fit.Rows))
				r.Lines = KittyPlaceholders(id, fit.Cols, fit.Rows)
			} else {
				r.Raw = exact([]byte(KittyPlace(id, fit.Cols, fit.Rows)))
				r.Lines = Blank(fit.Cols, fit.Rows)
			}
			r.Transmit, r.KittyID = exact(wrap(seq.Bytes(), o.Tmux)), id
		}
	} else if r.Raw, err = rawPicture(src, scaled, fit, o.Protocol, true); err == nil {
		r.Raw = exact(r.Raw)
		r.Lines = Blank(fit.Cols, fit.Rows)
	}
	if err != nil {
		return &Rendered{Lines: Frame(key.Box.Cols, key.Box.Rows, err.Error()), Err: err, Fit: fit}
	}
	return r
}

// Loader fetches and decodes a picture.
type Loader func(ctx context.Context) (*Source, error)

// Cache keeps rendered pictures by key within a byte budget, renders on worker goroutines (never the
// UI's), and shares one rendering between concurrent requests for the same key. Safe for concurrent use.
type Cache struct {
	opts         Options
	ids          *KittyIDs
	placeholders bool
	max          int64

	mu      sync.Mutex // guards below
	used    int64
	lru     *list.List // of *cacheEntry, front = most recent
	entries map[Key]*list.Element
	pending map[Key]*call
	queue   []prefetchJob // prefetch requests, newest last, at most prefetchQueue
	closed  bool
	wake    *sync.Cond // on mu: a request was queued or the cache closed

	renders chan struct{} // a slot per render running (maxRenders)
}

// prefetchQueue is how many prefetch requests wait for a worker: the newest ones (the neighbours of
// where the screen is now). Older ones are dropped - when moves outrun rendering, a queue of pictures
// the screen has already passed would cost time and hold their encoded bytes.
const prefetchQueue = 2

type cacheEntry struct {
	key Key
	r   *Rendered
}

type call struct {
	done chan struct{}
	r    *Rendered
}

type prefetchJob struct {
	key  Key
	load Loader
}

// NewCache returns a cache rendering with o, holding at most maxBytes, with workers goroutines for
// prefetching. ids and placeholders matter for kitty.
func NewCache(o Options, ids *KittyIDs, placeholders bool, maxBytes int64, workers int) *Cache {
	c := &Cache{opts: o, ids: ids, placeholders: placeholders, max: maxBytes, lru: list.New(),
		entries: map[Key]*list.Element{}, pending: map[Key]*call{},
		renders: make(chan struct{}, maxRenders)}
	c.wake = sync.NewCond(&c.mu)
	for range max(1, workers) {
		go c.worker()
	}
	return c
}

// worker renders prefetch requests, newest first, until the cache closes.
func (c *Cache) worker() {
	for {
		c.mu.Lock()
		for len(c.queue) == 0 && !c.closed {
			c.wake.Wait()
		}
		if c.closed {
			c.mu.Unlock()
			return
		}
		j := c.queue[len(c.queue)-1]
		c.queue[len(c.queue)-1] = prefetchJob{}
		c.queue = c.queue[:len(c.queue)-1]
		c.mu.Unlock()
		c.Get(context.Background(), j.key, j.load)
	}
}

// Close stops the prefetch workers and drops waiting requests.
func (c *Cache) Close() {
	c.mu.Lock()
	c.closed, c.queue = true, nil
	c.mu.Unlock()
	c.wake.Broadcast()
}

// Peek returns a cached rendering without doing any work.
func (c *Cache) Peek(key Key) (*Rendered, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cacheEntry).r, true
	}
	return nil, false
}

// maxRenders is how many pictures a cache decodes and encodes at once (the screen's request and a
// prefetch): each holds a decoded picture of several MB, so renders for moves made faster than they
// finish wait instead of all running together.
const maxRenders = 2

// Get returns the rendering for key, loading and rendering it if needed (the caller's goroutine does
// the work; run it in a tea.Cmd). A request cancelled before its render starts does no work and gets
// an error frame, which is not cached.
func (c *Cache) Get(ctx context.Context, key Key, load Loader) *Rendered {
	for {
		if r, ok := c.Peek(key); ok {
			return r
		}
		c.mu.Lock()
		p, ok := c.pending[key]
		c.mu.Unlock()
		if !ok {
			break
		}
		select {
		case <-p.done:
			if p.r.Err == nil || !errors.Is(p.r.Err, context.Canceled) || ctx.Err() != nil {
				return p.r
			}
			// the render was cancelled by whoever asked first: render it for this request
		case <-ctx.Done():
			return cancelled(key, ctx.Err())
		}
	}
	c.mu.Lock()
	if _, ok := c.pending[key]; ok { // another request started it meanwhile
		c.mu.Unlock()
		return c.Get(ctx, key, load)
	}
	p := &call{done: make(chan struct{})}
	c.pending[key] = p
	c.mu.Unlock()

	select {
	case c.renders <- struct{}{}:
		if ctx.Err() != nil {
			<-c.renders
			p.r = cancelled(key, ctx.Err())
			break
		}
		src, err := load(ctx)
		opts := c.opts
		opts.Protocol, opts.Cell, opts.Profile = key.Protocol, key.Cell, key.Profile
		p.r = Render(key, src, err, c.ids, c.placeholders, opts)
		<-c.renders
	case <-ctx.Done():
		p.r = cancelled(key, ctx.Err())
	}

	c.mu.Lock()
	delete(c.pending, key)
	if p.r.Err == nil || ctx.Err() == nil {
		c.entries[key] = c.lru.PushFront(&cacheEntry{key, p.r})
		c.used += p.r.size()
		for c.used > c.max && c.lru.Len() > 1 {
			e := c.lru.Back()
			ce := e.Value.(*cacheEntry)
			c.lru.Remove(e)
			delete(c.entries, ce.key)
			c.used -= ce.r.size()
		}
	}
	c.mu.Unlock()
	close(p.done)
	return p.r
}

func cancelled(key Key, err error) *Rendered {
	return &Rendered{Lines: Frame(key.Box.Cols, key.Box.Rows, "cancelled"), Err: err}
}

// Prefetch renders key in the background if it is not cached or being rendered; when more requests
// wait than prefetchQueue, the oldest is dropped (prefetching is a hint).
func (c *Cache) Prefetch(key Key, load Loader) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok || c.closed {
		return
	}
	if _, ok := c.pending[key]; ok {
		return
	}
	for _, j := range c.queue {
		if j.key == key {
			return
		}
	}
	if len(c.queue) == prefetchQueue {
		copy(c.queue, c.queue[1:])
		c.queue = c.queue[:len(c.queue)-1]
	}
	c.queue = append(c.queue, prefetchJob{key, load})
	c.wake.Signal()
}

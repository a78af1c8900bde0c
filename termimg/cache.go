package termimg

import (
	"bytes"
	"container/list"
	"context"
	"fmt"
	"sync"
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
	// Raw draws the picture over the blank Lines (sixel, iTerm2, kitty without placeholders): write it
	// with AtCell after the frame, and again when that area was repainted.
	Raw []byte
	// Transmit stores a kitty image for the placeholders in Lines; send it once, before the frame that
	// shows them, and again if the terminal lost it.
	Transmit []byte
	KittyID  int
	Err      error // why Lines shows an error frame instead of the picture
}

func (r *Rendered) size() int64 {
	n := int64(len(r.Raw) + len(r.Transmit))
	for _, l := range r.Lines {
		n += int64(len(l))
	}
	return n
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
	fit := FitImage(b.Dx(), b.Dy(), key.Box, o.Cell)
	r := &Rendered{Fit: fit}
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
	if o.Protocol == Kitty && placeholders && ids != nil {
		var seq bytes.Buffer
		id, _, evicted := ids.Acquire(key.Source + fmt.Sprintf("@%dx%d", fit.Cols, fit.Rows))
		if evicted != 0 {
			seq.WriteString(KittyDelete(evicted))
		}
		if err = KittyImageZ(&seq, scaled, KittyStore, id, 0, 0, true); err == nil {
			seq.WriteString(KittyPlaceVirtual(id, fit.Cols, fit.Rows))
			r.Transmit, r.KittyID = wrap(seq.Bytes(), o.Tmux), id
			r.Lines = KittyPlaceholders(id, fit.Cols, fit.Rows)
		}
	} else if r.Raw, err = rawPicture(src, scaled, fit, o.Protocol, true); err == nil {
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

	prefetch chan prefetchJob
}

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
		entries: map[Key]*list.Element{}, pending: map[Key]*call{}, prefetch: make(chan prefetchJob, 16)}
	for range max(1, workers) {
		go func() {
			for j := range c.prefetch {
				c.Get(context.Background(), j.key, j.load)
			}
		}()
	}
	return c
}

// Close stops the prefetch workers.
func (c *Cache) Close() { close(c.prefetch) }

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

// Get returns the rendering for key, loading and rendering it if needed (the caller's goroutine does
// the work; run it in a tea.Cmd).
func (c *Cache) Get(ctx context.Context, key Key, load Loader) *Rendered {
	if r, ok := c.Peek(key); ok {
		return r
	}
	c.mu.Lock()
	if p, ok := c.pending[key]; ok {
		c.mu.Unlock()
		select {
		case <-p.done:
			return p.r
		case <-ctx.Done():
			return &Rendered{Lines: Frame(key.Box.Cols, key.Box.Rows, "cancelled"), Err: ctx.Err()}
		}
	}
	p := &call{done: make(chan struct{})}
	c.pending[key] = p
	c.mu.Unlock()

	src, err := load(ctx)
	opts := c.opts
	opts.Protocol, opts.Cell, opts.Profile = key.Protocol, key.Cell, key.Profile
	p.r = Render(key, src, err, c.ids, c.placeholders, opts)

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

// Prefetch renders key in the background if it is not cached; when the queue is full it is skipped
// (prefetching is a hint).
func (c *Cache) Prefetch(key Key, load Loader) {
	if _, ok := c.Peek(key); ok {
		return
	}
	select {
	case c.prefetch <- prefetchJob{key, load}:
	default:
	}
}

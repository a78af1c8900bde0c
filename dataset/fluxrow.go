package dataset

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/loupe-dev/loupe/review"
	"github.com/parquet-go/parquet-go"
)

// ShardRow is what loupe reads from a shard on demand for one row: its captions and image bytes.
type ShardRow struct {
	ID    string
	EN    [8]string // per review.CaptionKinds; "" when null or absent
	ZH    [8]string
	Image []byte // encoded image (JPEG in the published shards); nil if the shard has no image column
}

// ReadShardRow reads one row's captions and image from a FLUX-Reason-6M shard, reading only the pages
// of those columns that hold that row (located through the offset index when the shard has one, by
// their headers when it has not), with the kernel's read-ahead off: one row read from a cold cache reads
// the footer and those pages, not the row group around them.
// Open shards are kept (parsing a published shard's footer costs more than reading a row), checked
// against the file's size and modification time on each use.
func ReadShardRow(path string, row int64) (*ShardRow, error) {
	e, err := openShards.get(path)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	out := &ShardRow{}
	err = guard(func() error { return e.s.readRow(row, out) })
	if err != nil {
		return nil, fmt.Errorf("%s: row %d: %w", path, row, err)
	}
	return out, nil
}

// shardCache keeps a few parsed shards open for on-demand reads. Safe for concurrent use.
type shardCache struct {
	mu      sync.Mutex // guards entries and order
	entries map[string]*cachedShard
	order   []string // least recently used first
	max     int
}

type cachedShard struct {
	mu    sync.Mutex // held while the shard is read; taken before closing it
	s     *shard
	size  int64
	mtime time.Time
}

var openShards = &shardCache{entries: map[string]*cachedShard{}, max: 8}

// get returns the open shard for path, locked for the caller.
func (c *shardCache) get(path string) (*cachedShard, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e := c.entries[path]
	if e != nil && (e.size != st.Size() || !e.mtime.Equal(st.ModTime())) {
		c.dropLocked(path) // the file changed: parse it again
		e = nil
	}
	if e == nil {
		c.mu.Unlock()
		s, err := openPreparedShard(path)
		if err != nil {
			return nil, err
		}
		e = &cachedShard{s: s, size: st.Size(), mtime: st.ModTime()}
		c.mu.Lock()
		if old := c.entries[path]; old != nil { // another goroutine opened it meanwhile
			s.Close()
			e = old
		} else {
			c.entries[path] = e
			c.order = append(c.order, path)
			for len(c.order) > c.max {
				c.dropLocked(c.order[0])
			}
		}
	}
	for i, p := range c.order {
		if p == path {
			c.order = append(append(c.order[:i:i], c.order[i+1:]...), path)
			break
		}
	}
	c.mu.Unlock()
	e.mu.Lock()
	if e.s == nil { // closed by an eviction that raced with us: open privately
		e.mu.Unlock()
		s, err := openPreparedShard(path)
		if err != nil {
			return nil, err
		}
		e = &cachedShard{s: s}
		e.mu.Lock()
		runtime.SetFinalizer(e, func(e *cachedShard) { e.s.Close() })
	}
	return e, nil
}

// openPreparedShard opens a shard for row reads and reads its footer.
func openPreparedShard(path string) (*shard, error) {
	s, err := openShard(path)
	if err != nil {
		return nil, err
	}
	if err := s.prepare(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// dropLocked closes and forgets a shard (c.mu held).
func (c *shardCache) dropLocked(path string) {
	e := c.entries[path]
	delete(c.entries, path)
	for i, p := range c.order {
		if p == path {
			c.order = append(c.order[:i:i], c.order[i+1:]...)
			break
		}
	}
	if e != nil {
		go func() { // wait for a reader to finish
			e.mu.Lock()
			if e.s != nil {
				e.s.Close()
				e.s = nil
			}
			e.mu.Unlock()
		}()
	}
}

// readRowParquetGo reads a row with parquet-go (s.pf, opened with the page index).
func (s *shard) readRowParquetGo(row int64, out *ShardRow) error {
	if row < 0 || row >= s.pf.NumRows() {
		return fmt.Errorf("no such row (the shard has %d)", s.pf.NumRows())
	}
	var rg parquet.RowGroup
	base := int64(0)
	for _, g := range s.pf.RowGroups() {
		if row < base+g.NumRows() {
			rg = g
			break
		}
		base += g.NumRows()
	}
	if rg == nil {
		return fmt.Errorf("row not found in any row group")
	}
	at := row - base
	root := s.pf.Root()
	chunks := rg.ColumnChunks()
	read := func(name string) (parquet.Value, bool, error) {
		c := leafColumn(root, name)
		if c == nil {
			return parquet.Value{}, false, nil
		}
		if err := checkColumn(c, name, parquet.ByteArray); err != nil {
			return parquet.Value{}, false, err
		}
		v, err := valueAt(chunks[c.Index()], at)
		if err != nil {
			return v, false, fmt.Errorf("column %s: %w", name, err)
		}
		return v, true, nil
	}
	if v, ok, err := read("id"); err != nil {
		return err
	} else if ok && !v.IsNull() {
		out.ID = string(v.ByteArray())
	}
	for k, kind := range review.CaptionKinds {
		for lang, suffix := range []string{"", "_cn"} {
			v, ok, err := read("caption_" + kind + suffix)
			if err != nil {
				return err
			}
			if !ok || v.IsNull() {
				continue
			}
			if lang == 0 {
				out.EN[k] = string(v.ByteArray())
			} else {
				out.ZH[k] = string(v.ByteArray())
			}
		}
	}
	if out.EN[7] == "" { // some re-uploads keep the GCoT caption only as "caption"
		if v, ok, err := read("caption"); err == nil && ok && !v.IsNull() {
			out.EN[7] = string(v.ByteArray())
		}
	}
	v, ok, err := read("image.bytes")
	if err != nil {
		return err
	}
	if ok && !v.IsNull() {
		out.Image = append([]byte(nil), v.ByteArray()...)
	}
	return nil
}

// valueAt returns the value of row `at` (within the row group) of a non-repeated column chunk. The value
// is cloned: page memory is released before returning.
func valueAt(cc parquet.ColumnChunk, at int64) (parquet.Value, error) {
	pages := cc.Pages()
	defer pages.Close()
	if err := pages.SeekToRow(at); err != nil {
		return parquet.Value{}, err
	}
	p, err := pages.ReadPage()
	if err == io.EOF {
		return parquet.Value{}, fmt.Errorf("row %d beyond the column's data", at)
	}
	if err != nil {
		return parquet.Value{}, err
	}
	defer parquet.Release(p)
	buf := make([]parquet.Value, 1)
	n, err := p.Values().ReadValues(buf)
	if n == 0 {
		if err == nil || err == io.EOF {
			err = fmt.Errorf("row %d: no value", at)
		}
		return parquet.Value{}, err
	}
	return buf[0].Clone(), nil
}

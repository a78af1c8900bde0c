package dataset

import (
	"fmt"
	"io"

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

// ReadShardRow reads one row's captions and image from a FLUX-Reason-6M shard, touching only the pages
// that hold that row (located through the page index when the shard has one).
func ReadShardRow(path string, row int64) (*ShardRow, error) {
	s, err := openShard(path, true)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	out := &ShardRow{}
	err = guard(func() error { return s.readRow(row, out) })
	if err != nil {
		return nil, fmt.Errorf("%s: row %d: %w", path, row, err)
	}
	return out, nil
}

func (s *shard) readRow(row int64, out *ShardRow) error {
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

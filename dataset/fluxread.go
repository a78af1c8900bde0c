package dataset

import (
	"errors"
	"fmt"

	"github.com/loupe-dev/loupe/review"
)

// The fast on-demand row read: from the footer (read once per open shard), the row's row group, and in
// it the pages of the columns a row read needs (id, the captions, the picture) that hold the row -
// located through the offset index where the file has one, by walking the page headers of a large
// chunk where it has none, or the whole chunk where it is small. Those ranges are read with positioned
// reads, neighbours coalesced; no other byte of the file is touched. A file or column this reader does
// not take (errUnsupported) is read by parquet-go instead.

// smallChunk is the size up to which a column chunk without an offset index is read whole rather than
// page by page (each page header found costs a read of its own). A variable for tests.
var smallChunk int64 = 256 << 10

// useOffsetIndex: pages are found through the offset index where the file has one (tests turn it off
// to walk the page headers).
var useOffsetIndex = true

// headerRead is the first guess at a page header's size when walking a chunk's pages; a header with
// statistics that does not fit is read again, larger.
const headerRead = 4 << 10

// prepare reads the footer: with the fast reader where it takes the file, else with parquet-go (and the
// page index, to find a row's pages).
func (s *shard) prepare() error {
	if !slowOnly {
		var m *pqMeta
		err := guard(func() error {
			var err error
			m, err = readFooter(s.r, s.size)
			return err
		})
		if err == nil {
			s.meta = m
			return nil
		}
	}
	return s.parse(true)
}

// readRow reads a row's id, captions and picture into out.
func (s *shard) readRow(row int64, out *ShardRow) error {
	if s.meta != nil {
		err := guard(func() error { return s.readRowFast(row, out) })
		if err == nil || !errors.Is(err, errUnsupported) && !errors.Is(err, errThrift) {
			return err
		}
		*out = ShardRow{}
		if s.pf == nil || !s.pageIndex {
			if err := s.parse(true); err != nil {
				return err
			}
		}
	}
	return s.readRowParquetGo(row, out)
}

// rowValue is one column's value in a row.
type rowValue struct {
	null bool
	s    string
}

func (s *shard) readRowFast(row int64, out *ShardRow) error {
	m := s.meta
	if row < 0 || row >= m.numRows {
		return fmt.Errorf("no such row (the shard has %d)", m.numRows)
	}
	gi, base := -1, int64(0)
	for i, g := range m.groups {
		if g.numRows < 0 {
			return errUnsupported
		}
		if row < base+g.numRows {
			gi = i
			break
		}
		base += g.numRows
	}
	if gi < 0 {
		return errUnsupported
	}
	leaf := map[string]int{}
	for i, l := range m.leaves {
		leaf[l.path] = i
	}
	var names []string
	var dst []*string
	add := func(name string, to *string) {
		if _, ok := leaf[name]; ok {
			names, dst = append(names, name), append(dst, to)
		}
	}
	add("id", &out.ID)
	for k, kind := range review.CaptionKinds {
		add("caption_"+kind, &out.EN[k])
		add("caption_"+kind+"_cn", &out.ZH[k])
	}
	var image string
	add("image.bytes", &image)
	cols := make([]int, len(names))
	for i, n := range names {
		cols[i] = leaf[n]
	}
	vals, err := s.rowValues(gi, row-base, cols)
	if err != nil {
		return err
	}
	for i, v := range vals {
		if !v.null {
			*dst[i] = v.s
		}
	}
	if out.EN[7] == "" { // some re-uploads keep the GCoT caption only as "caption"
		if c, ok := leaf["caption"]; ok {
			if vals, err := s.rowValues(gi, row-base, []int{c}); err == nil && !vals[0].null {
				out.EN[7] = vals[0].s
			}
		}
	}
	if image != "" {
		out.Image = []byte(image)
	}
	return nil
}

// rowPlan is where one column's value for a row lies.
type rowPlan struct {
	chunk    byteRange // the whole chunk
	whole    bool      // read and decode the whole chunk
	index    byteRange // the chunk's offset index, when it is used
	dict     byteRange // the dictionary page, if any (empty: none)
	page     byteRange // the data page holding the row
	firstRow int64     // the page's first row within the row group
	rows     int64     // rows in the page
}

// rowValues reads the values of row `at` of row group gi in the given leaf columns (byte arrays, not
// repeated).
func (s *shard) rowValues(gi int, at int64, cols []int) ([]rowValue, error) {
	m := s.meta
	g := m.groups[gi]
	plans := make([]rowPlan, len(cols))
	// First round: small chunks whole, and the offset indexes of the others.
	var need []byteRange
	for i, c := range cols {
		l, ch := m.leaves[c], g.chunks[c]
		if l.typ != pqByteArray || l.repeated || ch.numValues != g.numRows {
			return nil, errUnsupported
		}
		sp, err := ch.span(s.size)
		if err != nil {
			return nil, err
		}
		p := &plans[i]
		p.chunk = sp
		switch {
		case useOffsetIndex && ch.indexOffset > 0 && ch.indexLength > 0 && ch.indexLength <= maxOffsetIndex && ch.indexOffset <= s.size-int64(ch.indexLength):
			p.index = byteRange{ch.indexOffset, ch.indexOffset + int64(ch.indexLength)}
			need = append(need, p.index)
		case sp.end-sp.off <= smallChunk:
			p.whole = true
			need = append(need, sp)
		}
	}
	first, err := readSpans(s.r, need, rangeGap, nil)
	if err != nil {
		return nil, err
	}
	// Second round: the pages that hold the row.
	need = need[:0]
	for i, c := range cols {
		p := &plans[i]
		if p.whole {
			continue
		}
		ch := g.chunks[c]
		if ch.dictOffset > 0 && ch.dictOffset < ch.dataOffset {
			p.dict = byteRange{ch.dictOffset, ch.dataOffset}
			need = append(need, p.dict)
		}
		if p.index.end > 0 {
			b, err := first.slice(p.index)
			if err != nil {
				return nil, err
			}
			locs, err := parseOffsetIndex(b)
			if err != nil {
				return nil, err
			}
			k := len(locs) - 1
			for k > 0 && locs[k].firstRow > at {
				k--
			}
			l := locs[k]
			p.page = byteRange{l.offset, l.offset + int64(l.size)}
			p.firstRow = l.firstRow
			p.rows = g.numRows - l.firstRow
			if k+1 < len(locs) {
				p.rows = locs[k+1].firstRow - l.firstRow
			}
		} else if err := s.findPage(p, ch, at); err != nil {
			return nil, err
		}
		if p.page.off < p.chunk.off || p.page.end > p.chunk.end || p.dict.off < p.chunk.off && p.dict.end > 0 ||
			p.dict.end > p.chunk.end || p.rows <= 0 || at < p.firstRow || at >= p.firstRow+p.rows {
			return nil, errUnsupported
		}
		need = append(need, p.page)
	}
	pagesBuf := getBuf()
	second, err := readSpans(s.r, need, rangeGap, *pagesBuf)
	if err != nil {
		putBuf(pagesBuf)
		return nil, err
	}
	*pagesBuf = second.buf
	defer putBuf(pagesBuf)
	dec := newPageDecoder(int(min(s.size, 1<<40)))
	decBuf := getBuf()
	dec.buf = *decBuf
	defer func() { *decBuf = dec.buf; putBuf(decBuf) }()
	out := make([]rowValue, len(cols))
	for i, c := range cols {
		p, l, ch := &plans[i], m.leaves[c], g.chunks[c]
		k := at
		if !p.whole {
			k = at - p.firstRow
		}
		cv := chunkValues{pick: true, pickRow: int(k), pickDef: l.maxDef, pickVal: -1}
		if p.whole {
			src, err := first.slice(p.chunk)
			if err != nil {
				return nil, err
			}
			if err := dec.chunk(src, ch, l, int(g.numRows), &cv); err != nil {
				return nil, err
			}
		} else {
			dec.dictInts, dec.dictStrs = dec.dictInts[:0], dec.dictStrs[:0]
			haveDict := false
			if p.dict.end > 0 {
				src, err := second.slice(p.dict)
				if err != nil {
					return nil, err
				}
				if _, err := dec.pages(src, ch.codec, l, int(p.rows), &haveDict, &cv); err != nil {
					return nil, err
				}
			}
			src, err := second.slice(p.page)
			if err != nil {
				return nil, err
			}
			got, err := dec.pages(src, ch.codec, l, int(p.rows), &haveDict, &cv)
			if err != nil {
				return nil, err
			}
			if int64(got) != p.rows {
				return nil, errUnsupported
			}
		}
		v, err := valueOf(&cv, l, int(k))
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// valueOf returns the k-th row's value of a decoded byte-array column.
func valueOf(cv *chunkValues, l pqLeaf, k int) (rowValue, error) {
	vi := k
	if l.maxDef > 0 {
		if k >= len(cv.null) {
			return rowValue{}, errUnsupported
		}
		if cv.null[k] {
			return rowValue{null: true}, nil
		}
		vi = 0
		for _, n := range cv.null[:k] {
			if !n {
				vi++
			}
		}
	}
	if vi >= len(cv.strs) {
		return rowValue{}, errUnsupported
	}
	return rowValue{s: cv.strs[vi]}, nil
}

// findPage walks the page headers of a chunk without an offset index to the data page that holds row
// at, reading each header alone.
func (s *shard) findPage(p *rowPlan, ch pqChunk, at int64) error {
	pos, first := p.chunk.off, int64(0)
	for pos < p.chunk.end {
		var h pageHeader
		var hl int
		var err error
		for try := int64(headerRead); ; try *= 16 {
			n := min(try, p.chunk.end-pos)
			b := make([]byte, n)
			if _, err := s.r.ReadAt(b, pos); err != nil {
				return errUnsupported
			}
			h, hl, err = parsePageHeader(b)
			if err == nil || n == p.chunk.end-pos || try > maxRangeBatch {
				break
			}
		}
		if err != nil {
			return err
		}
		next := pos + int64(hl) + int64(h.csize)
		switch h.typ {
		case pageDictionary:
			if first == 0 {
				p.dict = byteRange{pos, next}
			}
		case pageData, pageDataV2:
			n := int64(h.rows())
			if n <= 0 {
				return errUnsupported
			}
			if at < first+n {
				p.page, p.firstRow, p.rows = byteRange{pos, next}, first, n
				return nil
			}
			first += n
		}
		pos = next
	}
	return errUnsupported
}

package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strings"
	"sync"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/loupe-dev/loupe/review"
)

// The fast path reads the metadata columns of a shard directly, in positioned reads of exactly their
// column chunks (pqranges.go): footer fields without the statistics, page headers, Snappy/Zstd/Gzip,
// PLAIN and dictionary encodings, data pages v1 and v2 - what pyarrow, the hub's writers and parquet-go
// produce. Anything else (another encoding or codec, a repeated column, a file it cannot make sense of)
// returns errUnsupported and the caller reads the shard with parquet-go instead, which also gives the
// error messages for broken files.

// chunkValues is one decoded column chunk: per row, whether it is null, and its value.
type chunkValues struct {
	null  []bool
	ints  []int64
	bools []bool
	strs  []string
	// pick: only row pickRow's byte-array value (rows counted from the first appended) is copied out
	// of its page, the others are left "": a row read wants one picture, not its page's dozens. pickDef
	// is the column's maximum definition level; pickVal the value's index once known (-1 before).
	pick             bool
	pickRow, pickDef int
	pickVal          int
}

// keepStr says whether the next byte-array value to be appended is to be copied.
func (cv *chunkValues) keepStr() bool {
	if !cv.pick {
		return true
	}
	if cv.pickVal < 0 {
		switch {
		case cv.pickDef == 0:
			cv.pickVal = cv.pickRow
		case cv.pickRow >= len(cv.null):
			return false // its page's levels are not decoded yet: this value is before it
		case cv.null[cv.pickRow]:
			cv.pickVal = math.MaxInt
		default:
			cv.pickVal = 0
			for _, n := range cv.null[:cv.pickRow] {
				if !n {
					cv.pickVal++
				}
			}
		}
	}
	return len(cv.strs) == cv.pickVal
}

type pageDecoder struct {
	buf      []byte // decompression buffer
	idx      []uint32
	dictInts []int64
	dictStrs []string
	// budget is how many bytes the decoder may still produce (decompressed pages, decoded strings).
	// Sizes and counts in a file are claims: without a bound a few bytes could ask for gigabytes (a
	// page header's uncompressed size, a zstd frame's content size, a DELTA_BYTE_ARRAY that repeats a
	// long prefix). A file that needs more is left to parquet-go.
	budget int64
}

// Bounds of the fast reader. A shard's metadata columns are a small part of it (the pictures are the
// rest), so real shards stay far inside them; a file past them is read by parquet-go instead.
const (
	fastExpand   = 8       // decoded bytes per byte of file
	fastSlack    = 1 << 20 // decoded bytes any file may use
	fastRowBytes = 8       // bytes of file per row, at least
)

// newPageDecoder makes a decoder for a file of size bytes.
func newPageDecoder(size int) pageDecoder {
	return pageDecoder{budget: fastExpand*int64(size) + fastSlack}
}

// spend takes n bytes from the budget.
func (d *pageDecoder) spend(n int64) error {
	if n < 0 || n > d.budget {
		return errUnsupported
	}
	d.budget -= n
	return nil
}

var zstdPool = sync.Pool{New: func() any {
	// DecodeAll decodes at most cap(dst) bytes: never what a frame header claims
	d, _ := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecodeAllCapLimit(true))
	return d
}}

// grow returns d.buf with room for n bytes.
func (d *pageDecoder) grow(n int) []byte {
	if cap(d.buf) < n {
		d.buf = make([]byte, 0, n)
	}
	return d.buf[:0]
}

// decompress decodes a page body whose header says it is size bytes uncompressed; more is an error.
func (d *pageDecoder) decompress(codec int32, src []byte, size int) ([]byte, error) {
	if codec == codecNone {
		return src, nil
	}
	if size < 0 {
		return nil, errThrift
	}
	if err := d.spend(int64(size)); err != nil {
		return nil, err
	}
	switch codec {
	case codecSnappy:
		n, err := snappy.DecodedLen(src)
		if err != nil || n != size {
			return nil, errUnsupported
		}
		return snappy.Decode(d.grow(n)[:n], src)
	case codecZstd:
		z := zstdPool.Get().(*zstd.Decoder)
		defer zstdPool.Put(z)
		out, err := z.DecodeAll(src, d.grow(size))
		if err != nil {
			return nil, err
		}
		return out, nil
	case codecGzip:
		zr, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		out, err := io.ReadAll(io.LimitReader(zr, int64(size)+1))
		if err != nil {
			return nil, err
		}
		if len(out) > size {
			return nil, errThrift
		}
		return out, nil
	}
	return nil, errUnsupported
}

// hybrid decodes n values of the RLE / bit-packed hybrid encoding with the given bit width.
func hybrid(b []byte, width, n int, out []uint32) ([]uint32, error) {
	out = out[:0]
	if width == 0 {
		for len(out) < n {
			out = append(out, 0)
		}
		return out, nil
	}
	if width > 32 {
		return nil, errUnsupported
	}
	byteW := (width + 7) / 8
	mask := uint64(1)<<width - 1
	pos := 0
	for len(out) < n {
		h, k := binary.Uvarint(b[pos:])
		if k <= 0 {
			return nil, errThrift
		}
		pos += k
		if h&1 == 0 { // RLE run
			count := int(h >> 1)
			if pos+byteW > len(b) {
				return nil, errThrift
			}
			var v uint32
			for i := range byteW {
				v |= uint32(b[pos+i]) << (8 * i)
			}
			pos += byteW
			for range min(count, n-len(out)) {
				out = append(out, v)
			}
			continue
		}
		if h>>1 > uint64(len(b)-pos) { // a group of 8 values takes width (>= 1) bytes
			return nil, errThrift
		}
		groups := int(h >> 1)
		nb := groups * width
		if pos+nb > len(b) {
			return nil, errThrift
		}
		packed := b[pos : pos+nb]
		pos += nb
		for i := 0; i < groups*8 && len(out) < n; i++ {
			bit := i * width
			var w uint64
			for j := 0; j < 8 && bit/8+j < len(packed); j++ {
				w |= uint64(packed[bit/8+j]) << (8 * j)
			}
			out = append(out, uint32((w>>(bit%8))&mask))
		}
	}
	return out, nil
}

// pageHeader is what the decoder needs of a page header.
type pageHeader struct {
	typ, usize, csize           int32
	numValues, encoding, defEnc int32 // data page v1 or dictionary page
	v2                          struct {
		numValues, numNulls, encoding, defLen, repLen int32
		compressed                                    bool
	}
}

// rows is how many rows (values: the columns read are not repeated) a data page holds; 0 for others.
func (h *pageHeader) rows() int {
	switch h.typ {
	case pageData:
		return int(h.numValues)
	case pageDataV2:
		return int(h.v2.numValues)
	}
	return 0
}

// parsePageHeader parses the page header at the start of b and returns it with its length in bytes.
func parsePageHeader(b []byte) (pageHeader, int, error) {
	var h pageHeader
	h.v2.compressed = true
	r := &tReader{b: b}
	err := r.structFields(0, func(id int16, t byte) (bool, error) {
		var err error
		switch {
		case id == 1 && t == tI32:
			h.typ, err = r.i32()
		case id == 2 && t == tI32:
			h.usize, err = r.i32()
		case id == 3 && t == tI32:
			h.csize, err = r.i32()
		case (id == 5 || id == 7) && t == tStruct: // data page v1 / dictionary page
			return true, r.structFields(1, func(id int16, t byte) (bool, error) {
				var err error
				switch {
				case id == 1 && t == tI32:
					h.numValues, err = r.i32()
				case id == 2 && t == tI32:
					h.encoding, err = r.i32()
				case id == 3 && t == tI32:
					h.defEnc, err = r.i32()
				default:
					return false, nil
				}
				return true, err
			})
		case id == 8 && t == tStruct:
			return true, r.structFields(1, func(id int16, t byte) (bool, error) {
				var err error
				switch {
				case id == 1 && t == tI32:
					h.v2.numValues, err = r.i32()
				case id == 2 && t == tI32:
					h.v2.numNulls, err = r.i32()
				case id == 4 && t == tI32:
					h.v2.encoding, err = r.i32()
				case id == 5 && t == tI32:
					h.v2.defLen, err = r.i32()
				case id == 6 && t == tI32:
					h.v2.repLen, err = r.i32()
				case id == 7 && (t == tTrue || t == tFalse):
					h.v2.compressed = t == tTrue
				default:
					return false, nil
				}
				return true, err
			})
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return h, 0, err
	}
	if h.csize < 0 || h.usize < 0 {
		return h, 0, errUnsupported
	}
	return h, r.pos, nil
}

// chunk decodes the pages of one column chunk (src: its bytes, dictionary page first) and appends its
// values to cv.
func (d *pageDecoder) chunk(src []byte, c pqChunk, leaf pqLeaf, rows int, cv *chunkValues) error {
	if c.numValues != int64(rows) {
		return errUnsupported
	}
	d.dictInts, d.dictStrs = d.dictInts[:0], d.dictStrs[:0]
	haveDict := false
	got, err := d.pages(src, c.codec, leaf, rows, &haveDict, cv)
	if err != nil {
		return err
	}
	if got != rows {
		return errUnsupported
	}
	return nil
}

// pages decodes the pages in src - a whole column chunk, or some of its pages - until maxRows rows are
// read or src ends, and returns the number of rows decoded. A dictionary page among them is kept for
// the data pages after it (haveDict says one was read, here or by an earlier call).
func (d *pageDecoder) pages(src []byte, codec int32, leaf pqLeaf, maxRows int, haveDict *bool, cv *chunkValues) (int, error) {
	pos := 0
	got := 0
	for got < maxRows && pos < len(src) {
		h, hl, err := parsePageHeader(src[pos:])
		if err != nil {
			return got, err
		}
		body := pos + hl
		if int64(h.csize) > int64(len(src)-body) {
			return got, errUnsupported
		}
		payload := src[body : body+int(h.csize)]
		pos = body + int(h.csize)
		switch h.typ {
		case pageDictionary:
			if h.encoding != encPlain && h.encoding != encPlainDictionary {
				return got, errUnsupported
			}
			raw, err := d.decompress(codec, payload, int(h.usize))
			if err != nil {
				return got, err
			}
			if err := d.plainDict(raw, leaf.typ, int(h.numValues)); err != nil {
				return got, err
			}
			*haveDict = true
		case pageData:
			n := int(h.numValues)
			if n < 0 || n > maxRows-got { // more values than the chunk's rows left: a claim, not data
				return got, errThrift
			}
			raw, err := d.decompress(codec, payload, int(h.usize))
			if err != nil {
				return got, err
			}
			nonNull := n
			if leaf.maxDef > 0 {
				if h.defEnc != encRLE || len(raw) < 4 {
					return got, errUnsupported
				}
				l := int(binary.LittleEndian.Uint32(raw))
				if l < 0 || l > len(raw)-4 {
					return got, errThrift
				}
				if nonNull, err = d.defs(raw[4:4+l], leaf.maxDef, n, cv); err != nil {
					return got, err
				}
				raw = raw[4+l:]
			}
			if err := d.values(raw, leaf.typ, h.encoding, nonNull, *haveDict, cv); err != nil {
				return got, err
			}
			got += n
		case pageDataV2:
			n := int(h.v2.numValues)
			if n < 0 || n > maxRows-got {
				return got, errThrift
			}
			if h.v2.repLen != 0 || int(h.v2.defLen) > len(payload) || h.v2.defLen < 0 {
				return got, errUnsupported
			}
			nonNull := n
			if leaf.maxDef > 0 {
				if nonNull, err = d.defs(payload[:h.v2.defLen], leaf.maxDef, n, cv); err != nil {
					return got, err
				}
			}
			raw := payload[h.v2.defLen:]
			if h.v2.compressed {
				if raw, err = d.decompress(codec, raw, int(h.usize-h.v2.defLen)); err != nil {
					return got, err
				}
			}
			if err := d.values(raw, leaf.typ, h.v2.encoding, nonNull, *haveDict, cv); err != nil {
				return got, err
			}
			got += n
		}
	}
	return got, nil
}

// defs decodes n definition levels (up to maxDef) into cv.null - a value is null unless its level is
// maxDef - and returns the number of non-null values.
func (d *pageDecoder) defs(b []byte, maxDef, n int, cv *chunkValues) (int, error) {
	var err error
	d.idx, err = hybrid(b, bits.Len(uint(maxDef)), n, d.idx)
	if err != nil {
		return 0, err
	}
	nonNull := 0
	for _, l := range d.idx {
		full := l == uint32(maxDef)
		cv.null = append(cv.null, !full)
		if full {
			nonNull++
		}
	}
	return nonNull, nil
}

func (d *pageDecoder) plainDict(b []byte, typ int32, n int) error {
	if typ == pqBoolean {
		return errUnsupported
	}
	var cv chunkValues
	cv.ints, cv.strs = d.dictInts[:0], d.dictStrs[:0]
	if err := d.plain(b, typ, n, &cv); err != nil {
		return err
	}
	d.dictInts, d.dictStrs = cv.ints, cv.strs
	return nil
}

// plain decodes n PLAIN-encoded values and appends them to cv.
func (d *pageDecoder) plain(b []byte, typ int32, n int, cv *chunkValues) error {
	switch typ {
	case pqInt32:
		if len(b) < 4*n {
			return errThrift
		}
		for i := range n {
			cv.ints = append(cv.ints, int64(int32(binary.LittleEndian.Uint32(b[4*i:]))))
		}
	case pqInt64:
		if len(b) < 8*n {
			return errThrift
		}
		for i := range n {
			cv.ints = append(cv.ints, int64(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case pqBoolean:
		if len(b)*8 < n {
			return errThrift
		}
		for i := range n {
			cv.bools = append(cv.bools, b[i/8]&(1<<(i%8)) != 0)
		}
	case pqByteArray:
		pos := 0
		for range n {
			if pos+4 > len(b) {
				return errThrift
			}
			l := int(binary.LittleEndian.Uint32(b[pos:]))
			pos += 4
			if l < 0 || pos+l > len(b) {
				return errThrift
			}
			if !cv.keepStr() {
				cv.strs = append(cv.strs, "")
				pos += l
				continue
			}
			if err := d.spend(int64(l)); err != nil {
				return err
			}
			cv.strs = append(cv.strs, string(b[pos:pos+l]))
			pos += l
		}
	default:
		return errUnsupported
	}
	return nil
}

// values decodes n non-null values and appends them to cv.
func (d *pageDecoder) values(b []byte, typ, encoding int32, n int, haveDict bool, cv *chunkValues) error {
	switch {
	case encoding == encRLEDictionary || encoding == encPlainDictionary:
		if !haveDict || len(b) < 1 {
			return errUnsupported
		}
		var err error
		if d.idx, err = hybrid(b[1:], int(b[0]), n, d.idx); err != nil {
			return err
		}
		for _, i := range d.idx {
			switch typ {
			case pqInt32, pqInt64:
				if int(i) >= len(d.dictInts) {
					return errThrift
				}
				cv.ints = append(cv.ints, d.dictInts[i])
			case pqByteArray:
				if int(i) >= len(d.dictStrs) {
					return errThrift
				}
				cv.strs = append(cv.strs, d.dictStrs[i])
			default:
				return errUnsupported
			}
		}
		return nil
	case encoding == encPlain:
		return d.plain(b, typ, n, cv)
	case encoding == encDeltaBinaryPacked && (typ == pqInt32 || typ == pqInt64):
		vals, _, err := deltaBinaryPacked(b, n, nil)
		if err != nil {
			return err
		}
		for _, v := range vals {
			if typ == pqInt32 {
				v = int64(int32(v))
			}
			cv.ints = append(cv.ints, v)
		}
		return nil
	case encoding == encDeltaLengthByteArray && typ == pqByteArray:
		lens, used, err := deltaBinaryPacked(b, n, nil)
		if err != nil {
			return err
		}
		pos := used
		for _, l := range lens {
			if l < 0 || int64(pos)+l > int64(len(b)) {
				return errThrift
			}
			if !cv.keepStr() {
				cv.strs = append(cv.strs, "")
				pos += int(l)
				continue
			}
			if err := d.spend(l); err != nil {
				return err
			}
			cv.strs = append(cv.strs, string(b[pos:pos+int(l)]))
			pos += int(l)
		}
		return nil
	case encoding == encDeltaByteArray && typ == pqByteArray:
		prefix, used, err := deltaBinaryPacked(b, n, nil)
		if err != nil {
			return err
		}
		suffix, used2, err := deltaBinaryPacked(b[used:], n, nil)
		if err != nil {
			return err
		}
		pos := used + used2
		prev := ""
		for i := range n {
			p, l := prefix[i], suffix[i]
			if p < 0 || p > int64(len(prev)) || l < 0 || int64(pos)+l > int64(len(b)) {
				return errThrift
			}
			// each value copies its prefix: a long one repeated costs its length every time
			if err := d.spend(p + l); err != nil {
				return err
			}
			v := prev[:p] + string(b[pos:pos+int(l)])
			pos += int(l)
			cv.strs = append(cv.strs, v)
			prev = v
		}
		return nil
	case encoding == encRLE && typ == pqBoolean:
		if len(b) < 4 {
			return errThrift
		}
		l := int(binary.LittleEndian.Uint32(b))
		if 4+l > len(b) {
			return errThrift
		}
		var err error
		if d.idx, err = hybrid(b[4:4+l], 1, n, d.idx); err != nil {
			return err
		}
		for _, v := range d.idx {
			cv.bools = append(cv.bools, v != 0)
		}
		return nil
	}
	return errUnsupported
}

// deltaBinaryPacked decodes n values of the DELTA_BINARY_PACKED encoding and returns them with the
// number of bytes used.
func deltaBinaryPacked(b []byte, n int, out []int64) ([]int64, int, error) {
	pos := 0
	uv := func() (uint64, error) {
		v, k := binary.Uvarint(b[pos:])
		if k <= 0 {
			return 0, errThrift
		}
		pos += k
		return v, nil
	}
	blockSize, err := uv()
	if err != nil {
		return nil, 0, err
	}
	miniBlocks, err := uv()
	if err != nil || miniBlocks == 0 || blockSize == 0 || blockSize%miniBlocks != 0 || blockSize > 1<<16 {
		return nil, 0, errThrift
	}
	total, err := uv()
	if err != nil || total < uint64(n) {
		return nil, 0, errThrift
	}
	first, err := uv()
	if err != nil {
		return nil, 0, err
	}
	v := int64(first>>1) ^ -int64(first&1)
	out = append(out[:0], v)
	perMini := int(blockSize / miniBlocks)
	// total is a claim: only the n values asked for are decoded (the rest are skipped, so that a
	// second stream after this one is found), and every miniblock read takes bytes
	for count := uint64(1); count < total; {
		md, err := uv()
		if err != nil {
			return nil, 0, err
		}
		minDelta := int64(md>>1) ^ -int64(md&1)
		if pos+int(miniBlocks) > len(b) {
			return nil, 0, errThrift
		}
		widths := b[pos : pos+int(miniBlocks)]
		pos += int(miniBlocks)
		for _, w := range widths {
			if count >= total {
				break
			}
			if w > 64 {
				return nil, 0, errThrift
			}
			nb := (perMini*int(w) + 7) / 8
			if pos+nb > len(b) {
				return nil, 0, errThrift
			}
			packed := b[pos : pos+nb]
			pos += nb
			k := min(uint64(perMini), total-count)
			count += k
			for i := 0; i < int(k) && len(out) < n; i++ {
				var delta uint64
				if w > 0 {
					bit := i * int(w)
					for j := 0; j < int(w); j++ { // bit by bit: widths up to 64 without overflow tricks
						q := bit + j
						if packed[q/8]&(1<<(q%8)) != 0 {
							delta |= 1 << j
						}
					}
				}
				v += minDelta + int64(delta)
				out = append(out, v)
			}
		}
	}
	if len(out) < n {
		return nil, 0, errThrift
	}
	return out[:n], pos, nil
}

// fastIndex indexes a shard held in memory; errUnsupported (or any error) means "use parquet-go".
func fastIndex(path string, data []byte, idx *ShardIndex) error {
	return fastIndexAt(path, bytes.NewReader(data), int64(len(data)), idx)
}

// indexBatch is how many bytes of column chunks the indexer reads before decoding them: row groups are
// read a few at a time, so that memory stays bounded whatever the shard's size.
const indexBatch = 8 << 20

// fastIndexAt indexes a shard of size bytes read through r, reading only its footer and the column
// chunks of the columns the index needs (see readSpans); errUnsupported (or any error) means "use
// parquet-go".
func fastIndexAt(path string, r io.ReaderAt, size int64, idx *ShardIndex) error {
	m, err := readFooter(r, size)
	if err != nil {
		return err
	}
	leafIdx := map[string]int{}
	groups := map[string]bool{} // top-level names that are groups, not leaves
	for i, l := range m.leaves {
		leafIdx[l.path] = i
		if top, _, nested := strings.Cut(l.path, "."); nested {
			groups[top] = true
		}
	}
	type want struct {
		leaf int
		kind int // 0 id, 1 score, 2 flag, 3 caption nulls
		slot int
	}
	var cols []want
	check := func(name string, kind, slot int, types ...int32) (bool, error) {
		i, ok := leafIdx[name]
		if !ok {
			if groups[name] {
				return false, errUnsupported // parquet-go's path reports the group
			}
			return false, nil
		}
		l := m.leaves[i]
		if l.repeated || l.maxDef > 1 {
			return false, errUnsupported
		}
		for _, t := range types {
			if l.typ == t {
				cols = append(cols, want{i, kind, slot})
				return true, nil
			}
		}
		return false, errUnsupported // wrong type: parquet-go's path words the error
	}
	if ok, err := check("id", 0, 0, pqByteArray); !ok || err != nil {
		return errUnsupported
	}
	for i, p := range review.PipelineScores {
		if _, err := check("score_"+p.Column, 1, i, pqInt32, pqInt64); err != nil {
			return err
		}
	}
	for i, k := range review.CaptionKinds {
		ok, err := check("bool_caption_"+k, 2, i, pqBoolean)
		if err != nil {
			return err
		}
		if !ok {
			if _, err := check("caption_"+k, 3, i, pqByteArray); err != nil {
				return err
			}
		}
	}
	_, idx.HasImage = leafIdx["image.bytes"]
	if m.numRows < 0 || m.numRows > size/fastRowBytes {
		return errUnsupported // the row count is a claim: it must not size the index before the data backs it
	}
	idx.NumRows = m.numRows
	rows := make([]review.IndexedRow, m.numRows)
	for i := range rows {
		rows[i].Row = int64(i)
		rows[i].Scores = review.NoScores
	}
	bad := make([]string, m.numRows)
	dec := newPageDecoder(int(min(size, 1<<40)))
	var cv chunkValues
	var base int64
	buf := getBuf()
	defer putBuf(buf)
	for g0 := 0; g0 < len(m.groups); {
		// the chunks of row groups g0..g1-1, read together
		var need []byteRange
		var total int64
		g1 := g0
		for g1 < len(m.groups) && (g1 == g0 || total < indexBatch) {
			for _, w := range cols {
				sp, err := m.groups[g1].chunks[w.leaf].span(size)
				if err != nil {
					return err
				}
				need = append(need, sp)
				total += sp.end - sp.off
			}
			g1++
		}
		spans, err := readSpans(r, need, rangeGap, *buf)
		if err != nil {
			return err
		}
		*buf = spans.buf
		for _, g := range m.groups[g0:g1] {
			n := g.numRows
			if n < 0 || base+n > m.numRows {
				return errUnsupported
			}
			for _, w := range cols {
				cv.null, cv.ints, cv.bools, cv.strs = cv.null[:0], cv.ints[:0], cv.bools[:0], cv.strs[:0]
				sp, _ := g.chunks[w.leaf].span(size)
				src, err := spans.slice(sp)
				if err != nil {
					return err
				}
				if err := dec.chunk(src, g.chunks[w.leaf], m.leaves[w.leaf], int(n), &cv); err != nil {
					return err
				}
				if err := apply(&cv, w.kind, w.slot, m.leaves[w.leaf], rows[base:base+n], bad[base:base+n]); err != nil {
					return err
				}
			}
			base += n
		}
		g0 = g1
	}
	if base != m.numRows {
		return errUnsupported
	}
	finishIndex(path, idx, rows, bad)
	return nil
}

// apply stores one decoded chunk into the rows.
func apply(cv *chunkValues, kind, slot int, leaf pqLeaf, rows []review.IndexedRow, bad []string) error {
	if leaf.maxDef > 0 && len(cv.null) != len(rows) {
		return errUnsupported
	}
	vi := 0
	for i := range rows {
		null := leaf.maxDef > 0 && cv.null[i]
		if null {
			continue
		}
		switch kind {
		case 0:
			if vi >= len(cv.strs) {
				return errUnsupported
			}
			rows[i].ExtID = cv.strs[vi]
		case 1:
			if vi >= len(cv.ints) {
				return errUnsupported
			}
			x := cv.ints[vi]
			if x < 0 || x > 10 {
				if bad[i] == "" {
					bad[i] = fmt.Sprintf("%s = %d is outside 0-10", "score_"+review.PipelineScores[slot].Column, x)
				}
			} else {
				rows[i].Scores[slot] = int8(x)
			}
		case 2:
			if vi >= len(cv.bools) {
				return errUnsupported
			}
			if cv.bools[vi] {
				rows[i].Captions |= 1 << slot
			}
		case 3:
			rows[i].Captions |= 1 << slot
		}
		vi++
	}
	return nil
}

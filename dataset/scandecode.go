package dataset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"math/bits"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

// The scanner's column decoder: a whole byte-array column chunk of a row group at once, its page bodies
// decompressed into one arena and every row's value located there by offset, without a copy or an
// allocation per value (pqfast.go's pageDecoder makes a string of each). The pictures of a row group
// are handed out as slices of their arena, the captions as substrings of one string made of theirs.
// It takes what pageDecoder takes for byte arrays (PLAIN, dictionary, DELTA_LENGTH_BYTE_ARRAY,
// DELTA_BYTE_ARRAY; data pages v1 and v2; no codec, Snappy, Gzip, Zstd); anything else is
// errUnsupported and the scanner reads the shard with parquet-go.

// scanVal is where a row's value lies in its arena; n < 0: null.
type scanVal struct{ off, n int }

// scanDecoder decodes byte-array column chunks for the scanner. budget bounds the bytes it may produce
// over its life, as pageDecoder's does (sizes in a file are claims).
type scanDecoder struct {
	defs   []uint32
	idx    []uint32
	dict   []scanVal
	lens   []int64
	lens2  []int64
	budget int64
}

// newScanDecoder makes a decoder for a file of size bytes.
func newScanDecoder(size int64) *scanDecoder {
	return &scanDecoder{budget: fastExpand*size + fastSlack}
}

func (d *scanDecoder) spend(n int64) error {
	if n < 0 || n > d.budget {
		return errUnsupported
	}
	d.budget -= n
	return nil
}

// arenaSize is the bytes the page bodies of a chunk take decompressed (the header's claims, bounded by
// the budget): what an arena that holds them all without growing needs.
func (d *scanDecoder) arenaSize(src []byte) (int, error) {
	var total int64
	for pos := 0; pos < len(src); {
		h, hl, err := parsePageHeader(src[pos:])
		if err != nil {
			return 0, err
		}
		if int64(h.csize) > int64(len(src)-pos-hl) {
			return 0, errUnsupported
		}
		pos += hl + int(h.csize)
		total += int64(max(h.usize, h.csize))
		if total > d.budget {
			return 0, errUnsupported
		}
	}
	return int(total), nil
}

// room returns arena with at least n bytes of capacity after its length.
func room(arena []byte, n int) []byte {
	if cap(arena)-len(arena) >= n {
		return arena
	}
	out := make([]byte, len(arena), max(2*cap(arena), len(arena)+n))
	copy(out, arena)
	return out
}

// body appends a page body of size bytes decompressed (src as stored) to arena.
func (d *scanDecoder) body(arena []byte, codec int32, src []byte, size int) ([]byte, error) {
	if codec == codecNone {
		size = len(src)
	}
	if size < 0 {
		return nil, errThrift
	}
	if err := d.spend(int64(size)); err != nil {
		return nil, err
	}
	arena = room(arena, size)
	at := len(arena)
	dst := arena[at : at+size : at+size]
	switch codec {
	case codecNone:
		copy(dst, src)
	case codecSnappy:
		n, err := snappy.DecodedLen(src)
		if err != nil || n != size {
			return nil, errUnsupported
		}
		out, err := snappy.Decode(dst, src)
		if err != nil {
			return nil, err
		}
		if len(out) != size || size > 0 && &out[0] != &dst[0] {
			return nil, errUnsupported
		}
	case codecZstd:
		z := zstdPool.Get().(*zstd.Decoder)
		out, err := z.DecodeAll(src, dst[:0])
		zstdPool.Put(z)
		if err != nil {
			return nil, err
		}
		if len(out) != size || size > 0 && &out[0] != &dst[0] {
			return nil, errUnsupported
		}
	case codecGzip:
		zr, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		if _, err := io.ReadFull(zr, dst); err != nil {
			return nil, errThrift
		}
		if n, _ := zr.Read(make([]byte, 1)); n > 0 {
			return nil, errThrift // more than the header says
		}
	default:
		return nil, errUnsupported
	}
	return arena[:at+size], nil
}

// chunk decodes the pages of a byte-array column chunk (src: its bytes, dictionary page first) holding
// rows values: their bytes go to arena, one scanVal per row to vals (offsets into the returned arena).
func (d *scanDecoder) chunk(src []byte, codec int32, leaf pqLeaf, rows int, arena []byte, vals []scanVal) ([]byte, []scanVal, error) {
	if leaf.typ != pqByteArray || leaf.repeated {
		return nil, nil, errUnsupported
	}
	d.dict = d.dict[:0]
	haveDict := false
	got := 0
	for pos := 0; pos < len(src) && got < rows; {
		h, hl, err := parsePageHeader(src[pos:])
		if err != nil {
			return nil, nil, err
		}
		b := pos + hl
		if int64(h.csize) > int64(len(src)-b) {
			return nil, nil, errUnsupported
		}
		payload := src[b : b+int(h.csize)]
		pos = b + int(h.csize)
		switch h.typ {
		case pageDictionary:
			if h.encoding != encPlain && h.encoding != encPlainDictionary {
				return nil, nil, errUnsupported
			}
			at := len(arena)
			if arena, err = d.body(arena, codec, payload, int(h.usize)); err != nil {
				return nil, nil, err
			}
			if d.dict, err = plainVals(arena[at:], at, int(h.numValues), d.dict[:0]); err != nil {
				return nil, nil, err
			}
			haveDict = true
		case pageData, pageDataV2:
			n := h.rows()
			if n < 0 || n > rows-got {
				return nil, nil, errThrift
			}
			var levels []byte
			values := payload
			usize := int(h.usize)
			enc := h.encoding
			if h.typ == pageDataV2 {
				enc = h.v2.encoding
				if h.v2.repLen != 0 || h.v2.defLen < 0 || int(h.v2.defLen) > len(payload) {
					return nil, nil, errUnsupported
				}
				levels, values = payload[:h.v2.defLen], payload[h.v2.defLen:]
				usize -= int(h.v2.defLen)
				if !h.v2.compressed {
					at := len(arena)
					if arena, err = d.body(arena, codecNone, values, len(values)); err != nil {
						return nil, nil, err
					}
					if arena, vals, err = d.values(arena, at, leaf, n, levels, enc, haveDict, vals); err != nil {
						return nil, nil, err
					}
					got += n
					continue
				}
			}
			at := len(arena)
			if arena, err = d.body(arena, codec, values, usize); err != nil {
				return nil, nil, err
			}
			if h.typ == pageData && leaf.maxDef > 0 {
				// v1: the definition levels lead the decompressed body, after their length
				raw := arena[at:]
				if h.defEnc != encRLE || len(raw) < 4 {
					return nil, nil, errUnsupported
				}
				l := int(binary.LittleEndian.Uint32(raw))
				if l < 0 || l > len(raw)-4 {
					return nil, nil, errThrift
				}
				levels = raw[4 : 4+l]
				at += 4 + l
			}
			if arena, vals, err = d.values(arena, at, leaf, n, levels, enc, haveDict, vals); err != nil {
				return nil, nil, err
			}
			got += n
		}
	}
	if got != rows {
		return nil, nil, errUnsupported
	}
	return arena, vals, nil
}

// values decodes a data page of n rows whose encoded values are arena[at:] (levels: its definition
// levels) and appends one scanVal per row.
func (d *scanDecoder) values(arena []byte, at int, leaf pqLeaf, n int, levels []byte, enc int32, haveDict bool, vals []scanVal) ([]byte, []scanVal, error) {
	nonNull := n
	if leaf.maxDef > 0 {
		var err error
		if d.defs, err = hybrid(levels, bits.Len(uint(leaf.maxDef)), n, d.defs); err != nil {
			return nil, nil, err
		}
		nonNull = 0
		for _, l := range d.defs {
			if l == uint32(leaf.maxDef) {
				nonNull++
			}
		}
	}
	first := len(vals)
	b := arena[at:]
	var err error
	switch enc {
	case encPlain:
		vals, err = plainVals(b, at, nonNull, vals)
	case encRLEDictionary, encPlainDictionary:
		if !haveDict || len(b) < 1 {
			return nil, nil, errUnsupported
		}
		if d.idx, err = hybrid(b[1:], int(b[0]), nonNull, d.idx); err != nil {
			return nil, nil, err
		}
		for _, i := range d.idx {
			if int(i) >= len(d.dict) {
				return nil, nil, errThrift
			}
			vals = append(vals, d.dict[i])
		}
	case encDeltaLengthByteArray:
		var used int
		if d.lens, used, err = deltaBinaryPacked(b, nonNull, d.lens); err != nil {
			return nil, nil, err
		}
		pos := used
		for _, l := range d.lens {
			if l < 0 || int64(pos)+l > int64(len(b)) {
				return nil, nil, errThrift
			}
			vals = append(vals, scanVal{at + pos, int(l)})
			pos += int(l)
		}
	case encDeltaByteArray:
		// each value is a prefix of the one before and a suffix: built at the arena's end
		var used, used2 int
		if d.lens, used, err = deltaBinaryPacked(b, nonNull, d.lens); err != nil {
			return nil, nil, err
		}
		if d.lens2, used2, err = deltaBinaryPacked(b[used:], nonNull, d.lens2); err != nil {
			return nil, nil, err
		}
		pos := at + used + used2
		prev := scanVal{}
		for i := range nonNull {
			p, l := d.lens[i], d.lens2[i]
			if p < 0 || p > int64(prev.n) || l < 0 || int64(pos)+l > int64(len(arena)) {
				return nil, nil, errThrift
			}
			if err := d.spend(p + l); err != nil {
				return nil, nil, err
			}
			arena = room(arena, int(p+l))
			v := scanVal{len(arena), int(p + l)}
			arena = append(arena, arena[prev.off:prev.off+int(p)]...)
			arena = append(arena, arena[pos:pos+int(l)]...)
			pos += int(l)
			vals = append(vals, v)
			prev = v
		}
	default:
		return nil, nil, errUnsupported
	}
	if err != nil {
		return nil, nil, err
	}
	if len(vals)-first != nonNull {
		return nil, nil, errThrift
	}
	if leaf.maxDef > 0 && nonNull < n {
		// spread the values over the rows, nulls between them (from the end: in place)
		vals = append(vals, make([]scanVal, n-nonNull)...)
		j := first + nonNull - 1
		for i := n - 1; i >= 0; i-- {
			if d.defs[i] == uint32(leaf.maxDef) {
				vals[first+i] = vals[j]
				j--
			} else {
				vals[first+i] = scanVal{n: -1}
			}
		}
	}
	return arena, vals, nil
}

// plainVals locates n PLAIN-encoded byte arrays in b (at arena offset at) and appends them.
func plainVals(b []byte, at, n int, vals []scanVal) ([]scanVal, error) {
	pos := 0
	for range n {
		if pos+4 > len(b) {
			return nil, errThrift
		}
		l := int(binary.LittleEndian.Uint32(b[pos:]))
		pos += 4
		if l < 0 || l > len(b)-pos {
			return nil, errThrift
		}
		vals = append(vals, scanVal{at + pos, l})
		pos += l
	}
	return vals, nil
}

package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A minimal reader of Thrift's compact protocol, enough to pull the few fields loupe needs out of a
// Parquet footer and page headers while skipping the rest (statistics above all: in the published shards
// the min/max of every caption column make the footer most of a megabyte).

var errThrift = errors.New("malformed thrift data")

// A tReader reads either bytes held in memory (src nil: b is all there is) or a range of a file read on
// demand (src set): b is then a window onto src at offset base, refilled a block at a time, and a binary
// field skipped past the window's end moves the window without reading the bytes it skips. A footer
// whose statistics hold whole pictures is then read for its small fields only.
type tReader struct {
	b   []byte
	pos int // in b

	src  io.ReaderAt // nil: b is everything
	base int64       // offset in src of b[0]
	end  int64       // offset in src where the data ends
	win  []byte      // the window's buffer, reused by refills
	blk  int         // bytes fetched at a time; 0: tBlock
}

// tBlock is how much a tReader reading a file fetches at a time. Measured cold on generated shards
// (perf/cold-import.sh), 16 KB read the fewest bytes from the disk: smaller reads, one after the other,
// make the kernel read ahead into the statistics they skip; larger ones read the statistics themselves.
const tBlock = 16 << 10

// left returns how many bytes are left to read, in the window and beyond it.
func (r *tReader) left() int64 {
	if r.src == nil {
		return int64(len(r.b) - r.pos)
	}
	return r.end - r.base - int64(r.pos)
}

// fill makes sure the window holds at least k bytes from the current position, reading a block (or k
// bytes, if more) from src; errThrift if fewer than k bytes are left.
func (r *tReader) fill(k int) error {
	if len(r.b)-r.pos >= k {
		return nil
	}
	if k < 0 || int64(k) > r.left() || r.src == nil {
		return errThrift
	}
	abs := r.base + int64(r.pos)
	blk := int64(tBlock)
	if r.blk > 0 {
		blk = int64(r.blk)
	}
	size := int(min(max(int64(k), blk), r.end-abs))
	kept := len(r.b) - r.pos
	if cap(r.win) < size {
		w := make([]byte, size)
		copy(w, r.b[r.pos:])
		r.win = w
	} else {
		copy(r.win[:size], r.b[r.pos:]) // may overlap: copy moves
	}
	w := r.win[:size]
	if n, err := r.src.ReadAt(w[kept:], abs+int64(kept)); n < size-kept {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	r.b, r.pos, r.base = w, 0, abs
	return nil
}

// skipBytes advances n bytes; past the window's end it moves the window without reading.
func (r *tReader) skipBytes(n uint64) error {
	if n <= uint64(len(r.b)-r.pos) {
		r.pos += int(n)
		return nil
	}
	if r.src == nil || n > uint64(r.left()) {
		return errThrift
	}
	r.base += int64(r.pos) + int64(n)
	r.b, r.pos = r.b[:0], 0
	return nil
}

// compact protocol types
const (
	tStop   = 0
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
)

func (r *tReader) readByte() (byte, error) {
	if r.pos >= len(r.b) {
		if err := r.fill(1); err != nil {
			return 0, err
		}
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *tReader) uvarint() (uint64, error) {
	if len(r.b)-r.pos < binary.MaxVarintLen64 && r.src != nil {
		if err := r.fill(int(min(binary.MaxVarintLen64, r.left()))); err != nil {
			return 0, err
		}
	}
	v, n := binary.Uvarint(r.b[r.pos:])
	if n <= 0 {
		return 0, errThrift
	}
	r.pos += n
	return v, nil
}

func (r *tReader) varint() (int64, error) {
	u, err := r.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

// binary returns a binary or string value; its bytes are valid until the next read.
func (r *tReader) binary() ([]byte, error) {
	n, err := r.uvarint()
	if err != nil || n > uint64(r.left()) {
		return nil, errThrift
	}
	if err := r.fill(int(n)); err != nil {
		return nil, err
	}
	s := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return s, nil
}

// listHeader returns the element count and type of a list or set.
func (r *tReader) listHeader() (int, byte, error) {
	h, err := r.readByte()
	if err != nil {
		return 0, 0, err
	}
	n := int(h >> 4)
	if n == 15 {
		u, err := r.uvarint()
		if err != nil {
			return 0, 0, errThrift
		}
		n = int(min(u, uint64(r.left())+1))
	}
	if int64(n) > r.left() { // every element takes at least a byte: a larger count is a lie
		return 0, 0, errThrift
	}
	return n, h & 0x0f, nil
}

// skipElem skips one element of a list, set or map. Unlike a struct field, whose type carries a
// boolean's value, a boolean element takes a byte.
func (r *tReader) skipElem(t byte, depth int) error {
	if t == tTrue || t == tFalse {
		_, err := r.readByte()
		return err
	}
	return r.skip(t, depth)
}

// skip skips one value of type t.
func (r *tReader) skip(t byte, depth int) error {
	if depth > 32 {
		return errThrift
	}
	switch t {
	case tTrue, tFalse:
		return nil
	case tByte:
		_, err := r.readByte()
		return err
	case tI16, tI32, tI64:
		_, err := r.uvarint()
		return err
	case tDouble:
		return r.skipBytes(8)
	case tBinary:
		n, err := r.uvarint()
		if err != nil {
			return err
		}
		return r.skipBytes(n)
	case tList, tSet:
		n, et, err := r.listHeader()
		if err != nil {
			return err
		}
		for range n {
			if err := r.skipElem(et, depth+1); err != nil {
				return err
			}
		}
		return nil
	case tMap:
		n, err := r.uvarint()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		kv, err := r.readByte()
		if err != nil {
			return err
		}
		if n > uint64(r.left())/2 { // every entry takes at least two bytes
			return errThrift
		}
		for range n {
			if err := r.skipElem(kv>>4, depth+1); err != nil {
				return err
			}
			if err := r.skipElem(kv&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case tStruct:
		return r.structFields(depth+1, func(int16, byte) (bool, error) { return false, nil })
	}
	return fmt.Errorf("%w: unknown type %d", errThrift, t)
}

// structFields walks a struct's fields; fn reads the fields it knows (returning true) and the rest are
// skipped. A boolean field's value is its type (tTrue or tFalse).
func (r *tReader) structFields(depth int, fn func(id int16, t byte) (bool, error)) error {
	var last int16
	for {
		h, err := r.readByte()
		if err != nil {
			return err
		}
		if h == tStop {
			return nil
		}
		t := h & 0x0f
		id := last + int16(h>>4)
		if h>>4 == 0 {
			v, err := r.varint()
			if err != nil {
				return err
			}
			id = int16(v)
		}
		last = id
		done, err := fn(id, t)
		if err != nil {
			return err
		}
		if !done {
			if err := r.skip(t, depth); err != nil {
				return err
			}
		}
	}
}

func (r *tReader) i32() (int32, error) {
	v, err := r.varint()
	return int32(v), err
}

package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A minimal reader of Thrift's compact protocol, enough to pull the few fields loupe needs out of a
// Parquet footer and page headers while skipping the rest (statistics above all: in the published shards
// the min/max of every caption column make the footer most of a megabyte).

var errThrift = errors.New("malformed thrift data")

type tReader struct {
	b   []byte
	pos int
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
		return 0, errThrift
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *tReader) uvarint() (uint64, error) {
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

func (r *tReader) binary() ([]byte, error) {
	n, err := r.uvarint()
	if err != nil || n > uint64(len(r.b)-r.pos) {
		return nil, errThrift
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
		n = int(min(u, uint64(len(r.b))+1))
	}
	if n > len(r.b)-r.pos { // every element takes at least a byte: a larger count is a lie
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
		if r.pos+8 > len(r.b) {
			return errThrift
		}
		r.pos += 8
		return nil
	case tBinary:
		_, err := r.binary()
		return err
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
		if n > uint64(len(r.b)-r.pos)/2 { // every entry takes at least two bytes
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

package dataset

import (
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"sync"
)

// Parquet physical types, repetitions, page types, encodings and codecs (parquet.thrift).
const (
	pqBoolean   = 0
	pqInt32     = 1
	pqInt64     = 2
	pqByteArray = 6

	pqRequired = 0
	pqOptional = 1
	pqRepeated = 2

	pageData       = 0
	pageDictionary = 2
	pageDataV2     = 3

	encPlain           = 0
	encPlainDictionary = 2
	encRLE             = 3
	encRLEDictionary   = 8

	encDeltaBinaryPacked    = 5
	encDeltaLengthByteArray = 6
	encDeltaByteArray       = 7

	codecNone   = 0
	codecSnappy = 1
	codecGzip   = 2
	codecZstd   = 6
)

// pqLeaf is a leaf column of the schema.
type pqLeaf struct {
	path     string // dotted
	typ      int32
	maxDef   int
	repeated bool
}

// pqChunk is where one column chunk of one row group lies.
type pqChunk struct {
	codec      int32
	numValues  int64
	dataOffset int64
	dictOffset int64
	size       int64
	// where the chunk's offset index (page locations) lies; 0 when the file has none
	indexOffset int64
	indexLength int32
}

// span is where the chunk's pages lie, dictionary page first; it must lie within the data of a file of
// size bytes (after the leading magic, before the footer), else errUnsupported.
func (c pqChunk) span(size int64) (byteRange, error) {
	start := c.dataOffset
	if c.dictOffset > 0 && c.dictOffset < start {
		start = c.dictOffset
	}
	if start < 4 || start > size || c.size <= 0 || c.size > size-start {
		return byteRange{}, errUnsupported
	}
	return byteRange{start, start + c.size}, nil
}

// pqMeta is what the fast path needs from a footer.
type pqMeta struct {
	numRows int64
	leaves  []pqLeaf
	groups  []pqGroup
}

type pqGroup struct {
	numRows int64
	chunks  []pqChunk
}

var errUnsupported = errors.New("not handled by the fast reader")

// maxSchemaDepth is the deepest nesting of groups the fast reader walks (the columns it reads are at
// the top level, or image.bytes).
const maxSchemaDepth = 16

type schemaElem struct {
	typ         int32
	hasType     bool
	repetition  int32
	name        string
	numChildren int32
}

// parseFooter reads the footer of a whole Parquet file held in memory.
func parseFooter(data []byte) (*pqMeta, error) {
	if len(data) < 12 || string(data[:4]) != "PAR1" || string(data[len(data)-4:]) != "PAR1" {
		return nil, errUnsupported
	}
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	if n <= 0 || n > len(data)-12 {
		return nil, errUnsupported
	}
	return parseFooterBytes(data[len(data)-8-n : len(data)-8])
}

// footerGuess is how much of a file's end is read at first: the footer's length and, for most files,
// the footer itself, in one read.
const footerGuess = 64 << 10

// readFooter reads and parses the footer of a Parquet file of size bytes with positioned reads of the
// file's first four bytes and its end, nothing else. A footer larger than the first read is read on
// demand, a block at a time, skipping the large fields it does not need (statistics holding whole
// pictures) without reading them.
func readFooter(r io.ReaderAt, size int64) (*pqMeta, error) {
	if size < 12 {
		return nil, errUnsupported
	}
	buf := getBuf()
	defer putBuf(buf)
	tail := grow(buf, int(min(size, footerGuess)))
	if _, err := r.ReadAt(tail, size-int64(len(tail))); err != nil {
		return nil, err
	}
	if string(tail[len(tail)-4:]) != "PAR1" {
		return nil, errUnsupported
	}
	n := int64(binary.LittleEndian.Uint32(tail[len(tail)-8:]))
	if n <= 0 || n > size-12 || n > maxFooter {
		return nil, errUnsupported
	}
	var head [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil || string(head[:]) != "PAR1" {
		return nil, errUnsupported
	}
	if n+8 <= int64(len(tail)) {
		return parseFooterFrom(&tReader{b: tail[int64(len(tail))-8-n : len(tail)-8]})
	}
	// The tail holds the footer's last bytes: the window is read from the footer's start.
	return parseFooterFrom(&tReader{src: r, base: size - 8 - n, end: size - 8, win: (*buf)[:0]})
}

// bufs keeps read buffers (footers, column chunks) between shards: a fresh one per read would be
// zeroed by the allocator for nothing, its bytes about to be overwritten by the read.
var bufs sync.Pool

// getBuf returns a pooled buffer; putBuf gives it back once nothing refers to its bytes (values
// decoded from it are copies).
func getBuf() *[]byte {
	if b, ok := bufs.Get().(*[]byte); ok {
		return b
	}
	return new([]byte)
}

func putBuf(b *[]byte) { bufs.Put(b) }

// grow returns (*b)[:n], growing *b if needed.
func grow(b *[]byte, n int) []byte {
	if cap(*b) < n {
		*b = make([]byte, n)
	}
	*b = (*b)[:n]
	return *b
}

// parseFooterBytes parses a footer (the FileMetaData struct, without the length and magic after it).
func parseFooterBytes(footer []byte) (*pqMeta, error) {
	return parseFooterFrom(&tReader{b: footer})
}

// parseFooterFrom parses a footer read through r.
func parseFooterFrom(r *tReader) (*pqMeta, error) {
	m := &pqMeta{}
	var schema []schemaElem
	err := r.structFields(0, func(id int16, t byte) (bool, error) {
		switch {
		case id == 2 && t == tList:
			cnt, _, err := r.listHeader()
			if err != nil {
				return true, err
			}
			for range cnt {
				var e schemaElem
				err := r.structFields(1, func(id int16, t byte) (bool, error) {
					var err error
					switch {
					case id == 1 && t == tI32:
						e.typ, err = r.i32()
						e.hasType = true
					case id == 3 && t == tI32:
						e.repetition, err = r.i32()
					case id == 4 && t == tBinary:
						var b []byte
						b, err = r.binary()
						e.name = string(b)
					case id == 5 && t == tI32:
						e.numChildren, err = r.i32()
					default:
						return false, nil
					}
					return true, err
				})
				if err != nil {
					return true, err
				}
				schema = append(schema, e)
			}
			return true, nil
		case id == 3 && t == tI64:
			v, err := r.varint()
			m.numRows = v
			return true, err
		case id == 4 && t == tList:
			cnt, _, err := r.listHeader()
			if err != nil {
				return true, err
			}
			m.groups = make([]pqGroup, 0, min(cnt, 1024)) // a count is a claim: grow as groups are read
			for range cnt {
				g, err := parseRowGroup(r)
				if err != nil {
					return true, err
				}
				m.groups = append(m.groups, g)
			}
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if len(schema) == 0 {
		return nil, errUnsupported
	}
	pos := 1
	var walk func(prefix []string, children int32, def int, rep bool) error
	walk = func(prefix []string, children int32, def int, rep bool) error {
		if len(prefix) > maxSchemaDepth {
			return errUnsupported // each level copies the path: a deep schema would cost its depth squared
		}
		for range children {
			if pos >= len(schema) {
				return errThrift
			}
			e := schema[pos]
			pos++
			d, rp := def, rep
			switch e.repetition {
			case pqOptional:
				d++
			case pqRepeated:
				d++
				rp = true
			}
			path := append(append([]string(nil), prefix...), e.name)
			if e.numChildren > 0 {
				if err := walk(path, e.numChildren, d, rp); err != nil {
					return err
				}
				continue
			}
			m.leaves = append(m.leaves, pqLeaf{path: strings.Join(path, "."), typ: e.typ, maxDef: d, repeated: rp})
		}
		return nil
	}
	if err := walk(nil, schema[0].numChildren, 0, false); err != nil {
		return nil, err
	}
	for _, g := range m.groups {
		if len(g.chunks) != len(m.leaves) {
			return nil, errUnsupported
		}
	}
	return m, nil
}

func parseRowGroup(r *tReader) (pqGroup, error) {
	var g pqGroup
	err := r.structFields(1, func(id int16, t byte) (bool, error) {
		switch {
		case id == 1 && t == tList:
			cnt, _, err := r.listHeader()
			if err != nil {
				return true, err
			}
			g.chunks = make([]pqChunk, 0, min(cnt, 1024))
			for range cnt {
				var c pqChunk
				err := r.structFields(2, func(id int16, t byte) (bool, error) {
					switch {
					case id == 4 && t == tI64:
						v, err := r.varint()
						c.indexOffset = v
						return true, err
					case id == 5 && t == tI32:
						v, err := r.i32()
						c.indexLength = v
						return true, err
					}
					if id != 3 || t != tStruct {
						if id == 1 && t == tBinary { // column in another file: not handled
							return true, errUnsupported
						}
						return false, nil
					}
					return true, r.structFields(3, func(id int16, t byte) (bool, error) {
						var err error
						switch {
						case id == 4 && t == tI32:
							c.codec, err = r.i32()
						case id == 5 && t == tI64:
							c.numValues, err = r.varint()
						case id == 7 && t == tI64:
							c.size, err = r.varint()
						case id == 9 && t == tI64:
							c.dataOffset, err = r.varint()
						case id == 11 && t == tI64:
							c.dictOffset, err = r.varint()
						default:
							return false, nil
						}
						return true, err
					})
				})
				if err != nil {
					return true, err
				}
				g.chunks = append(g.chunks, c)
			}
			return true, nil
		case id == 3 && t == tI64:
			v, err := r.varint()
			g.numRows = v
			return true, err
		}
		return false, nil
	})
	return g, err
}

// pageLocation is one data page of a column chunk, from the chunk's offset index.
type pageLocation struct {
	offset   int64 // of the page header
	size     int32 // header and body
	firstRow int64 // within the row group
}

// maxOffsetIndex bounds an offset index read (a few bytes a page: a chunk of thousands of pages).
const maxOffsetIndex = 1 << 20

// parseOffsetIndex parses a column chunk's offset index (parquet.thrift OffsetIndex: its page
// locations; the rest skipped). The locations must start at row 0 and increase.
func parseOffsetIndex(b []byte) ([]pageLocation, error) {
	r := &tReader{b: b}
	var locs []pageLocation
	err := r.structFields(0, func(id int16, t byte) (bool, error) {
		if id != 1 || t != tList {
			return false, nil
		}
		n, et, err := r.listHeader()
		if err != nil {
			return true, err
		}
		if et != tStruct {
			return true, errThrift
		}
		locs = make([]pageLocation, 0, n) // listHeader bounds n by the bytes left
		for range n {
			var l pageLocation
			err := r.structFields(1, func(id int16, t byte) (bool, error) {
				var err error
				switch {
				case id == 1 && t == tI64:
					l.offset, err = r.varint()
				case id == 2 && t == tI32:
					l.size, err = r.i32()
				case id == 3 && t == tI64:
					l.firstRow, err = r.varint()
				default:
					return false, nil
				}
				return true, err
			})
			if err != nil {
				return true, err
			}
			locs = append(locs, l)
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if len(locs) == 0 || locs[0].firstRow != 0 {
		return nil, errUnsupported
	}
	for i, l := range locs {
		if l.size <= 0 || l.offset < 0 || (i > 0 && (l.firstRow <= locs[i-1].firstRow || l.offset < locs[i-1].offset)) {
			return nil, errUnsupported
		}
	}
	return locs, nil
}

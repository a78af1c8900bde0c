package dataset

import (
	"encoding/binary"
	"errors"
	"strings"
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
	r := &tReader{b: data[len(data)-8-n : len(data)-8]}
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

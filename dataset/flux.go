package dataset

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/loupe-dev/loupe/review"
	"github.com/parquet-go/parquet-go"
)

// Problem is something an importer skipped, with where it was found.
type Problem struct {
	File    string `json:"file"`
	Where   string `json:"where"` // "row 12", "line 3", "column score_text"...
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Where == "" {
		return p.File + ": " + p.Message
	}
	return p.File + ": " + p.Where + ": " + p.Message
}

// ShardIndex is what indexing one FLUX-Reason-6M shard yields: one IndexedRow per usable row.
type ShardIndex struct {
	Path     string
	Rows     []review.IndexedRow
	NumRows  int64 // rows in the file, usable or not
	Problems []Problem
	HasImage bool
}

// shard is an open Parquet shard, read with positioned reads of exact ranges (never a memory map:
// touching a map pulls in the kernel's read-ahead, pictures and all).
type shard struct {
	path string
	f    *os.File
	r    io.ReaderAt // f, or the bytes of a file in tests
	size int64
	meta *pqMeta       // the footer as the fast reader reads it; nil when it does not take the file
	pf   *parquet.File // parquet-go's reading of it, opened when the fast reader cannot serve a read
	// pageIndex: pf was opened with the page index, to find a row's pages
	pageIndex bool
}

// openShard opens a shard without parsing it.
func openShard(path string) (*shard, error) {
	f, st, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	adviseRandom(f)
	return &shard{path: path, f: f, r: f, size: st.Size()}, nil
}

// fallbackReadBuffer is parquet-go's read size on the files the fast reader does not take.
const fallbackReadBuffer = 64 << 10

// parse reads the footer with parquet-go.
func (s *shard) parse(pageIndex bool) error {
	err := guard(func() error {
		pf, err := parquet.OpenFile(s.r, s.size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(!pageIndex),
			parquet.ReadBufferSize(fallbackReadBuffer))
		s.pf, s.pageIndex = pf, pageIndex
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: not a readable Parquet file: %w", s.path, err)
	}
	return nil
}

func (s *shard) Close() error {
	if s.f == nil {
		return nil
	}
	return s.f.Close()
}

// guard runs fn, turning a panic inside the Parquet library on corrupt data into an error: bad files
// must never crash loupe.
func guard(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt data: %v", r)
		}
	}()
	return fn()
}

// leafColumn finds a top-level (or dotted nested) leaf column by name; nil if absent.
func leafColumn(root *parquet.Column, name string) *parquet.Column {
	c := root
	for _, part := range strings.Split(name, ".") {
		c = c.Column(part)
		if c == nil {
			return nil
		}
	}
	return c
}

// columnKind classifies a leaf's physical type for the checks below.
func checkColumn(c *parquet.Column, name string, want parquet.Kind, alt ...parquet.Kind) error {
	if !c.Leaf() {
		return fmt.Errorf("column %s: expected a %v column, found a group", name, want)
	}
	k := c.Type().Kind()
	if k == want {
		return nil
	}
	for _, a := range alt {
		if k == a {
			return nil
		}
	}
	return fmt.Errorf("column %s: expected type %v, found %v", name, want, k)
}

// SubsetOf derives the subset from a FLUX-Reason-6M id ("aesthetics-part01-00000042" -> "aesthetics-part01").
func SubsetOf(id string) string {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 || i == len(id)-1 {
		return ""
	}
	for _, c := range id[i+1:] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return id[:i]
}

// slowOnly forces the parquet-go reader (tests compare the two).
var slowOnly = false

// IndexShard reads a FLUX-Reason-6M shard's small columns only - id, the nine scores and the caption
// presence flags - never the image bytes or the captions (unless a presence flag column is missing, in
// which case that caption's nulls are read instead). Only the footer and those columns' chunks are read
// from the file, in positioned reads with the kernel's read-ahead off: a cold import reads what it
// decodes, not the pictures beside it. Rows are numbered from 0 across row groups.
// A missing id column, a column of the wrong type or a corrupt file is an error; a bad row (empty or
// duplicate id, score outside 0-10) is skipped and reported as a Problem.
func IndexShard(path string) (*ShardIndex, error) {
	s, err := openShard(path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	idx := &ShardIndex{Path: path}
	if !slowOnly {
		// The fast reader handles what the published shards use; anything else falls through.
		if guard(func() error { return fastIndexAt(path, s.r, s.size, idx) }) == nil {
			return idx, nil
		}
		idx = &ShardIndex{Path: path}
	}
	if err := s.parse(false); err != nil {
		return nil, err
	}
	err = guard(func() error { return s.index(idx) })
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return idx, nil
}

type colRef struct {
	name string
	idx  int
	kind int // 0 id, 1 score, 2 presence flag, 3 caption (presence from nulls)
	slot int
}

func (s *shard) index(idx *ShardIndex) error {
	root := s.pf.Root()
	idc := root.Column("id")
	if idc == nil {
		return errors.New("no id column (the FLUX-Reason-6M schema needs one)")
	}
	if err := checkColumn(idc, "id", parquet.ByteArray); err != nil {
		return err
	}
	cols := []colRef{{name: "id", idx: idc.Index(), kind: 0}}
	for i, p := range review.PipelineScores {
		name := "score_" + p.Column
		c := root.Column(name)
		if c == nil {
			continue
		}
		if err := checkColumn(c, name, parquet.Int32, parquet.Int64); err != nil {
			return err
		}
		cols = append(cols, colRef{name, c.Index(), 1, i})
	}
	for i, k := range review.CaptionKinds {
		name := "bool_caption_" + k
		if c := root.Column(name); c != nil {
			if err := checkColumn(c, name, parquet.Boolean); err != nil {
				return err
			}
			cols = append(cols, colRef{name, c.Index(), 2, i})
			continue
		}
		name = "caption_" + k
		if c := root.Column(name); c != nil {
			if err := checkColumn(c, name, parquet.ByteArray); err != nil {
				return err
			}
			cols = append(cols, colRef{name, c.Index(), 3, i})
		}
	}
	idx.HasImage = leafColumn(root, "image.bytes") != nil
	idx.NumRows = s.pf.NumRows()
	// The footer's counts are claims: check them before sizing anything by them. Every usable row
	// holds a distinct id, which costs at least a byte of the file however it is encoded.
	var declared int64
	for g, rg := range s.pf.RowGroups() {
		n := rg.NumRows()
		if n < 0 || declared+n < declared {
			return fmt.Errorf("row group %d: impossible row count %d", g, n)
		}
		declared += n
	}
	if declared != idx.NumRows {
		return fmt.Errorf("row groups hold %d rows, the file declares %d", declared, idx.NumRows)
	}
	if idx.NumRows < 0 || idx.NumRows > s.size {
		return fmt.Errorf("the footer declares %d rows in a %d-byte file: corrupt", idx.NumRows, s.size)
	}
	rows := make([]review.IndexedRow, idx.NumRows)
	for i := range rows {
		rows[i].Row = int64(i)
		rows[i].Scores = review.NoScores
	}
	bad := make([]string, idx.NumRows) // reason a row is unusable, "" if fine
	buf := make([]parquet.Value, 1024)
	var base int64
	for g, rg := range s.pf.RowGroups() {
		chunks := rg.ColumnChunks()
		n := rg.NumRows()
		if base+n > idx.NumRows {
			return fmt.Errorf("row group %d: more rows than the file declares", g)
		}
		for _, c := range cols {
			// guarded per chunk, so that a panic on a corrupt page still names its row group and column
			err := guard(func() error { return readChunk(chunks[c.idx], c, rows[base:base+n], bad[base:base+n], buf) })
			if err != nil {
				return fmt.Errorf("row group %d, column %s: %w", g, c.name, err)
			}
		}
		base += n
	}
	if base != idx.NumRows {
		return fmt.Errorf("row groups hold %d rows, the file declares %d", base, idx.NumRows)
	}
	finishIndex(s.path, idx, rows, bad)
	return nil
}

// finishIndex drops unusable rows (empty, duplicate ids; bad[i] says why) into idx.Problems.
func finishIndex(path string, idx *ShardIndex, rows []review.IndexedRow, bad []string) {
	seen := make(map[string]int64, len(rows))
	out := rows[:0]
	for i := range rows {
		r := rows[i]
		if bad[i] == "" && r.ExtID == "" {
			bad[i] = "empty id"
		}
		if bad[i] == "" {
			if prev, dup := seen[r.ExtID]; dup {
				bad[i] = fmt.Sprintf("duplicate id %q (also row %d)", r.ExtID, prev)
			} else {
				seen[r.ExtID] = r.Row
			}
		}
		if bad[i] != "" {
			idx.Problems = append(idx.Problems, Problem{File: path, Where: fmt.Sprintf("row %d", i), Message: bad[i]})
			continue
		}
		r.Packed = review.Pack(r.Captions, r.Scores)
		out = append(out, r)
	}
	idx.Rows = out
}

// readChunk decodes one column chunk into rows (one value per row: these columns are not repeated).
func readChunk(cc parquet.ColumnChunk, c colRef, rows []review.IndexedRow, bad []string, buf []parquet.Value) error {
	pages := cc.Pages()
	defer pages.Close()
	i := 0
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		vr := p.Values()
		for {
			n, err := vr.ReadValues(buf)
			if i+n > len(rows) {
				parquet.Release(p)
				return fmt.Errorf("more values than rows (%d)", len(rows))
			}
			for _, v := range buf[:n] {
				r := &rows[i]
				switch c.kind {
				case 0:
					if !v.IsNull() {
						r.ExtID = string(v.ByteArray())
					}
				case 1:
					if v.IsNull() {
						break
					}
					x := v.Int64()
					if x < 0 || x > 10 {
						if bad[i] == "" {
							bad[i] = fmt.Sprintf("%s = %d is outside 0-10", c.name, x)
						}
						break
					}
					r.Scores[c.slot] = int8(x)
				case 2:
					if !v.IsNull() && v.Boolean() {
						r.Captions |= 1 << c.slot
					}
				case 3:
					if !v.IsNull() {
						r.Captions |= 1 << c.slot
					}
				}
				i++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				parquet.Release(p)
				return err
			}
		}
		parquet.Release(p)
	}
	if i != len(rows) {
		return fmt.Errorf("%d values for %d rows", i, len(rows))
	}
	return nil
}

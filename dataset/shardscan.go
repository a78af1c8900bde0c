package dataset

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/loupe-dev/loupe/review"
	"github.com/parquet-go/parquet-go"
)

// ShardScanner reads a FLUX-Reason-6M shard's rows in increasing row order - captions and image - for
// exports that walk a shard from start to end; a row behind the last one read is read on demand.
//
// It reads a row group at a time: the column chunks of the id, the captions and the pictures in one
// positioned read (pqranges.go), decoded whole by the scanner's decoder (scandecode.go), the next
// groups' bytes asked of the kernel ahead of time. A row's picture is a slice of its group's arena and
// its captions substrings of one string per group: an arena is never reused, so rows handed out stay
// valid whatever the caller does with them, on any goroutine. A shard the fast reader does not take
// (a codec or encoding it refuses, an odd footer) is read with parquet-go from the row group it
// refused on, as ReadShardRow does.
type ShardScanner struct {
	path string
	f    *os.File
	size int64
	// checked: the file's size and mtime were compared with the import's record (Item)
	checked bool

	fast *scanGroups       // the fast reader; nil once parquet-go reads the shard
	slow *parquetShardScan // parquet-go's reader, opened when the fast one gives up
}

// scanSlots are the byte-array columns the scanner reads, by slot: the id, the English captions (per
// review.CaptionKinds), the Chinese ones, the picture and the single "caption" column some re-uploads
// keep the GCoT caption in.
const (
	slotID      = 0
	slotEN      = 1
	slotZH      = 1 + 8
	slotImage   = 1 + 16
	slotCaption = 2 + 16
	scanSlots   = 3 + 16
)

// scanGroups is the fast reader's state: the footer, and the row group decoded last.
type scanGroups struct {
	meta   *pqMeta
	leaf   [scanSlots]int // leaf column of each slot; -1: the shard has none
	starts []int64        // the first row of each row group
	dec    *scanDecoder
	advise int // the row groups before this one were advised to the kernel

	group int   // the decoded row group; -1: none
	start int64 // its first row
	rows  int   // its rows
	// vals holds rows values per slot read, at pos[slot]*rows (pos -1: null everywhere)
	vals  []scanVal
	pos   [scanSlots]int
	text  string // the group's id and caption bytes (substrings go out with rows)
	image []byte // the group's picture bytes (slices go out with rows; never reused)
	// buffers reused between groups: nothing handed out points into them
	read     []byte
	textBuf  []byte
	extraBuf []byte
}

// parquetShardScan reads rows with parquet-go: the scanner's fallback.
type parquetShardScan struct {
	r     *parquet.GenericReader[FluxRow]
	buf   []FluxRow
	start int64 // row number of buf[0]
	n     int   // rows in buf
}

// scanBuffer is the read buffer of each column the parquet-go fallback reads (parquet-go's default is
// 4 KB: a syscall, and a page header decoded a byte at a time through it, for every few KB of pictures).
const scanBuffer = 1 << 20

// scanAhead is how many bytes of the row groups after the one being read are asked of the kernel
// ahead (posix_fadvise WILLNEED): from a cold cache the device reads them while this group is decoded
// and written out.
const scanAhead = 16 << 20

// OpenShardScanner opens a shard for sequential reading.
func OpenShardScanner(path string) (*ShardScanner, error) {
	f, fi, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	s := &ShardScanner{path: path, f: f, size: fi.Size()}
	if !slowOnly {
		var m *pqMeta
		if guard(func() error { m, err = readFooter(f, s.size); return err }) == nil {
			s.fast = newScanGroups(m, s.size) // nil: row groups it cannot place
		}
	}
	if s.fast == nil {
		if err := s.openSlow(); err != nil {
			f.Close()
			return nil, err
		}
	}
	return s, nil
}

func newScanGroups(m *pqMeta, size int64) *scanGroups {
	g := &scanGroups{meta: m, dec: newScanDecoder(size), group: -1}
	for i := range g.leaf {
		g.leaf[i] = -1
	}
	leaf := map[string]int{}
	for i, l := range m.leaves {
		leaf[l.path] = i
	}
	set := func(slot int, name string) {
		if i, ok := leaf[name]; ok {
			g.leaf[slot] = i
		}
	}
	set(slotID, "id")
	for k, kind := range review.CaptionKinds {
		set(slotEN+k, "caption_"+kind)
		set(slotZH+k, "caption_"+kind+"_cn")
	}
	set(slotImage, "image.bytes")
	set(slotCaption, "caption")
	var at int64
	for _, gr := range m.groups {
		if gr.numRows < 0 {
			return nil
		}
		g.starts = append(g.starts, at)
		at += gr.numRows
	}
	if at != m.numRows || m.numRows > 0 && len(g.starts) == 0 {
		return nil
	}
	return g
}

// openSlow opens the shard with parquet-go.
func (s *ShardScanner) openSlow() error {
	err := guard(func() error {
		pf, err := parquet.OpenFile(s.f, s.size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(scanBuffer))
		if err != nil {
			return err
		}
		s.slow = &parquetShardScan{r: parquet.NewGenericReader[FluxRow](pf), buf: make([]FluxRow, 64)}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	return nil
}

// Row returns a row's captions and image. Rows are best asked in increasing order.
func (s *ShardScanner) Row(row int64) (*ShardRow, error) {
	if g := s.fast; g != nil {
		if row < g.start {
			return ReadShardRow(s.path, row) // behind: a random read
		}
		if g.group < 0 || row >= g.start+int64(g.rows) {
			if row >= g.meta.numRows {
				return nil, fmt.Errorf("%s: row %d: row %d is past the end", s.path, row, row)
			}
			gi := len(g.starts) - 1
			for gi > 0 && g.starts[gi] > row {
				gi--
			}
			err := guard(func() error { return g.load(s.f, s.size, gi) })
			switch {
			case errors.Is(err, errUnsupported) || errors.Is(err, errThrift):
				// parquet-go reads the rest; rows before this group stay random reads
				s.fast = nil
				if err := s.openSlow(); err != nil {
					return nil, err
				}
				p := s.slow
				p.start = g.starts[gi]
				if err := guard(func() error { return p.r.SeekToRow(p.start) }); err != nil {
					return nil, fmt.Errorf("%s: row %d: %w", s.path, row, err)
				}
				return s.Row(row)
			case err != nil:
				return nil, fmt.Errorf("%s: row %d: %w", s.path, row, err)
			}
		}
		return g.row(int(row - g.start)), nil
	}
	return s.slowRow(row)
}

// load reads and decodes row group gi.
func (g *scanGroups) load(r io.ReaderAt, size int64, gi int) error {
	m := g.meta
	gr := m.groups[gi]
	if gr.numRows < 0 || gr.numRows > size {
		return errUnsupported
	}
	rows := int(gr.numRows)
	g.group = -1
	// the chunks, in one read (neighbours coalesced), the GCoT fallback column aside
	var need []byteRange
	spans := [scanSlots]byteRange{}
	for slot, li := range g.leaf {
		if li < 0 {
			continue
		}
		l, ch := m.leaves[li], gr.chunks[li]
		if l.typ != pqByteArray || l.repeated || ch.numValues != gr.numRows {
			return errUnsupported
		}
		sp, err := ch.span(size)
		if err != nil {
			return err
		}
		spans[slot] = sp
		if slot != slotCaption {
			need = append(need, sp)
		}
	}
	set, err := readSpans(r, need, rangeGap, g.read)
	if err != nil {
		return err
	}
	g.read = set.buf
	g.adviseAhead(r, size, gi)
	vals := g.vals[:0]
	text := g.textBuf[:0]
	decode := func(slot int, src []byte) error {
		li := g.leaf[slot]
		g.pos[slot] = len(vals) / max(rows, 1)
		var err error
		arena := text
		if slot == slotImage {
			n, err := g.dec.arenaSize(src)
			if err != nil {
				return err
			}
			arena = make([]byte, 0, n) // the group's pictures: handed out, never reused
		}
		arena, vals, err = g.dec.chunk(src, gr.chunks[li].codec, m.leaves[li], rows, arena, vals)
		if err != nil {
			return err
		}
		if slot == slotImage {
			g.image = arena
		} else {
			text = arena
		}
		return nil
	}
	for slot := range scanSlots {
		g.pos[slot] = -1
		if g.leaf[slot] < 0 || slot == slotCaption {
			continue
		}
		src, err := set.slice(spans[slot])
		if err != nil {
			return err
		}
		if err := decode(slot, src); err != nil {
			return err
		}
	}
	if g.pos[slotImage] < 0 {
		g.image = nil
	}
	if g.leaf[slotCaption] >= 0 && g.needCaption(vals, rows) {
		set, err := readSpans(r, []byteRange{spans[slotCaption]}, 0, g.extraBuf)
		if err != nil {
			return err
		}
		g.extraBuf = set.buf
		if err := decode(slotCaption, set.data[0]); err != nil {
			return err
		}
	}
	g.vals, g.textBuf = vals, text
	g.text = string(text) // one copy per group: the rows' captions are substrings of it
	g.group, g.start, g.rows = gi, g.starts[gi], rows
	return nil
}

// needCaption says whether a row of the group has no GCoT caption in caption_detail.
func (g *scanGroups) needCaption(vals []scanVal, rows int) bool {
	p := g.pos[slotEN+7]
	if p < 0 {
		return true
	}
	for _, v := range vals[p*rows : (p+1)*rows] {
		if v.n <= 0 {
			return true
		}
	}
	return false
}

// adviseAhead asks the kernel to read the chunks of the row groups after gi that start within
// scanAhead bytes of the next one, those it has not been asked for yet.
func (g *scanGroups) adviseAhead(r io.ReaderAt, size int64, gi int) {
	f, ok := r.(*os.File)
	if !ok {
		return
	}
	m := g.meta
	limit := int64(-1)
	for k := gi + 1; k < len(m.groups); k++ {
		lo, hi := int64(-1), int64(-1)
		for slot, li := range g.leaf {
			if li < 0 || slot == slotCaption {
				continue
			}
			sp, err := m.groups[k].chunks[li].span(size)
			if err != nil {
				return
			}
			if lo < 0 || sp.off < lo {
				lo = sp.off
			}
			hi = max(hi, sp.end)
		}
		if lo < 0 {
			return
		}
		if limit < 0 {
			limit = lo + scanAhead
		}
		if lo > limit {
			return
		}
		if k >= g.advise {
			adviseWillNeed(f, lo, hi-lo)
			g.advise = k + 1
		}
	}
}

// row makes the k-th row of the decoded group.
func (g *scanGroups) row(k int) *ShardRow {
	str := func(slot int) string {
		p := g.pos[slot]
		if p < 0 {
			return ""
		}
		v := g.vals[p*g.rows+k]
		if v.n <= 0 {
			return ""
		}
		return g.text[v.off : v.off+v.n]
	}
	out := &ShardRow{ID: str(slotID)}
	for i := range 8 {
		out.EN[i] = str(slotEN + i)
		out.ZH[i] = str(slotZH + i)
	}
	if out.EN[7] == "" { // some re-uploads keep the GCoT caption only as "caption"
		out.EN[7] = str(slotCaption)
	}
	if p := g.pos[slotImage]; p >= 0 {
		if v := g.vals[p*g.rows+k]; v.n > 0 {
			out.Image = g.image[v.off : v.off+v.n : v.off+v.n] // capped: an append copies
		}
	}
	return out
}

// slowRow reads a row with parquet-go.
func (s *ShardScanner) slowRow(row int64) (*ShardRow, error) {
	p := s.slow
	if row < p.start {
		return ReadShardRow(s.path, row) // behind: a random read
	}
	if row >= p.start+int64(p.n) {
		err := guard(func() error {
			if row != p.start+int64(p.n) {
				if err := p.r.SeekToRow(row); err != nil {
					return err
				}
			}
			clear(p.buf) // parquet-go may fill a row's slices in place: rows handed out keep theirs
			n, err := p.r.Read(p.buf)
			if n == 0 && err != nil {
				if errors.Is(err, io.EOF) {
					return fmt.Errorf("row %d is past the end", row)
				}
				return err
			}
			p.start, p.n = row, n
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", s.path, row, err)
		}
	}
	fr := &p.buf[row-p.start]
	out := &ShardRow{ID: fr.ID, Image: fr.Image.Bytes}
	en := [8]*string{fr.CaptionComposition, fr.CaptionEntity, fr.CaptionText, fr.CaptionImaginative, fr.CaptionStyle, fr.CaptionAbstract, fr.CaptionOriginal, fr.CaptionDetail}
	zh := [8]*string{fr.CaptionCompositionCN, fr.CaptionEntityCN, fr.CaptionTextCN, fr.CaptionImaginativeCN, fr.CaptionStyleCN, fr.CaptionAbstractCN, fr.CaptionOriginalCN, fr.CaptionDetailCN}
	for i := range 8 {
		if en[i] != nil {
			out.EN[i] = *en[i]
		}
		if zh[i] != nil {
			out.ZH[i] = *zh[i]
		}
	}
	if out.EN[7] == "" && fr.Caption != nil { // as ReadShardRow: the GCoT caption of some re-uploads
		out.EN[7] = *fr.Caption
	}
	if len(out.Image) == 0 {
		out.Image = nil
	}
	return out, nil
}

// Close closes the shard.
func (s *ShardScanner) Close() error {
	if s.slow != nil {
		s.slow.r.Close()
	}
	return s.f.Close()
}

// Item returns the row an item points at, refusing it when the shard changed since it was imported
// (checked once per shard opened) or the row holds another id.
func (s *ShardScanner) Item(ref review.ImageRef) (*ShardRow, error) {
	if !s.checked {
		if err := checkShard(ref); err != nil {
			return nil, err
		}
		s.checked = true
	}
	row, err := s.Row(ref.Row)
	if err != nil {
		return nil, err
	}
	if err := checkRowID(ref, row.ID); err != nil {
		return nil, err
	}
	return row, nil
}

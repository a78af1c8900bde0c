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
type ShardScanner struct {
	path  string
	f     *os.File
	r     *parquet.GenericReader[FluxRow]
	buf   []FluxRow
	start int64 // row number of buf[0]
	n     int   // rows in buf
	// checked: the file's size and mtime were compared with the import's record (Item)
	checked bool
}

// scanBuffer is the read buffer of each column a scanner reads (parquet-go's default is 4 KB: a
// syscall, and a page header decoded a byte at a time through it, for every few KB of pictures).
const scanBuffer = 1 << 20

// OpenShardScanner opens a shard for sequential reading.
func OpenShardScanner(path string) (*ShardScanner, error) {
	f, _, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	s := &ShardScanner{path: path, f: f, buf: make([]FluxRow, 64)}
	err = guard(func() error {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		pf, err := parquet.OpenFile(f, fi.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(scanBuffer))
		if err != nil {
			return err
		}
		s.r = parquet.NewGenericReader[FluxRow](pf)
		return nil
	})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Row returns a row's captions and image. Rows are best asked in increasing order.
func (s *ShardScanner) Row(row int64) (*ShardRow, error) {
	if row < s.start {
		return ReadShardRow(s.path, row) // behind: a random read
	}
	if row >= s.start+int64(s.n) {
		err := guard(func() error {
			if row != s.start+int64(s.n) {
				if err := s.r.SeekToRow(row); err != nil {
					return err
				}
			}
			n, err := s.r.Read(s.buf)
			if n == 0 && err != nil {
				if errors.Is(err, io.EOF) {
					return fmt.Errorf("row %d is past the end", row)
				}
				return err
			}
			s.start, s.n = row, n
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", s.path, row, err)
		}
	}
	fr := &s.buf[row-s.start]
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
	return out, nil
}

// Close closes the shard.
func (s *ShardScanner) Close() error {
	if s.r != nil {
		s.r.Close()
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

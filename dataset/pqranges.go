package dataset

import (
	"errors"
	"io"
	"slices"
)

// A shard is read in exact byte ranges: the column chunks (or pages) a read needs, found through the
// footer, with neighbours closer than rangeGap read as one. Nothing else of the file is touched, so a
// cold import reads the metadata columns and not the pictures between them.

// rangeGap is the largest hole between two needed ranges that is read through rather than skipped: one
// read of a few KB more costs less than a second request to the device.
const rangeGap = 64 << 10

// maxRangeBatch bounds the bytes read at once by the fast reader; a file whose needs are larger in one
// step (a claim in a corrupt footer, or metadata columns of hundreds of MB) is left to parquet-go.
const maxRangeBatch = 256 << 20

// byteRange is the half-open range [off, end) of a file.
type byteRange struct{ off, end int64 }

// coalesce sorts ranges and merges those that overlap, touch or lie at most gap bytes apart. Empty
// ranges are dropped.
func coalesce(rs []byteRange, gap int64) []byteRange {
	out := make([]byteRange, 0, len(rs))
	for _, r := range rs {
		if r.end > r.off {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b byteRange) int {
		if a.off != b.off {
			if a.off < b.off {
				return -1
			}
			return 1
		}
		return 0
	})
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && r.off-merged[n-1].end <= gap {
			merged[n-1].end = max(merged[n-1].end, r.end)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// spanSet holds the bytes of some ranges of a file, read with one positioned read each.
type spanSet struct {
	spans []byteRange // sorted, disjoint
	data  [][]byte    // data[i] holds spans[i]
	buf   []byte      // all of them
}

// readSpans reads the ranges (coalesced with gap) from r into one buffer: buf when it is large enough,
// else a new one (the set's buffer, to pass again).
func readSpans(r io.ReaderAt, need []byteRange, gap int64, buf []byte) (*spanSet, error) {
	spans := coalesce(need, gap)
	var total int64
	for _, s := range spans {
		total += s.end - s.off
	}
	if total > maxRangeBatch {
		return nil, errUnsupported
	}
	if int64(cap(buf)) < total {
		buf = make([]byte, total)
	}
	buf = buf[:total]
	set := &spanSet{spans: spans, data: make([][]byte, len(spans)), buf: buf}
	for i, s := range spans {
		b := buf[: s.end-s.off : s.end-s.off]
		buf = buf[len(b):]
		if _, err := r.ReadAt(b, s.off); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errUnsupported // the footer points past the end: parquet-go words it
			}
			return nil, err
		}
		set.data[i] = b
	}
	return set, nil
}

// slice returns the bytes of [r.off, r.end), which must lie within one span.
func (s *spanSet) slice(r byteRange) ([]byte, error) {
	i, _ := slices.BinarySearchFunc(s.spans, r.off, func(sp byteRange, off int64) int {
		switch {
		case sp.end <= off:
			return -1
		case sp.off > off:
			return 1
		}
		return 0
	})
	if i >= len(s.spans) || s.spans[i].off > r.off || r.end > s.spans[i].end || r.end < r.off {
		return nil, errUnsupported
	}
	sp := s.spans[i]
	return s.data[i][r.off-sp.off : r.end-sp.off], nil
}

package dataset

import (
	"bytes"
	"reflect"
	"testing"
)

func TestCoalesce(t *testing.T) {
	r := func(off, end int64) byteRange { return byteRange{off, end} }
	for _, tc := range []struct {
		name string
		in   []byteRange
		gap  int64
		want []byteRange
	}{
		{"none", nil, 10, []byteRange{}},
		{"one", []byteRange{r(4, 8)}, 10, []byteRange{r(4, 8)}},
		{"empty dropped", []byteRange{r(4, 4), r(9, 3)}, 10, []byteRange{}},
		{"touching", []byteRange{r(0, 10), r(10, 20)}, 0, []byteRange{r(0, 20)}},
		{"gap at the limit", []byteRange{r(0, 10), r(20, 30)}, 10, []byteRange{r(0, 30)}},
		{"gap past the limit", []byteRange{r(0, 10), r(21, 30)}, 10, []byteRange{r(0, 10), r(21, 30)}},
		{"unsorted", []byteRange{r(100, 110), r(0, 10), r(50, 60)}, 0, []byteRange{r(0, 10), r(50, 60), r(100, 110)}},
		{"overlap and containment", []byteRange{r(0, 50), r(10, 20), r(40, 70)}, 0, []byteRange{r(0, 70)}},
		{"duplicates", []byteRange{r(5, 9), r(5, 9)}, 0, []byteRange{r(5, 9)}},
		{"chain", []byteRange{r(0, 1), r(3, 4), r(6, 7), r(100, 101)}, 2, []byteRange{r(0, 7), r(100, 101)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := coalesce(tc.in, tc.gap)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("coalesce(%v, %d) = %v, want %v", tc.in, tc.gap, got, tc.want)
			}
			// every input range lies in exactly one output range, and every output range is needed
			for _, in := range tc.in {
				if in.end <= in.off {
					continue
				}
				n := 0
				for _, o := range got {
					if o.off <= in.off && in.end <= o.end {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%v lies in %d merged ranges", in, n)
				}
			}
			for _, o := range got {
				starts, ends := false, false
				for _, in := range tc.in {
					starts = starts || in.off == o.off && in.end > in.off
					ends = ends || in.end == o.end && in.end > in.off
				}
				if !starts || !ends {
					t.Errorf("merged range %v does not start and end with needed ranges", o)
				}
			}
		})
	}
}

// TestReadSpans: the bytes of each needed range come back, and only the coalesced ranges are read.
func TestReadSpans(t *testing.T) {
	file := make([]byte, 1000)
	for i := range file {
		file[i] = byte(i * 7)
	}
	rec := &recordingReader{r: bytes.NewReader(file)}
	need := []byteRange{{700, 720}, {10, 20}, {25, 40}, {900, 1000}}
	set, err := readSpans(rec, need, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byteRange{{10, 40}, {700, 720}, {900, 1000}}; !reflect.DeepEqual(rec.reads, want) {
		t.Fatalf("read %v, want %v", rec.reads, want)
	}
	for _, n := range need {
		b, err := set.slice(n)
		if err != nil || !bytes.Equal(b, file[n.off:n.end]) {
			t.Fatalf("%v: %v", n, err)
		}
	}
	if _, err := set.slice(byteRange{30, 710}); err == nil {
		t.Fatal("a range across two spans was served")
	}
	if _, err := set.slice(byteRange{50, 60}); err == nil {
		t.Fatal("a range that was not read was served")
	}
	if _, err := readSpans(rec, []byteRange{{990, 1010}}, 0, make([]byte, 3)); err == nil {
		t.Fatal("a range past the end was read")
	}
}

// recordingReader records the ranges read through it.
type recordingReader struct {
	r interface {
		ReadAt([]byte, int64) (int, error)
	}
	reads []byteRange
}

func (r *recordingReader) ReadAt(p []byte, off int64) (int, error) {
	r.reads = append(r.reads, byteRange{off, off + int64(len(p))})
	return r.r.ReadAt(p, off)
}

func (r *recordingReader) total() int64 {
	var n int64
	for _, x := range r.reads {
		n += x.end - x.off
	}
	return n
}

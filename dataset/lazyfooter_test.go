package dataset

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/loupe-dev/loupe/internal/fuzzcheck"
)

// countingReader counts the bytes read through it and the distinct 4 KB pages they touch.
type countingReader struct {
	r     *bytes.Reader
	mu    sync.Mutex
	bytes int64
	pages map[int64]bool
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bytes += int64(n)
	if c.pages == nil {
		c.pages = map[int64]bool{}
	}
	for pg := off >> 12; n > 0 && pg <= (off+int64(n)-1)>>12; pg++ {
		c.pages[pg] = true
	}
	return n, err
}

// bigStatsShard is a shard whose pictures (and so the image.bytes statistics in its footer) are large.
func bigStatsShard(t testing.TB) []byte {
	t.Helper()
	return fluxShardBytes(t, 60, 6)
}

// TestLazyFooterMatches checks that the footer read on demand, in blocks, gives what the footer held in
// memory gives, for a footer larger than the first read.
func TestLazyFooterMatches(t *testing.T) {
	data := bigStatsShard(t)
	want, err := parseFooter(data)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(binary.LittleEndian.Uint32(data[len(data)-8:]))
	if n <= footerGuess {
		t.Fatalf("footer of %d bytes: fits the first read", n)
	}
	size := int64(len(data))
	r := &tReader{src: bytes.NewReader(data), base: size - 8 - n, end: size - 8}
	got, err := parseFooterFrom(r)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lazy footer differs:\n%+v\n%+v", got, want)
	}
	cr := &countingReader{r: bytes.NewReader(data)}
	got, err = readFooter(cr, size)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readFooter differs:\n%+v\n%+v", got, want)
	}
}

// TestLazyFooterTruncated cuts a footer read on demand short everywhere: an error, never a panic.
func TestLazyFooterTruncated(t *testing.T) {
	data := bigStatsShard(t)
	n := int64(binary.LittleEndian.Uint32(data[len(data)-8:]))
	size := int64(len(data))
	for cut := int64(0); cut < n; cut += 1 + n/200 {
		r := &tReader{src: bytes.NewReader(data), base: size - 8 - n, end: size - 8 - n + cut}
		if _, err := parseFooterFrom(r); err == nil {
			t.Errorf("footer cut to %d of %d bytes accepted", cut, n)
		}
	}
}

// TestLazyFooterSkips checks that a binary field past the window is skipped without reading it.
func TestLazyFooterSkips(t *testing.T) {
	// struct { 1: binary (1 MB), 2: i32 7 }
	var b []byte
	b = append(b, 0x18)
	b = binary.AppendUvarint(b, 1<<20)
	b = append(b, make([]byte, 1<<20)...)
	b = append(b, 0x15, 14, 0)
	cr := &countingReader{r: bytes.NewReader(b)}
	r := &tReader{src: cr, end: int64(len(b))}
	var v int32
	err := r.structFields(0, func(id int16, t byte) (bool, error) {
		if id == 2 && t == tI32 {
			var err error
			v, err = r.i32()
			return true, err
		}
		return false, nil
	})
	if err != nil || v != 7 {
		t.Fatalf("got %d, %v", v, err)
	}
	if cr.bytes > 2*tBlock {
		t.Errorf("read %d bytes of %d", cr.bytes, len(b))
	}
}

// TestLazyFooterShards reports how much of real shards' footers readFooter reads (LOUPE_SHARDS: a
// folder of shards).
func TestLazyFooterShards(t *testing.T) {
	dir := os.Getenv("LOUPE_SHARDS")
	if dir == "" {
		t.Skip("LOUPE_SHARDS not set")
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.parquet"))
	var footers, read, pages int64
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		footers += int64(binary.LittleEndian.Uint32(data[len(data)-8:]))
		cr := &countingReader{r: bytes.NewReader(data)}
		if _, err := readFooter(cr, int64(len(data))); err != nil {
			t.Fatal(p, err)
		}
		read += cr.bytes
		pages += int64(len(cr.pages)) << 12
	}
	t.Logf("%d shards: footers %d bytes, read %d bytes, pages touched %d bytes", len(paths), footers, read, pages)
}

// FuzzLazyFooter parses footers read on demand in small blocks (so that fields straddle the window's
// end and skips move it) and checks that they give what the footer held in memory gives.
func FuzzLazyFooter(f *testing.F) {
	for _, s := range parquetSeeds(f) {
		n := int(binary.LittleEndian.Uint32(s[len(s)-8:]))
		f.Add(s[len(s)-8-n:len(s)-8], uint8(7))
	}
	f.Fuzz(func(t *testing.T, footer []byte, blk uint8) {
		fuzzcheck.Check(t, len(footer), func() {
			want, werr := parseFooterBytes(footer)
			r := &tReader{src: bytes.NewReader(footer), end: int64(len(footer)), blk: int(blk)%200 + 1}
			got, err := parseFooterFrom(r)
			if (err == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
				t.Errorf("lazy: %v, %v; in memory: %v, %v", got, err, want, werr)
			}
		})
	})
}

// TestLazyFooterMutations parses mutated footers on demand, in blocks of random sizes, and checks that
// they give what the same footers held in memory give (the fuzz engine makes slow progress on inputs
// this large).
func TestLazyFooterMutations(t *testing.T) {
	data := bigStatsShard(t)
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	base := data[len(data)-8-n : len(data)-8]
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		f := append([]byte(nil), base...)
		for range 1 + rng.IntN(4) {
			f[rng.IntN(len(f))] = byte(rng.IntN(256))
		}
		blk := 1 + rng.IntN(300)
		want, werr := parseFooterBytes(f)
		got, err := parseFooterFrom(&tReader{src: bytes.NewReader(f), end: int64(len(f)), blk: blk})
		if (err == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("block %d: lazy %v, %v; in memory %v, %v", blk, got, err, want, werr)
		}
	}
}

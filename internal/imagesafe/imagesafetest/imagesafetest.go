// Package imagesafetest makes decompression bombs for tests - a tiny PNG whose header claims a huge
// picture, and a real, complete PNG that is huge once decoded but small on disk - and checks that a
// code path refuses one cheaply: with a clear error, allocating little, and without hanging.
package imagesafetest

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"
	"time"
)

// AllocLimit is the most a refused bomb may cost a code path: bytes allocated (TotalAlloc) during the
// call, and growth of the heap in use (HeapInuse) across it.
const AllocLimit = 100 << 20

// HangGuard bounds how long a refusal may take before a test calls it a hang. It is generous on
// purpose (race detector, busy CI machines): the figures the tests log are what to read for speed.
const HangGuard = 30 * time.Second

// HeaderBomb returns a tiny PNG (about a kilobyte) whose header says w x h 8-bit RGBA, followed by
// the start of its pixel data: a decoder that trusts the header allocates w*h*4 bytes before it finds
// that the data ends early.
func HeaderBomb(w, h int) []byte {
	var out bytes.Buffer
	header(&out, w, h)
	chunk(&out, "IDAT", append([]byte{0x78, 0xda}, zeroBlocks(1<<16, false)...))
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

// ZeroPNG returns a complete, valid PNG of w x h 8-bit RGBA pixels, all zero (transparent black). It is
// about a thousandth of its decoded size (a 12,000 x 12,000 one is some 560 KB on disk and 576 MB
// decoded) and is made without ever holding the decoded size in memory: the deflate blocks of one
// megabyte of zeros are repeated.
func ZeroPNG(w, h int) []byte {
	n := int64(h) * (1 + 4*int64(w)) // each row: filter byte 0, then 4 bytes a pixel
	const k = 1 << 20
	block := zeroBlocks(k, false)
	var z bytes.Buffer
	z.Write([]byte{0x78, 0xda})
	for range n / k {
		z.Write(block)
	}
	z.Write(zeroBlocks(int(n%k), true))
	// Adler-32 of n zero bytes: A stays 1, B adds A once a byte.
	binary.Write(&z, binary.BigEndian, uint32(n%65521)<<16|1)
	var out bytes.Buffer
	header(&out, w, h)
	chunk(&out, "IDAT", z.Bytes())
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

// zeroBlocks deflates n zero bytes with a fresh compressor, so the blocks refer to nothing before
// them and may be repeated; final ends the stream, otherwise it ends on a flush.
func zeroBlocks(n int, final bool) []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	fw.Write(make([]byte, n))
	if final {
		fw.Close()
	} else {
		fw.Flush()
	}
	return b.Bytes()
}

func header(out *bytes.Buffer, w, h int) {
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA; compression, filter and interlace 0
	chunk(out, "IHDR", ihdr)
}

func chunk(out *bytes.Buffer, kind string, data []byte) {
	binary.Write(out, binary.BigEndian, uint32(len(data)))
	c := append([]byte(kind), data...)
	out.Write(c)
	binary.Write(out, binary.BigEndian, crc32.ChecksumIEEE(c))
}

// Cost is what one call took.
type Cost struct {
	Elapsed    time.Duration
	Alloc      uint64 // bytes allocated during the call (runtime.MemStats.TotalAlloc)
	HeapGrowth int64  // change of runtime.MemStats.HeapInuse across the call
}

// Measure runs fn and reports its time and memory. The figures are process-wide: run it where no
// other test of the package runs in parallel.
func Measure(fn func()) Cost {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return Cost{Elapsed: elapsed, Alloc: after.TotalAlloc - before.TotalAlloc,
		HeapGrowth: int64(after.HeapInuse) - int64(before.HeapInuse)}
}

// Refuses checks that fn fails with an error containing want, allocating under AllocLimit, growing
// the heap by less than it, and returning within HangGuard; it logs the figures under what.
func Refuses(t testing.TB, what, want string, fn func() error) Cost {
	t.Helper()
	var err error
	c := Measure(func() { err = fn() })
	t.Logf("%s: %v, %.1f MB allocated, heap %+.1f MB: %v", what, c.Elapsed.Round(time.Microsecond),
		float64(c.Alloc)/(1<<20), float64(c.HeapGrowth)/(1<<20), err)
	switch {
	case err == nil:
		t.Errorf("%s: accepted", what)
	case !strings.Contains(err.Error(), want):
		t.Errorf("%s: error %q does not say %q", what, err, want)
	}
	if c.Alloc > AllocLimit || c.HeapGrowth > AllocLimit {
		t.Errorf("%s: %d bytes allocated, heap grew %d bytes (limit %d)", what, c.Alloc, c.HeapGrowth, AllocLimit)
	}
	if c.Elapsed > HangGuard {
		t.Errorf("%s: took %v", what, c.Elapsed)
	}
	return c
}

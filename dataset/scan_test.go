package dataset

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/internal/fuzzcheck"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// scanAll reads rows 0..n-1 with a scanner, keeping every row: rows handed out must stay intact while
// the scanner goes on (they go to other goroutines in an export).
func scanAll(t *testing.T, path string, n int64) ([]*ShardRow, *ShardScanner) {
	t.Helper()
	sc, err := OpenShardScanner(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	out := make([]*ShardRow, n)
	for row := range n {
		if out[row], err = sc.Row(row); err != nil {
			t.Fatalf("row %d: %v", row, err)
		}
	}
	if _, err := sc.Row(n); err == nil || !strings.Contains(err.Error(), "past the end") {
		t.Fatalf("a row past the end: %v", err)
	}
	return out, sc
}

// sameAsReadShardRow checks rows against ReadShardRow's reading of the same rows.
func sameAsReadShardRow(t *testing.T, path string, rows []*ShardRow) {
	t.Helper()
	for row, got := range rows {
		want, err := ReadShardRow(path, int64(row))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("row %d: scanner %q %d bytes %q, ReadShardRow %q %d bytes %q", row, got.ID, len(got.Image), got.EN, want.ID, len(want.Image), want.EN)
		}
	}
}

// TestShardScannerMatchesReadShardRow scans shards in many layouts (row group sizes, codecs, data page
// versions, PLAIN, dictionary and delta encodings, many pages a chunk, null captions and pictures) and
// checks every row against ReadShardRow.
func TestShardScannerMatchesReadShardRow(t *testing.T) {
	codecs := map[string]compress.Codec{"none": &parquet.Uncompressed, "snappy": &parquet.Snappy, "zstd": &parquet.Zstd, "gzip": &parquet.Gzip}
	layouts := map[string][]parquet.WriterOption{
		"one-page":    nil,
		"many-pages":  {parquet.PageBufferSize(2048)},
		"dict":        {parquet.PageBufferSize(4096), parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.RLEDictionary)},
		"delta":       {parquet.PageBufferSize(4096), parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.DeltaLengthByteArray)},
		"delta-bytes": {parquet.PageBufferSize(4096), parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.DeltaByteArray)},
	}
	dir := t.TempDir()
	const n = 30
	groups := []int{1, 7, n} // row group sizes, taken in turn
	turn := 0
	for _, version := range []int{1, 2} {
		for _, cname := range slices.Sorted(maps.Keys(codecs)) {
			for _, lname := range slices.Sorted(maps.Keys(layouts)) {
				{
					codec, lopts := codecs[cname], layouts[lname]
					perGroup := groups[turn%len(groups)]
					turn++
					name := fmt.Sprintf("v%d-%s-%s-%d", version, cname, lname, perGroup)
					t.Run(name, func(t *testing.T) {
						opts := append([]parquet.WriterOption{parquet.DataPageVersion(version), parquet.Compression(codec)}, lopts...)
						path := filepath.Join(dir, name+".parquet")
						if err := os.WriteFile(path, fluxShardBytes(t, n, perGroup, opts...), 0o644); err != nil {
							t.Fatal(err)
						}
						rows, sc := scanAll(t, path, n)
						if sc.fast == nil {
							t.Fatal("the fast reader gave the shard up")
						}
						sameAsReadShardRow(t, path, rows)
					})
				}
			}
		}
	}
}

// TestShardScannerSkipsAndGoesBack: rows asked with gaps, again, and behind the current row group.
func TestShardScannerSkipsAndGoesBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.parquet")
	if err := os.WriteFile(path, fluxShardBytes(t, 60, 8, parquet.Compression(&parquet.Snappy)), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := OpenShardScanner(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	for _, row := range []int64{3, 3, 4, 17, 40, 41, 5, 42, 59, 0} {
		got, err := sc.Row(row)
		if err != nil {
			t.Fatalf("row %d: %v", row, err)
		}
		want, err := ReadShardRow(path, row)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("row %d: scanner %q, ReadShardRow %q", row, got.ID, want.ID)
		}
	}
}

// TestShardScannerFallsBack: a shard the fast reader does not take (a codec it lacks) is read with
// parquet-go, with the same rows; so is every shard with the fast reader off.
func TestShardScannerFallsBack(t *testing.T) {
	dir := t.TempDir()
	for name, codec := range map[string]compress.Codec{"brotli": &parquet.Brotli} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".parquet")
			if err := os.WriteFile(path, fluxShardBytes(t, 40, 9, parquet.Compression(codec)), 0o644); err != nil {
				t.Fatal(err)
			}
			rows, sc := scanAll(t, path, 40)
			if sc.fast != nil || sc.slow == nil {
				t.Fatal("the fast reader took a codec it does not know")
			}
			sameAsReadShardRow(t, path, rows)
		})
	}
	t.Run("slow-only", func(t *testing.T) {
		path := filepath.Join(dir, "plain.parquet")
		if err := os.WriteFile(path, fluxShardBytes(t, 40, 9, parquet.PageBufferSize(2048)), 0o644); err != nil {
			t.Fatal(err)
		}
		slowOnly = true
		rows, sc := scanAll(t, path, 40)
		slowOnly = false
		if sc.slow == nil {
			t.Fatal("not read with parquet-go")
		}
		sameAsReadShardRow(t, path, rows)
	})
	t.Run("mid-shard", func(t *testing.T) {
		// the fast reader gives up at the third row group (its budget spent): parquet-go reads on
		path := filepath.Join(dir, "mid.parquet")
		if err := os.WriteFile(path, fluxShardBytes(t, 40, 9, parquet.Compression(&parquet.Snappy)), 0o644); err != nil {
			t.Fatal(err)
		}
		sc, err := OpenShardScanner(path)
		if err != nil {
			t.Fatal(err)
		}
		defer sc.Close()
		rows := make([]*ShardRow, 40)
		for row := range int64(40) {
			if row == 18 {
				sc.fast.dec.budget = 0
			}
			if rows[row], err = sc.Row(row); err != nil {
				t.Fatalf("row %d: %v", row, err)
			}
		}
		if sc.fast != nil || sc.slow == nil {
			t.Fatal("no fallback")
		}
		sameAsReadShardRow(t, path, rows)
		if r, err := sc.Row(2); err != nil || r.ID != rows[2].ID {
			t.Fatalf("a row behind: %v", err)
		}
	})
	t.Run("not-parquet", func(t *testing.T) {
		path := filepath.Join(dir, "junk.parquet")
		os.WriteFile(path, bytes.Repeat([]byte("PAR1"), 100), 0o644)
		if sc, err := OpenShardScanner(path); err == nil {
			sc.Close()
			t.Fatal("junk was opened")
		}
	})
}

func FuzzScanDecoder(f *testing.F) {
	seeds := append(parquetSeeds(f), fluxShardBytes(f, 12, 5, parquet.PageBufferSize(1024)),
		fluxShardBytes(f, 12, 12, parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.DeltaByteArray)))
	for _, s := range seeds {
		m, err := parseFooter(s)
		if err != nil {
			f.Fatal(err)
		}
		for _, g := range m.groups {
			for i, c := range g.chunks {
				if l := m.leaves[i]; l.typ == pqByteArray {
					sp, _ := c.span(int64(len(s)))
					f.Add(s[sp.off:sp.end], uint8(c.codec), uint8(l.maxDef), uint16(g.numRows))
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, pages []byte, codec, maxDef uint8, rows uint16) {
		fuzzcheck.Check(t, len(pages), func() {
			d := newScanDecoder(int64(len(pages)) + 4)
			leaf := pqLeaf{path: "c", typ: pqByteArray, maxDef: int(maxDef % 4)}
			var arena []byte
			if n, err := d.arenaSize(pages); err == nil {
				arena = make([]byte, 0, n)
			}
			arena, vals, err := d.chunk(pages, int32(codec), leaf, int(rows), arena, nil)
			if err != nil {
				return
			}
			if len(vals) != int(rows) {
				t.Fatalf("%d values for %d rows", len(vals), rows)
			}
			for _, v := range vals {
				if v.n >= 0 && (v.off < 0 || v.off+v.n > len(arena)) {
					t.Fatalf("value %v outside the arena (%d bytes)", v, len(arena))
				}
			}
		})
	})
}

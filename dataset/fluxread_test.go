package dataset

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/loupe-dev/loupe/dataset/synth"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// memShard is a shard held in memory, read through rec.
func memShard(t *testing.T, data []byte) (*shard, *recordingReader) {
	t.Helper()
	rec := &recordingReader{r: bytes.NewReader(data)}
	return &shard{path: "mem.parquet", r: rec, size: int64(len(data))}, rec
}

// fluxShardBytes writes rows of the FLUX-Reason-6M schema with the given writer options.
func fluxShardBytes(t testing.TB, n, perGroup int, opts ...parquet.WriterOption) []byte {
	t.Helper()
	g := synth.New(3)
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[FluxRow](&buf, append([]parquet.WriterOption{parquet.MaxRowsPerRowGroup(int64(perGroup))}, opts...)...)
	for i := range n {
		s := g.Sample("text", i%9)
		img := bytes.Repeat([]byte{byte(i), byte(i >> 8), 0xd8}, 500+97*(i%13))
		if i%11 == 5 {
			img = nil // a row without a picture
		}
		r := FluxRowFromSample(fmt.Sprintf("text-%08d", i), s, img)
		if i%7 == 3 {
			r.CaptionDetail, r.CaptionEntityCN = nil, nil
		}
		if _, err := w.Write([]FluxRow{r}); err != nil {
			t.Fatal(err)
		}
		if (i+1)%perGroup == 0 {
			w.Flush()
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadRowFastMatchesParquetGo reads every row of shards in many layouts with the fast row reader
// (through the offset index, by walking page headers, whole small chunks) and checks each against
// parquet-go's reading of the same row.
func TestReadRowFastMatchesParquetGo(t *testing.T) {
	codecs := map[string]compress.Codec{"none": &parquet.Uncompressed, "snappy": &parquet.Snappy, "zstd": &parquet.Zstd, "gzip": &parquet.Gzip}
	layouts := map[string][]parquet.WriterOption{
		"one-page":   nil,
		"many-pages": {parquet.PageBufferSize(2048)},
		"dict":       {parquet.PageBufferSize(4096), parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.RLEDictionary)},
		"delta":      {parquet.PageBufferSize(4096), parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.DeltaLengthByteArray)},
	}
	defer func(s int64, o bool) { smallChunk, useOffsetIndex = s, o }(smallChunk, useOffsetIndex)
	for _, version := range []int{1, 2} {
		for cname, codec := range codecs {
			for lname, lopts := range layouts {
				opts := append([]parquet.WriterOption{parquet.DataPageVersion(version), parquet.Compression(codec)}, lopts...)
				data := fluxShardBytes(t, 60, 25, opts...)
				for _, mode := range []string{"offset-index", "walk", "whole"} {
					t.Run(fmt.Sprintf("v%d-%s-%s-%s", version, cname, lname, mode), func(t *testing.T) {
						smallChunk, useOffsetIndex = 0, mode == "offset-index"
						if mode == "whole" {
							smallChunk = 1 << 30
						}
						fast, _ := memShard(t, data)
						if err := fast.prepare(); err != nil || fast.meta == nil {
							t.Fatalf("fast reader refused the footer: %v", err)
						}
						slow, _ := memShard(t, data)
						if err := slow.parse(true); err != nil {
							t.Fatal(err)
						}
						for row := range int64(60) {
							var a, b ShardRow
							if err := fast.readRowFast(row, &a); err != nil {
								t.Fatalf("row %d: fast reader: %v", row, err)
							}
							if err := slow.readRowParquetGo(row, &b); err != nil {
								t.Fatal(err)
							}
							if !reflect.DeepEqual(a, b) {
								t.Fatalf("row %d: fast %q %d bytes, parquet-go %q %d bytes", row, a.ID, len(a.Image), b.ID, len(b.Image))
							}
						}
						var r ShardRow
						if err := fast.readRow(60, &r); err == nil {
							t.Fatal("a row past the end was read")
						}
					})
				}
			}
		}
	}
}

// TestReadRowReadsOnlyItsPages: one row read takes the footer and the pages holding the row, not the
// rest of its row group's pictures.
func TestReadRowReadsOnlyItsPages(t *testing.T) {
	data := fluxShardBytes(t, 200, 100, parquet.PageBufferSize(8<<10), parquet.Compression(&parquet.Snappy))
	s, rec := memShard(t, data)
	if err := s.prepare(); err != nil {
		t.Fatal(err)
	}
	footer := rec.total()
	var r ShardRow
	if err := s.readRow(150, &r); err != nil || r.ID != "text-00000150" || len(r.Image) == 0 {
		t.Fatalf("%+v %v", r.ID, err)
	}
	img, _ := s.meta.groups[1].chunks[1].span(s.size)
	var inImg int64
	for _, rd := range rec.reads {
		inImg += max(0, min(rd.end, img.end)-max(rd.off, img.off))
	}
	if inImg == 0 || inImg > 32<<10 {
		t.Fatalf("one row read %d bytes of its row group's %d bytes of pictures", inImg, img.end-img.off)
	}
	t.Logf("footer %d bytes, row %d bytes (%d of pictures)", footer, rec.total()-footer, inImg)
}

// TestIndexReadsOnlyMetadataColumns: indexing reads the footer and the id, score and flag chunks (with
// gaps under rangeGap between them), never a picture.
func TestIndexReadsOnlyMetadataColumns(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteShards(GenOptions{Out: dir, Shards: 1, Rows: 400, Seed: 2, Subset: "text", ImageSize: 256, ImagePool: 0, RowGroups: 4})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(paths[0])
	rec := &recordingReader{r: bytes.NewReader(data)}
	idx := &ShardIndex{Path: paths[0]}
	if err := fastIndexAt(paths[0], rec, int64(len(data)), idx); err != nil {
		t.Fatal(err)
	}
	m, _ := parseFooter(data)
	for _, g := range m.groups {
		for i, c := range g.chunks {
			if m.leaves[i].path != "image.bytes" {
				continue
			}
			sp, _ := c.span(int64(len(data)))
			for _, rd := range rec.reads {
				if rd.off < sp.end && sp.off < rd.end && rd.off != 0 {
					t.Fatalf("read %v overlaps the pictures at %v", rd, sp)
				}
			}
		}
	}
	// the same rows as before: parquet-go's reading of the shard
	slowOnly = true
	slow, err := IndexShard(paths[0])
	slowOnly = false
	if err != nil || !reflect.DeepEqual(idx, slow) {
		t.Fatalf("fast and parquet-go indexes differ: %v", err)
	}
	fromFile, err := IndexShard(paths[0])
	if err != nil || !reflect.DeepEqual(fromFile, slow) {
		t.Fatalf("IndexShard differs from parquet-go: %v", err)
	}
}

// TestReadShardRowFromFile: rows read on demand from a generated shard on disk are parquet-go's rows.
func TestReadShardRowFromFile(t *testing.T) {
	paths, err := WriteShards(GenOptions{Out: t.TempDir(), Shards: 1, Rows: 40, Seed: 5, Subset: "imaginative", ImageSize: 64, ImagePool: 0, RowGroups: 4})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := parquet.Read[FluxRow](f, mustSize(t, paths[0]))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range rows {
		got, err := ReadShardRow(paths[0], int64(i))
		if err != nil || got.ID != want.ID || !bytes.Equal(got.Image, want.Image.Bytes) || got.EN[7] != *want.CaptionDetail {
			t.Fatalf("row %d: %v", i, err)
		}
	}
}

func mustSize(t *testing.T, p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

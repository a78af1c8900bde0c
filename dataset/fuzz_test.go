package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/internal/fuzzcheck"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// Fuzz tests of every parser of outside bytes in this package: the hand-written Parquet footer, page
// and Thrift decoders, the verdict parser, the manifest reader and the image header check. Each asserts
// no panic, and a bound on the time and memory one input may take (fuzzcheck). Run one with
//
//	go test -run='^$' -fuzz='^FuzzParseFooter$' -fuzztime=30s ./dataset/
//
// Inputs the fuzzer found that failed are kept under testdata/fuzz/FuzzX and run with every go test.

type fuzzRow struct {
	ID              string  `parquet:"id"`
	ScoreText       *int64  `parquet:"score_text,optional"`
	ScoreStyle      int32   `parquet:"score_style"`
	BoolCaptionText bool    `parquet:"bool_caption_text"`
	CaptionDetail   *string `parquet:"caption_detail,optional"`
}

type fuzzRowDict struct {
	ID              string  `parquet:"id,dict"`
	ScoreText       *int64  `parquet:"score_text,optional,dict"`
	ScoreStyle      int32   `parquet:"score_style,dict"`
	BoolCaptionText bool    `parquet:"bool_caption_text"`
	CaptionDetail   *string `parquet:"caption_detail,optional,dict"`
}

// parquetSeeds are small shards in every layout the fast reader takes: data pages v1 and v2, each codec,
// PLAIN, dictionary, delta and RLE encodings, nulls, several row groups.
func parquetSeeds(tb testing.TB) [][]byte {
	rows := make([]fuzzRow, 24)
	for i := range rows {
		r := &rows[i]
		r.ID = fmt.Sprintf("text-%08d", i)
		if i%5 != 0 {
			v := int64(i % 11)
			r.ScoreText = &v
		}
		r.ScoreStyle = int32(i % 11)
		r.BoolCaptionText = i%3 == 0
		if i%4 != 0 {
			s := fmt.Sprintf("caption %d", i%7)
			r.CaptionDetail = &s
		}
	}
	dict := make([]fuzzRowDict, len(rows))
	for i, r := range rows {
		dict[i] = fuzzRowDict(r)
	}
	codecs := []compress.Codec{&parquet.Uncompressed, &parquet.Snappy, &parquet.Zstd, &parquet.Gzip}
	encodings := [][]parquet.WriterOption{
		nil,
		{parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.Plain), parquet.DefaultEncodingFor(parquet.Int64, &parquet.Plain)},
		{parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.DeltaByteArray), parquet.DefaultEncodingFor(parquet.Int64, &parquet.DeltaBinaryPacked),
			parquet.DefaultEncodingFor(parquet.Int32, &parquet.DeltaBinaryPacked)},
		{parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.DeltaLengthByteArray), parquet.DefaultEncodingFor(parquet.Boolean, &parquet.RLE)},
	}
	var out [][]byte
	for version := 1; version <= 2; version++ {
		for ci, codec := range codecs {
			for ei, enc := range encodings {
				if ci > 0 && ei > 1 && version == 2 {
					continue // enough: keep the corpus small
				}
				var buf bytes.Buffer
				opts := append([]parquet.WriterOption{parquet.DataPageVersion(version), parquet.Compression(codec),
					parquet.MaxRowsPerRowGroup(10), parquet.PageBufferSize(64)}, enc...)
				var err error
				if ei == 0 && ci%2 == 1 {
					w := parquet.NewGenericWriter[fuzzRowDict](&buf, opts...)
					if _, err = w.Write(dict); err == nil {
						err = w.Close()
					}
				} else {
					w := parquet.NewGenericWriter[fuzzRow](&buf, opts...)
					if _, err = w.Write(rows); err == nil {
						err = w.Close()
					}
				}
				if err != nil {
					tb.Fatal(err)
				}
				out = append(out, buf.Bytes())
			}
		}
	}
	return out
}

// FuzzParseFooter feeds whole files to the footer parser.
func FuzzParseFooter(f *testing.F) {
	for _, s := range parquetSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzcheck.Check(t, len(data), func() {
			m, err := parseFooter(data)
			if err == nil && m == nil {
				t.Error("nil footer without an error")
			}
		})
	})
}

// FuzzFastIndex feeds whole files to the fast shard indexer: footer, page headers, decompression and
// every value decoder.
func FuzzFastIndex(f *testing.F) {
	for _, s := range parquetSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzcheck.Check(t, len(data), func() {
			idx := &ShardIndex{Path: "fuzz.parquet"}
			if err := fastIndex("fuzz.parquet", data, idx); err == nil && int64(len(idx.Rows)+len(idx.Problems)) != idx.NumRows {
				t.Errorf("%d rows and %d problems for %d rows", len(idx.Rows), len(idx.Problems), idx.NumRows)
			}
		})
	})
}

// FuzzPageDecoder feeds one column chunk's pages (page headers and bodies) to the page decoder, as a
// column of any type, codec and nullability.
func FuzzPageDecoder(f *testing.F) {
	for _, s := range parquetSeeds(f) {
		m, err := parseFooter(s)
		if err != nil {
			f.Fatal(err)
		}
		for _, g := range m.groups {
			for i, c := range g.chunks {
				start := c.dataOffset
				if c.dictOffset > 0 && c.dictOffset < start {
					start = c.dictOffset
				}
				l := m.leaves[i]
				f.Add(s[start:start+c.size], uint8(c.codec), uint8(l.typ), l.maxDef > 0, uint16(g.numRows))
			}
		}
	}
	f.Fuzz(func(t *testing.T, pages []byte, codec, typ uint8, optional bool, rows uint16) {
		fuzzcheck.Check(t, len(pages), func() {
			leaf := pqLeaf{path: "c", typ: int32(typ)}
			if optional {
				leaf.maxDef = 1
			}
			c := pqChunk{codec: int32(codec), numValues: int64(rows), dataOffset: 4, size: int64(len(pages))}
			d := newPageDecoder(len(pages) + 4)
			var cv chunkValues
			if err := d.chunk(pages, c, leaf, int(rows), &cv); err == nil {
				if n := len(cv.ints) + len(cv.bools) + len(cv.strs); n > int(rows) {
					t.Errorf("%d values for %d rows", n, rows)
				}
			}
		})
	})
}

// FuzzThrift walks arbitrary bytes as a Thrift compact struct, skipping every field, and reads them as
// each value type.
func FuzzThrift(f *testing.F) {
	for _, s := range parquetSeeds(f) {
		n := int(binary.LittleEndian.Uint32(s[len(s)-8:]))
		f.Add(s[len(s)-8-n : len(s)-8])
	}
	f.Add([]byte{0x19, 0xfc, 0xff, 0xff, 0xff, 0x0f}) // a list of bools claiming 2^32 elements
	f.Add([]byte{0x1b, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x11})
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzcheck.Check(t, len(data), func() {
			r := &tReader{b: data}
			r.structFields(0, func(int16, byte) (bool, error) { return false, nil })
			for typ := byte(0); typ <= tStruct+1; typ++ {
				r := &tReader{b: data}
				r.skip(typ, 0)
				if r.pos > len(data) {
					t.Fatalf("type %d: read to %d of %d bytes", typ, r.pos, len(data))
				}
			}
		})
	})
}

// manifestSeeds are the lines of the manifest tests and of loupe's own jsonl export.
func manifestSeeds() []string {
	seeds := []string{
		`{"id": "a", "image": "a.png", "texts": {"detail": {"en": "a cat", "zh": "一只猫"}, "prompt": "cat"}, "scores": {"text": 7, "prism_alignment": 8.5}}`,
		`{"id": "b", "image": "b.png", "caption_detail": "flat", "caption_detail_cn": "平", "score_image_clarity": 9}`,
		`{"id": "c", "image": "c.png", "scores": {"text": 12}}`,
		`{"id": "d", "image": "d.png", "scores": {"text": "7"}}`,
		`{"id": 5, "image": "e.png"}`,
		`{"id": "g", "image": {"path": "g.png"}}`,
		`{"id": "h", "image": "h.png", "scores": {"wow": 3}}`,
	}
	if b, err := os.ReadFile(filepath.Join("..", "export", "testdata", "jsonl.golden")); err == nil {
		seeds = append(seeds, strings.Split(strings.TrimSpace(string(b)), "\n")...)
	}
	return seeds
}

// FuzzParseManifestLine feeds one line to the manifest line parser.
func FuzzParseManifestLine(f *testing.F) {
	for _, s := range manifestSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		fuzzcheck.Check(t, len(line), func() {
			it, err := parseManifestLine(line)
			if err == nil && (strings.TrimSpace(it.ID) == "" || it.Image == "") {
				t.Errorf("item without id or image: %+v", it)
			}
			if err == nil {
				for _, s := range it.Scores {
					if s != -1 && (s < 0 || s > 10) {
						t.Errorf("score %d outside 0-10", s)
					}
				}
			}
		})
	})
}

// FuzzReadManifest feeds whole files to the manifest reader.
func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(strings.Join(manifestSeeds(), "\n")))
	f.Add([]byte("\n\n{\"id\": \"a\", \"image\": \"a.png\"}\r\n{\"id\": \"a\", \"image\": \"b.png\"}"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "m.jsonl")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		fuzzcheck.Check(t, len(data), func() {
			items, _, err := ReadManifest(p)
			seen := map[string]bool{}
			for _, it := range items {
				if seen[it.ID] {
					t.Errorf("duplicate id %q returned", it.ID)
				}
				seen[it.ID] = true
			}
			if err != nil && len(items) > 0 {
				t.Errorf("items with an error: %v", err)
			}
		})
	})
}

// imageSeeds are tiny pictures in every format the header check reads.
func imageSeeds(tb testing.TB) [][]byte {
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.NRGBA{200, 10, 10, 255})
	var p, j, g bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		tb.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		tb.Fatal(err)
	}
	if err := gif.Encode(&g, img, nil); err != nil {
		tb.Fatal(err)
	}
	// a lossless WebP of 1x1 (RIFF header, VP8L chunk)
	webp := []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
	return [][]byte{p.Bytes(), j.Bytes(), g.Bytes(), webp}
}

// FuzzCheckImage feeds picture files to the image header check.
func FuzzCheckImage(f *testing.F) {
	for _, s := range imageSeeds(f) {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "x.png")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		fuzzcheck.Check(t, len(data), func() {
			err := checkImage(p)
			if err2 := checkHeader(p, bytes.NewReader(data)); (err == nil) != (err2 == nil) {
				t.Errorf("file %v, bytes %v", err, err2)
			}
			if err == nil {
				cfg, _, derr := image.DecodeConfig(bytes.NewReader(data))
				if derr != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > 1<<15 || cfg.Height > 1<<15 {
					t.Errorf("accepted %dx%d (%v)", cfg.Width, cfg.Height, derr)
				}
			}
		})
	})
}

// FuzzParseOffsetIndex feeds a column chunk's offset index (page locations) to its parser.
func FuzzParseOffsetIndex(f *testing.F) {
	for _, s := range parquetSeeds(f) {
		m, err := parseFooter(s)
		if err != nil {
			f.Fatal(err)
		}
		for _, g := range m.groups {
			for _, c := range g.chunks {
				if c.indexOffset > 0 && c.indexOffset+int64(c.indexLength) <= int64(len(s)) {
					f.Add(s[c.indexOffset : c.indexOffset+int64(c.indexLength)])
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzcheck.Check(t, len(data), func() {
			locs, err := parseOffsetIndex(data)
			if err == nil && (len(locs) == 0 || locs[0].firstRow != 0) {
				t.Errorf("accepted %v", locs)
			}
		})
	})
}

// FuzzReadRow feeds whole files to the on-demand row reader: footer, offset indexes, page headers found
// by walking a chunk, and the decoders of the pages that hold a row.
func FuzzReadRow(f *testing.F) {
	for _, s := range parquetSeeds(f) {
		f.Add(s, uint8(3), false)
	}
	f.Add(fluxShardBytes(f, 6, 3, parquet.PageBufferSize(256)), uint8(4), true)
	f.Fuzz(func(t *testing.T, data []byte, row uint8, walk bool) {
		fuzzcheck.Check(t, len(data), func() {
			s := &shard{path: "fuzz.parquet", r: bytes.NewReader(data), size: int64(len(data))}
			m, err := readFooter(s.r, s.size)
			if err != nil {
				return
			}
			s.meta = m
			old := useOffsetIndex
			useOffsetIndex = !walk
			defer func() { useOffsetIndex = old }()
			var out ShardRow
			guard(func() error { return s.readRowFast(int64(row), &out) })
		})
	})
}

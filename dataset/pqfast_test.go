package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

type diffRow struct {
	ID              string  `parquet:"id"`
	ScoreText       *int64  `parquet:"score_text,optional"`
	ScoreStyle      int32   `parquet:"score_style"`
	BoolCaptionText bool    `parquet:"bool_caption_text"`
	CaptionDetail   *string `parquet:"caption_detail,optional"`
}

type diffRowDict struct {
	ID              string  `parquet:"id,dict"`
	ScoreText       *int64  `parquet:"score_text,optional,dict"`
	ScoreStyle      int32   `parquet:"score_style,dict"`
	BoolCaptionText bool    `parquet:"bool_caption_text"`
	CaptionDetail   *string `parquet:"caption_detail,optional,dict"`
}

func diffRows(n int) []diffRow {
	rows := make([]diffRow, n)
	for i := range rows {
		r := &rows[i]
		r.ID = fmt.Sprintf("text-%08d", i)
		if i%7 != 0 {
			v := int64(i % 11)
			r.ScoreText = &v
		}
		r.ScoreStyle = int32((i * 3) % 11)
		r.BoolCaptionText = i%3 == 0
		if i%5 != 0 {
			s := fmt.Sprintf("caption %d", i%13)
			r.CaptionDetail = &s
		}
	}
	rows[100].ScoreStyle = 12                   // out of range
	rows[200].ID = rows[199].ID                 // duplicate
	rows[300].ID = ""                           // empty
	rows[400].ID = "text-\u00e9\u4e2d-00000400" // non-ASCII
	return rows
}

func writeDiff[T any](t *testing.T, path string, rows []T, opts ...parquet.WriterOption) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, append([]parquet.WriterOption{parquet.MaxRowsPerRowGroup(64), parquet.PageBufferSize(256)}, opts...)...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestFastReaderMatchesParquetGo writes the same rows with many writer settings and checks that the fast
// reader takes them and yields exactly what parquet-go's reader yields.
func TestFastReaderMatchesParquetGo(t *testing.T) {
	rows := diffRows(1000)
	dict := make([]diffRowDict, len(rows))
	for i, r := range rows {
		dict[i] = diffRowDict(r)
	}
	codecs := map[string]compress.Codec{"none": &parquet.Uncompressed, "snappy": &parquet.Snappy, "zstd": &parquet.Zstd, "gzip": &parquet.Gzip}
	encodings := map[string][]parquet.WriterOption{
		"default": nil,
		"plain":   {parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.Plain), parquet.DefaultEncodingFor(parquet.Int64, &parquet.Plain)},
		"delta": {parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.DeltaByteArray), parquet.DefaultEncodingFor(parquet.Int64, &parquet.DeltaBinaryPacked),
			parquet.DefaultEncodingFor(parquet.Int32, &parquet.DeltaBinaryPacked)},
		"rle-bool": {parquet.DefaultEncodingFor(parquet.Boolean, &parquet.RLE)},
		"dict":     nil,
	}
	dir := t.TempDir()
	for _, version := range []int{1, 2} {
		for cname, codec := range codecs {
			for ename, eopts := range encodings {
				name := fmt.Sprintf("v%d-%s-%s", version, cname, ename)
				t.Run(name, func(t *testing.T) {
					path := filepath.Join(dir, name+".parquet")
					opts := append([]parquet.WriterOption{parquet.DataPageVersion(version), parquet.Compression(codec)}, eopts...)
					if ename == "dict" {
						writeDiff(t, path, dict, opts...)
					} else {
						writeDiff(t, path, rows, opts...)
					}
					data, _ := os.ReadFile(path)
					fast := &ShardIndex{Path: path}
					if err := fastIndex(path, data, fast); err != nil {
						t.Fatalf("fast reader refused: %v", err)
					}
					slowOnly = true
					slow, err := IndexShard(path)
					slowOnly = false
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(fast, slow) {
						for i := range min(len(fast.Rows), len(slow.Rows)) {
							if fast.Rows[i] != slow.Rows[i] {
								t.Fatalf("row %d: fast %+v slow %+v", i, fast.Rows[i], slow.Rows[i])
							}
						}
						t.Fatalf("fast %d rows %v, slow %d rows %v", len(fast.Rows), fast.Problems, len(slow.Rows), slow.Problems)
					}
					if len(fast.Rows) != 997 || len(fast.Problems) != 3 {
						t.Fatalf("%d rows, problems %v", len(fast.Rows), fast.Problems)
					}
				})
			}
		}
	}
}

// TestFastReaderFallsBack: files the fast reader does not take still index through parquet-go.
func TestFastReaderFallsBack(t *testing.T) {
	type nested struct {
		ID     string   `parquet:"id"`
		Scores []int64  `parquet:"score_text,list"`
		Tags   []string `parquet:"tags,list"`
	}
	path := filepath.Join(t.TempDir(), "nested.parquet")
	writeDiff(t, path, []nested{{ID: "a-00000001", Scores: []int64{1, 2}}})
	data, _ := os.ReadFile(path)
	if err := fastIndex(path, data, &ShardIndex{}); err == nil {
		t.Fatal("fast reader took a repeated score column")
	}
	if _, err := IndexShard(path); err == nil {
		t.Fatal("a list-typed score column was accepted")
	}
}

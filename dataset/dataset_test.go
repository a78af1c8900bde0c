package dataset

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/dataset/synth"
	"github.com/parquet-go/parquet-go"
)

// writeParquet writes rows of any struct type as a Parquet file for tests.
func writeParquet[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[T](f, parquet.MaxRowsPerRowGroup(3))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func genShards(t testing.TB, shards, rows, size int) []string {
	t.Helper()
	paths, err := WriteShards(GenOptions{Out: t.TempDir(), Shards: shards, Rows: rows, Seed: 5, ImageSize: size, ImagePool: 8, RowGroups: 4})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func TestIndexShardMatchesGenerator(t *testing.T) {
	paths := genShards(t, 2, 20, 48)
	if !strings.HasSuffix(paths[1], filepath.Join("Aesthetics-Part02", "fluxdb-aesthetics-part02-00000-of-00001.parquet")) {
		t.Errorf("shard path %s does not follow the published layout", paths[1])
	}
	idx, err := IndexShard(paths[1])
	if err != nil {
		t.Fatal(err)
	}
	if idx.NumRows != 20 || len(idx.Rows) != 20 || len(idx.Problems) != 0 || !idx.HasImage {
		t.Fatalf("index %+v", idx)
	}
	g := synth.New(5)
	for _, r := range idx.Rows {
		s := g.Sample("aesthetics-part02", int(r.Row)%8) // pool of 8 pictures
		if r.ExtID != SubsetOf(r.ExtID)+"-"+strings.TrimPrefix(r.ExtID, "aesthetics-part02-") || SubsetOf(r.ExtID) != "aesthetics-part02" {
			t.Fatalf("id %q", r.ExtID)
		}
		for k := range 9 {
			if int(r.Scores[k]) != s.Scores[k] {
				t.Fatalf("row %d score %d = %d, want %d", r.Row, k, r.Scores[k], s.Scores[k])
			}
		}
		for k := range 8 {
			if (r.Captions&(1<<k) != 0) != s.Present[k] {
				t.Fatalf("row %d caption %d presence wrong", r.Row, k)
			}
		}
	}
	// On demand: one row's captions and picture.
	row, err := ReadShardRow(paths[1], 13)
	if err != nil {
		t.Fatal(err)
	}
	s := g.Sample("aesthetics-part02", 13%8)
	if row.ID != "aesthetics-part02-00000013" || row.EN != s.EN || row.ZH != s.ZH {
		t.Fatalf("row 13: id %q, captions differ from the generator's", row.ID)
	}
	img, format, err := image.Decode(bytes.NewReader(row.Image))
	if err != nil || format != "jpeg" || img.Bounds().Dx() != 48 {
		t.Fatalf("image: %v %s %v", err, format, img.Bounds())
	}
	if _, err := ReadShardRow(paths[1], 20); err == nil || !strings.Contains(err.Error(), "no such row") {
		t.Errorf("row 20 of 20: err = %v", err)
	}
}

func TestFluxRowHasAll36Columns(t *testing.T) {
	s := parquet.SchemaOf(FluxRow{})
	if n := len(s.Fields()); n != 36 {
		t.Fatalf("%d top-level columns, want 36", n)
	}
}

type noIDRow struct {
	Name      string `parquet:"name"`
	ScoreText int64  `parquet:"score_text"`
}

type wrongTypeRow struct {
	ID        string `parquet:"id"`
	ScoreText string `parquet:"score_text"`
}

type sparseRow struct { // a re-upload that dropped most columns: still fine
	ID        string `parquet:"id"`
	ScoreText int32  `parquet:"score_text"`
}

func TestIndexShardBadInput(t *testing.T) {
	dir := t.TempDir()
	good := genShards(t, 1, 12, 32)[0]
	data, _ := os.ReadFile(good)
	truncated := filepath.Join(dir, "truncated.parquet")
	os.WriteFile(truncated, data[:len(data)/2], 0o644)
	corrupt := filepath.Join(dir, "corrupt.parquet")
	bad := bytes.Clone(data)
	for i := 4; i < len(bad)-5000; i += 7 { // scramble the pages, keep the footer
		bad[i] ^= 0x5a
	}
	os.WriteFile(corrupt, bad, 0o644)
	garbage := filepath.Join(dir, "garbage.parquet")
	os.WriteFile(garbage, []byte("PAR1 this is not parquet at all PAR1"), 0o644)
	noID := filepath.Join(dir, "noid.parquet")
	writeParquet(t, noID, []noIDRow{{"a", 1}})
	wrongType := filepath.Join(dir, "wrongtype.parquet")
	writeParquet(t, wrongType, []wrongTypeRow{{"a", "seven"}})
	asDir := filepath.Join(dir, "folder.parquet")
	os.Mkdir(asDir, 0o755)

	for _, tc := range []struct {
		name, path, want string
	}{
		{"truncated", truncated, "not a readable Parquet file"},
		{"corrupt pages", corrupt, "corrupt.parquet"},
		{"not parquet", garbage, "not a readable Parquet file"},
		{"missing id", noID, "no id column"},
		{"wrong type", wrongType, "column score_text: expected type INT32, found BYTE_ARRAY"},
		{"unreadable", asDir, "is a directory"},
		{"missing file", filepath.Join(dir, "nope.parquet"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := IndexShard(tc.path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Base(tc.path)) {
				t.Fatalf("error %q should name the file and say %q", err, tc.want)
			}
		})
	}
}

func TestIndexShardBadRows(t *testing.T) {
	dir := t.TempDir()
	rows := make([]FluxRow, 5)
	for i := range rows {
		rows[i] = FluxRowFromSample("text-0000000"+string(rune('0'+i)), synth.New(1).Sample("text", i), nil)
	}
	rows[1].ScoreText = 11
	rows[3].ID = rows[2].ID
	rows[4].ID = ""
	p := filepath.Join(dir, "rows.parquet")
	writeParquet(t, p, rows)
	idx, err := IndexShard(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Rows) != 2 || idx.Rows[0].Row != 0 || idx.Rows[1].Row != 2 {
		t.Fatalf("kept rows %+v", idx.Rows)
	}
	want := []string{
		"rows.parquet: row 1: score_text = 11 is outside 0-10",
		`rows.parquet: row 3: duplicate id "text-00000002" (also row 2)`,
		"rows.parquet: row 4: empty id",
	}
	if len(idx.Problems) != len(want) {
		t.Fatalf("problems %v", idx.Problems)
	}
	for i, w := range want {
		if !strings.HasSuffix(idx.Problems[i].String(), w) {
			t.Errorf("problem %q, want %q", idx.Problems[i], w)
		}
	}
	sp := filepath.Join(dir, "sparse.parquet")
	writeParquet(t, sp, []sparseRow{{"imaginative-00000001", 9}})
	idx, err = IndexShard(sp)
	if err != nil || len(idx.Rows) != 1 || idx.Rows[0].Scores[2] != 9 || idx.Rows[0].Scores[0] != -1 || idx.HasImage {
		t.Fatalf("sparse shard: %+v %v", idx, err)
	}
}

func TestReadPromptsKeepsIndexes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "style.jsonl")
	os.WriteFile(p, []byte("{\"prompt\": \"zero\"}\n{\"prompt\": \"one\"\n\n{\"text\": \"three\"}\n{\"prompt\": \"four\"}\n"), 0o644)
	lines, probs, err := ReadPrompts(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].Index != 0 || lines[1].Index != 4 || lines[1].Prompt != "four" {
		t.Fatalf("lines %+v", lines)
	}
	if len(probs) != 3 || probs[0].Where != "line 2" || !strings.Contains(probs[0].Message, "invalid JSON") ||
		probs[1].Where != "line 3" || probs[2].Where != "line 4" || !strings.Contains(probs[2].Message, `"prompt"`) {
		t.Fatalf("problems %v", probs)
	}
}

func TestReadManifest(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.jsonl")
	os.WriteFile(p, []byte(strings.Join([]string{
		`{"id": "a", "image": "a.png", "texts": {"detail": {"en": "a cat", "zh": "一只猫"}, "prompt": "cat"}, "scores": {"text": 7, "prism_alignment": 8.5}}`,
		`{"id": "b", "image": "b.png", "caption_detail": "flat", "caption_detail_cn": "平", "score_image_clarity": 9}`,
		`{"id": "c", "image": "c.png", "scores": {"text": 12}}`,
		`{"id": "d", "image": "d.png", "scores": {"text": "7"}}`,
		`{"id": 5, "image": "e.png"}`,
		`{"id": "a", "image": "a2.png"}`,
		`not json`,
		`{"id": "f", "image": "f.png", "texts": {"mood": "sad"}}`,
		`{"id": "g"}`,
		`{"id": "h", "image": "h.png", "scores": {"wow": 3}}`,
	}, "\n")), 0o644)
	items, probs, err := ReadManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Scores[2] != 7 || items[0].Other["prism_alignment"] != 8.5 || len(items[0].Texts) != 3 {
		t.Fatalf("items %+v", items)
	}
	if items[1].Scores[7] != 9 || len(items[1].Texts) != 2 || items[1].Captions != 1<<7 {
		t.Fatalf("flat item %+v", items[1])
	}
	want := map[string]string{
		"line 3": "scores.text: 12 is outside 0-10", "line 4": `scores.text: "7" is not a number`,
		"line 5": `field "id": want a string`, "line 6": `duplicate id "a" (first on line 1)`,
		"line 7": "invalid JSON", "line 8": `texts: unknown text kind "mood"`, "line 9": `field "image": missing image path`,
		"line 10": "scores.wow: unknown dimension",
	}
	if len(probs) != len(want) {
		t.Fatalf("problems %v", probs)
	}
	for _, pr := range probs {
		if !strings.Contains(pr.Message, want[pr.Where]) || want[pr.Where] == "" {
			t.Errorf("%s: %q, want %q", pr.Where, pr.Message, want[pr.Where])
		}
	}
}

// TestReadShardRowConcurrent reads rows of more shards than the cache keeps, from several goroutines
// (run with -race), and sees a rewritten shard's new content.
func TestReadShardRowConcurrent(t *testing.T) {
	paths, err := WriteShards(GenOptions{Out: t.TempDir(), Shards: 10, Rows: 6, Seed: 4, ImageSize: 32, ImagePool: 2, RowGroups: 2})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				p := paths[(g*7+i)%len(paths)]
				r, err := ReadShardRow(p, int64(i%6))
				if err != nil || r.ID == "" || len(r.Image) == 0 {
					errs <- fmt.Errorf("%s row %d: %v", p, i%6, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Rewrite a shard with other rows: the next read must see them.
	first, _ := ReadShardRow(paths[0], 0)
	time.Sleep(10 * time.Millisecond)
	rows := []FluxRow{FluxRowFromSample("text-99999999", synth.New(9).Sample("text", 1), nil)}
	writeParquet(t, paths[0], rows)
	second, err := ReadShardRow(paths[0], 0)
	if err != nil || second.ID != "text-99999999" || second.ID == first.ID {
		t.Fatalf("after rewrite: %+v %v", second, err)
	}
}

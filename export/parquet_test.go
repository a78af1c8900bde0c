package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/parquet-go/parquet-go"
)

func pqTestPNG(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 6, 4))
	for y := range 4 {
		for x := range 6 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pqTestJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 4)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pqWant is what a record's row must hold, written out by hand (not computed by the writer's code).
type pqWant struct {
	path   any              // image.path: string or nil
	scores map[string]int64 // score_<column> that are not null
	bools  []string         // caption kinds with bool_caption_<kind> true
	prompt any
	align  any // loupe_prism_alignment: float64 or nil
	aesth  any
}

func pqTestRecords(t *testing.T) ([]*Record, []pqWant) {
	pngA, pngB, jpg := pqTestPNG(t, color.RGBA{200, 10, 10, 255}), pqTestPNG(t, color.RGBA{0, 90, 200, 255}), pqTestJPEG(t)
	recs := []*Record{
		{
			ID: "aesthetics-part01-00000001", Kind: "sample", Subset: "aesthetics-part01", Image: pngA, ImageExt: "png",
			Texts: map[string]map[string]string{
				"composition": {"en": "A red square.", "zh": "一个红色方块。"},
				"detail":      {"en": "A detailed look at a red square."},
				"style":       {"zh": "极简"},
			},
			Values: map[string]Value{
				"composition":     {Value: 7, Source: "pipeline"},
				"entity":          {Value: 9, Source: "human", Who: "ann", When: "2025-01-02T03:04:05Z"},
				"prism_alignment": {Value: 83.5, Source: "judge", Who: "qwen", When: "2025-01-03T00:00:00Z", RubricHash: "abc123"},
			},
			Decision: "accepted", DecidedBy: "ann",
			History: History{Events: 3, Annotators: 1, Accepts: 1, Last: "2025-01-02T03:04:05Z"},
		},
		{
			ID: "weird/id:2", Kind: "sample", Subset: "text", Image: jpg, ImageExt: "jpg",
			Texts: map[string]map[string]string{"text": {"en": "A sign reading OPEN."}},
			Values: map[string]Value{
				"imagination": {Value: 12, Source: "human", Who: "bob"}, // outside 0-10: null score
				"text":        {Value: 0, Source: "pipeline"},           // a real zero
				"clarity":     {Value: 4, Source: "pipeline"},
			},
			Decision: "rejected", DecidedBy: "bob,carol",
			History: History{Events: 2, Annotators: 2, Rejects: 2, Undos: 1},
		},
		{
			ID: "prism-imagination-flux-0003", Kind: "generation", Track: "imagination", Model: "flux-dev", Image: pngB, ImageExt: "png",
			Texts: map[string]map[string]string{"prompt": {"en": "A whale in the sky.", "zh": "天空中的鲸鱼。"}},
			Values: map[string]Value{
				"prism_aesthetics": {Value: 71.25, Source: "judge", Who: "gpt", RubricHash: "r9"},
				"style":            {Value: 6.6, Source: "human", Who: "ann"}, // rounded to 7
			},
			Decision: "flagged",
			History:  History{Events: 1, Annotators: 1, Flags: 1},
		},
		{
			ID: "text-00000004", Kind: "sample", Subset: "text",
			Decision: "unreviewed",
		},
		{
			ID: "imaginative-00000005", Kind: "sample", Subset: "imaginative", Image: pngA, // ext from the bytes
			Texts: map[string]map[string]string{
				"imaginative": {"en": "A dream.", "zh": "一个梦。"},
				"original":    {"en": "orig"},
			},
			Values: map[string]Value{
				"affection":          {Value: 3, Source: "pipeline"},
				"original_alignment": {Value: 10, Source: "human", Who: "ann"},
				"structure":          {Value: 8, Source: "pipeline"},
				"decision":           {Value: 1, Source: "human", Who: "ann"},
			},
			Decision: "accepted", DecidedBy: "ann",
		},
		{
			ID: "画-00000006", Kind: "sample", Subset: "", Image: jpg, ImageExt: "jpg",
			Texts:    map[string]map[string]string{"abstract": {"zh": "抽象"}, "entity": {"en": "a cat"}},
			Values:   map[string]Value{"entity": {Value: 5, Source: "judge", Who: "j", RubricHash: "h"}},
			Decision: "unreviewed",
		},
	}
	wants := []pqWant{
		{path: "aesthetics-part01-00000001.png", scores: map[string]int64{"composition": 7, "entity": 9},
			bools: []string{"composition", "style", "detail"}, prompt: nil, align: 83.5, aesth: nil},
		{path: SafeName("weird/id:2") + ".jpg", scores: map[string]int64{"text": 0, "image_clarity": 4},
			bools: []string{"text"}, prompt: nil, align: nil, aesth: nil},
		{path: "prism-imagination-flux-0003.png", scores: map[string]int64{"style": 7},
			prompt: "A whale in the sky.", align: nil, aesth: 71.25},
		{path: nil, scores: map[string]int64{}},
		{path: "imaginative-00000005.png", scores: map[string]int64{"abstract": 3, "original": 10, "image_structure": 8},
			bools: []string{"imaginative", "original"}},
		{path: "画-00000006.jpg", scores: map[string]int64{"entity": 5}, bools: []string{"entity", "abstract"}},
	}
	if !strings.HasPrefix(wants[1].path.(string), "weird_id_2-") {
		t.Fatalf("SafeName changed: %v", wants[1].path)
	}
	return recs, wants
}

func pqExport(t *testing.T, o Options, recs []*Record) Writer {
	t.Helper()
	w, err := NewParquet(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w
}

// pqArrowRows reads a shard with apache arrow-go (pqarrow) into one map per row, nested structs as maps.
func pqArrowRows(t *testing.T, path string) ([]string, []map[string]any, map[string]string) {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("arrow: %v", err)
	}
	defer rdr.Close()
	kv := map[string]string{}
	for _, e := range rdr.MetaData().KeyValueMetadata() {
		if e.Value != nil {
			kv[e.Key] = *e.Value
		}
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 64}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("arrow: read %s: %v", path, err)
	}
	defer tbl.Release()
	var names []string
	rows := make([]map[string]any, tbl.NumRows())
	for i := range rows {
		rows[i] = map[string]any{}
	}
	for c := range int(tbl.NumCols()) {
		col := tbl.Column(c)
		names = append(names, col.Name())
		i := 0
		for _, chunk := range col.Data().Chunks() {
			for j := range chunk.Len() {
				rows[i][col.Name()] = pqArrowValue(t, chunk, j)
				i++
			}
		}
	}
	return names, rows, kv
}

func pqArrowValue(t *testing.T, a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...)
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Struct:
		m := map[string]any{}
		st := a.DataType().(*arrow.StructType)
		for f := range a.NumField() {
			m[st.Field(f).Name] = pqArrowValue(t, a.Field(f), i)
		}
		return m
	}
	t.Fatalf("arrow: unexpected array type %s", a.DataType())
	return nil
}

func pqShards(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(got)
	return got
}

func TestParquetColumnsArrow(t *testing.T) {
	recs, wants := pqTestRecords(t)
	out := filepath.Join(t.TempDir(), "export")
	w := pqExport(t, Options{Out: out}, recs)
	if got := w.Files(); !reflect.DeepEqual(got, []string{"data/train-00000.parquet"}) {
		t.Fatalf("Files() = %v", got)
	}
	if got := pqShards(t, out); !reflect.DeepEqual(got, []string{".loupe-export.json", "data/train-00000.parquet"}) {
		t.Fatalf("output holds %v (temporary files left?)", got)
	}
	path := filepath.Join(out, "data", "train-00000.parquet")
	names, rows, kv := pqArrowRows(t, path)

	// The column layout: FLUX-Reason-6M's 36 columns in the published order, then loupe's.
	wantNames := []string{"id", "image"}
	for _, k := range review.CaptionKinds {
		wantNames = append(wantNames, "caption_"+k)
	}
	for _, k := range review.CaptionKinds {
		wantNames = append(wantNames, "caption_"+k+"_cn")
	}
	for _, k := range review.CaptionKinds {
		wantNames = append(wantNames, "bool_caption_"+k)
	}
	for _, p := range review.PipelineScores {
		wantNames = append(wantNames, "score_"+p.Column)
	}
	wantNames = append(wantNames, "caption", "loupe_kind", "loupe_subset", "loupe_track", "loupe_model", "loupe_prompt",
		"loupe_decision", "loupe_decided_by", "loupe_prism_alignment", "loupe_prism_aesthetics", "loupe_provenance", "loupe_history",
		"loupe_suite", "loupe_prompt_lang", "loupe_prompt_index", "loupe_texts", "loupe_pipeline", "loupe_labels")
	if !reflect.DeepEqual(names, wantNames) {
		t.Fatalf("columns:\n got %v\nwant %v", names, wantNames)
	}
	if len(names) != 36+17 {
		t.Fatalf("%d columns", len(names))
	}
	var hf struct {
		Info struct {
			Features map[string]map[string]string `json:"features"`
		} `json:"info"`
	}
	if err := json.Unmarshal([]byte(kv["huggingface"]), &hf); err != nil {
		t.Fatalf("huggingface metadata: %v (%q)", err, kv["huggingface"])
	}
	if hf.Info.Features["image"]["_type"] != "Image" || len(hf.Info.Features) != len(wantNames) {
		t.Fatalf("huggingface features: %v", hf.Info.Features)
	}

	if len(rows) != len(recs) {
		t.Fatalf("%d rows, want %d", len(rows), len(recs))
	}
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	for i, r := range recs {
		row, want := rows[i], wants[i]
		check := func(col string, v any) {
			t.Helper()
			if !reflect.DeepEqual(row[col], v) {
				t.Errorf("row %d (%s) %s = %#v, want %#v", i, r.ID, col, row[col], v)
			}
		}
		check("id", r.ID)
		img := row["image"].(map[string]any)
		var wantBytes any
		if r.Image != nil {
			wantBytes = r.Image
		}
		if !reflect.DeepEqual(img["bytes"], wantBytes) {
			t.Errorf("row %d: image bytes differ (%d vs %d bytes)", i, len(fmt.Sprint(img["bytes"])), len(r.Image))
		}
		if !reflect.DeepEqual(img["path"], want.path) {
			t.Errorf("row %d: image.path = %v, want %v", i, img["path"], want.path)
		}
		for _, k := range review.CaptionKinds {
			check("caption_"+k, str(r.Texts[k]["en"]))
			check("caption_"+k+"_cn", str(r.Texts[k]["zh"]))
			check("bool_caption_"+k, pqContains(want.bools, k))
		}
		for _, p := range review.PipelineScores {
			if v, ok := want.scores[p.Column]; ok {
				check("score_"+p.Column, v)
			} else {
				check("score_"+p.Column, nil)
			}
		}
		check("caption", str(r.Texts["detail"]["en"]))
		check("loupe_kind", r.Kind)
		check("loupe_subset", str(r.Subset))
		check("loupe_track", str(r.Track))
		check("loupe_model", str(r.Model))
		check("loupe_prompt", want.prompt)
		check("loupe_decision", r.Decision)
		check("loupe_decided_by", str(r.DecidedBy))
		check("loupe_prism_alignment", want.align)
		check("loupe_prism_aesthetics", want.aesth)
		var prov map[string]Value
		if err := json.Unmarshal([]byte(row["loupe_provenance"].(string)), &prov); err != nil {
			t.Errorf("row %d: provenance: %v", i, err)
		}
		wantProv := r.Values
		if wantProv == nil {
			wantProv = map[string]Value{}
		}
		if !reflect.DeepEqual(prov, wantProv) {
			t.Errorf("row %d: provenance %v, want %v", i, prov, wantProv)
		}
		var hist History
		if err := json.Unmarshal([]byte(row["loupe_history"].(string)), &hist); err != nil || !reflect.DeepEqual(hist, r.History) {
			t.Errorf("row %d: history %v (%v), want %v", i, hist, err, r.History)
		}
	}
	// Provenance fields by name, as a consumer reads them.
	if !strings.Contains(rows[0]["loupe_provenance"].(string), `"entity":{"value":9,"source":"human","who":"ann","when":"2025-01-02T03:04:05Z"}`) {
		t.Errorf("provenance: %s", rows[0]["loupe_provenance"])
	}
	if !strings.Contains(rows[0]["loupe_provenance"].(string), `"rubric":"abc123"`) {
		t.Errorf("provenance lacks the rubric: %s", rows[0]["loupe_provenance"])
	}

	// The page index exists (loupe reads single rows through it) and image bounds are not in it.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if len(pf.OffsetIndexes()) == 0 || len(pf.ColumnIndexes()) == 0 {
		t.Error("no page index")
	}
	for _, rg := range pf.Metadata().RowGroups {
		for _, c := range rg.Columns {
			if c.MetaData.Codec.String() != "SNAPPY" {
				t.Errorf("column %v: codec %v", c.MetaData.PathInSchema, c.MetaData.Codec)
			}
			if strings.Join(c.MetaData.PathInSchema, ".") == "image.bytes" && len(c.MetaData.Statistics.MaxValue) > 0 {
				t.Errorf("image.bytes has max statistics of %d bytes", len(c.MetaData.Statistics.MaxValue))
			}
		}
	}

	// duckdb, when installed, reads it as well.
	if duck, err := exec.LookPath("duckdb"); err == nil {
		q := fmt.Sprintf(`select count(*), count(score_entity), sum(octet_length(image.bytes)), min(loupe_decision) from read_parquet('%s')`, path)
		outb, err := exec.Command(duck, "-csv", "-noheader", "-c", q).CombinedOutput()
		if err != nil {
			t.Fatalf("duckdb: %v: %s", err, outb)
		}
		total := 0
		for _, r := range recs {
			total += len(r.Image)
		}
		if want := fmt.Sprintf("6,2,%d,accepted", total); strings.TrimSpace(string(outb)) != want {
			t.Errorf("duckdb: %q, want %q", outb, want)
		}
	} else {
		t.Log("duckdb not on PATH: skipped")
	}
}

func pqContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestParquetLoupeReader reads the export back with loupe's own FLUX-Reason-6M reader.
func TestParquetLoupeReader(t *testing.T) {
	recs, wants := pqTestRecords(t)
	out := filepath.Join(t.TempDir(), "export")
	pqExport(t, Options{Out: out}, recs)
	path := filepath.Join(out, "data", "train-00000.parquet")
	idx, err := dataset.IndexShard(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Problems) > 0 || idx.NumRows != int64(len(recs)) || len(idx.Rows) != len(recs) || !idx.HasImage {
		t.Fatalf("index: %d rows of %d, problems %v, image %v", len(idx.Rows), idx.NumRows, idx.Problems, idx.HasImage)
	}
	for i, r := range recs {
		ir := idx.Rows[i]
		if ir.ExtID != r.ID || ir.Row != int64(i) {
			t.Errorf("row %d: id %q at %d", i, ir.ExtID, ir.Row)
		}
		for k, p := range review.PipelineScores {
			want := review.NoScore
			if v, ok := wants[i].scores[p.Column]; ok {
				want = int8(v)
			}
			if ir.Scores[k] != want {
				t.Errorf("row %d: score_%s = %d, want %d", i, p.Column, ir.Scores[k], want)
			}
		}
		for k, kind := range review.CaptionKinds {
			if got := ir.Captions&(1<<k) != 0; got != pqContains(wants[i].bools, kind) {
				t.Errorf("row %d: caption %s present = %v", i, kind, got)
			}
		}
		sr, err := dataset.ReadShardRow(path, int64(i))
		if err != nil {
			t.Fatal(err)
		}
		if sr.ID != r.ID || !bytes.Equal(sr.Image, r.Image) {
			t.Errorf("row %d: read back id %q, %d image bytes (want %d)", i, sr.ID, len(sr.Image), len(r.Image))
		}
		for k, kind := range review.CaptionKinds {
			if sr.EN[k] != r.Texts[kind]["en"] || sr.ZH[k] != r.Texts[kind]["zh"] {
				t.Errorf("row %d: %s captions %q / %q", i, kind, sr.EN[k], sr.ZH[k])
			}
		}
	}
}

// TestParquetImport imports the export folder into a workspace as `loupe import <folder>` does.
func TestParquetImport(t *testing.T) {
	recs, wants := pqTestRecords(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "export")
	pqExport(t, Options{Out: out, ShardRows: 4}, recs)
	if f, err := ingest.Detect(out); err != nil || f != ingest.Parquet {
		t.Fatalf("detect: %v %v", f, err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "ws.loupe"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := ingest.Import(ctx, st, []string{out}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != len(recs) || rep.Failed != 0 || rep.Sources != 2 || rep.ProblemCount != 0 {
		t.Fatalf("import report: %+v", rep)
	}
	for i, r := range recs {
		it, err := st.Item(ctx, r.ID)
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		// Each value comes back under its own rater (the score_* columns, final values, are not read);
		// a value no rater can hold (outside 0-10) stays in the export's provenance only.
		got, want := map[string]float64{}, map[string]float64{}
		for _, l := range it.Labels {
			if l.Value != nil {
				got[l.RaterKind+"/"+l.Rater+"/"+l.Dimension] = *l.Value
			}
		}
		for dim, v := range r.Values {
			if v.Value < 0 || v.Value > 10 || dim == "decision" && v.Value > 1 {
				continue
			}
			who := map[string]string{"human": "human:" + v.Who, "judge": v.Who, "pipeline": "pipeline"}[v.Source]
			want[v.Source+"/"+who+"/"+dim] = v.Value
		}
		// and the decision is the deciders' (these records carry no history log to replay)
		if d, ok := map[string]float64{"accepted": 1, "rejected": 0}[r.Decision]; ok {
			for _, who := range strings.Split(r.DecidedBy, ",") {
				want["human/human:"+who+"/decision"] = d
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: values %v, want %v", r.ID, got, want)
		}
		if r.Kind == "generation" && (it.Track != r.Track || it.Model != r.Model || it.Texts[0].Kind != "prompt" || it.Texts[0].Body != r.Texts["prompt"]["en"]) {
			t.Errorf("%s: generation %s %s %v", r.ID, it.Track, it.Model, it.Texts)
		}
		sort.Strings(it.Captions)
		wb := append([]string(nil), wants[i].bools...)
		sort.Strings(wb)
		if len(wb) == 0 {
			wb = nil
		}
		if !reflect.DeepEqual(it.Captions, wb) {
			t.Errorf("%s: captions %v, want %v", r.ID, it.Captions, wb)
		}
		if it.Image.Shard == "" {
			t.Errorf("%s: no shard", r.ID)
			continue
		}
		sr, err := dataset.ReadShardRow(it.Image.Shard, it.Image.Row)
		if err != nil || sr.ID != r.ID || !bytes.Equal(sr.Image, r.Image) {
			t.Errorf("%s: image read back: %v", r.ID, err)
		}
	}
}

func TestParquetShardByRowsAndBytes(t *testing.T) {
	recs, _ := pqTestRecords(t)
	out := filepath.Join(t.TempDir(), "rows")
	w := pqExport(t, Options{Out: out, ShardRows: 4}, recs)
	if got := w.Files(); !reflect.DeepEqual(got, []string{"data/train-00000.parquet", "data/train-00001.parquet"}) {
		t.Fatalf("Files() = %v", got)
	}
	var ids []string
	for _, f := range w.Files() {
		_, rows, _ := pqArrowRows(t, filepath.Join(out, f))
		for _, r := range rows {
			ids = append(ids, r["id"].(string))
		}
		if f == w.Files()[0] && len(rows) != 4 {
			t.Errorf("first shard: %d rows", len(rows))
		}
	}
	if len(ids) != len(recs) || ids[4] != recs[4].ID {
		t.Fatalf("ids %v", ids)
	}

	// By bytes: a shard ends after the record that reaches the limit; record 4 has no image.
	out = filepath.Join(t.TempDir(), "bytes")
	w = pqExport(t, Options{Out: out, ShardBytes: 1}, recs)
	var counts []int
	for _, f := range w.Files() {
		_, rows, _ := pqArrowRows(t, filepath.Join(out, f))
		counts = append(counts, len(rows))
	}
	if !reflect.DeepEqual(counts, []int{1, 1, 1, 2, 1}) {
		t.Fatalf("rows per shard %v", counts)
	}
	var st parquetExportState
	b, _ := os.ReadFile(filepath.Join(out, ".loupe-export.json"))
	if err := json.Unmarshal(b, &st); err != nil || len(st.Shards) != 5 || st.Shards[3].Count != 2 {
		t.Fatalf("manifest %s (%v)", b, err)
	}
}

// TestParquetRowGroups writes several row groups into one shard and reads a row of the last through the
// page index.
func TestParquetRowGroups(t *testing.T) {
	img := pqTestPNG(t, color.Black)
	var recs []*Record
	for i := range 2500 {
		recs = append(recs, &Record{ID: fmt.Sprintf("text-%08d", i), Kind: "sample", Image: img, Decision: "unreviewed",
			Texts:  map[string]map[string]string{"text": {"en": fmt.Sprint("caption ", i)}},
			Values: map[string]Value{"text": {Value: float64(i % 11), Source: "pipeline"}}})
	}
	out := filepath.Join(t.TempDir(), "export")
	pqExport(t, Options{Out: out}, recs)
	path := filepath.Join(out, "data", "train-00000.parquet")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pf.RowGroups()); n != 3 || pf.NumRows() != 2500 {
		t.Fatalf("%d row groups, %d rows", n, pf.NumRows())
	}
	sr, err := dataset.ReadShardRow(path, 2345)
	if err != nil || sr.ID != "text-00002345" || sr.EN[2] != "caption 2345" || !bytes.Equal(sr.Image, img) {
		t.Fatalf("row 2345: %+v %v", sr, err)
	}
	idx, err := dataset.IndexShard(path)
	if err != nil || len(idx.Rows) != 2500 || idx.Rows[2345].Scores[2] != int8(2345%11) {
		t.Fatalf("index: %v", err)
	}
}

func TestParquetResume(t *testing.T) {
	recs, _ := pqTestRecords(t)
	out := filepath.Join(t.TempDir(), "export")
	w, err := NewParquet(Options{Out: out, ShardRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[:5] { // shards 0 and 1 finish; shard 2 is half written
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Abort()
	if got := pqShards(t, out); !reflect.DeepEqual(got, []string{".loupe-export.json", "data/train-00000.parquet", "data/train-00001.parquet"}) {
		t.Fatalf("after abort: %v", got)
	}
	before := map[string]os.FileInfo{}
	data := map[string][]byte{}
	for _, f := range []string{"data/train-00000.parquet", "data/train-00001.parquet"} {
		before[f], _ = os.Stat(filepath.Join(out, f))
		data[f], _ = os.ReadFile(filepath.Join(out, f))
	}
	// Leftovers of a crash: a shard file not in the manifest, one beyond the end, a temporary file.
	os.WriteFile(filepath.Join(out, "data", "train-00002.parquet"), []byte("half"), 0o644)
	os.WriteFile(filepath.Join(out, "data", "train-00007.parquet"), []byte("stale"), 0o644)
	os.WriteFile(filepath.Join(out, "data", ".train-00002.parquet.tmp123"), []byte("tmp"), 0o644)

	if _, err := NewParquet(Options{Out: out, ShardRows: 2}); !errors.Is(err, ErrExists) {
		t.Fatalf("no --resume, no --force: %v", err)
	}
	w = pqExport(t, Options{Out: out, ShardRows: 2, Resume: true}, recs)
	want := []string{"data/train-00000.parquet", "data/train-00001.parquet", "data/train-00002.parquet"}
	if !reflect.DeepEqual(w.Files(), want) {
		t.Fatalf("Files() = %v", w.Files())
	}
	if got := pqShards(t, out); !reflect.DeepEqual(got, append([]string{".loupe-export.json"}, want...)) {
		t.Fatalf("after resume: %v", got)
	}
	for f, fi := range before {
		now, _ := os.Stat(filepath.Join(out, f))
		b, _ := os.ReadFile(filepath.Join(out, f))
		if !now.ModTime().Equal(fi.ModTime()) || !bytes.Equal(b, data[f]) {
			t.Errorf("%s was rewritten", f)
		}
	}
	var ids []string
	for _, f := range want {
		_, rows, _ := pqArrowRows(t, filepath.Join(out, f))
		for _, r := range rows {
			ids = append(ids, r["id"].(string))
		}
	}
	var wantIDs []string
	for _, r := range recs {
		wantIDs = append(wantIDs, r.ID)
	}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Fatalf("ids after resume %v", ids)
	}

	// Resuming a finished export adds nothing; a folder that is not an export is refused.
	w = pqExport(t, Options{Out: out, ShardRows: 2, Resume: true}, recs)
	if !reflect.DeepEqual(w.Files(), want) {
		t.Fatalf("second resume: %v", w.Files())
	}
	other := filepath.Join(t.TempDir(), "other")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "x"), nil, 0o644)
	if _, err := NewParquet(Options{Out: other, Resume: true}); err == nil {
		t.Fatal("resumed into a folder that is not an export")
	}
}

func TestParquetForceAndAbort(t *testing.T) {
	recs, _ := pqTestRecords(t)
	out := filepath.Join(t.TempDir(), "export")
	pqExport(t, Options{Out: out, ShardRows: 2}, recs)
	if _, err := NewParquet(Options{Out: out}); !errors.Is(err, ErrExists) {
		t.Fatalf("existing output: %v", err)
	}
	w := pqExport(t, Options{Out: out, Force: true}, recs[:1])
	if got := pqShards(t, out); !reflect.DeepEqual(got, []string{".loupe-export.json", "data/train-00000.parquet"}) || len(w.Files()) != 1 {
		t.Fatalf("after --force: %v", got)
	}

	// An export aborted before any shard finished leaves nothing behind.
	gone := filepath.Join(t.TempDir(), "gone")
	w, err := NewParquet(Options{Out: gone})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Abort()
	if _, err := os.Stat(gone); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("aborted export left %v", pqShards(t, gone))
	}
	if err := w.Write(recs[0]); err == nil {
		t.Fatal("write after abort")
	}

	// An empty export: no shards, a manifest, Close succeeds.
	empty := filepath.Join(t.TempDir(), "empty")
	w = pqExport(t, Options{Out: empty}, nil)
	if len(w.Files()) != 0 {
		t.Fatalf("empty export: %v", w.Files())
	}
}

package ingest

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
)

var ctx = context.Background()

func count(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.DB.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func problemsText(r *Report) string {
	var b strings.Builder
	for _, p := range r.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

func TestImportShardsIdempotentAndFailureKeepsOthers(t *testing.T) {
	dir := t.TempDir()
	paths, err := dataset.WriteShards(dataset.GenOptions{Out: dir, Shards: 3, Rows: 30, Seed: 2, ImageSize: 32, ImagePool: 4, RowGroups: 5})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t)
	// First import one folder, then everything plus a corrupt shard in the middle.
	r, err := Import(ctx, st, []string{filepath.Dir(paths[0])}, Options{})
	if err != nil || r.Inserted != 30 || r.Format != Parquet {
		t.Fatalf("first import %+v %v", r, err)
	}
	bad := filepath.Join(dir, "Aesthetics-Part01", "fluxdb-aesthetics-part01-00001-of-00001.parquet")
	os.WriteFile(bad, []byte("PAR1 truncated"), 0o644)
	r, err = Import(ctx, st, []string{dir}, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sources != 4 || r.UpToDate != 1 || r.Failed != 1 || r.Inserted != 60 {
		t.Fatalf("report %+v", r)
	}
	if !strings.Contains(problemsText(r), "fluxdb-aesthetics-part01-00001-of-00001.parquet: ") {
		t.Errorf("problems %s", problemsText(r))
	}
	if n := count(t, st, `SELECT count(*) FROM items`); n != 90 {
		t.Fatalf("%d items, want 90", n)
	}
	if n := count(t, st, `SELECT count(*) FROM import_issues`); n != 1 {
		t.Errorf("%d import issues recorded, want 1", n)
	}
	// Again: nothing new, every good shard up to date.
	r, err = Import(ctx, st, []string{dir}, Options{})
	if err != nil || r.Inserted != 0 || r.UpToDate != 3 {
		t.Fatalf("re-import %+v %v", r, err)
	}
	// A glob works too.
	r, err = Import(ctx, st, []string{filepath.Join(dir, "*", "fluxdb-imaginative-*.parquet")}, Options{})
	if err != nil || r.Sources != 1 || r.UpToDate != 1 {
		t.Fatalf("glob import %+v %v", r, err)
	}
	if _, err := Import(ctx, st, []string{filepath.Join(dir, "nothing-*.parquet")}, Options{}); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Errorf("empty glob: %v", err)
	}
}

func writePNG(t *testing.T, path string, c color.RGBA) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = []uint8{c.R, c.G, c.B, 255}[i%4]
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, img)
	f.Close()
}

func TestImportPrism(t *testing.T) {
	dir := t.TempDir()
	if err := dataset.WritePrism(dataset.PrismOptions{Out: dir, Seed: 3, Prompts: 5, Images: 3, Models: []string{"m1", "m2"}, ImageSize: 32, Judge: true}); err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t)
	if _, err := Import(ctx, st, []string{dir}, Options{}); err == nil || !strings.Contains(err.Error(), "--judge") {
		t.Fatalf("without --judge: %v", err)
	}
	if n := count(t, st, `SELECT count(*) FROM items`); n != 0 {
		t.Fatalf("failed import left %d items", n)
	}
	// Break things: a prompt line that does not parse, a corrupt image, a verdict with a string score.
	style := filepath.Join(dir, "captions", "en", "style.jsonl")
	b, _ := os.ReadFile(style)
	lines := strings.Split(string(b), "\n")
	lines[1] = `{"prompt": "broken`
	os.WriteFile(style, []byte(strings.Join(lines, "\n")), 0o644)
	os.WriteFile(filepath.Join(dir, "m1", "entity", "2.png"), []byte("\x89PNG not really"), 0o644)
	os.WriteFile(filepath.Join(dir, "m1", "alignment", "style", "0.jsonl"), []byte(`{"justification": "fine", "score": "9"}`), 0o644)

	r, err := Import(ctx, st, []string{dir}, Options{Judge: "gpt-4.1"})
	if err != nil {
		t.Fatal(err)
	}
	// 2 models x 7 tracks x 3 images = 42, minus m1 entity/2 (corrupt) and style/1 of both models (no prompt).
	if r.Inserted != 39 || r.Format != Prism {
		t.Fatalf("report %+v\n%s", r, problemsText(r))
	}
	probs := problemsText(r)
	for _, want := range []string{
		"style.jsonl: line 2: invalid JSON",
		"m1/entity/2.png: image",
		"m1/style/1.png: no en prompt 1 in captions/en/style.jsonl; skipped",
		`m1/alignment/style/0.jsonl: verdict failed: score 9 is not a JSON number (kept without a score)`,
		"m1/alignment/entity/2.jsonl: no image for this verdict; skipped",
	} {
		if !strings.Contains(probs, want) {
			t.Errorf("problems lack %q:\n%s", want, probs)
		}
	}
	// Prompt 2 of style still goes with image 2: the broken line did not shift it.
	var body string
	st.DB.QueryRow(`SELECT p.body FROM items i JOIN generations g ON g.item_id = i.id JOIN prompts p ON p.id = g.prompt_id
		WHERE i.ext_id = 'prism-en/m1/style/2'`).Scan(&body)
	if want := strings.TrimSuffix(strings.TrimPrefix(lines[2], `{"prompt":"`), `"}`); body == "" || !strings.Contains(lines[2], body[:20]) {
		t.Errorf("style/2 prompt %q, want line 3 %q", body, want)
	}
	if n := count(t, st, `SELECT count(*) FROM labels l JOIN raters r ON r.id = l.rater_id WHERE r.name = 'gpt-4.1' AND l.value IS NULL`); n != 1 {
		t.Errorf("%d failed verdicts kept, want 1", n)
	}
	if n := count(t, st, `SELECT count(*) FROM labels l JOIN raters r ON r.id = l.rater_id WHERE r.name = 'gpt-4.1'`); n != 78 {
		t.Errorf("%d judge labels, want 78", n)
	}
	if n := count(t, st, `SELECT count(*) FROM labels WHERE rater_id = 2`); n != 39 {
		t.Errorf("%d ground-truth labels, want 39", n)
	}
	r, err = Import(ctx, st, []string{dir}, Options{Judge: "gpt-4.1"})
	if err != nil || r.Inserted != 0 || r.Labels != 0 {
		t.Fatalf("re-import added %+v %v", r, err)
	}
}

func TestImportManifestAndFolder(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "imgs", "a.png"), color.RGBA{200, 10, 10, 255})
	writePNG(t, filepath.Join(dir, "imgs", "b.png"), color.RGBA{10, 200, 10, 255})
	os.WriteFile(filepath.Join(dir, "imgs", "b.txt"), []byte("a green square\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "imgs", "bad.png"), []byte("not an image"), 0o644)
	m := filepath.Join(dir, "set.jsonl")
	os.WriteFile(m, []byte(strings.Join([]string{
		`{"id": "a", "image": "imgs/a.png", "texts": {"detail": "a red square"}, "scores": {"text": 2, "prism_alignment": 7.5}}`,
		`{"id": "b", "image": "imgs/missing.png"}`,
		`{"id": "c", "image": "imgs/bad.png"}`,
		`{"id": "d", "image": "imgs/b.png", "scores": {"clarity": 10.5}}`,
	}, "\n")), 0o644)
	st := storetest.Open(t)
	r, err := Import(ctx, st, []string{m}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	probs := problemsText(r)
	if r.Inserted != 1 || r.Texts != 1 || r.Labels != 1 || r.Skipped != 3 {
		t.Fatalf("report %+v\n%s", r, probs)
	}
	for _, want := range []string{"set.jsonl: line 2: image", "missing.png: no such file", "set.jsonl: line 3: image", "bad.png: not a readable image", "set.jsonl: line 4: scores.clarity: 10.5 is outside 0-10"} {
		if !strings.Contains(probs, want) {
			t.Errorf("problems lack %q:\n%s", want, probs)
		}
	}
	it, err := st.Item(ctx, "a")
	if err != nil || it.Image.Path != filepath.Join(dir, "imgs", "a.png") {
		t.Fatalf("item %+v %v", it, err)
	}
	if r, _ := Import(ctx, st, []string{m}, Options{}); r.Inserted != 0 {
		t.Errorf("re-import added %d", r.Inserted)
	}
	// The folder: two images, one with a caption; the broken one reported.
	r, err = Import(ctx, st, []string{filepath.Join(dir, "imgs")}, Options{})
	if err != nil || r.Format != Folder || r.Inserted != 2 || r.Texts != 1 || r.Skipped != 1 {
		t.Fatalf("folder %+v %v", r, err)
	}
	it, _ = st.Item(ctx, "imgs/b.png")
	if it == nil || len(it.Texts) != 1 || it.Texts[0].Body != "a green square" {
		t.Fatalf("folder item %+v", it)
	}
}

func TestFailedBatchLeavesWorkspaceAsBefore(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "x.png"), color.RGBA{1, 2, 3, 255})
	st := storetest.Open(t)
	first := filepath.Join(dir, "first.jsonl")
	os.WriteFile(first, []byte(`{"id": "kept", "image": "x.png", "texts": {"detail": "first"}}`), 0o644)
	if _, err := Import(ctx, st, []string{first}, Options{}); err != nil {
		t.Fatal(err)
	}
	// A write that fails half-way through a batch (a real SQLite error, raised by a trigger).
	st.DB.Exec(`CREATE TRIGGER boom BEFORE INSERT ON texts WHEN NEW.body = 'explode' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
	second := filepath.Join(dir, "second.jsonl")
	os.WriteFile(second, []byte(`{"id": "n1", "image": "x.png", "texts": {"detail": "fine"}}
{"id": "n2", "image": "x.png", "texts": {"detail": "explode"}}`), 0o644)
	_, err := Import(ctx, st, []string{second}, Options{})
	if err == nil || !strings.Contains(err.Error(), "second.jsonl: lines 1-2 not imported") || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("err = %v", err)
	}
	if n := count(t, st, `SELECT count(*) FROM items`); n != 1 {
		t.Fatalf("%d items after the failed batch, want the 1 from before", n)
	}
	if n := count(t, st, `SELECT count(*) FROM texts WHERE body = 'first'`); n != 1 {
		t.Fatal("earlier data lost")
	}
}

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "pics", "a.png"), color.RGBA{})
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	os.WriteFile(filepath.Join(dir, "x.csv"), []byte("a,b"), 0o644)
	for _, tc := range []struct {
		path string
		want Format
		err  string
	}{
		{filepath.Join(dir, "pics"), Folder, ""},
		{filepath.Join(dir, "empty"), Auto, "no Parquet shards"},
		{filepath.Join(dir, "x.csv"), Auto, "unknown format"},
	} {
		f, err := Detect(tc.path)
		if f != tc.want || (tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err))) {
			t.Errorf("%s: %v %v", tc.path, f, err)
		}
	}
}

package export

import (
	"archive/tar"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/dataset"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func init() {
	exportNow = func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) }
}

func tinyPNG(t testing.TB, c uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for i := range img.Pix {
		img.Pix[i] = c + uint8(i)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tinyJPEG(t testing.TB, c uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = c
	}
	img.Set(1, 1, color.Gray{Y: 255 - c})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func withImage(r Record, img []byte) Record {
	r.Image, r.ImageExt = img, ImageExt(img)
	return r
}

// fixture is six records: every provenance source, every decision, en/zh texts, a prompt; the last has
// no picture (not for hf).
func fixture(t testing.TB) []Record {
	return []Record{
		withImage(Record{ID: "a1", Kind: "sample", Subset: "composition",
			Texts: map[string]map[string]string{
				"composition": {"en": "A red cube on a blue sphere.", "zh": "蓝色球体上的红色立方体。"},
				"detail":      {"en": "A detailed caption, with \"quotes\", commas\nand a newline."},
			},
			Values: map[string]Value{
				"composition": {Value: 8, Source: "human", Who: "ann", When: "2025-01-02T03:04:05Z"},
				"clarity":     {Value: 9, Source: "pipeline"},
				"style":       {Value: 6.5, Source: "judge", Who: "rater-1", RubricHash: "abc123"},
			},
			Decision: "accepted", DecidedBy: "ann",
			History: History{Events: 3, Annotators: 1, Accepts: 1, Last: "2025-01-02T03:04:05Z"}}, tinyPNG(t, 10)),
		withImage(Record{ID: "a2", Kind: "sample", Subset: "entity",
			Texts:    map[string]map[string]string{"entity": {"en": "Two cats.", "zh": "两只猫。"}},
			Values:   map[string]Value{"entity": {Value: 3, Source: "pipeline"}, "prism_alignment": {Value: 7.25, Source: "judge", Who: "r2", RubricHash: "ffee"}},
			Decision: "rejected", DecidedBy: "bob",
			History: History{Events: 2, Annotators: 2, Rejects: 2, Last: "2025-01-03T00:00:00Z"}}, tinyJPEG(t, 40)),
		withImage(Record{ID: "g1", Kind: "generation", Track: "text_rendering", Model: "flux-dev",
			Texts:    map[string]map[string]string{"prompt": {"en": "A sign that says OPEN", "zh": "写着OPEN的牌子"}},
			Values:   map[string]Value{"prism_aesthetics": {Value: 5, Source: "human", Who: "cy", When: "2025-02-01T00:00:00Z"}},
			Decision: "flagged", DecidedBy: "cy",
			History: History{Events: 1, Annotators: 1, Flags: 1, Last: "2025-02-01T00:00:00Z"}}, tinyPNG(t, 90)),
		withImage(Record{ID: "b.3", Kind: "sample", Subset: "style",
			Texts:    map[string]map[string]string{"style": {"zh": "水彩风格"}},
			Decision: "unreviewed"}, tinyJPEG(t, 200)),
		withImage(Record{ID: "c4", Kind: "sample", Subset: "text",
			Texts:    map[string]map[string]string{"text": {"en": "=SUM(A1) looks like a formula"}},
			Values:   map[string]Value{"text": {Value: 10, Source: "human", Who: "ann", When: "2025-01-05T00:00:00Z"}, "structure": {Value: 0, Source: "pipeline"}},
			Decision: "accepted", DecidedBy: "ann, bob",
			History: History{Events: 4, Annotators: 2, Accepts: 2, Undos: 1, Last: "2025-01-06T00:00:00Z"}}, tinyPNG(t, 150)),
		{ID: "g2", Kind: "generation", Track: "style", Model: "sd3",
			Texts:    map[string]map[string]string{"prompt": {"en": "An oil painting of a harbour"}},
			Decision: "unreviewed"},
	}
}

var card = Card{Title: "Accepted compositions", Filter: "decision:accepted subset:composition", Count: 99,
	ByDecision: map[string]int{"accepted": 99}, Workspace: "/data/ws.loupe", Created: "2025-03-04T05:06:07Z",
	Provenance: "Human values where an annotator gave one, else the pipeline's scores, else the judge's verdicts."}

func writeAll(t testing.TB, w Writer, recs []Record) {
	t.Helper()
	for i := range recs {
		if err := w.Write(&recs[i]); err != nil {
			w.Abort()
			t.Fatalf("write %s: %v", recs[i].ID, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./export -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noTemps fails when a temporary or spool file is left under root.
func noTemps(t testing.TB, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

func TestJSONLGolden(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "subset.jsonl")
	recs := fixture(t)
	w, err := New("jsonl", Options{Out: out, Card: card})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, recs)
	golden(t, "jsonl", readFile(t, out))
	if got := strings.Join(w.Files(), ","); got != "subset.jsonl,subset.jsonl_images/" {
		t.Errorf("Files = %s", got)
	}
	noTemps(t, dir)

	// Round trip: loupe import reads the manifest back.
	items, probs, err := dataset.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || !strings.Contains(probs[0].String(), "image") {
		t.Errorf("problems: %v (want one: g2 has no image)", probs)
	}
	if len(items) != 5 {
		t.Fatalf("read %d items, want 5", len(items))
	}
	for i, it := range items {
		r := recs[i]
		if it.ID != r.ID || it.Subset != r.Subset {
			t.Errorf("item %d: id %q subset %q, want %q %q", i, it.ID, it.Subset, r.ID, r.Subset)
		}
		texts := map[string]map[string]string{}
		for _, tx := range it.Texts {
			if texts[tx.Kind] == nil {
				texts[tx.Kind] = map[string]string{}
			}
			texts[tx.Kind][tx.Lang] = tx.Body
		}
		if a, b := fmt.Sprint(texts), fmt.Sprint(r.Texts); a != b {
			t.Errorf("%s texts: %s, want %s", r.ID, a, b)
		}
		scores := importedValues(it)
		want := map[string]float64{}
		for d, v := range r.Values {
			want[d] = v.Value
		}
		if a, b := fmt.Sprint(scores), fmt.Sprint(want); a != b {
			t.Errorf("%s scores: %s, want %s", r.ID, a, b)
		}
		p := it.Image
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if !bytes.Equal(readFile(t, p), r.Image) {
			t.Errorf("%s: image %s differs", r.ID, p)
		}
	}
}

func TestCSVGolden(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "subset.csv")
	recs := fixture(t)
	w, err := New("csv", Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, recs)
	b := readFile(t, out)
	golden(t, "csv", b)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(recs)+1 {
		t.Fatalf("%d rows", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i, r := range recs {
		row := rows[i+1]
		if row[col["id"]] != r.ID || row[col["text_detail_en"]] != r.Texts["detail"]["en"] || row[col["text_prompt_zh"]] != r.Texts["prompt"]["zh"] {
			t.Errorf("row %d: %v", i, row)
		}
		if fn := row[col["file_name"]]; r.Image == nil && fn != "" || r.Image != nil && !bytes.Equal(readFile(t, filepath.Join(dir, fn)), r.Image) {
			t.Errorf("%s: file_name %q", r.ID, fn)
		}
	}
	noTemps(t, dir)
}

func TestHFGolden(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "hub")
	recs := fixture(t)[:5]
	w, err := New("hf", Options{Out: out, Card: card})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, recs)
	golden(t, "hf_metadata.jsonl", readFile(t, filepath.Join(out, "data", "metadata.jsonl")))
	golden(t, "hf_README.md", readFile(t, filepath.Join(out, "README.md")))
	var names []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	want := ".loupe-export.json README.md data/000/a1.png data/000/a2.jpg data/000/b.3.jpg data/000/c4.png data/000/g1.png data/metadata.jsonl"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("files: %s\nwant %s", got, want)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(readFile(t, filepath.Join(out, "data", "metadata.jsonl"))), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(out, "data", m["file_name"].(string))); err != nil {
			t.Error(err)
		}
	}

	// A record without a picture is refused, naming it.
	w, err = NewHF(Options{Out: filepath.Join(dir, "hub2")})
	if err != nil {
		t.Fatal(err)
	}
	r := fixture(t)[5]
	if err := w.Write(&r); err == nil || !strings.Contains(err.Error(), "g2") || !strings.Contains(err.Error(), "no image") {
		t.Errorf("no-image write: %v", err)
	}
	w.Abort()
	if _, err := os.Stat(filepath.Join(dir, "hub2")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("abort left the folder: %v", err)
	}
}

func TestSizeCategory(t *testing.T) {
	for n, want := range map[int]string{0: "n<1K", 999: "n<1K", 1000: "1K<n<10K", 250000: "100K<n<1M", 6000000: "1M<n<10M"} {
		if got := sizeCategory(n); got != want {
			t.Errorf("sizeCategory(%d) = %s, want %s", n, got, want)
		}
	}
}

// listTar lists a shard's members as "name size" lines, and returns the .json members' bytes.
func listTar(t testing.TB, path string) (string, map[string][]byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var b strings.Builder
	members := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || h.Mode != 0o644 || !h.ModTime.Equal(time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)) {
			t.Errorf("%s: type %c mode %o time %v", h.Name, h.Typeflag, h.Mode, h.ModTime)
		}
		fmt.Fprintf(&b, "%s %d\n", h.Name, h.Size)
		members[h.Name] = data
	}
	return b.String(), members
}

func TestWebDatasetGolden(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "wds")
	recs := fixture(t)
	w, err := New("webdataset", Options{Out: out, ShardRows: 4, Card: card})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, recs)
	if got := strings.Join(w.Files(), " "); got != "000000.tar 000001.tar" {
		t.Fatalf("shards: %s", got)
	}
	var listing, jsons bytes.Buffer
	byKey := map[string][]byte{}
	for _, s := range w.Files() {
		l, m := listTar(t, filepath.Join(out, s))
		fmt.Fprintf(&listing, "== %s\n%s", s, l)
		var names []string
		for n := range m {
			names = append(names, n)
			byKey[n] = m[n]
		}
		sort.Strings(names)
		for _, n := range names {
			if strings.HasSuffix(n, ".json") {
				fmt.Fprintf(&jsons, "%s %s\n", n, m[n])
			}
		}
	}
	golden(t, "webdataset_listing", listing.Bytes())
	golden(t, "webdataset_json", jsons.Bytes())
	for _, r := range recs {
		k := wdsKey(r.ID)
		if strings.Contains(k, ".") {
			t.Errorf("key %q has a dot", k)
		}
		if r.Image != nil && !bytes.Equal(byKey[k+"."+r.ImageExt], r.Image) {
			t.Errorf("%s: picture member differs", r.ID)
		}
	}
	var p wdsProgress
	if err := json.Unmarshal(readFile(t, filepath.Join(out, progressName)), &p); err != nil || !p.Complete || len(p.Shards) != 2 || p.Shards[0].LastID != "b.3" || p.Shards[1].Count != 2 {
		t.Errorf("progress: %+v %v", p, err)
	}
	noTemps(t, dir)

	// The system tar reads the shards.
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("no tar binary")
	}
	for _, s := range w.Files() {
		cmd := exec.Command("tar", "-tvf", filepath.Join(out, s))
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tar -tvf %s: %v\n%s", s, err, b)
		}
		if !strings.Contains(string(b), "a1.json") && !strings.Contains(string(b), "g2.json") {
			t.Errorf("tar -tvf %s:\n%s", s, b)
		}
		x := filepath.Join(dir, "x")
		os.MkdirAll(x, 0o755)
		if b, err := exec.Command("tar", "-xf", filepath.Join(out, s), "-C", x).CombinedOutput(); err != nil {
			t.Fatalf("tar -xf: %v\n%s", err, b)
		}
	}
	for _, r := range recs {
		k := wdsKey(r.ID)
		if r.Image != nil && !bytes.Equal(readFile(t, filepath.Join(dir, "x", k+"."+r.ImageExt)), r.Image) {
			t.Errorf("%s: extracted picture differs", r.ID)
		}
		var l manifestLine
		if err := json.Unmarshal(readFile(t, filepath.Join(dir, "x", k+".json")), &l); err != nil || l.ID != r.ID {
			t.Errorf("%s: extracted json: %+v %v", r.ID, l, err)
		}
	}
}

func TestWebDatasetShardBytes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wds")
	big := make([]byte, 5000) // 10 blocks of data + header and json: about 6 KiB a sample
	copy(big, tinyPNG(t, 1))
	var recs []Record
	for i := range 7 {
		r := withImage(Record{ID: fmt.Sprintf("r%02d", i), Kind: "sample", Decision: "accepted"}, big)
		recs = append(recs, r)
	}
	w, err := NewWebDataset(Options{Out: out, ShardBytes: 15000})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, recs)
	if n := len(w.Files()); n != 4 {
		t.Fatalf("%d shards, want 4 (two samples each)", n)
	}
	total := 0
	for _, s := range w.Files() {
		fi, _ := os.Stat(filepath.Join(out, s))
		l, _ := listTar(t, filepath.Join(out, s))
		total += strings.Count(l, ".json")
		if fi.Size() > 15000 {
			t.Errorf("%s: %d bytes", s, fi.Size())
		}
	}
	if total != 7 {
		t.Errorf("%d samples", total)
	}
	// One sample larger than ShardBytes gets a shard of its own.
	w, err = NewWebDataset(Options{Out: out, Force: true, ShardBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, recs[:3])
	if n := len(w.Files()); n != 3 {
		t.Errorf("%d shards, want 3", n)
	}
}

func TestWebDatasetResume(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wds")
	var recs []Record
	for i := range 10 {
		recs = append(recs, withImage(Record{ID: fmt.Sprintf("item-%02d", i), Kind: "sample", Decision: "accepted"}, tinyPNG(t, uint8(i))))
	}
	o := Options{Out: out, ShardRows: 3}
	w, err := NewWebDataset(o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 { // two shards, and two records of the third
		if err := w.Write(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	w.Abort() // the crash
	if got := strings.Join(w.Files(), " "); got != "000000.tar 000001.tar" {
		t.Fatalf("finished: %s", got)
	}
	noTemps(t, out)
	// A stale shard that the progress file does not list is written again.
	os.WriteFile(filepath.Join(out, "000002.tar"), []byte("junk"), 0o644)
	os.WriteFile(filepath.Join(out, "000007.tar"), []byte("junk"), 0o644)
	old := map[string]time.Time{}
	oldBytes := map[string][]byte{}
	past := time.Now().Add(-time.Hour)
	for _, s := range []string{"000000.tar", "000001.tar"} {
		os.Chtimes(filepath.Join(out, s), past, past)
		fi, _ := os.Stat(filepath.Join(out, s))
		old[s] = fi.ModTime()
		oldBytes[s] = readFile(t, filepath.Join(out, s))
	}

	if _, err := NewWebDataset(o); !errors.Is(err, ErrExists) {
		t.Errorf("without resume: %v", err)
	}
	o.Resume = true
	w, err = NewWebDataset(o)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, recs)
	if got := strings.Join(w.Files(), " "); got != "000000.tar 000001.tar 000002.tar 000003.tar" {
		t.Fatalf("shards: %s", got)
	}
	for s, mt := range old {
		fi, _ := os.Stat(filepath.Join(out, s))
		if !fi.ModTime().Equal(mt) || !bytes.Equal(readFile(t, filepath.Join(out, s)), oldBytes[s]) {
			t.Errorf("%s was rewritten", s)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "000007.tar")); !errors.Is(err, os.ErrNotExist) {
		t.Error("stale 000007.tar kept")
	}
	var ids []string
	for _, s := range w.Files() {
		_, m := listTar(t, filepath.Join(out, s))
		for n, b := range m {
			if strings.HasSuffix(n, ".json") {
				var l manifestLine
				json.Unmarshal(b, &l)
				ids = append(ids, l.ID)
			}
		}
	}
	sort.Strings(ids)
	if len(ids) != 10 || ids[0] != "item-00" || ids[9] != "item-09" || ids[5] != "item-05" {
		t.Errorf("ids: %v", ids)
	}
	noTemps(t, out)

	// Different records than before: refused.
	recs[5].ID = "other"
	w, err = NewWebDataset(o)
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	for i := range recs {
		if werr = w.Write(&recs[i]); werr != nil {
			break
		}
	}
	w.Abort()
	if werr == nil || !strings.Contains(werr.Error(), "changed") {
		t.Errorf("changed records: %v", werr)
	}
}

// outputs are the writers with an output path under dir.
func outputs(dir string) map[string]string {
	return map[string]string{"jsonl": filepath.Join(dir, "o.jsonl"), "csv": filepath.Join(dir, "o.csv"),
		"hf": filepath.Join(dir, "hf"), "webdataset": filepath.Join(dir, "wds")}
}

func TestExistsForceAbort(t *testing.T) {
	recs := fixture(t)[:5]
	for format, out := range outputs(t.TempDir()) {
		t.Run(format, func(t *testing.T) {
			dir := filepath.Dir(out)
			w, err := New(format, Options{Out: out, ShardRows: 2})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, recs)
			first := w.Files()
			if _, err := New(format, Options{Out: out}); !errors.Is(err, ErrExists) {
				t.Fatalf("existing output: %v", err)
			}
			// Force replaces; an abort midway leaves no partial file under a final name.
			w, err = New(format, Options{Out: out, Force: true, ShardRows: 2})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				if err := w.Write(&recs[i]); err != nil {
					t.Fatal(err)
				}
			}
			w.Abort()
			noTemps(t, dir)
			switch format {
			case "webdataset": // finished shards stay for --resume; the third is not there
				if _, err := os.Stat(filepath.Join(out, "000001.tar")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("unfinished shard visible: %v", err)
				}
			default:
				if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("aborted output visible: %v", err)
				}
			}
			w, err = New(format, Options{Out: out, Force: true, ShardRows: 2})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, recs)
			if a, b := fmt.Sprint(first), fmt.Sprint(w.Files()); a != b {
				t.Errorf("files %s, then %s", a, b)
			}
			noTemps(t, dir)
		})
	}
	if _, err := New("xml", Options{Out: "x"}); err == nil {
		t.Error("unknown format accepted")
	}
	if _, err := NewJSONL(Options{Out: t.TempDir()}); err == nil {
		t.Error("jsonl into a folder accepted")
	}
}

func TestHostileIDs(t *testing.T) {
	ids := []string{"../../etc/x", "/abs/path", "a/b", "a_b", "a\\b", "..", ".", "", "\x00evil", strings.Repeat("é", 150),
		"CON", "日本語/名前", "x.y", "x_y", "...", ".hidden"}
	png := tinyPNG(t, 7)
	var recs []Record
	for _, id := range ids {
		recs = append(recs, withImage(Record{ID: id, Kind: "sample", Decision: "accepted",
			Texts: map[string]map[string]string{"detail": {"en": "t " + id}}}, png))
	}
	for format := range outputs("") {
		t.Run(format, func(t *testing.T) {
			root := t.TempDir()
			base := filepath.Join(root, "a", "b", "c")
			out := outputs(base)[format]
			w, err := New(format, Options{Out: out})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, recs)
			n := 0
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return nil
				}
				rel, err := filepath.Rel(base, p)
				if err != nil || strings.HasPrefix(rel, "..") {
					t.Errorf("file outside the output folder: %s", p)
				}
				if strings.HasSuffix(p, ".png") {
					n++
				}
				return nil
			})
			if format != "webdataset" && n != len(ids) {
				t.Errorf("%d pictures for %d ids (names collided?)", n, len(ids))
			}
			if _, err := os.Stat("/abs/path.png"); err == nil {
				t.Error("/abs/path.png written")
			}
			if format == "webdataset" {
				_, m := listTar(t, filepath.Join(out, "000000.tar"))
				if len(m) != 2*len(ids) {
					t.Errorf("%d members for %d ids", len(m), len(ids))
				}
				for name := range m {
					if strings.ContainsAny(name, "/\\\x00") || strings.Count(name, ".") != 1 {
						t.Errorf("member %q", name)
					}
				}
			}
			if format == "jsonl" {
				items, probs, err := dataset.ReadManifest(out)
				if err != nil || len(probs) != 1 || len(items) != len(ids)-1 { // the empty id is refused on import
					t.Errorf("import: %d items, %v, %v", len(items), probs, err)
				}
			}
		})
	}
}

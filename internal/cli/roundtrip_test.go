package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store"
	"github.com/parquet-go/parquet-go"
)

// roundTripWorkspace builds a workspace holding every kind of thing an export must carry: dataset
// samples in a shard (captions and pictures read on demand), PRISM-Bench generations with an official
// judge's verdicts (one of them failed) and ground truth, manifest samples with materialised texts and a
// fractional pipeline score, a second judge (rules, with rubric hash and raw answers) and labels
// imported from elsewhere, and people: two annotators who disagree and a lead who adjudicates, a
// fractional score overriding the pipeline's, an override with its reason, a note, a flag and an undo.
func roundTripWorkspace(t *testing.T) (dir, db string) {
	t.Helper()
	dir = t.TempDir()
	db = filepath.Join(dir, "w.db")
	shards, prism, man := filepath.Join(dir, "shards"), filepath.Join(dir, "prism"), filepath.Join(dir, "man")
	if err := dataset.WritePrism(dataset.PrismOptions{Out: prism, Seed: 5, Prompts: 2, Images: 2, Models: []string{"m1"},
		ImageSize: 48, Judge: true, Wrong: 0.5}); err != nil {
		t.Fatal(err)
	}
	// one official verdict that failed (kept without a score)
	bad, _ := filepath.Glob(filepath.Join(prism, "m1", "aesthetic", "*", "0.jsonl"))
	if len(bad) == 0 {
		t.Fatal("no official verdicts written")
	}
	os.WriteFile(bad[0], []byte("I cannot rate this image."), 0o644)
	png, _ := filepath.Glob(filepath.Join(prism, "m1", "*", "1.png"))
	os.MkdirAll(filepath.Join(man, "imgs"), 0o755)
	for i, p := range png[:2] {
		b, _ := os.ReadFile(p)
		os.WriteFile(filepath.Join(man, "imgs", fmt.Sprintf("%d.png", i)), b, 0o644)
	}
	manifest := `{"id": "mine-1", "image": "imgs/0.png", "subset": "mine", "texts": {"detail": {"en": "Two shapes.", "zh": "两个形状。"}, "prompt": {"en": "draw two shapes", "zh": "画两个形状"}, "note": "from the old set"}, "scores": {"text": 7, "clarity": 6.5, "prism_alignment": 8.5}}
{"id": "mine-2", "image": "imgs/1.png", "caption_entity": "A cat.", "caption_entity_cn": "一只猫。", "score_image_structure": 3}
`
	os.WriteFile(filepath.Join(man, "mine.jsonl"), []byte(manifest), 0o644)
	for _, args := range [][]string{
		{"demo", "gen", "--out", shards, "--shards", "1", "--rows", "6", "--image-size", "32", "--subset", "text"},
		{"--db", db, "import", shards, prism, filepath.Join(man, "mine.jsonl"), "--judge", "gpt-4.1", "-q"},
		{"--db", db, "sample", "--name", "q", "--n", "100"},
		{"--db", db, "judge", "--backend", "rules", "--queue", "q"},
	} {
		if code, out, e := run(t, args...); code != 0 && !(args[2] == "import" && code == ExitSkipped) {
			t.Fatalf("%v: %d %s %s", args, code, out, e)
		}
	}
	ids := exportIDs(t, db)
	var gens, samples []string
	for _, id := range ids {
		if strings.HasPrefix(id, "prism-") {
			gens = append(gens, id)
		} else if strings.HasPrefix(id, "text-") {
			samples = append(samples, id)
		}
	}
	if len(gens) < 3 || len(samples) < 3 {
		t.Fatalf("workspace: %v", ids)
	}
	labels := []string{
		fmt.Sprintf(`{"item": %q, "dimension": "prism_alignment", "source": "qwen-vl", "value": 6, "note": "the cat is missing"}`, gens[0]),
		fmt.Sprintf(`{"item": %q, "dimension": "text", "source": "human", "annotator": "cy", "value": 4, "time": "2025-03-01T12:00:00Z", "note": "one letter off"}`, samples[2]),
	}
	lf := filepath.Join(dir, "labels.jsonl")
	os.WriteFile(lf, []byte(strings.Join(labels, "\n")+"\n"), 0o644)
	if code, out, e := run(t, "--db", db, "import", "labels", lf); code != 0 {
		t.Fatalf("labels: %s %s", out, e)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	item := func(ext string) int64 {
		id, err := store.ItemIDByExt(ctx, st.DB, ext)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	ev := func(ext, who, kind, dim string, v *float64, text, reason string, replaces int64) int64 {
		var id int64
		err := store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
			a, err := store.EnsureAnnotator(ctx, tx, who)
			if err != nil {
				return err
			}
			id, err = store.AppendEvent(ctx, tx, store.NewEvent{ItemID: item(ext), AnnotatorID: a, Kind: kind, Dimension: dim,
				Value: v, ValueText: text, Reason: reason, Replaces: replaces})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	f := func(v float64) *float64 { return &v }
	// a disagreement the lead settles
	ev(gens[0], "ana", "set", "decision", f(1), "accept", "", 0)
	ev(gens[0], "ben", "set", "decision", f(0), "reject", "the cat is missing", 0)
	if _, err := st.Adjudicate(ctx, item(gens[0]), "lead", false, "ben is right"); err != nil {
		t.Fatal(err)
	}
	// an override of the judge with its reason, and a decision
	ev(gens[1], "ana", "set", "prism_alignment", f(7.5), "", "the judge missed the second dog", 0)
	ev(gens[1], "ana", "set", "decision", f(1), "accept", "", 0)
	// a fractional score over the pipeline's, a note, a flag, an edit and an undo
	ev(samples[0], "ana", "set", "composition", f(7.5), "", "balanced, but cropped", 0)
	ev(samples[0], "ben", "note", "", nil, "", "check the sign's spelling", 0)
	ev(samples[1], "ben", "flag", "", nil, "", "possibly copyrighted", 0)
	first := ev(samples[1], "ana", "set", "text", f(3), "", "", 0)
	ev(samples[1], "ana", "set", "text", f(2), "", "looked again", first)
	undo := ev(samples[1], "ana", "set", "decision", f(0), "reject", "", 0)
	ev(samples[1], "ana", "undo", "", nil, "", "wrong key", undo)
	ev("mine-1", "ben", "set", "decision", f(1), "accept", "", 0)
	return dir, db
}

// showItem is an item's `show-item --json` output, decoded generically.
func showItem(t *testing.T, db, id string) map[string]any {
	t.Helper()
	code, out, e := run(t, "--db", db, "--json", "show-item", id)
	if code != 0 {
		t.Fatalf("show-item %s: %d %s", id, code, e)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// normalised removes from a show-item output only what legitimately differs between a workspace and
// one imported from its export:
//   - workspace numbers: the item's id, and its events' ids and the ids they replace (each becomes its
//     place in the item's history, which must match);
//   - where the picture is ("image": the original file or shard, or the export's copy) and
//     "image_bytes", which show-item gives for shard pictures only (the bytes themselves are compared
//     through a second export);
//   - "queues": review plans of the workspace, not data of the item (an export does not carry them);
//   - the order of texts (show-item lists a shard's captions after the workspace's texts).
//
// Everything else - kind, subset, track, model, prompt index, captions present, every text, every
// label with its rater, value, justification, raw answer, rubric and failure, and every event with its
// annotator, kind, value, reason and time - must be equal.
func normalised(m map[string]any) map[string]any {
	for _, k := range []string{"id", "image", "image_bytes", "queues"} {
		delete(m, k)
	}
	events, _ := m["events"].([]any)
	pos := map[float64]float64{}
	for i, e := range events {
		e := e.(map[string]any)
		pos[e["id"].(float64)] = float64(i + 1)
		e["id"] = float64(i + 1)
		if r, ok := e["replaces"].(float64); ok {
			e["replaces"] = pos[r]
		}
	}
	texts, _ := m["texts"].([]any)
	sort.SliceStable(texts, func(i, j int) bool {
		a, b := texts[i].(map[string]any), texts[j].(map[string]any)
		return fmt.Sprint(a["kind"], a["lang"]) < fmt.Sprint(b["kind"], b["lang"])
	})
	return m
}

func jsonText(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// sameFiles compares two export folders file by file (names and bytes).
func sameFiles(t *testing.T, a, b string) {
	t.Helper()
	list := func(root string) map[string][]byte {
		out := map[string][]byte{}
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				out[rel], _ = os.ReadFile(p)
			}
			return nil
		})
		return out
	}
	fa, fb := list(a), list(b)
	if len(fa) != len(fb) {
		t.Errorf("%d files in the first export, %d in the second", len(fa), len(fb))
	}
	for name, data := range fa {
		if other, ok := fb[name]; !ok {
			t.Errorf("%s is missing from the second export", name)
		} else if !bytes.Equal(data, other) {
			t.Errorf("%s differs:\n%s\nsecond:\n%s", name, firstDiff(data, other), firstDiff(other, data))
		}
	}
}

// firstDiff shows a's line where a and b first differ.
func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range la {
		if i >= len(lb) || la[i] != lb[i] {
			return fmt.Sprintf("line %d: %.600s", i+1, la[i])
		}
	}
	return "(a prefix of the other)"
}

// TestExportImportRoundTrip: `loupe export` then `loupe import` of the jsonl and parquet formats gives
// back the same items - kind, subset, track, model, prompt, texts, pictures, every value with its rater
// (people's as their events, judges' as their labels, the pipeline's as the pipeline's), the decision,
// notes and override reasons - compared through show-item --json for every item; and exporting the
// imported workspace again writes the same files. (Issue 13, point 7: generations came back as
// samples, PRISM values as pipeline labels, and the parquet loupe_* columns were not read.)
func TestExportImportRoundTrip(t *testing.T) {
	dir, db := roundTripWorkspace(t)
	ids := exportIDs(t, db)
	for _, format := range []string{"jsonl", "parquet"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(dir, format+"-1", "all")
			if format == "jsonl" {
				out += ".jsonl"
			}
			if code, o, e := run(t, "--db", db, "export", "--format", format, "--out", out, "--quiet"); code != 0 {
				t.Fatalf("export: %d %s %s", code, o, e)
			}
			if format == "jsonl" {
				finalValues(t, out)
			}
			fresh := filepath.Join(dir, format+".db")
			// a plain import, format detected: the file, or the export's folder
			if code, o, e := run(t, "--db", fresh, "import", out, "--json"); code != 0 {
				t.Fatalf("import: %d %s %s", code, o, e)
			}
			got := exportIDs(t, fresh)
			sort.Strings(got)
			want := append([]string(nil), ids...)
			sort.Strings(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("items %v, want %v", got, want)
			}
			for _, id := range ids {
				a, b := normalised(showItem(t, db, id)), normalised(showItem(t, fresh, id))
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s differs after the round trip:\n%s\nwant\n%s", id, jsonText(b), jsonText(a))
				}
			}
			// the same export again from the imported workspace: the same files, pictures included
			again := filepath.Join(dir, format+"-2", "all")
			if format == "jsonl" {
				again += ".jsonl"
			}
			if code, o, e := run(t, "--db", fresh, "export", "--format", format, "--out", again, "--quiet"); code != 0 {
				t.Fatalf("second export: %d %s %s", code, o, e)
			}
			sameFiles(t, filepath.Dir(out), filepath.Dir(again))
		})
	}
}

// TestParquetKeepsFractionalScores: a person's 7.5 is rounded in the FLUX-layout score column (which
// must hold integers) but kept exact in loupe_provenance, and `loupe import` of the export gives back
// the 7.5 as that person's value beside the pipeline's own score. (Issue 13, point 8: the parquet
// round trip turned 7.5 into the pipeline's 8.)
func TestParquetKeepsFractionalScores(t *testing.T) {
	dir := t.TempDir()
	db, shards := filepath.Join(dir, "w.db"), filepath.Join(dir, "shards")
	labels := filepath.Join(dir, "labels.csv")
	os.WriteFile(labels, []byte("item,dimension,source,value,annotator\ntext-00000000,composition,human,7.5,ana\n"), 0o644)
	for _, args := range [][]string{
		{"demo", "gen", "--out", shards, "--shards", "1", "--rows", "2", "--image-size", "32", "--subset", "text"},
		{"--db", db, "import", shards, "-q"},
		{"--db", db, "import", "labels", labels},
		{"--db", db, "export", "--format", "parquet", "--out", filepath.Join(dir, "pq"), "--quiet"},
	} {
		if code, out, e := run(t, args...); code != 0 {
			t.Fatalf("%v: %d %s %s", args, code, out, e)
		}
	}
	pipeline := func(db string) (v float64) {
		for _, l := range showItem(t, db, "text-00000000")["labels"].([]any) {
			l := l.(map[string]any)
			if l["dimension"] == "composition" && l["rater"] == "pipeline" {
				v = l["value"].(float64)
			}
		}
		return v
	}
	own := pipeline(db)
	if own == 8 {
		t.Fatal("pick another row: the pipeline's own composition score is the rounded human one")
	}
	// the shard: score_composition rounded, loupe_provenance exact
	shard := filepath.Join(dir, "pq", "data", "train-00000.parquet")
	rows, err := parquetRows(shard)
	if err != nil {
		t.Fatal(err)
	}
	row := rows["text-00000000"]
	if row.Score == nil || *row.Score != 8 || !strings.Contains(row.Provenance, `"composition":{"value":7.5,"source":"human","who":"ana"`) {
		t.Fatalf("score_composition %v, loupe_provenance %s", row.Score, row.Provenance)
	}
	fresh := filepath.Join(dir, "fresh.db")
	if code, out, e := run(t, "--db", fresh, "import", filepath.Join(dir, "pq")); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, e)
	}
	var human []float64
	for _, l := range showItem(t, fresh, "text-00000000")["labels"].([]any) {
		l := l.(map[string]any)
		if l["dimension"] == "composition" && l["rater"] == "human:ana" {
			human = append(human, l["value"].(float64))
		}
	}
	if len(human) != 1 || human[0] != 7.5 || pipeline(fresh) != own {
		t.Errorf("after import: ana's composition %v (want 7.5), the pipeline's %v (want %v)", human, pipeline(fresh), own)
	}
}

// parquetRows reads the id, score_composition and loupe_provenance of a shard with parquet-go.
func parquetRows(path string) (map[string]pqCheckRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := parquet.Read[pqCheckRow](f, mustSize(f))
	if err != nil {
		return nil, err
	}
	out := map[string]pqCheckRow{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

type pqCheckRow struct {
	ID         string `parquet:"id"`
	Score      *int64 `parquet:"score_composition,optional"`
	Provenance string `parquet:"loupe_provenance"`
}

func mustSize(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	return st.Size()
}

// finalValues checks a few final values of the round-trip workspace's jsonl export and where each
// came from: a person's override, a judge's verdict, a manifest's fractional pipeline score.
func finalValues(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	prov := map[string]map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var l struct {
			ID         string
			Provenance map[string]map[string]any
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		prov[l.ID] = l.Provenance
	}
	for _, c := range []struct {
		id, dim, source, who string
		value                float64
	}{
		{"prism-en/m1/imagination/1", "prism_alignment", "human", "ana", 7.5},
		{"prism-en/m1/imagination/1", "prism_aesthetics", "judge", "gpt-4.1", -1},
		{"mine-1", "prism_alignment", "pipeline", "", 8.5},
		{"mine-1", "clarity", "pipeline", "", 6.5},
		{"text-00000000", "composition", "human", "ana", 7.5},
	} {
		p := prov[c.id][c.dim]
		who, _ := p["who"].(string)
		if p == nil || p["source"] != c.source || who != c.who || (c.value >= 0 && p["value"] != c.value) {
			t.Errorf("%s %s: %v, want %g from %s %s", c.id, c.dim, p, c.value, c.source, c.who)
		}
	}
}

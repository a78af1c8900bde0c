package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store"
)

// exportWorkspace: 12 dataset samples (a shard) and 14 generations (image files), with ana's decisions
// on all of them (every third rejected) and two human overrides of scores.
func exportWorkspace(t *testing.T) (dir, db string, accepted []string) {
	t.Helper()
	dir = t.TempDir()
	db = filepath.Join(dir, "w.db")
	shards, prism := filepath.Join(dir, "shards"), filepath.Join(dir, "prism")
	if err := dataset.WritePrism(dataset.PrismOptions{Out: prism, Seed: 3, Prompts: 2, Images: 2, Models: []string{"m1"}, ImageSize: 48}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"demo", "gen", "--out", shards, "--shards", "1", "--rows", "12", "--image-size", "64", "--subset", "text"},
		{"--db", db, "import", shards, prism, "-q"},
	} {
		if code, _, e := run(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, e)
		}
	}
	ids := exportIDs(t, db)
	var lines []string
	for i, id := range ids {
		dec := "accept"
		if i%3 == 2 {
			dec = "reject"
		} else {
			accepted = append(accepted, id)
		}
		b, _ := json.Marshal(map[string]any{"item": id, "dimension": "decision", "source": "human", "annotator": "ana", "value": dec})
		lines = append(lines, string(b))
	}
	for _, id := range ids[:2] {
		b, _ := json.Marshal(map[string]any{"item": id, "dimension": "text", "source": "human", "annotator": "ana", "value": 1, "note": "misspelled"})
		lines = append(lines, string(b))
	}
	labels := filepath.Join(dir, "labels.jsonl")
	os.WriteFile(labels, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if code, out, e := run(t, "--db", db, "import", "labels", labels); code != 0 {
		t.Fatalf("labels: %s %s", out, e)
	}
	sort.Strings(accepted)
	return dir, db, accepted
}

func exportIDs(t *testing.T, db string) []string {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB.Query(`SELECT ext_id FROM item_ext ORDER BY item_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		ids = append(ids, s)
	}
	return ids
}

// itemDump is what a round trip must keep: texts and the final value of each score dimension.
func itemDump(t *testing.T, db, id string) string {
	t.Helper()
	code, out, e := run(t, "--db", db, "--json", "show-item", id)
	if code != 0 {
		t.Fatalf("show-item %s: %s", id, e)
	}
	var it struct {
		Texts  []struct{ Kind, Lang, Body string }
		Labels []struct {
			Dimension string
			RaterKind string `json:"rater_kind"`
			Value     *float64
		}
	}
	json.Unmarshal([]byte(out), &it)
	var parts []string
	for _, x := range it.Texts {
		parts = append(parts, x.Kind+"/"+x.Lang+"="+x.Body)
	}
	final := map[string]float64{}
	for _, l := range it.Labels { // the human value wins over the pipeline's, as export does
		if l.Value == nil || l.Dimension == "decision" {
			continue
		}
		if _, ok := final[l.Dimension]; !ok || l.RaterKind == "human" {
			final[l.Dimension] = *l.Value
		}
	}
	for d, v := range final {
		parts = append(parts, fmt.Sprintf("%s:%g", d, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, "\n")
}

func TestExportFormatsAndRoundTrip(t *testing.T) {
	dir, db, accepted := exportWorkspace(t)
	code, out, e := run(t, "--db", db, "export", "--format", "webdataset", "--out", filepath.Join(dir, "x"), "--decision", "accepted", "--dry-run")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("would export %d items", len(accepted))) {
		t.Fatalf("dry run: %d %s %s", code, out, e)
	}
	outs := map[string]string{"jsonl": "out/a.jsonl", "csv": "out/a.csv", "parquet": "out/pq", "hf": "out/hf", "webdataset": "out/wds"}
	for f, o := range outs {
		code, out, e := run(t, "--db", db, "export", "--format", f, "--out", filepath.Join(dir, o), "--decision", "accepted", "--quiet")
		if code != 0 || !strings.Contains(out, fmt.Sprintf("exported %d items", len(accepted))) {
			t.Errorf("%s: %d %s %s", f, code, out, e)
		}
	}
	// an existing output is refused without --force
	if code, _, e := run(t, "--db", db, "export", "--format", "jsonl", "--out", filepath.Join(dir, outs["jsonl"]), "--decision", "accepted"); code != ExitUsage || !strings.Contains(e, "--force") {
		t.Errorf("overwrite: %d %s", code, e)
	}
	if code, _, e := run(t, "--db", db, "export", "--format", "jsonl", "--out", filepath.Join(dir, outs["jsonl"]), "--decision", "accepted", "--force"); code != 0 {
		t.Errorf("--force: %d %s", code, e)
	}
	// the system tar reads the shards: one json per accepted item
	if _, err := exec.LookPath("tar"); err == nil {
		list, err := exec.Command("tar", "-tf", filepath.Join(dir, outs["webdataset"], "000000.tar")).Output()
		if err != nil || strings.Count(string(list), ".json\n") != len(accepted) {
			t.Errorf("tar: %v\n%s", err, list)
		}
	}
	// hf metadata: one line per accepted item
	meta, _ := os.ReadFile(filepath.Join(dir, outs["hf"], "data", "metadata.jsonl"))
	if n := strings.Count(string(meta), "\n"); n != len(accepted) {
		t.Errorf("hf metadata has %d lines", n)
	}
	// round trips: jsonl (everything) and parquet (the shard samples) into fresh workspaces
	for _, f := range []string{"jsonl", "parquet"} {
		fresh := filepath.Join(dir, f+".db")
		if code, out, e := run(t, "--db", fresh, "import", filepath.Join(dir, outs[f]), "-q"); code != 0 {
			t.Fatalf("re-import %s: %d %s %s", f, code, out, e)
		}
		got := exportIDs(t, fresh)
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(accepted, ",") {
			t.Errorf("%s round trip: items %v, want %v", f, got, accepted)
			continue
		}
		for _, id := range accepted {
			if strings.HasPrefix(id, "prism") && f == "parquet" {
				continue // a generation's prompt and judge verdicts live in loupe_* columns the importer does not read
			}
			want, have := itemDump(t, db, id), itemDump(t, fresh, id)
			if f == "parquet" {
				// the shard keeps the captions and the pipeline's scores; compare those
				want = onlyLines(want, ":", "/")
			}
			if have != want && !strings.Contains(have, want) {
				t.Errorf("%s round trip of %s:\n%s\nwant\n%s", f, id, have, want)
			}
		}
	}
	// a human override is the exported final value, with its provenance
	b, _ := os.ReadFile(filepath.Join(dir, outs["jsonl"]))
	if !strings.Contains(string(b), `"source":"human"`) || !strings.Contains(string(b), `"who":"ana"`) {
		t.Errorf("no human provenance in the jsonl:\n%.400s", b)
	}
}

func onlyLines(s string, seps ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, sep := range seps {
			if strings.Contains(l, sep) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

func TestExportDumpIsNotEmpty(t *testing.T) {
	_, db, accepted := exportWorkspace(t)
	n := 0
	for _, id := range accepted {
		if !strings.HasPrefix(id, "text-") || n == 2 {
			continue
		}
		n++
		d := itemDump(t, db, id)
		if strings.Count(d, "\n") < 5 || !strings.Contains(d, "/en=") {
			t.Errorf("dump of %s too thin:\n%s", id, d)
		}
	}
	if n != 2 {
		t.Errorf("%d samples accepted", n)
	}
}

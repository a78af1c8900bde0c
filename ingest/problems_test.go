package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
	"github.com/parquet-go/parquet-go"
)

// scoreRow is the smallest FLUX-Reason-6M-shaped row: an id and one score.
type scoreRow struct {
	ID    string `parquet:"id"`
	Score int64  `parquet:"score_text"`
}

// writeScoreShard writes n rows text-00000000..., the first bad of them with score_text 11 (outside
// 0-10), in row groups of groupRows rows.
func writeScoreShard(t *testing.T, path string, n, bad, groupRows int) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[scoreRow](f, parquet.MaxRowsPerRowGroup(int64(groupRows)))
	rows := make([]scoreRow, n)
	for i := range rows {
		rows[i] = scoreRow{ID: fmt.Sprintf("text-%08d", i), Score: int64(i % 11)}
		if i < bad {
			rows[i].Score = 11
		}
	}
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestImportStoresEveryProblemAndReportsEarlierOnes: 1,200 skipped rows are all stored (the report
// keeps the first 1,000), the progress line counts them, a re-import of the unchanged shard names them,
// and a changed shard's problems replace the old ones.
func TestImportStoresEveryProblemAndReportsEarlierOnes(t *testing.T) {
	dir := t.TempDir()
	shard := filepath.Join(dir, "Text", "fluxdb-text-00000-of-00001.parquet")
	writeScoreShard(t, shard, 1500, 1200, 500)
	st := storetest.Open(t)
	var progress []string
	r, err := Import(ctx, st, []string{dir}, Options{Progress: func(s string) { progress = append(progress, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Inserted != 300 || r.Skipped != 1200 || r.ProblemCount != 1200 {
		t.Fatalf("report %+v", r)
	}
	if len(r.Problems) != 1000 || r.AllProblems == "" {
		t.Errorf("the report keeps %d problems (want the first 1000) and all_problems %q", len(r.Problems), r.AllProblems)
	}
	if p := strings.Join(progress, "\n"); !strings.Contains(p, "300 new, 1200 skipped") {
		t.Errorf("progress %q", p)
	}
	if n := count(t, st, `SELECT count(*) FROM import_issues WHERE source = ?`, shard); n != 1200 {
		t.Errorf("%d problems stored, want 1200", n)
	}
	var listed int
	if err := st.EachIssue(ctx, func(is store.Issue) error {
		listed++
		if is.Source != shard || !strings.HasPrefix(is.Where, "row ") || !strings.Contains(is.Message, "outside 0-10") {
			return fmt.Errorf("issue %+v", is)
		}
		return nil
	}); err != nil || listed != 1200 {
		t.Errorf("EachIssue listed %d: %v", listed, err)
	}

	// The unchanged shard again: nothing new, but the earlier problems are named, not forgotten.
	r, err = Import(ctx, st, []string{dir}, Options{})
	if err != nil || r.UpToDate != 1 || r.Skipped != 0 {
		t.Fatalf("re-import %+v %v", r, err)
	}
	if len(r.SkippedBefore) != 1 || r.SkippedBefore[0].File != shard || r.SkippedBefore[0].Problems != 1200 {
		t.Errorf("skipped before: %+v", r.SkippedBefore)
	}
	if n := count(t, st, `SELECT count(*) FROM import_issues`); n != 1200 {
		t.Errorf("%d problems stored after the re-import, want the same 1200", n)
	}

	// The shard fixed: its problems are gone with the old version.
	time.Sleep(10 * time.Millisecond)
	writeScoreShard(t, shard, 1500, 0, 500)
	r, err = Import(ctx, st, []string{dir}, Options{})
	if err != nil || r.ProblemCount != 0 || len(r.SkippedBefore) != 0 {
		t.Fatalf("fixed shard %+v %v", r, err)
	}
	if n := count(t, st, `SELECT count(*) FROM import_issues WHERE source = ?`, shard); n != 0 {
		t.Errorf("%d stale problems kept for the fixed shard", n)
	}
}

// TestReimportDoesNotStoreProblemsTwice: a manifest imported twice reports its bad line both times but
// stores it once.
func TestReimportDoesNotStoreProblemsTwice(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m.jsonl")
	os.WriteFile(m, []byte(`{"id": "z", "image": "nope.png"}`+"\n"), 0o644)
	st := storetest.Open(t)
	for range 2 {
		r, err := Import(ctx, st, []string{m}, Options{})
		if err != nil || r.ProblemCount != 1 {
			t.Fatalf("import %+v %v", r, err)
		}
	}
	if n := count(t, st, `SELECT count(*) FROM import_issues`); n != 1 {
		t.Errorf("%d problems stored, want 1", n)
	}
}

// dictScoreRow is scoreRow with a dictionary-encoded score column.
type dictScoreRow struct {
	ID    string `parquet:"id"`
	Score int64  `parquet:"score_text,dict"`
}

// TestCorruptShardProblemsNameThePlaceOnce: a shard whose score page is corrupt (the Parquet reader
// panics on it) names the row group and the column; an unreadable file names its path once.
func TestCorruptShardProblemsNameThePlaceOnce(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "Text", "fluxdb-text-00000-of-00002.parquet")
	os.MkdirAll(filepath.Dir(good), 0o755)
	f, _ := os.Create(good)
	w := parquet.NewGenericWriter[dictScoreRow](f, parquet.MaxRowsPerRowGroup(50))
	rows := make([]dictScoreRow, 100)
	for i := range rows {
		rows[i] = dictScoreRow{ID: fmt.Sprintf("text-%08d", i), Score: int64(i % 11)}
	}
	w.Write(rows)
	w.Close()
	f.Close()
	corruptScorePage(t, good)
	junk := filepath.Join(dir, "Text", "fluxdb-text-00001-of-00002.parquet")
	os.WriteFile(junk, []byte("PAR1 truncated"), 0o644)
	st := storetest.Open(t)
	r, err := Import(ctx, st, []string{dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed != 2 || r.ProblemCount != 2 {
		t.Fatalf("report %+v\n%s", r, problemsText(r))
	}
	for _, p := range r.Problems {
		s := p.String()
		if n := strings.Count(s, p.File); n != 1 {
			t.Errorf("%q names the file %d times", s, n)
		}
		if p.File == good {
			for _, want := range []string{"row group 1", "column score_text"} {
				if !strings.Contains(s, want) {
					t.Errorf("%q lacks %q", s, want)
				}
			}
		}
	}
}

// corruptScorePage changes one byte of the score_text column chunk in the second row group, the first
// change that makes the Parquet reader panic (a dictionary page whose header no longer matches it).
func corruptScorePage(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	md := pf.Metadata().RowGroups[1].Columns[1].MetaData
	f.Close()
	if got := strings.Join(md.PathInSchema, "."); got != "score_text" {
		t.Fatalf("column %s", got)
	}
	orig, _ := os.ReadFile(path)
	start := md.DataPageOffset
	if md.DictionaryPageOffset > 0 {
		start = md.DictionaryPageOffset
	}
	for i := start; i < start+md.TotalCompressedSize; i++ {
		for _, v := range []byte{0x00, 0x10} {
			b := append([]byte(nil), orig...)
			b[i] = v
			os.WriteFile(path, b, 0o644)
			if _, err := dataset.IndexShard(path); err != nil && strings.Contains(err.Error(), "corrupt data") {
				return
			}
		}
	}
	t.Fatal("no one-byte change of the score chunk makes the reader panic")
}

// TestLabelImportStoresEveryProblem: 1,100 bad label rows are all stored, the report keeping the first
// 1,000.
func TestLabelImportStoresEveryProblem(t *testing.T) {
	var b strings.Builder
	for i := range 1100 {
		fmt.Fprintf(&b, `{"item": "x-%d", "dimension": "nonsense", "source": "j", "value": 1}`+"\n", i)
	}
	path := filepath.Join(t.TempDir(), "labels.jsonl")
	os.WriteFile(path, []byte(b.String()), 0o644)
	st := storetest.Open(t)
	r, err := ImportLabels(ctx, st, path, LabelOptions{})
	if err != nil || r.ProblemCount != 1100 || len(r.Problems) != 1000 || r.AllProblems == "" {
		t.Fatalf("report %d problems, %d listed, %q, %v", r.ProblemCount, len(r.Problems), r.AllProblems, err)
	}
	if n := count(t, st, `SELECT count(*) FROM import_issues WHERE source = ?`, path); n != 1100 {
		t.Errorf("%d problems stored, want 1100", n)
	}
}

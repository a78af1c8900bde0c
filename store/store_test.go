package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
)

var ctx = context.Background()

func TestMigrationsOnEmptyWorkspace(t *testing.T) {
	st := storetest.Open(t)
	var v int
	if err := st.DB.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != store.SchemaVersion() || v < 1 {
		t.Fatalf("schema version %d, want %d", v, store.SchemaVersion())
	}
	var mode string
	st.DB.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal mode %q, want wal", mode)
	}
	var fk int
	st.DB.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
	if fk != 1 {
		t.Error("foreign keys are off")
	}
	for _, table := range []string{"items", "texts", "labels", "events", "annotators", "queues", "queue_items", "runs", "agreement_snapshots", "raters", "dimensions"} {
		var n int
		if err := st.DB.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
	// Reopening an up-to-date workspace changes nothing.
	st2, err := store.Open(ctx, st.Path)
	if err != nil {
		t.Fatal(err)
	}
	st2.Close()
}

func TestOpenRefusesNewerWorkspace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: "keep-me", Kind: review.Sample, Scores: review.NoScores}); err != nil {
		t.Fatal(err)
	}
	st.DB.Exec(`PRAGMA user_version = 99`)
	st.Close()
	_, err = store.Open(ctx, path)
	if !errors.Is(err, store.ErrNewerWorkspace) {
		t.Fatalf("err = %v, want ErrNewerWorkspace", err)
	}
	if !strings.Contains(err.Error(), "schema version 99") || !strings.Contains(err.Error(), path) {
		t.Errorf("message %q should name the file and the version", err)
	}
	db, _ := sql.Open("sqlite3", path)
	defer db.Close()
	var n int
	db.QueryRow(`SELECT count(*) FROM items WHERE ext_id = 'keep-me'`).Scan(&n)
	if n != 1 {
		t.Error("the newer workspace lost its data")
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "notes.txt")
	os.WriteFile(junk, []byte("these are my notes, not a database at all"), 0o644)
	if _, err := store.Open(ctx, junk); err == nil || !strings.Contains(err.Error(), "not a loupe workspace") {
		t.Fatalf("err = %v", err)
	}
	b, _ := os.ReadFile(junk)
	if string(b) != "these are my notes, not a database at all" {
		t.Error("the file was changed")
	}
	other := filepath.Join(dir, "other.db")
	db, _ := sql.Open("sqlite3", other)
	db.Exec(`CREATE TABLE mine (x)`)
	db.Close()
	if _, err := store.Open(ctx, other); err == nil || !strings.Contains(err.Error(), "not a loupe workspace") {
		t.Fatalf("err = %v", err)
	}
}

func TestEventsAreAppendOnlyAndUndoRestores(t *testing.T) {
	st := storetest.Open(t)
	item, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: "x", Kind: review.Sample, Scores: review.NoScores})
	if err != nil {
		t.Fatal(err)
	}
	ann, err := store.EnsureAnnotator(ctx, st.DB, "ana")
	if err != nil {
		t.Fatal(err)
	}
	val := func(v float64) *float64 { return &v }
	e1, _ := store.AppendEvent(ctx, st.DB, store.NewEvent{ItemID: item, AnnotatorID: ann, Dimension: "text", Kind: "set", Value: val(5)})
	e2, _ := store.AppendEvent(ctx, st.DB, store.NewEvent{ItemID: item, AnnotatorID: ann, Dimension: "text", Kind: "set", Value: val(7), Reason: "sign is legible"})
	current := func() float64 {
		t.Helper()
		var v float64
		if err := st.DB.QueryRow(`SELECT value FROM human_current WHERE item_id = ? AND annotator_id = ?`, item, ann).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if current() != 7 {
		t.Fatalf("current = %v, want the edit 7", current())
	}
	var replaces int64
	st.DB.QueryRow(`SELECT replaces FROM events WHERE id = ?`, e2).Scan(&replaces)
	if replaces != e1 {
		t.Errorf("edit replaces %d, want %d", replaces, e1)
	}
	if _, err := store.AppendEvent(ctx, st.DB, store.NewEvent{ItemID: item, AnnotatorID: ann, Kind: "undo", Replaces: e2}); err != nil {
		t.Fatal(err)
	}
	if current() != 5 {
		t.Fatalf("after undo current = %v, want 5 back", current())
	}
	for _, q := range []string{`UPDATE events SET value = 1`, `DELETE FROM events`} {
		if _, err := st.DB.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want append-only refusal", q, err)
		}
	}
	var n int
	st.DB.QueryRow(`SELECT count(*) FROM events`).Scan(&n)
	if n != 3 {
		t.Errorf("%d events, want 3", n)
	}
}

func TestIndexShardIsAtomicAndIdempotent(t *testing.T) {
	st := storetest.Open(t)
	rows := []review.IndexedRow{
		{ExtID: "text-00000000", Row: 0, Captions: 0x84, Scores: review.Scores{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{ExtID: "text-00000001", Row: 1, Scores: review.NoScores},
	}
	res, err := st.IndexShard(ctx, "/data/a.parquet", 10, 20, 2, rows, func(string) string { return "text" })
	if err != nil || res.Inserted != 2 {
		t.Fatalf("res %+v err %v", res, err)
	}
	it, err := st.Item(ctx, "text-00000000")
	if err != nil {
		t.Fatal(err)
	}
	if it.Image.Shard != "/data/a.parquet" || it.Image.Row != 0 || len(it.Labels) != 9 || *it.Labels[8].Value != 9 {
		t.Errorf("item %+v", it)
	}
	if strings.Join(it.Captions, ",") != "text,detail" {
		t.Errorf("captions %v", it.Captions)
	}
	if ok, _ := st.UpToDate(ctx, "/data/a.parquet", 10, 20); !ok {
		t.Error("shard not marked complete")
	}
	// The same rows from another shard are duplicates, reported, and nothing changes.
	res, err = st.IndexShard(ctx, "/data/b.parquet", 10, 20, 2, rows, func(string) string { return "text" })
	if err != nil || res.Inserted != 0 || len(res.Duplicates) != 2 {
		t.Fatalf("res %+v err %v", res, err)
	}
	if !strings.Contains(res.Duplicates[0], `duplicate id "text-00000000", already imported from /data/a.parquet row 0`) {
		t.Errorf("duplicate message %q", res.Duplicates[0])
	}
	var n int
	st.DB.QueryRow(`SELECT count(*) FROM items`).Scan(&n)
	if n != 2 {
		t.Errorf("%d items, want 2", n)
	}
}

func TestSubsetCountsFollowInserts(t *testing.T) {
	st := storetest.Open(t)
	rows := []review.IndexedRow{{ExtID: "text-00000001", Scores: review.NoScores}, {ExtID: "imaginative-00000001", Row: 1, Scores: review.NoScores}}
	if _, err := st.IndexShard(ctx, "/a.parquet", 1, 1, 2, rows, func(id string) string { return strings.SplitN(id, "-", 2)[0] }); err != nil {
		t.Fatal(err)
	}
	st.IndexShard(ctx, "/b.parquet", 1, 1, 2, rows, func(id string) string { return strings.SplitN(id, "-", 2)[0] }) // duplicates
	sub, _ := store.EnsureSubset(ctx, st.DB, "text", "dataset")
	store.InsertItem(ctx, st.DB, store.NewItem{ExtID: "m1", Kind: review.Sample, SubsetID: sub, Scores: review.NoScores})
	store.InsertItem(ctx, st.DB, store.NewItem{ExtID: "m1", Kind: review.Sample, SubsetID: sub, Scores: review.NoScores})
	var bad int
	st.DB.QueryRow(`SELECT count(*) FROM subsets s WHERE n_items != (SELECT count(*) FROM items i WHERE i.subset_id = s.id)`).Scan(&bad)
	if bad != 0 {
		t.Fatalf("%d subsets with a wrong n_items", bad)
	}
	var n int
	st.DB.QueryRow(`SELECT n_items FROM subsets WHERE name = 'text'`).Scan(&n)
	if n != 2 {
		t.Fatalf("text n_items = %d, want 2", n)
	}
}

func TestViewsReadPackedScores(t *testing.T) {
	st := storetest.Open(t)
	rows := []review.IndexedRow{{ExtID: "text-00000000", Captions: 0x84, Scores: review.Scores{1, 2, 10, 4, -1, 6, 7, 8, 0}}}
	if _, err := st.IndexShard(ctx, "/a.parquet", 1, 1, 1, rows, func(string) string { return "text" }); err != nil {
		t.Fatal(err)
	}
	var mask, text, trait int
	var style sql.NullInt64
	if err := st.DB.QueryRow(`SELECT caption_mask, text, style, trait FROM item_scores`).Scan(&mask, &text, &style, &trait); err != nil {
		t.Fatal(err)
	}
	if mask != 0x84 || text != 10 || style.Valid || trait != 2 {
		t.Fatalf("item_scores: mask %x text %d style %v trait %d", mask, text, style, trait)
	}
	got := map[string]float64{}
	r, err := st.DB.Query(`SELECT d.name, l.value FROM all_labels l JOIN dimensions d ON d.id = l.dimension_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var n string
		var v float64
		r.Scan(&n, &v)
		got[n] = v
	}
	want := map[string]float64{"composition": 1, "entity": 2, "text": 10, "imagination": 4, "affection": 6, "original_alignment": 7, "clarity": 8, "structure": 0}
	if len(got) != len(want) {
		t.Fatalf("all_labels %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("all_labels %s = %v, want %v", k, got[k], v)
		}
	}
}

func TestExternalIDsRoundTrip(t *testing.T) {
	st := storetest.Open(t)
	ids := []string{"text-00000042", "x-0", "x-007", "x-7", "a-b-123", "imgs/b.png", "m1", "-5", "z-",
		"q-123456789012", "p-99999999999", "prism-en/aurora-xl/text_rendering/3", "text-42"}
	for _, ext := range ids {
		if _, added, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: ext, Kind: review.Sample, Scores: review.NoScores}); err != nil || !added {
			t.Fatalf("%q: added %v, %v", ext, added, err)
		}
	}
	for _, ext := range ids {
		if _, added, _ := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: ext, Kind: review.Sample, Scores: review.NoScores}); added {
			t.Errorf("%q inserted twice", ext)
		}
		it, err := st.Item(ctx, ext)
		if err != nil || it.ExtID != ext {
			t.Errorf("Item(%q) = %v, %v", ext, it, err)
		}
	}
	var n, keyed int
	st.DB.QueryRow(`SELECT count(*), count(ext_key) FROM items`).Scan(&n, &keyed)
	if n != len(ids) || keyed != 7 { // text-00000042 x-0 x-007 x-7 a-b-123 p-99999999999 text-42
		t.Fatalf("%d items, %d in integer form", n, keyed)
	}
	rows, _ := st.DB.Query(`SELECT ext_id FROM item_ext ORDER BY item_id`)
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		var s string
		rows.Scan(&s)
		if s != ids[i] {
			t.Errorf("item_ext row %d = %q, want %q", i, s, ids[i])
		}
	}
	// A shard row with an id already added one by one is a duplicate, whatever path stored it.
	res, err := st.IndexShard(ctx, "/s.parquet", 1, 1, 1, []review.IndexedRow{{ExtID: "x-007", Scores: review.NoScores}}, func(string) string { return "x" })
	if err != nil || len(res.Duplicates) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
}

package tui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
	"github.com/parquet-go/parquet-go"
)

// #13.2: the review screen never shows another row's captions or picture when a shard was rewritten
// in place after import; it says which shard and that `loupe import` refreshes it.
func TestReviewRefusesRewrittenShard(t *testing.T) {
	st := storetest.Open(t)
	dir := t.TempDir()
	paths, err := dataset.WriteShards(dataset.GenOptions{Out: dir, Shards: 1, Rows: 20, Seed: 4, ImageSize: 32, RowGroups: 2, Subset: "text"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Import(ctx, st, paths, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	id, err := store.ItemIDByExt(ctx, st.DB, "text-00000002")
	if err != nil {
		t.Fatal(err)
	}
	if d := loadItem(ctx, session(st, nil), 0, id); d.err != nil || len(d.texts) == 0 {
		t.Fatalf("before: %v", d.err)
	}
	rows, err := parquet.ReadFile[dataset.FluxRow](paths[0])
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(rows)
	if err := parquet.WriteFile(paths[0], rows); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(paths[0], later, later)
	d := loadItem(ctx, session(st, nil), 0, id)
	if d.err == nil || !strings.Contains(d.err.Error(), filepath.Base(paths[0])) || !strings.Contains(d.err.Error(), "loupe import") {
		t.Fatalf("after rewrite: %v (texts %d)", d.err, len(d.texts))
	}
	if _, err := imageLoader(d)(ctx); err == nil {
		t.Fatal("the picture of a rewritten shard was loaded")
	}
}

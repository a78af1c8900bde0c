package workspace

import (
	"context"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
	"github.com/loupe-dev/loupe/vlm"
)

// #15.12: R on a dataset item judges it against its dominant trait's caption, read from the shard, as
// loupe judge does - not "no prompt or track".
func TestRejudgeDatasetSample(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	paths, err := dataset.WriteShards(dataset.GenOptions{Out: t.TempDir(), Shards: 1, Rows: 6, Seed: 4, ImageSize: 32, RowGroups: 1, Subset: "text"})
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
	r := New(st).NewRejudger(func(name string) (*vlm.Backend, error) { return &vlm.Backend{Name: name, Kind: vlm.KindRules}, nil })
	got, err := r.Rejudge(ctx, id, "rules")
	if err != nil || !strings.Contains(got, "alignment") {
		t.Fatalf("rejudge: %q, %v", got, err)
	}
}

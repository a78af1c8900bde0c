package ingest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store/storetest"
)

// TestMovedShardsFoundByEitherFingerprint: shards are recorded with "v2:" fingerprints (footers read
// without their statistics); a workspace made before them holds the whole-footer kind, and a moved
// folder re-imported is still recognised there - and its fingerprints are brought up to date.
func TestMovedShardsFoundByEitherFingerprint(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		dir := t.TempDir()
		data := filepath.Join(dir, "a")
		paths, err := dataset.WriteShards(dataset.GenOptions{Out: data, Shards: 2, Rows: 20, Seed: 4, ImageSize: 32, ImagePool: 4, RowGroups: 2})
		if err != nil {
			t.Fatal(err)
		}
		st := storetest.Open(t)
		if r, err := Import(ctx, st, []string{data}, Options{}); err != nil || r.Inserted != 40 {
			t.Fatalf("import %+v %v", r, err)
		}
		if n := count(t, st, `SELECT count(*) FROM sources WHERE kind = 'parquet' AND fingerprint LIKE 'v2:%'`); n != 2 {
			t.Fatalf("%d v2 fingerprints recorded, want 2", n)
		}
		if legacy {
			for _, p := range paths {
				fp, err := dataset.LegacyShardFingerprint(p)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := st.DB.Exec(`UPDATE sources SET fingerprint = ? WHERE path = ?`, fp, p); err != nil {
					t.Fatal(err)
				}
			}
		}
		moved := filepath.Join(dir, "b")
		if err := os.Rename(data, moved); err != nil {
			t.Fatal(err)
		}
		r, err := Import(ctx, st, []string{moved}, Options{})
		if err != nil || r.Inserted != 0 || r.UpToDate != 2 {
			t.Fatalf("legacy %v: re-import from the new place %+v %v", legacy, r, err)
		}
		if n := count(t, st, `SELECT count(*) FROM sources WHERE kind = 'parquet' AND path LIKE ? AND fingerprint LIKE 'v2:%'`, moved+"%"); n != 2 {
			t.Errorf("legacy %v: %d sources at the new place with v2 fingerprints, want 2", legacy, n)
		}
		if n := count(t, st, `SELECT count(*) FROM items`); n != 40 {
			t.Errorf("legacy %v: %d items", legacy, n)
		}
	}
}

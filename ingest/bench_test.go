package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/store"
)

// benchShards writes (once per machine, kept in the system temp folder) 20 FLUX-Reason-6M-schema shards
// of 5,000 rows in 50 row groups each, like the published layout, with small pictures.
var benchShards = sync.OnceValues(func() (string, error) {
	dir := filepath.Join(os.TempDir(), "loupe-bench-shards-20x5000-v1")
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return dir, nil
	}
	os.RemoveAll(dir)
	if _, err := dataset.WriteShards(dataset.GenOptions{Out: dir, Shards: 20, Rows: 5000, Seed: 1, ImageSize: 64, ImagePool: 64, RowGroups: 50}); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "done"), nil, 0o644)
})

// BenchmarkIndexShards measures `loupe import` of shards into a new workspace: metadata columns only,
// end to end (read, decode, insert, commit). Reports rows/s and workspace bytes per indexed row.
func BenchmarkIndexShards(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("readers=%d", w), func(b *testing.B) { benchIndex(b, w) })
	}
}

func benchIndex(b *testing.B, workers int) {
	dir, err := benchShards()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var rows int
	var size int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), fmt.Sprintf("w%d.db", i))
		st, err := store.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r, err := Import(ctx, st, []string{dir}, Options{Workers: workers})
		if err != nil || r.Failed > 0 {
			b.Fatalf("%v %+v", err, r)
		}
		b.StopTimer()
		rows = r.Inserted
		st.DB.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		st.Close()
		fi, _ := os.Stat(path)
		size = fi.Size()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(size)/float64(rows), "bytes/row")
}

// BenchmarkReadShardIndex measures the reading half alone (one goroutine): Parquet metadata columns
// decoded into rows, no SQLite.
func BenchmarkReadShardIndex(b *testing.B) {
	dir, err := benchShards()
	if err != nil {
		b.Fatal(err)
	}
	files, _ := shardFiles([]string{dir})
	b.ResetTimer()
	rows := 0
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			idx, err := dataset.IndexShard(f)
			if err != nil {
				b.Fatal(err)
			}
			rows += len(idx.Rows)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

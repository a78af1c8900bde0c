package dataset

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// benchBigShard is one shard like the published ones at 1/10 the rows: 500 rows of 1024 px JPEGs in
// 50 row groups.
var benchBigShard = sync.OnceValues(func() (string, error) {
	dir := filepath.Join(os.TempDir(), "loupe-bench-shard-1024px-v1")
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.parquet"))
		return paths[0], nil
	}
	os.RemoveAll(dir)
	paths, err := WriteShards(GenOptions{Out: dir, Shards: 1, Rows: 500, Seed: 1, ImageSize: 1024, ImagePool: 16, RowGroups: 50, Subset: "text"})
	if err != nil {
		return "", err
	}
	return paths[0], os.WriteFile(filepath.Join(dir, "done"), nil, 0o644)
})

// BenchmarkReadShardRow reads one row's 16 captions and its 1024 px JPEG from its shard, on demand:
// cold (the shard opened and its footer parsed for this read) and warm (the shard kept open).
func BenchmarkReadShardRow(b *testing.B) {
	path, err := benchBigShard()
	if err != nil {
		b.Fatal(err)
	}
	for _, cold := range []bool{true, false} {
		name := map[bool]string{true: "cold", false: "warm"}[cold]
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if cold {
					openShards.mu.Lock()
					openShards.dropLocked(path)
					openShards.mu.Unlock()
				}
				row, err := ReadShardRow(path, int64((i*137)%500))
				if err != nil || len(row.Image) < 10000 || row.EN[7] == "" {
					b.Fatalf("%v", err)
				}
			}
		})
	}
}

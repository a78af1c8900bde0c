package workspace

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// BenchmarkExportWebDataset exports generated FLUX-Reason-6M shards (384 px JPEGs) to WebDataset and
// reports the image bytes per second (SetBytes). LOUPE_EXPORT_BENCH_DB names an imported workspace to
// export instead (e.g. the one perf/export.sh builds), for profiles at full size:
//
//	go test -run '^$' -bench ExportWebDataset -benchtime 3x -cpuprofile /tmp/cpu.out ./workspace
//
// Throughput targets (against cat) live in perf/export.sh, not here.
func BenchmarkExportWebDataset(b *testing.B) {
	ctx := context.Background()
	db := os.Getenv("LOUPE_EXPORT_BENCH_DB")
	if db == "" {
		dir := b.TempDir()
		rows := 500
		if s, err := strconv.Atoi(os.Getenv("LOUPE_EXPORT_BENCH_ROWS")); err == nil && s > 0 {
			rows = s
		}
		if _, err := dataset.WriteShards(dataset.GenOptions{Out: filepath.Join(dir, "shards"), Shards: 4, Rows: rows,
			ImageSize: 384, ImagePool: 200}); err != nil {
			b.Fatal(err)
		}
		db = filepath.Join(dir, "w.db")
		st, err := store.Open(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ingest.Import(ctx, st, []string{filepath.Join(dir, "shards")}, ingest.Options{}); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	out := filepath.Join(b.TempDir(), "wds")
	b.ResetTimer()
	for b.Loop() {
		os.RemoveAll(out)
		sum, err := Export(ctx, st, review.Filter{}, "webdataset", export.Options{Out: out}, false, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(sum.ImageBytes)
	}
}

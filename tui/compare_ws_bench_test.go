package tui

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/termimg"
	loupews "github.com/loupe-dev/loupe/workspace"
)

// BenchmarkCompareNextPairWorkspace is BenchmarkCompareNextPair over the real workspace session: a
// PRISM-Bench folder of 512 px PNG files imported into SQLite, a pair queue over its two models, every
// answer committed (WAL) before the next pair shows, leases and the pair reads through SQL. Run it with
// -benchtime Nx, N at most 80 (the queue's pairs per protocol).
func BenchmarkCompareNextPairWorkspace(b *testing.B) {
	dir := b.TempDir()
	prism := filepath.Join(dir, "prism")
	if err := dataset.WritePrism(dataset.PrismOptions{Out: prism, Seed: 1, Prompts: 100, Images: 40, Models: []string{"m1", "m2"},
		ImageSize: 512, Judge: true}); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "w.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := ingest.Import(ctx, st, []string{prism}, ingest.Options{Judge: "j", Lang: "en"}); err != nil {
		b.Fatal(err)
	}
	w := loupews.New(st)
	for _, proto := range []termimg.Protocol{termimg.Blocks, termimg.Sixel, termimg.Kitty} {
		b.Run(string(proto), func(b *testing.B) {
			if b.N > 279 {
				b.Skip("the queue has 280 pairs")
			}
			name := fmt.Sprintf("p-%s-%d", proto, b.N)
			if _, err := w.SamplePairs(ctx, loupews.PairSampleRequest{Name: name, Models: []string{"m1", "m2"}, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			ses, err := w.OpenPairSession(ctx, name, "bench")
			if err != nil {
				b.Fatal(err)
			}
			benchNextPair(b, ses, proto)
		})
	}
}

package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/loupe-dev/loupe/review"
)

// TestKeptCountsMatchScans: the counts kept at insert time give exactly what a scan gives, after
// shard indexing, a changed shard re-indexed, manifest-style inserts and benchmark generations.
func TestKeptCountsMatchScans(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	shard := func(path, sub string, n int) []review.IndexedRow {
		rows := make([]review.IndexedRow, n)
		for i := range rows {
			rows[i] = review.IndexedRow{ExtID: fmt.Sprintf("%s-%08d", sub, i), Row: int64(i), Scores: review.NoScores}
			for k := range rows[i].Scores {
				if rng.IntN(8) > 0 {
					rows[i].Scores[k] = int8(rng.IntN(11))
				}
			}
		}
		return rows
	}
	for _, sub := range []string{"text", "imaginative"} {
		rows := shard("/s/"+sub, sub, 300)
		if _, err := st.IndexShard(ctx, "/s/"+sub, 1, 1, 300, rows, func(string) string { return sub }); err != nil {
			t.Fatal(err)
		}
	}
	// The text shard changes: new scores for the same ids.
	rows := shard("/s/text", "text", 300)
	if res, err := st.IndexShard(ctx, "/s/text", 2, 2, 300, rows, func(string) string { return "text" }); err != nil || res.Updated != 300 {
		t.Fatalf("%+v %v", res, err)
	}
	mid, _ := EnsureSubset(ctx, st.DB, "mine", "manifest")
	for i := range 40 {
		sc := review.NoScores
		sc[2] = int8(i % 11)
		if _, _, err := InsertItem(ctx, st.DB, NewItem{ExtID: fmt.Sprintf("m%d", i), Kind: review.Sample, SubsetID: mid, Scores: sc}); err != nil {
			t.Fatal(err)
		}
	}
	InsertItem(ctx, st.DB, NewItem{ExtID: "loose", Kind: review.Sample, Scores: review.NoScores})
	bid, _ := EnsureSubset(ctx, st.DB, "prism-en/m", "benchmark")
	for i, tr := range []string{"style", "style", "long_text"} {
		id, _, _ := InsertItem(ctx, st.DB, NewItem{ExtID: fmt.Sprintf("g%d", i), Kind: review.Generation, SubsetID: bid, Scores: review.NoScores})
		pid, _ := EnsurePrompt(ctx, st.DB, "prism", "en", tr, i, "p")
		EnsureGeneration(ctx, st.DB, id, pid, "m")
	}
	in, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var total, gens int64
	var textN int64
	var textMean float64
	st.DB.QueryRow(`SELECT count(*), sum(kind = 2), count(text), avg(text) FROM items JOIN item_scores ON item_id = items.id`).Scan(&total, &gens, &textN, &textMean)
	if in.Items != total || in.ByKind[1].Name != "generation" || in.ByKind[1].Count != gens {
		t.Fatalf("info items %d %+v, scan %d (%d generations)", in.Items, in.ByKind, total, gens)
	}
	for _, l := range in.Labels {
		if l.Dimension == "text" && l.Rater == "pipeline" && (l.Count != textN || *l.Mean-textMean > 1e-9 || textMean-*l.Mean > 1e-9) {
			t.Fatalf("info text %d %.4f, scan %d %.4f", l.Count, *l.Mean, textN, textMean)
		}
	}
	bins := []review.Bin{{Lo: 0, Hi: 3}, {Lo: 4, Hi: 6}, {Lo: 7, Hi: 10}}
	for _, by := range []review.Stratify{{By: "subset"}, {By: "trait"}, {By: "score:text", Bins: bins}, {By: "score:clarity"}} {
		for _, f := range []review.Filter{{}, {Kind: "sample"}, {Kind: "generation"}, {Subsets: []string{"text", "mine"}}} {
			t.Run(fmt.Sprintf("%s/%+v", by.By, f), func(t *testing.T) {
				pp, err := st.Population(f, by)
				if err != nil {
					t.Fatal(err)
				}
				p := pp.(*population)
				kept, ok, err := p.keptCounts(ctx)
				if err != nil || !ok {
					t.Fatalf("kept counts not used: %v", err)
				}
				scanned, err := p.scanCounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if by.By == "subset" {
					delete(scanned, "") // the scan names items without a subset ""; kept counts skip them
					delete(kept, "")
				}
				if !reflect.DeepEqual(kept, scanned) {
					t.Fatalf("kept %v\nscan %v", kept, scanned)
				}
			})
		}
	}
}

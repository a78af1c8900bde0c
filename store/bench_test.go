package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// millionItems indexes 1,000,000 dataset rows (200 shards x 5,000) with random pipeline scores.
func millionItems(b *testing.B) *store.Store {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "m.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	rng := rand.New(rand.NewPCG(1, 2))
	subsets := []string{"aesthetics-part01", "aesthetics-part02", "imaginative", "text"}
	for s := 0; s < 200; s++ {
		sub := subsets[s%4]
		rows := make([]review.IndexedRow, 5000)
		for i := range rows {
			rows[i] = review.IndexedRow{ExtID: fmt.Sprintf("%s-%08d", sub, s*5000+i), Row: int64(i), Captions: uint16(rng.IntN(256)) | 0x80}
			for k := range rows[i].Scores {
				rows[i].Scores[k] = int8(rng.IntN(11))
			}
		}
		if _, err := st.IndexShard(ctx, fmt.Sprintf("/bench/%d.parquet", s), 1, 1, 5000, rows, func(string) string { return sub }); err != nil {
			b.Fatal(err)
		}
	}
	return st
}

// BenchmarkSample1M draws 1,000 items from 1,000,000 indexed ones.
func BenchmarkSample1M(b *testing.B) {
	st := millionItems(b)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		strat review.Stratify
		spec  review.SampleSpec
		f     review.Filter
	}{
		{"random", review.Stratify{}, review.SampleSpec{N: 1000}, review.Filter{}},
		{"stratified-trait-equal", review.Stratify{By: "trait"}, review.SampleSpec{N: 1000, Stratified: true, Allocation: review.Equal}, review.Filter{}},
		{"stratified-subset-equal", review.Stratify{By: "subset"}, review.SampleSpec{N: 1000, Stratified: true, Allocation: review.Equal}, review.Filter{}},
		{"stratified-score-bins-equal", review.Stratify{By: "score:text", Bins: []review.Bin{{Lo: 0, Hi: 3}, {Lo: 4, Hi: 6}, {Lo: 7, Hi: 10}}}, review.SampleSpec{N: 1000, Stratified: true, Allocation: review.Equal}, review.Filter{}},
		{"stratified-subset-proportional", review.Stratify{By: "subset"}, review.SampleSpec{N: 1000, Stratified: true, Allocation: review.Proportional}, review.Filter{}},
		{"stratified-trait-proportional", review.Stratify{By: "trait"}, review.SampleSpec{N: 1000, Stratified: true, Allocation: review.Proportional}, review.Filter{}},
		{"random-filtered-clarity8", review.Stratify{}, review.SampleSpec{N: 1000}, review.Filter{Scores: []review.ScoreRange{{Dimension: "clarity", Min: 8, Max: 10}}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			pop, err := st.Population(tc.f, tc.strat)
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				tc.spec.Seed = uint64(i)
				got, err := review.Draw(ctx, pop, tc.spec)
				if err != nil || len(got) != 1000 {
					b.Fatalf("%d %v", len(got), err)
				}
			}
		})
	}
}

// BenchmarkIndexShardWrite measures the SQLite half of indexing alone: 5,000 decoded rows a shard.
func BenchmarkIndexShardWrite(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "w.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for s := 0; s < b.N; s++ {
		b.StopTimer()
		rows := make([]review.IndexedRow, 5000)
		for i := range rows {
			rows[i] = review.IndexedRow{ExtID: fmt.Sprintf("text-%08d", s*5000+i), Row: int64(i), Captions: 0x81}
			for k := range rows[i].Scores {
				rows[i].Scores[k] = int8(rng.IntN(11))
			}
		}
		b.StartTimer()
		if _, err := st.IndexShard(ctx, fmt.Sprintf("/bench/%d.parquet", s), 1, 1, 5000, rows, func(string) string { return "text" }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*5000)/1000, "us/row")
}

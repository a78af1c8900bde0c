package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
)

// filterQueue makes 6 items (even: subset "text", odd: subset "style"; clarity score = index) and a
// queue "q" holding them in reverse order. It returns the item ids by index.
func filterQueue(t *testing.T) (*store.Store, []int64) {
	t.Helper()
	st := storetest.Open(t)
	var ids []int64
	var cands []review.Candidate
	for i := range 6 {
		sub, err := store.EnsureSubset(ctx, st.DB, map[bool]string{true: "text", false: "style"}[i%2 == 0], "dataset")
		if err != nil {
			t.Fatal(err)
		}
		sc := review.NoScores
		sc[7] = int8(i) // clarity
		id, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: fmt.Sprintf("it-%d", i), Kind: review.Sample, SubsetID: sub, Scores: sc})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		cands = append([]review.Candidate{{ID: id}}, cands...)
	}
	if _, err := st.CreateQueue(ctx, store.QueueSpec{Name: "q", Strategy: "random", Seed: 1}, cands); err != nil {
		t.Fatal(err)
	}
	return st, ids
}

func TestRestrictKeepsQueueOrder(t *testing.T) {
	st, ids := filterQueue(t)
	ses, err := st.OpenSession(ctx, "q", "ana")
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Clone(ses.Items)
	if err := ses.Restrict(ctx, review.Filter{Subsets: []string{"text"}}); err != nil {
		t.Fatal(err)
	}
	if want := []int64{ids[4], ids[2], ids[0]}; !slices.Equal(ses.Items, want) {
		t.Fatalf("subset=text: items %v, want %v (queue order)", ses.Items, want)
	}
	r, _ := review.ParseScoreRange("clarity=2:")
	if err := ses.Restrict(ctx, review.Filter{Subsets: []string{"text"}, Scores: []review.ScoreRange{r}}); err != nil {
		t.Fatal(err)
	}
	if want := []int64{ids[4], ids[2]}; !slices.Equal(ses.Items, want) {
		t.Fatalf("subset=text clarity>=2: items %v, want %v", ses.Items, want)
	}
	// Decided, Resume and Lease index the restricted items.
	if _, err := ses.Decide(ctx, ids[4], true, ""); err != nil {
		t.Fatal(err)
	}
	if d, _ := ses.Decided(ctx); !slices.Equal(d, []bool{true, false}) {
		t.Fatalf("decided %v", d)
	}
	if p, _ := ses.Resume(ctx); p != 1 {
		t.Fatalf("resume %d, want 1", p)
	}
	if p, err := ses.Lease(ctx, time.Minute); p != 1 || err != nil {
		t.Fatalf("lease %d %v, want 1", p, err)
	}
	if _, err := ses.Decide(ctx, ids[2], false, ""); err != nil {
		t.Fatal(err)
	}
	if p, err := ses.Lease(ctx, time.Minute); p != -1 || err != nil {
		t.Fatalf("lease %d %v: the restricted items are all decided, want -1", p, err)
	}
	// Nothing matching leaves the session as it was; a bad filter is an error.
	if err := ses.Restrict(ctx, review.Filter{Subsets: []string{"nope"}}); !errors.Is(err, store.ErrNoMatch) || len(ses.Items) != 2 {
		t.Fatalf("no match: %v, %d items", err, len(ses.Items))
	}
	if err := ses.Restrict(ctx, review.Filter{Kind: "bogus"}); err == nil {
		t.Fatal("bad kind accepted")
	}
	// The empty filter restores the whole queue.
	if err := ses.Restrict(ctx, review.Filter{}); err != nil || !slices.Equal(ses.Items, all) {
		t.Fatalf("cleared: %v items %v", err, ses.Items)
	}
	if p, _ := ses.Lease(ctx, time.Minute); p != 0 || ses.Items[p] != ids[5] {
		t.Fatalf("lease after clearing %d, want 0", p)
	}
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
)

// reviewQueue makes 4 items (it-0 and it-2 in subset "text", the others in "style") in queue "q".
func reviewQueue(t *testing.T) (*store.Store, []int64) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	var ids []int64
	var cands []review.Candidate
	for i := range 4 {
		sub, err := store.EnsureSubset(ctx, st.DB, map[bool]string{true: "text", false: "style"}[i%2 == 0], "dataset")
		if err != nil {
			t.Fatal(err)
		}
		id, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: fmt.Sprintf("it-%d", i), Kind: review.Sample, SubsetID: sub, Scores: review.NoScores})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		cands = append(cands, review.Candidate{ID: id})
	}
	if _, err := st.CreateQueue(ctx, store.QueueSpec{Name: "q", Strategy: "random", Seed: 1}, cands); err != nil {
		t.Fatal(err)
	}
	return st, ids
}

func TestReviewFlagsCheck(t *testing.T) {
	var u usageError
	for _, o := range []reviewOptions{
		{overlap: -1},
		{scores: []string{"clarity"}},
		{filterExpr: "colour=red"},
		{filter: review.Filter{Kind: "video"}},
		{filter: review.Filter{Tracks: []string{"nope"}}},
	} {
		if err := o.check(); !errors.As(err, &u) {
			t.Errorf("%+v: %v, want a usage error", o, err)
		}
	}
	o := reviewOptions{scores: []string{"entity=:3"}, filterExpr: "subset=text score=clarity=8: kind=sample", filter: review.Filter{Subsets: []string{"style"}}}
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	f := o.filter
	if !slices.Equal(f.Subsets, []string{"style", "text"}) || len(f.Scores) != 2 || f.Kind != "sample" || f.Scores[1].Dimension != "clarity" {
		t.Fatalf("merged filter %+v", f)
	}
}

func TestPrepareReview(t *testing.T) {
	ctx := context.Background()
	st, ids := reviewQueue(t)
	o := &reviewOptions{annotator: "ana", overlap: 2, filter: review.Filter{Subsets: []string{"text"}}, lease: true}
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	cfg, adj, err := prepareReview(ctx, st, o)
	if err != nil || adj != nil {
		t.Fatalf("prepare: %v %v", err, adj)
	}
	if cfg.Session.Info().Overlap != 2 || !cfg.Lease || cfg.Filter != "subset=text" || cfg.Start != -1 {
		t.Fatalf("config %+v", cfg)
	}
	if !slices.Equal(cfg.Session.Items(), []int64{ids[0], ids[2]}) || cfg.Session.Info().Annotator != "ana" {
		t.Fatalf("session items %v annotator %q", cfg.Session.Items(), cfg.Session.Info().Annotator)
	}
	if _, _, err := prepareReview(ctx, st, &reviewOptions{annotator: "ana", filter: review.Filter{Subsets: []string{"nope"}}}); !errors.Is(err, store.ErrNoMatch) {
		t.Fatalf("no match: %v", err)
	}
	if _, _, err := prepareReview(ctx, st, &reviewOptions{queue: "nope", overlap: 2}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("--overlap on a missing queue: %v", err)
	}
	_, adj, err = prepareReview(ctx, st, &reviewOptions{annotator: "lead", adjudicate: true})
	if err != nil || adj == nil || adj.Queue != "q" || adj.Adjudicator != "lead" {
		t.Fatalf("adjudicate: %v %+v", err, adj)
	}
	if ds, err := adj.Disputes.Disputes(ctx, "q"); err != nil || len(ds) != 0 {
		t.Fatalf("disputes of an undecided queue: %v %v", ds, err)
	}
}

func TestReviewHelpAndUsageErrors(t *testing.T) {
	code, out, _ := run(t, "review", "--help")
	for _, want := range []string{"--overlap", "--lease", "--adjudicate", "--filter", "--subset", "--score", "/ filter", "queue done"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("review --help lacks %q", want)
		}
	}
	st, _ := reviewQueue(t)
	for _, args := range [][]string{{"--score", "clarity"}, {"--filter", "colour=red"}, {"--overlap", "-2"}, {"--kind", "video"}} {
		if code, _, e := run(t, append([]string{"--db", st.Path, "review"}, args...)...); code != 2 {
			t.Errorf("review %v: exit %d, want 2 (%s)", args, code, e)
		}
	}
}

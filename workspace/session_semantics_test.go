package workspace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
)

// reviewQueue makes n dataset items "it-0".. in queue "q", each with judge j1's text verdict 5.
func reviewQueue(t *testing.T, n int) (*Workspace, []int64) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	judge, err := store.EnsureRater(ctx, st.DB, "judge", "j1", "m", "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	var cands []review.Candidate
	for i := range n {
		id, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: fmt.Sprintf("it-%d", i), Kind: review.Sample, Scores: review.NoScores})
		if err != nil {
			t.Fatal(err)
		}
		v := 5.0
		if _, err := store.PutLabel(ctx, st.DB, store.NewLabel{ItemID: id, Dimension: "text", RaterID: judge, Value: &v}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		cands = append(cands, review.Candidate{ID: id})
	}
	if _, err := st.CreateQueue(ctx, store.QueueSpec{Name: "q", Strategy: "random", Seed: 1}, cands); err != nil {
		t.Fatal(err)
	}
	return New(st), ids
}

func TestSessionRecordUndoAgreement(t *testing.T) {
	ctx := context.Background()
	w, ids := reviewQueue(t, 3)
	if err := w.SetOverlap(ctx, "q", 2); err != nil {
		t.Fatal(err)
	}
	var ses []*Session
	for _, n := range []string{"ana", "ben", "cal"} {
		s, err := w.OpenSession(ctx, "q", n)
		if err != nil {
			t.Fatal(err)
		}
		ses = append(ses, s)
	}
	ana := ses[0]
	steps := []struct {
		who  int
		a    review.Action
		want string // "" ok, else a part of the error
	}{
		{0, review.Action{Kind: review.ActScore, Item: ids[0], Dimension: "text", Value: 6}, ""},
		{0, review.Action{Kind: review.ActDecide, Item: ids[0], Accept: true}, ""},
		{1, review.Action{Kind: review.ActDecide, Item: ids[0]}, ""},
		{2, review.Action{Kind: review.ActDecide, Item: ids[0], Accept: true}, "item it-0 already has 2 decisions (overlap 2): not recorded"},
		{0, review.Action{Kind: review.ActScore, Item: ids[1], Dimension: "text", Value: 9}, ""},
		{0, review.Action{Kind: review.ActFlag, Item: ids[1]}, ""},
		{0, review.Action{Kind: review.ActUnflag, Item: ids[2]}, "no flag"},
		{0, review.Action{Kind: review.ActSkip, Item: ids[2], Text: review.SkipBroken}, ""},
		{0, review.Action{Kind: review.ActionKind(99), Item: ids[2]}, "unknown review action"},
	}
	for i, s := range steps {
		_, err := ses[s.who].Record(ctx, s.a)
		if s.want == "" && err != nil || s.want != "" && (err == nil || !strings.Contains(err.Error(), s.want)) {
			t.Fatalf("step %d: %v, want %q", i, err, s.want)
		}
	}
	// ana: text 6 on it-0 (judge 5: within 1), 9 on it-1 (4 off).
	if got, err := ana.Agreement(ctx); err != nil || got != (review.AgreementCount{Agree: 1, Total: 2}) {
		t.Fatalf("agreement %+v %v", got, err)
	}
	// Undo on it-0 leaves it-1 alone.
	u, err := ana.Undo(ctx, ids[0])
	if err != nil || u.String() != "undone on it-0: decision accept -> none" {
		t.Fatalf("undo %+v %v", u, err)
	}
	if u, _ = ana.Undo(ctx, 0); u.String() != "undone on it-1: flag withdrawn" {
		t.Fatalf("undo any %q", u)
	}
	if u, _ = ana.Undo(ctx, 0); u.String() != "undone on it-1: text 9 -> none" {
		t.Fatalf("undo any %q", u)
	}
	if got, _ := ana.Agreement(ctx); got != (review.AgreementCount{Agree: 1, Total: 1}) {
		t.Fatalf("agreement after undo %+v", got)
	}
	// ana's decision withdrawn, cal may decide now.
	if _, err := ses[2].Record(ctx, review.Action{Kind: review.ActDecide, Item: ids[0], Accept: true}); err != nil {
		t.Fatal(err)
	}
}

func TestSessionInfoSettings(t *testing.T) {
	ctx := context.Background()
	w, _ := reviewQueue(t, 1)
	ses, err := w.OpenSession(ctx, "q", "ana")
	if err != nil {
		t.Fatal(err)
	}
	if in := ses.Info(); in.Blind || in.ShowOthers || in.Guidelines != "" || in.Queue != "q" || in.Annotator != "ana" {
		t.Fatalf("info %+v", in)
	}
	ses.SetShowOthers(true)
	if !ses.Info().ShowOthers {
		t.Fatal("SetShowOthers not reported")
	}
	if err := w.SetQueueBlind(ctx, "q", true); err != nil {
		t.Fatal(err)
	}
	if err := w.SetQueueGuidelines(ctx, "q", "# Reject watermarks"); err != nil {
		t.Fatal(err)
	}
	ses, _ = w.OpenSession(ctx, "q", "ana")
	if in := ses.Info(); !in.Blind || in.ShowOthers || in.Guidelines != "# Reject watermarks" {
		t.Fatalf("info %+v", in)
	}
	if err := w.SetQueueBlind(ctx, "nope", true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown queue: %v", err)
	}
}

func TestSampleStoresSettingsAndRefusesSort(t *testing.T) {
	ctx := context.Background()
	w, _ := reviewQueue(t, 4)
	req := SampleRequest{Name: "s", Strategy: "random", Spec: review.SampleSpec{N: 2, Seed: 1}, Blind: true, Guidelines: "be strict"}
	if _, err := w.Sample(ctx, req); err != nil {
		t.Fatal(err)
	}
	if qs, err := w.QueueSettings(ctx, "s"); err != nil || qs != (store.QueueSettings{Blind: true, Guidelines: "be strict"}) {
		t.Fatalf("settings %+v %v", qs, err)
	}
	req.Name, req.Filter.Sort = "t", "judge"
	if _, err := w.Sample(ctx, req); !errors.Is(err, ErrBadFilter) || !strings.Contains(err.Error(), "sort=judge") {
		t.Fatalf("sample with sort: %v", err)
	}
}

// TestStatsUsePreRevealValues: loupe stats (and the screen's) compare the judge with what the annotator
// said before the reveal; the value in force is the revision.
func TestStatsUsePreRevealValues(t *testing.T) {
	ctx := context.Background()
	w, ids := reviewQueue(t, 12)
	ses, err := w.OpenSession(ctx, "q", "ana")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := ses.Record(ctx, review.Action{Kind: review.ActScore, Item: id, Dimension: "text", Value: 5}); err != nil {
			t.Fatal(err)
		}
		if _, err := ses.Record(ctx, review.Action{Kind: review.ActScore, Item: id, Dimension: "text", Value: 0, AfterReveal: true}); err != nil {
			t.Fatal(err)
		}
	}
	for name, rep := range map[string]func() (*review.AgreementReport, error){
		"stats": func() (*review.AgreementReport, error) {
			r, _, err := w.Stats(ctx, StatsOptions{Queue: "q", MinItems: 5, Resamples: 10, Seed: 1, Level: 0.95})
			return r, err
		},
		"review stats": func() (*review.AgreementReport, error) { return ses.Stats(ctx) },
	} {
		r, err := rep()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, row := range r.Rows {
			if row.Kind != review.JudgeHuman || row.Dimension != "text" || row.By != "" {
				continue
			}
			for _, st := range row.Stats {
				if st.Name == "mae" {
					found = true
					if st.Undefined != "" || st.Value != 0 || st.N != 12 {
						t.Errorf("%s: mae %+v, want 0 over 12 items (the pre-reveal 5s)", name, st)
					}
				}
			}
		}
		if !found {
			t.Errorf("%s: no judge-human mae on text: %+v", name, r.Rows)
		}
	}
}

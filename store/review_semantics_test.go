package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// sessions opens one session per annotator on queue "q".
func sessions(t *testing.T, st *store.Store, names ...string) []*store.Session {
	t.Helper()
	var out []*store.Session
	for _, n := range names {
		s, err := st.OpenSession(ctx, "q", n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// must returns v, panicking (which fails the test, with the line) on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// judgeSays stores a judge's verdict (sample 0) on an item.
func judgeSays(t *testing.T, st *store.Store, judge string, item int64, dim string, v float64) {
	t.Helper()
	r := must(store.EnsureRater(ctx, st.DB, "judge", judge, "m", ""))
	must(store.PutLabel(ctx, st.DB, store.NewLabel{ItemID: item, Dimension: dim, RaterID: r, Value: &v}))
}

func decide(item int64, accept bool) review.Action {
	return review.Action{Kind: review.ActDecide, Item: item, Accept: accept}
}

func score(item int64, dim string, v float64) review.Action {
	return review.Action{Kind: review.ActScore, Item: item, Dimension: dim, Value: v}
}

func TestDecisionRefusedPastOverlap(t *testing.T) {
	for _, tc := range []struct {
		overlap   int
		refuseCal bool
	}{{1, false}, {2, true}, {3, false}} {
		t.Run(fmt.Sprint("overlap=", tc.overlap), func(t *testing.T) {
			st := queueOf(t, 4)
			if err := st.SetOverlap(ctx, "q", tc.overlap); err != nil {
				t.Fatal(err)
			}
			s := sessions(t, st, "ana", "ben", "cal")
			item := s[0].Items[3]
			must(s[0].Record(ctx, decide(item, true)))
			must(s[1].Record(ctx, decide(item, false)))
			_, err := s[2].Record(ctx, decide(item, true))
			if !tc.refuseCal {
				if err != nil {
					t.Fatalf("third decision refused: %v", err)
				}
				return
			}
			if !errors.Is(err, store.ErrOverlapFull) || !strings.Contains(err.Error(), "item it-3 already has 2 decisions (overlap 2): not recorded") {
				t.Fatalf("third decision: %v, want the overlap refusal", err)
			}
			if v, _ := st.DecisionState(ctx, s[2], item); v != 0 {
				t.Fatalf("refused decision is in force: %d", v)
			}
			// Changing one's own decision is always allowed, after the reveal too.
			must(s[0].Record(ctx, decide(item, false)))
			a := decide(item, true)
			a.AfterReveal = true
			must(s[1].Record(ctx, a))
			// Scores, flags and notes are not decisions.
			must(s[2].Record(ctx, score(item, "text", 3)))
			must(s[2].Record(ctx, review.Action{Kind: review.ActFlag, Item: item}))
			// Once one withdraws, the third may decide.
			must(s[0].UndoChange(ctx, item))
			must(s[0].UndoChange(ctx, item))
			must(s[2].Record(ctx, decide(item, true)))
		})
	}
}

// TestOverlapWithConcurrentDecisions: five annotators in separate connections decide the same item at
// once; exactly overlap of them succeed.
func TestOverlapWithConcurrentDecisions(t *testing.T) {
	st := queueOf(t, 1)
	if err := st.SetOverlap(ctx, "q", 2); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for a := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := store.Open(context.Background(), st.Path)
			if err != nil {
				t.Error(err)
				return
			}
			defer h.Close()
			ses, err := h.OpenSession(ctx, "q", fmt.Sprint("annotator-", a))
			if err != nil {
				t.Error(err)
				return
			}
			_, err = ses.Record(ctx, decide(ses.Items[0], true))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrOverlapFull):
				refused++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != 2 || refused != 3 {
		t.Fatalf("%d recorded, %d refused: want 2 and 3", ok, refused)
	}
}

// humanRatings returns the human ratings of loupe stats as "annotator/dimension" -> value.
func humanRatings(t *testing.T, st *store.Store) map[string]float64 {
	t.Helper()
	rs := must(st.Ratings(ctx, store.RatingsScope{Queue: "q"}))
	out := map[string]float64{}
	for _, r := range rs {
		if r.Kind == "human" {
			out[fmt.Sprintf("%d/%s/%s", r.Item, strings.TrimPrefix(r.Rater, "human:"), r.Dimension)] = r.Value
		}
	}
	return out
}

func inForce(t *testing.T, st *store.Store, item int64, annotator, dim string) any {
	t.Helper()
	var v *float64
	err := st.DB.QueryRow(`SELECT h.value FROM human_current h JOIN annotators a ON a.id = h.annotator_id
		JOIN dimensions d ON d.id = h.dimension_id WHERE h.item_id = ? AND a.name = ? AND d.name = ?`, item, annotator, dim).Scan(&v)
	if err != nil {
		return nil
	}
	return *v
}

func TestRevisedAfterRevealKeepsThePreRevealValueForStats(t *testing.T) {
	st := queueOf(t, 3)
	s := sessions(t, st, "ana", "ben")
	ana, ben := s[0], s[1]
	it := ana.Items
	after := func(a review.Action) review.Action { a.AfterReveal = true; return a }
	must(ana.Record(ctx, score(it[0], "text", 4)))
	must(ana.Record(ctx, decide(it[0], true)))
	must(ana.Record(ctx, after(score(it[0], "text", 7))))
	must(ana.Record(ctx, after(decide(it[0], false))))
	must(ana.Record(ctx, after(score(it[0], "text", 8))))
	// ben gave no value before the reveal.
	must(ben.Record(ctx, after(score(it[1], "clarity", 5))))

	var kinds []string
	rows, _ := st.DB.Query(`SELECT kind FROM events ORDER BY id`)
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds = append(kinds, k)
	}
	rows.Close()
	if want := []string{"set", "set", "revised_after_reveal", "revised_after_reveal", "revised_after_reveal", "revised_after_reveal"}; !slices.Equal(kinds, want) {
		t.Fatalf("event kinds %v, want %v", kinds, want)
	}
	// The value in force is the revision, everywhere values in force are read.
	for _, c := range []struct {
		item      int64
		who, dim  string
		want      any
		wantStats any
	}{
		{it[0], "ana", "text", 8.0, 4.0},
		{it[0], "ana", "decision", 0.0, 1.0},
		{it[1], "ben", "clarity", 5.0, nil},
	} {
		if got := inForce(t, st, c.item, c.who, c.dim); got != c.want {
			t.Errorf("%s %s in force %v, want %v", c.who, c.dim, got, c.want)
		}
		got, ok := humanRatings(t, st)[fmt.Sprintf("%d/%s/%s", c.item, c.who, c.dim)]
		if c.wantStats == nil && ok || c.wantStats != nil && (!ok || got != c.wantStats) {
			t.Errorf("%s %s for stats %v (%v), want %v", c.who, c.dim, got, ok, c.wantStats)
		}
	}
	if v, _ := st.DecisionState(ctx, ana, it[0]); v != -1 {
		t.Errorf("decision state %d, want the revised reject", v)
	}
	// Undo handles a revision like a set: the 8 goes, then the 7, then the 4 is in force (and a set).
	u := must(ana.UndoChange(ctx, it[0]))
	if u.Kind != "revised_after_reveal" || u.Dimension != "text" || u.New != "8" || u.Old != "7" {
		t.Fatalf("undo %+v", u)
	}
	must(ana.UndoChange(ctx, it[0])) // the reject
	must(ana.UndoChange(ctx, it[0])) // the 7
	if got := inForce(t, st, it[0], "ana", "text"); got != 4.0 {
		t.Fatalf("after undoing the revisions text is %v", got)
	}
	if got := humanRatings(t, st)[fmt.Sprintf("%d/ana/text", it[0])]; got != 4 {
		t.Fatalf("stats read %v", got)
	}
}

func TestSkipAndFlagReasons(t *testing.T) {
	st := queueOf(t, 2)
	ana := sessions(t, st, "ana")[0]
	for _, a := range []review.Action{
		{Kind: review.ActSkip, Item: ana.Items[0]},
		{Kind: review.ActSkip, Item: ana.Items[1], Text: review.SkipBroken},
		{Kind: review.ActFlag, Item: ana.Items[0]},
		{Kind: review.ActFlag, Item: ana.Items[1], Text: "odd hands"},
		{Kind: review.ActNote, Item: ana.Items[1], Text: "see the sign"},
	} {
		must(ana.Record(ctx, a))
	}
	var got []string
	rows, _ := st.DB.Query(`SELECT kind || ':' || reason FROM events ORDER BY id`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		got = append(got, s)
	}
	rows.Close()
	if want := []string{"skip:later", "skip:broken", "flag:", "flag:odd hands", "note:see the sign"}; !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if _, err := ana.Record(ctx, review.Action{Kind: review.ActSkip, Item: ana.Items[0], Text: "bored"}); err == nil {
		t.Error("skip reason bored accepted")
	}
}

// disputed lists the queue's disputes as "ext final" words.
func disputed(t *testing.T, st *store.Store) []string {
	t.Helper()
	var out []string
	for _, d := range must(st.Disputes(ctx, "q")) {
		f := "open"
		if d.Final != nil {
			f = map[bool]string{true: "accept", false: "reject"}[*d.Final]
		}
		out = append(out, d.ExtID+" "+f)
	}
	return out
}

func flaggedItems(t *testing.T, ses *store.Session) []int64 {
	t.Helper()
	cp := *ses
	err := cp.Restrict(ctx, review.Filter{Decision: []string{"flagged"}})
	if errors.Is(err, store.ErrNoMatch) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return cp.Items
}

func TestUnflagAndFlagAfterFinal(t *testing.T) {
	st := queueOf(t, 3)
	s := sessions(t, st, "ana", "ben")
	ana, ben := s[0], s[1]
	it := ana.Items
	if _, err := ana.Record(ctx, review.Action{Kind: review.ActUnflag, Item: it[0]}); err == nil {
		t.Fatal("unflag without a flag accepted")
	}
	must(ana.Record(ctx, review.Action{Kind: review.ActFlag, Item: it[0], Text: "blurry"}))
	must(ben.Record(ctx, review.Action{Kind: review.ActFlag, Item: it[1]}))
	if got := disputed(t, st); !slices.Equal(got, []string{"it-0 open", "it-1 open"}) {
		t.Fatalf("disputes %v", got)
	}
	if got := flaggedItems(t, ana); !slices.Equal(got, []int64{it[0], it[1]}) {
		t.Fatalf("flagged %v", got)
	}
	// ana withdraws her flag: it-0 is no longer disputed nor flagged.
	must(ana.Record(ctx, review.Action{Kind: review.ActUnflag, Item: it[0]}))
	if _, err := ana.Record(ctx, review.Action{Kind: review.ActUnflag, Item: it[0]}); err == nil {
		t.Fatal("second unflag accepted")
	}
	if got := disputed(t, st); !slices.Equal(got, []string{"it-1 open"}) {
		t.Fatalf("disputes after unflag %v", got)
	}
	if got := flaggedItems(t, ana); !slices.Equal(got, []int64{it[1]}) {
		t.Fatalf("flagged after unflag %v", got)
	}
	// Undoing the unflag brings the flag back.
	if u := must(ana.UndoChange(ctx, it[0])); u.Kind != "unflag" || u.String() != "undone on it-0: flag restored" {
		t.Fatalf("undo unflag %+v", u)
	}
	if got := disputed(t, st); !slices.Equal(got, []string{"it-0 open", "it-1 open"}) {
		t.Fatalf("disputes after undoing the unflag %v", got)
	}
	// A final decision after the flag closes it-1; a flag made after the final reopens it.
	must(st.Adjudicate(ctx, it[1], "lead", true, ""))
	if got := disputed(t, st); !slices.Equal(got, []string{"it-0 open", "it-1 accept"}) {
		t.Fatalf("disputes after final %v", got)
	}
	must(ben.Record(ctx, review.Action{Kind: review.ActUnflag, Item: it[1]}))
	if got := disputed(t, st); !slices.Equal(got, []string{"it-0 open"}) {
		t.Fatalf("disputes after ben's unflag %v", got)
	}
	must(ana.Record(ctx, review.Action{Kind: review.ActFlag, Item: it[1], Text: "final is wrong"}))
	if got := disputed(t, st); !slices.Equal(got, []string{"it-0 open", "it-1 open"}) {
		t.Fatalf("flag after final does not reopen: %v", got)
	}
	must(st.Adjudicate(ctx, it[1], "lead", false, ""))
	if got := disputed(t, st); !slices.Equal(got, []string{"it-0 open", "it-1 reject"}) {
		t.Fatalf("after the second final %v", got)
	}
}

func TestUndoPerItem(t *testing.T) {
	st := queueOf(t, 3)
	ana, ben := sessions(t, st, "ana", "ben")[0], sessions(t, st, "ben")[0]
	it := ana.Items
	must(ana.Record(ctx, decide(it[0], true)))
	must(ana.Record(ctx, decide(it[1], false)))
	must(ana.Record(ctx, score(it[0], "text", 7)))
	must(ana.Record(ctx, decide(it[0], false)))
	must(ana.Record(ctx, review.Action{Kind: review.ActNote, Item: it[2], Text: "n"}))
	must(ana.Record(ctx, review.Action{Kind: review.ActFlag, Item: it[2], Text: "f"}))
	must(ana.Record(ctx, review.Action{Kind: review.ActSkip, Item: it[2]}))
	must(ben.Record(ctx, decide(it[1], true)))
	for i, c := range []struct {
		item int64
		want review.Undone
		str  string
	}{
		{it[1], review.Undone{Item: it[1], ExtID: "it-1", Kind: "set", Dimension: "decision", New: "reject", Old: "none"}, "undone on it-1: decision reject -> none"},
		{it[1], review.Undone{}, "nothing to undo"},
		{it[0], review.Undone{Item: it[0], ExtID: "it-0", Kind: "set", Dimension: "decision", New: "reject", Old: "accept"}, "undone on it-0: decision reject -> accept"},
		{it[0], review.Undone{Item: it[0], ExtID: "it-0", Kind: "set", Dimension: "text", New: "7", Old: "none"}, "undone on it-0: text 7 -> none"},
		{0, review.Undone{Item: it[2], ExtID: "it-2", Kind: "flag", New: "flag", Old: "none"}, "undone on it-2: flag withdrawn"},
		{0, review.Undone{Item: it[2], ExtID: "it-2", Kind: "note", New: "n", Old: "none"}, "undone on it-2: note removed"},
		{0, review.Undone{Item: it[0], ExtID: "it-0", Kind: "set", Dimension: "decision", New: "accept", Old: "none"}, "undone on it-0: decision accept -> none"},
		{0, review.Undone{}, "nothing to undo"},
	} {
		got, err := ana.UndoChange(ctx, c.item)
		if err != nil || got != c.want || got.String() != c.str {
			t.Fatalf("undo %d on %d: %+v %q (%v), want %+v %q", i, c.item, got, got.String(), err, c.want, c.str)
		}
		if i == 0 {
			// it-0 untouched by an undo on it-1
			if v, _ := st.DecisionState(ctx, ana, it[0]); v != -1 {
				t.Fatalf("it-0 changed by undo on it-1: %d", v)
			}
		}
	}
	// ben's decision was never touched.
	if v, _ := st.DecisionState(ctx, ben, it[1]); v != 1 {
		t.Fatalf("ben's decision %d", v)
	}
}

func TestAgreementCountsJudgesOnly(t *testing.T) {
	st := queueOf(t, 4)
	ana, ben := sessions(t, st, "ana", "ben")[0], sessions(t, st, "ben")[0]
	it := ana.Items
	judgeSays(t, st, "j1", it[0], "text", 6)
	judgeSays(t, st, "j2", it[0], "text", 8) // mean 7
	judgeSays(t, st, "j1", it[1], "text", 2)
	judgeSays(t, st, "j1", it[2], "clarity", 9)
	judgeSays(t, st, "j1", it[0], "decision", 1)
	must(ana.Record(ctx, score(it[0], "text", 8)))    // within 1 of 7
	must(ana.Record(ctx, score(it[1], "text", 5)))    // 3 off
	must(ana.Record(ctx, score(it[2], "text", 5)))    // no judge on text
	must(ana.Record(ctx, score(it[3], "clarity", 5))) // pipeline only (none here), no judge
	must(ana.Record(ctx, decide(it[0], true)))        // decisions do not count
	must(ben.Record(ctx, score(it[2], "clarity", 9))) // another annotator
	must(ana.Record(ctx, score(it[1], "text", 1)))    // changed: 1 off, within
	if got := must(ana.Agreement(ctx)); got != (review.AgreementCount{Agree: 2, Total: 2}) {
		t.Fatalf("agreement %+v, want 2 of 2", got)
	}
	must(ana.Record(ctx, score(it[1], "text", 4)))
	if got := must(ana.Agreement(ctx)); got != (review.AgreementCount{Agree: 1, Total: 2}) {
		t.Fatalf("agreement %+v, want 1 of 2", got)
	}
}

func TestResumeAfterLastDecided(t *testing.T) {
	for _, c := range []struct {
		name    string
		decided []int // positions, in the order decided
		undo    int   // undo this many of the decisions afterwards
		want    int
	}{
		{"nothing", nil, 0, 0},
		{"in order", []int{0, 1}, 0, 2},
		{"jumped ahead", []int{0, 3}, 0, 4},
		{"went back", []int{3, 1}, 0, 2},
		{"last item, gap before", []int{0, 4}, 0, 1},
		{"all", []int{0, 1, 2, 3, 4}, 0, 5},
		{"all, last not last", []int{4, 0, 1, 2, 3}, 0, 4},
		{"undone", []int{0, 3}, 1, 1},
		{"all undone", []int{2}, 1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := queueOf(t, 5)
			ana := sessions(t, st, "ana")[0]
			for _, p := range c.decided {
				must(ana.Record(ctx, decide(ana.Items[p], true)))
			}
			for range c.undo {
				must(ana.UndoChange(ctx, 0))
			}
			if got := must(ana.Resume(ctx)); got != c.want {
				t.Fatalf("resume %d, want %d", got, c.want)
			}
		})
	}
}

func TestDisputeDetails(t *testing.T) {
	st := queueOf(t, 2)
	ana, ben := sessions(t, st, "ana", "ben")[0], sessions(t, st, "ben")[0]
	it := ana.Items
	must(ana.Record(ctx, score(it[0], "text", 3)))
	must(ana.Record(ctx, score(it[0], "clarity", 9)))
	must(ana.Record(ctx, score(it[0], "clarity", 8)))
	must(ana.Record(ctx, review.Action{Kind: review.ActDecide, Item: it[0], Accept: false, Text: "garbled text"}))
	must(ben.Record(ctx, decide(it[0], true)))
	must(ben.Record(ctx, review.Action{Kind: review.ActFlag, Item: it[0]}))
	must(ana.Record(ctx, review.Action{Kind: review.ActFlag, Item: it[0], Text: "check the sign"}))
	must(ana.Record(ctx, review.Action{Kind: review.ActNote, Item: it[0], Text: "kept note"}))
	must(ana.Record(ctx, review.Action{Kind: review.ActNote, Item: it[0], Text: "undone note"}))
	if u := must(ana.UndoChange(ctx, it[0])); u.Kind != "note" {
		t.Fatalf("undo %+v", u)
	}
	ds := must(st.Disputes(ctx, "q"))
	if len(ds) != 1 {
		t.Fatalf("disputes %+v", ds)
	}
	d := ds[0]
	if len(d.Answers) != 2 {
		t.Fatalf("answers %+v", d.Answers)
	}
	a, b := d.Answers[0], d.Answers[1]
	if a.Annotator != "ana" || a.Accept || a.Reason != "garbled text" || len(a.Scores) != 2 || a.Scores["text"] != 3 || a.Scores["clarity"] != 8 {
		t.Errorf("ana's answer %+v", a)
	}
	if b.Annotator != "ben" || !b.Accept || b.Reason != "" || len(b.Scores) != 0 {
		t.Errorf("ben's answer %+v", b)
	}
	if want := []string{"ben: (no reason)", "ana: check the sign"}; !slices.Equal(d.Flags, want) {
		t.Errorf("flags %q, want %q", d.Flags, want)
	}
	if want := []string{"ana: kept note"}; !slices.Equal(d.Notes, want) {
		t.Errorf("notes %q, want %q", d.Notes, want)
	}
}

func TestQueueSettings(t *testing.T) {
	st := queueOf(t, 1)
	if got := must(st.QueueSettings(ctx, "q")); got != (store.QueueSettings{}) {
		t.Fatalf("new queue settings %+v", got)
	}
	want := store.QueueSettings{Blind: true, ShowOthers: true, Guidelines: "# Rules\nreject watermarks"}
	if err := st.SetQueueSettings(ctx, "q", want); err != nil {
		t.Fatal(err)
	}
	if got := must(st.QueueSettings(ctx, "q")); got != want {
		t.Fatalf("settings %+v, want %+v", got, want)
	}
	if ses := sessions(t, st, "ana")[0]; ses.Settings != want {
		t.Fatalf("session settings %+v", ses.Settings)
	}
	if err := st.SetQueueSettings(ctx, "nope", want); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown queue: %v", err)
	}
	if _, err := st.QueueSettings(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown queue: %v", err)
	}
}

func TestRestrictSorts(t *testing.T) {
	st, ids := filterQueue(t) // queue order: ids 5, 4, 3, 2, 1, 0
	ana := sessions(t, st, "ana")[0]
	judgeSays(t, st, "j1", ids[0], "text", 9)
	judgeSays(t, st, "j1", ids[1], "text", 2)
	judgeSays(t, st, "j2", ids[1], "text", 4) // mean 3
	judgeSays(t, st, "j1", ids[2], "text", 5)
	judgeSays(t, st, "j1", ids[3], "clarity", 7)
	must(ana.Record(ctx, score(ids[0], "text", 2)))    // gap 7
	must(ana.Record(ctx, score(ids[1], "text", 4)))    // gap 1
	must(ana.Record(ctx, score(ids[3], "clarity", 3))) // gap 4
	must(ana.Record(ctx, score(ids[4], "clarity", 3))) // no judge
	for _, c := range []struct {
		f    review.Filter
		want []int64
	}{
		{review.Filter{Sort: "disagreement"}, []int64{ids[0], ids[3], ids[1], ids[5], ids[4], ids[2]}},
		{review.Filter{Sort: "judge"}, []int64{ids[1], ids[2], ids[3], ids[0], ids[5], ids[4]}},
		{review.Filter{Sort: "judge", Subsets: []string{"text"}}, []int64{ids[2], ids[0], ids[4]}},
		{review.Filter{}, []int64{ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]}},
	} {
		cp := *ana
		if err := cp.Restrict(ctx, c.f); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cp.Items, c.want) {
			t.Errorf("%s: %v, want %v", review.FilterString(c.f), cp.Items, c.want)
		}
		// positions follow the sorted order
		if d := must(cp.Decided(ctx)); len(d) != len(c.want) {
			t.Errorf("decided %v", d)
		}
	}
	if err := ana.Restrict(ctx, review.Filter{Sort: "random"}); err == nil {
		t.Error("sort=random accepted")
	}
}

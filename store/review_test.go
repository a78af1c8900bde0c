package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
)

// queueOf makes a workspace with n items in queue "q".
func queueOf(t *testing.T, n int) *store.Store {
	t.Helper()
	st := storetest.Open(t)
	var cands []review.Candidate
	for i := range n {
		id, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: fmt.Sprintf("it-%d", i), Kind: review.Sample, Scores: review.NoScores})
		if err != nil {
			t.Fatal(err)
		}
		cands = append(cands, review.Candidate{ID: id})
	}
	if _, err := st.CreateQueue(ctx, store.QueueSpec{Name: "q", Strategy: "random", Seed: 1}, cands); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSessionDecideResumeUndo(t *testing.T) {
	st := queueOf(t, 5)
	ses, err := st.OpenSession(ctx, "q", "ana")
	if err != nil {
		t.Fatal(err)
	}
	if pos, _ := ses.Resume(ctx); pos != 0 {
		t.Fatalf("fresh resume at %d", pos)
	}
	ses.Decide(ctx, ses.Items[0], true, "")
	ses.Decide(ctx, ses.Items[1], false, "misspelled text")
	ses.Skip(ctx, ses.Items[2])
	ses.SetScore(ctx, ses.Items[3], "text", 4, "")
	ses.SetScore(ctx, ses.Items[3], "text", 6, "second look")
	if pos, _ := ses.Resume(ctx); pos != 2 {
		t.Fatalf("resume at %d, want 2 (a skip is not a decision)", pos)
	}
	// Reopening (another process) resumes at the same place.
	st2, err := store.Open(ctx, st.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	ses2, _ := st2.OpenSession(ctx, "q", "ana")
	if pos, _ := ses2.Resume(ctx); pos != 2 {
		t.Fatalf("reopened resume at %d", pos)
	}
	score := func() float64 {
		var v float64
		st.DB.QueryRow(`SELECT value FROM human_current WHERE item_id = ? AND dimension_id = 3`, ses.Items[3]).Scan(&v)
		return v
	}
	if score() != 6 {
		t.Fatalf("score %v", score())
	}
	// Undo walks back: the 6, then the 4, then the reject, then the accept.
	for i, want := range []int64{ses.Items[3], ses.Items[3], ses.Items[1], ses.Items[0], 0} {
		got, err := ses.Undo(ctx)
		if err != nil || got != want {
			t.Fatalf("undo %d: item %d, want %d (%v)", i, got, want, err)
		}
		if i == 0 && score() != 4 {
			t.Fatalf("after one undo the score is %v, want the 4 back", score())
		}
	}
	if pos, _ := ses.Resume(ctx); pos != 0 {
		t.Fatalf("after undoing everything resume at %d", pos)
	}
	var events int
	st.DB.QueryRow(`SELECT count(*) FROM events`).Scan(&events)
	if events != 9 {
		t.Fatalf("%d events, want 9: nothing is deleted", events)
	}
	if _, err := ses.SetScore(ctx, ses.Items[0], "text", 11, ""); err == nil {
		t.Error("score 11 accepted")
	}
	if _, err := st.OpenSession(ctx, "nope", "ana"); err == nil {
		t.Error("unknown queue opened")
	}
}

// TestLeasesWithConcurrentAnnotators: annotators in separate connections (as separate processes would
// be) lease and decide at once; no "database is locked", every item gets exactly k decisions.
func TestLeasesWithConcurrentAnnotators(t *testing.T) {
	for _, k := range []int{1, 2} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			st := queueOf(t, 40)
			if err := st.SetOverlap(ctx, "q", k); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 3)
			for a := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					h, err := store.Open(context.Background(), st.Path)
					if err != nil {
						errs <- err
						return
					}
					defer h.Close()
					ses, err := h.OpenSession(ctx, "q", fmt.Sprint("annotator-", a))
					if err != nil {
						errs <- err
						return
					}
					for {
						pos, err := ses.Lease(ctx, time.Minute)
						if err != nil {
							errs <- err
							return
						}
						if pos < 0 {
							return
						}
						if _, err := ses.Decide(ctx, ses.Items[pos], pos%3 != 0, ""); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			rows, err := st.DB.Query(`SELECT qi.item_id, (SELECT count(*) FROM human_current h WHERE h.item_id = qi.item_id AND h.dimension_id = 12)
				FROM queue_items qi`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var item, n int
				rows.Scan(&item, &n)
				if n != k {
					t.Fatalf("item %d has %d decisions, want %d", item, n, k)
				}
			}
		})
	}
}

func TestLeaseExpires(t *testing.T) {
	st := queueOf(t, 2)
	a, _ := st.OpenSession(ctx, "q", "a")
	b, _ := st.OpenSession(ctx, "q", "b")
	pa, _ := a.Lease(ctx, time.Hour)
	pb, _ := b.Lease(ctx, time.Hour)
	if pa != 0 || pb != 1 {
		t.Fatalf("leases %d %d: b should get the next item", pa, pb)
	}
	c, _ := st.OpenSession(ctx, "q", "c")
	if p, _ := c.Lease(ctx, time.Hour); p != -1 {
		t.Fatalf("c got %d while both items are leased", p)
	}
	st.DB.Exec(`UPDATE leases SET expires_at = 0 WHERE annotator_id = (SELECT id FROM annotators WHERE name = 'a')`)
	if p, _ := c.Lease(ctx, time.Hour); p != 0 {
		t.Fatalf("c got %d after a's lease expired, want 0", p)
	}
}

func TestDisputesAndAdjudication(t *testing.T) {
	st := queueOf(t, 4)
	a, _ := st.OpenSession(ctx, "q", "ana")
	b, _ := st.OpenSession(ctx, "q", "ben")
	a.Decide(ctx, a.Items[0], true, "")
	b.Decide(ctx, b.Items[0], true, "")
	a.Decide(ctx, a.Items[1], true, "")
	b.Decide(ctx, b.Items[1], false, "sign misspelled")
	a.Decide(ctx, a.Items[2], true, "")
	b.Flag(ctx, b.Items[2], "unsure about the style")
	ds, err := st.Disputes(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].ItemID != a.Items[1] || ds[1].ItemID != a.Items[2] {
		t.Fatalf("disputes %+v", ds)
	}
	if len(ds[0].Answers) != 2 || ds[0].Answers[1].Annotator != "ben" || ds[0].Answers[1].Accept || ds[0].Answers[1].Reason != "sign misspelled" {
		t.Fatalf("answers %+v", ds[0].Answers)
	}
	if len(ds[1].Flags) != 1 || ds[1].Flags[0] != "ben: unsure about the style" || ds[1].Final != nil {
		t.Fatalf("flags %+v", ds[1])
	}
	if _, err := st.Adjudicate(ctx, a.Items[1], "cleo", false, "ben is right"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Adjudicate(ctx, a.Items[1], "cleo", true, "on second look it is fine"); err != nil {
		t.Fatal(err)
	}
	f, _ := st.FinalDecision(ctx, a.Items[1])
	if f == nil || !*f {
		t.Fatalf("final %v", f)
	}
	// The adjudicator's final decision is not one more annotator's vote.
	var votes int
	st.DB.QueryRow(`SELECT count(*) FROM human_current WHERE item_id = ? AND dimension_id = 12`, a.Items[1]).Scan(&votes)
	if votes != 2 {
		t.Fatalf("%d votes after adjudication, want the 2 annotators'", votes)
	}
}

// #19: with overlap 2, people working at the same time are handed different items while free ones are
// left (one lease does not fill an item that needs two decisions, but a free item comes first); an item
// someone else holds is handed out once nothing free is left.
func TestLeasePrefersItemsNobodyHolds(t *testing.T) {
	st := queueOf(t, 3)
	if err := st.SetOverlap(ctx, "q", 2); err != nil {
		t.Fatal(err)
	}
	a, _ := st.OpenSession(ctx, "q", "a")
	b, _ := st.OpenSession(ctx, "q", "b")
	c, _ := st.OpenSession(ctx, "q", "c")
	pa, _ := a.Lease(ctx, time.Hour)
	pb, _ := b.Lease(ctx, time.Hour)
	pc, _ := c.Lease(ctx, time.Hour)
	if pa != 0 || pb != 1 || pc != 2 {
		t.Fatalf("leases %d %d %d, want 0 1 2 (each a free item)", pa, pb, pc)
	}
	d, _ := st.OpenSession(ctx, "q", "d")
	if p, _ := d.Lease(ctx, time.Hour); p != 0 {
		t.Fatalf("d got %d with every item held once, want 0 (overlap 2 leaves room)", p)
	}
}

// #19: LeaseAhead reserves the item an annotator gets next while they work on the current one (its
// picture is prepared meanwhile); others are handed free items past it; the next Lease hands it out.
func TestLeaseAhead(t *testing.T) {
	st := queueOf(t, 4)
	a, _ := st.OpenSession(ctx, "q", "a")
	b, _ := st.OpenSession(ctx, "q", "b")
	if p, _ := a.Lease(ctx, time.Hour); p != 0 {
		t.Fatalf("a leased %d, want 0", p)
	}
	if p, _ := a.LeaseAhead(ctx, time.Hour, a.Items[0]); p != 1 {
		t.Fatalf("a's lease ahead: %d, want 1", p)
	}
	if p, _ := a.LeaseAhead(ctx, time.Hour, a.Items[0]); p != 1 {
		t.Fatalf("a's lease ahead again: %d, want 1 (the same reservation)", p)
	}
	if p, _ := b.Lease(ctx, time.Hour); p != 2 {
		t.Fatalf("b leased %d, want 2 (0 and 1 are a's)", p)
	}
	if _, err := a.Decide(ctx, a.Items[0], true, ""); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Lease(ctx, time.Hour); p != 1 {
		t.Fatalf("a's next lease: %d, want 1 (reserved ahead)", p)
	}
	if p, _ := a.LeaseAhead(ctx, time.Hour, a.Items[1]); p != 3 {
		t.Fatalf("a's lease ahead: %d, want 3", p)
	}
	c, _ := st.OpenSession(ctx, "q", "c")
	if p, _ := c.Lease(ctx, time.Hour); p != -1 {
		t.Fatalf("c leased %d with every item held (overlap 1)", p)
	}
}

package workspace_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
	"github.com/loupe-dev/loupe/workspace"
)

// BenchmarkPairStatsRoundRobin is the size through the whole of loupe stats --pairs: 10 models x
// 700 prompts, every model pair on every prompt (31,500 pairs), one person's choice on each, a pairwise
// judge's answers in both orders (63,000) and a judge's absolute scores of the 7,000 pictures; the
// statistics read it all from SQLite and fit three leaderboards (people, the pairwise judge, the
// score-derived judge), each with 1,000 bootstrap resamples. Target: under 2 s.
func BenchmarkPairStatsRoundRobin(b *testing.B) {
	const models, prompts = 10, 700
	ctx := context.Background()
	st := storetest.Open(b)
	rid, err := store.EnsureRater(ctx, st.DB, "judge", "j", "m", "r")
	if err != nil {
		b.Fatal(err)
	}
	strength := func(m int) float64 { return float64(m) / 3 } // model m beats model 0 with odds e^(m/3)
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Now()
	for p := range prompts {
		pid, err := store.EnsurePrompt(ctx, st.DB, "prism", "en", "t", p, fmt.Sprintf("prompt %d", p))
		if err != nil {
			b.Fatal(err)
		}
		for m := range models {
			id, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: fmt.Sprintf("m%d-%d", m, p), Kind: review.Generation, Scores: review.NoScores})
			if err != nil {
				b.Fatal(err)
			}
			if err := store.EnsureGeneration(ctx, st.DB, id, pid, fmt.Sprintf("m%d", m)); err != nil {
				b.Fatal(err)
			}
			v := float64(min(10, max(0, int(strength(m)*2+rng.NormFloat64()*2+2))))
			if _, err := store.PutLabel(ctx, st.DB, store.NewLabel{ItemID: id, Dimension: "prism_alignment", RaterID: rid, Value: &v}); err != nil {
				b.Fatal(err)
			}
		}
	}
	w := workspace.New(st)
	ms := make([]string, models)
	for m := range ms {
		ms[m] = fmt.Sprintf("m%d", m)
	}
	if _, err := w.SamplePairs(ctx, workspace.PairSampleRequest{Name: "rr", Models: ms, Seed: 1, Design: workspace.DesignAll}); err != nil {
		b.Fatal(err)
	}
	pq, _ := st.PairQueueInfo(ctx, "rr")
	pairs, _ := st.Pairs(ctx, pq)
	if len(pairs) != 31500 {
		b.Fatalf("%d pairs", len(pairs))
	}
	model := func(s review.PairSide) int {
		var m int
		fmt.Sscanf(s.Model, "m%d", &m)
		return m
	}
	// the left side wins with the Bradley-Terry probability of its model (ties 10%)
	choose := func(l, r review.PairSide) review.Choice {
		if rng.Float64() < 0.1 {
			return review.ChoiceTie
		}
		pl := 1 / (1 + math.Exp(strength(model(r))-strength(model(l))))
		if rng.Float64() < pl {
			return review.ChoiceLeft
		}
		return review.ChoiceRight
	}
	ses, err := w.OpenPairSession(ctx, "rr", "ana")
	if err != nil {
		b.Fatal(err)
	}
	var vs []store.PairVerdict
	for _, p := range pairs {
		if err := ses.Choose(ctx, p.Pos, "overall", choose(p.Left(), p.Right())); err != nil {
			b.Fatal(err)
		}
		for _, first := range []review.PairSide{p.A, p.B} {
			second := p.B
			if first.Item == p.B.Item {
				second = p.A
			}
			pick := map[review.Choice]string{review.ChoiceLeft: "first", review.ChoiceRight: "second", review.ChoiceTie: "tie"}[choose(first, second)]
			vs = append(vs, store.PairVerdict{First: first.Item, Second: second.Item, Rater: "pj", Dimension: "alignment", Pick: pick})
		}
	}
	if err := st.SavePairVerdicts(ctx, vs); err != nil {
		b.Fatal(err)
	}
	b.Logf("setup: %s", time.Since(t0).Round(time.Second))
	if os.Getenv("PHASES") != "" { // PHASES=1: log what each step of the statistics takes, twice

		for range 2 {
			t1 := time.Now()
			ps, _ := st.PairsBrief(ctx, pq)
			t2 := time.Now()
			as, _ := st.PairAnswers(ctx, pq, "overall")
			t3 := time.Now()
			vv, _ := st.PairVerdicts(ctx, pq, "alignment")
			t4 := time.Now()
			jv, _ := st.JudgeValues(ctx, "j", "prism_alignment")
			t5 := time.Now()
			var cs []review.Comparison
			for _, a := range as {
				p := ps[a.Pos]
				cs = append(cs, p.Comparison(a.Choice, "human:"+a.Annotator))
			}
			t6 := time.Now()
			bt := review.BradleyTerry(cs, review.DefaultBTOptions())
			t7 := time.Now()
			review.WinRateMatrix(cs)
			t8 := time.Now()
			review.PairwiseAgreement(cs, cs)
			t9 := time.Now()
			review.PositionBiases(cs)
			t10 := time.Now()
			b.Logf("pairs %v answers %v verdicts %v (%d) values %v (%d) build %v bt %v (%s) winrates %v agreement %v bias %v",
				t2.Sub(t1), t3.Sub(t2), t4.Sub(t3), len(vv), t5.Sub(t4), len(jv), t6.Sub(t5), t7.Sub(t6), bt.Undefined, t8.Sub(t7), t9.Sub(t8), t10.Sub(t9))
		}
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := w.PairStats(ctx, workspace.PairStatsRequest{Queue: "rr", Resamples: 1000, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Answers != 31500 || len(rep.Groups) != 3 || rep.Groups[0].Leaderboard.Models[0].Model != "m9" {
			b.Fatalf("report: %d answers, %d groups, top %s", rep.Answers, len(rep.Groups), rep.Groups[0].Leaderboard.Models[0].Model)
		}
	}
}

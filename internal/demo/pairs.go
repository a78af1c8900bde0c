package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/dataset/synth"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
)

// PairQueue is the demo's pair queue: every prompt's two generations, side by side.
const PairQueue = "arena"

// PairJudge is the rater name of the demo's synthetic pairwise judge.
const PairJudge = "demo-pair-judge"

// pairs makes the demo's pair queue over its models (every prompt, sides at random, two people per
// pair), answers it as two annotators would - through the same session the comparison screen uses -
// and stores a synthetic pairwise judge's answers in both orders. The people prefer the picture that
// follows the prompt, and of two that do, the better-looking one (ana more reliably than ben, who also
// leans to the left picture when unsure); the
// judge prefers the picture its own absolute verdicts score higher and, when they are within a point,
// picks whichever it saw first: a judge with a position bias, as real ones have.
func pairs(ctx context.Context, st *store.Store, o Options, sum *Summary) error {
	if len(o.Models) < 2 {
		return nil
	}
	w := workspace.New(st)
	if _, err := w.SamplePairs(ctx, workspace.PairSampleRequest{Name: PairQueue, Models: o.Models, Seed: uint64(o.Seed), Overlap: 2,
		Guidelines: "Which picture is better for the prompt? Judge first whether each follows the prompt, then how it looks."}); err != nil {
		return fmt.Errorf("demo pair queue: %w", err)
	}
	sum.Queues = append(sum.Queues, PairQueue)
	gens := map[string]*synth.Generator{}
	for i, m := range o.Models {
		g := synth.New(o.Seed)
		g.WrongShare = wrongShare(i)
		gens[m] = g
	}
	// parse "prism-en/<model>/<track>/<index>" into the synthetic prompt
	prompt := func(side review.PairSide) (synth.Prompt, bool) {
		parts := strings.Split(side.ExtID, "/")
		if len(parts) != 4 {
			return synth.Prompt{}, false
		}
		i, err := strconv.Atoi(parts[3])
		return gens[side.Model].Prompt(parts[2], i), err == nil
	}
	quality := func(side review.PairSide) (wrong bool, score int, ok bool) {
		p, ok := prompt(side)
		if !ok {
			return false, 0, false
		}
		wrong = gens[side.Model].Wrong(side.Model, p)
		score, _ = gens[side.Model].Verdict(side.Model, p, wrong, "alignment")
		return wrong, score, true
	}
	// looks is the synthetic judge's aesthetics score of a picture: the people's shared taste
	looks := func(side review.PairSide) int {
		p, ok := prompt(side)
		if !ok {
			return 0
		}
		score, _ := gens[side.Model].Verdict(side.Model, p, gens[side.Model].Wrong(side.Model, p), "aesthetic")
		return score
	}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 7))
	for ai, name := range []string{"ana", "ben"} {
		ses, err := w.OpenPairSession(ctx, PairQueue, name)
		if err != nil {
			return err
		}
		accuracy := []float64{0.95, 0.8}[ai]
		for {
			pos, err := ses.Lease(ctx, time.Minute, -1)
			if err != nil {
				return err
			}
			if pos < 0 {
				break
			}
			p, err := ses.Pair(ctx, pos)
			if err != nil {
				return err
			}
			lw, _, ok1 := quality(p.Left())
			rw, _, ok2 := quality(p.Right())
			if !ok1 || !ok2 {
				return fmt.Errorf("demo pair %d: unexpected item ids %s, %s", pos, p.A.ExtID, p.B.ExtID)
			}
			var c review.Choice
			switch {
			case lw && rw:
				c = review.ChoiceBothBad
			case lw != rw:
				c = review.ChoiceLeft
				if lw {
					c = review.ChoiceRight
				}
				if rng.Float64() > accuracy {
					c = 3 - c // the other picture
				}
			default: // both follow the prompt: the better-looking one (a shared taste, with noise); ben leans left when unsure
				la, ra := looks(p.Left()), looks(p.Right())
				switch x := rng.Float64(); {
				case la-ra >= 2 && x < accuracy:
					c = review.ChoiceLeft
				case ra-la >= 2 && x < accuracy:
					c = review.ChoiceRight
				case x < 0.3:
					c = review.ChoiceTie
				case x < 0.3+0.35+0.2*float64(ai):
					c = review.ChoiceLeft
				default:
					c = review.ChoiceRight
				}
			}
			if err := ses.Choose(ctx, pos, review.PairDimensionOverall, c); err != nil {
				return err
			}
			sum.PairChoices++
		}
	}
	pq, err := st.PairQueueInfo(ctx, PairQueue)
	if err != nil {
		return err
	}
	ps, err := st.Pairs(ctx, pq)
	if err != nil {
		return err
	}
	var vs []store.PairVerdict
	for _, p := range ps {
		_, sa, _ := quality(p.A)
		_, sb, _ := quality(p.B)
		for _, first := range []review.PairSide{p.A, p.B} {
			second, s1, s2 := p.B, sa, sb
			if first.Item == p.B.Item {
				second, s1, s2 = p.A, sb, sa
			}
			pick, why := "first", "the first picture follows the prompt more closely"
			switch {
			case s2 > s1+1:
				pick, why = "second", "the second picture follows the prompt more closely"
			case s1 == s2 && rng.Float64() < 0.2:
				pick, why = "tie", "both pictures follow the prompt equally well"
			}
			vs = append(vs, store.PairVerdict{First: first.Item, Second: second.Item, Rater: PairJudge, Model: "synthetic",
				RubricVersion: "loupe-pair-v1", Dimension: "alignment", Pick: pick, Justification: why,
				Raw: fmt.Sprintf(`{"winner": %q, "justification": %q}`, map[string]string{"first": "1", "second": "2", "tie": "tie"}[pick], why)})
		}
	}
	if err := st.SavePairVerdicts(ctx, vs); err != nil {
		return err
	}
	sum.PairVerdicts = len(vs)
	return nil
}

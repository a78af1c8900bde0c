package review

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// games appends n comparisons of left against right on prompt, all with choice ch.
func games(cs []Comparison, prompt, left, right string, ch Choice, n int) []Comparison {
	for range n {
		cs = append(cs, Comparison{Prompt: prompt, Left: left, Right: right, Choice: ch, Rater: "r"})
	}
	return cs
}

// pairSim is a round robin of len(strengths) models m0, m1, ... over prompts: every prompt has one
// comparison of every pair, sides drawn at random (seeded), a tie with probability tie and otherwise a
// Bradley-Terry draw from the strengths.
func pairSim(strengths []float64, prompts int, tie float64, seed uint64) []Comparison {
	r := rand.New(rand.NewPCG(seed, 2))
	var cs []Comparison
	for p := range prompts {
		for i := range strengths {
			for j := i + 1; j < len(strengths); j++ {
				a, b := fmt.Sprintf("m%d", i), fmt.Sprintf("m%d", j)
				ch := ChoiceTie
				if r.Float64() >= tie {
					ch = ChoiceRight // b wins
					if r.Float64() < strengths[i]/(strengths[i]+strengths[j]) {
						ch = ChoiceLeft
					}
				}
				if r.IntN(2) == 1 { // swap sides: the choice follows its model
					a, b = b, a
					switch ch {
					case ChoiceLeft:
						ch = ChoiceRight
					case ChoiceRight:
						ch = ChoiceLeft
					}
				}
				cs = append(cs, Comparison{Prompt: fmt.Sprintf("p%d", p), Left: a, Right: b, Choice: ch, Rater: "sim"})
			}
		}
	}
	return cs
}

func score(t *testing.T, r BTResult, m string) ModelScore {
	t.Helper()
	s, ok := r.Model(m)
	if !ok {
		t.Fatalf("model %s not on the leaderboard %+v", m, r.Models)
	}
	return s
}

func TestComparisonWinnerAndCanonical(t *testing.T) {
	for _, tc := range []struct {
		c             Comparison
		winner, loser string
		tie           bool
		a, b          string
		o             Outcome
		ok            bool
	}{
		{Comparison{Left: "x", Right: "y", Choice: ChoiceLeft}, "x", "y", false, "x", "y", AWins, true},
		{Comparison{Left: "y", Right: "x", Choice: ChoiceLeft}, "y", "x", false, "x", "y", BWins, true},
		{Comparison{Left: "y", Right: "x", Choice: ChoiceRight}, "x", "y", false, "x", "y", AWins, true},
		{Comparison{Left: "x", Right: "y", Choice: ChoiceRight}, "y", "x", false, "x", "y", BWins, true},
		{Comparison{Left: "y", Right: "x", Choice: ChoiceTie}, "y", "x", true, "x", "y", TieBoth, true},
		{Comparison{Left: "x", Right: "y", Choice: ChoiceBothBad}, "x", "y", true, "x", "y", TieBoth, true},
		{Comparison{Left: "x", Right: "x", Choice: ChoiceLeft}, "", "", false, "", "", 0, false},
		{Comparison{Left: "x", Right: "", Choice: ChoiceLeft}, "", "", false, "", "", 0, false},
		{Comparison{Left: "x", Right: "y"}, "", "", false, "", "", 0, false},
		{Comparison{Left: "x", Right: "y", Choice: 9}, "", "", false, "", "", 0, false},
	} {
		w, l, tie := tc.c.Winner()
		a, b, o, ok := tc.c.Canonical()
		if w != tc.winner || l != tc.loser || tie != tc.tie || a != tc.a || b != tc.b || o != tc.o || ok != tc.ok || tc.c.Valid() != tc.ok {
			t.Errorf("%+v: Winner %q %q %v, Canonical %q %q %v %v; want %q %q %v, %q %q %v %v",
				tc.c, w, l, tie, a, b, o, ok, tc.winner, tc.loser, tc.tie, tc.a, tc.b, tc.o, tc.ok)
		}
	}
	if ChoiceBothBad.String() != "both_bad" || TieBoth.String() != "tie" || TiesDavidson.String() != "davidson" {
		t.Fatal("names")
	}
}

// Hand-computed: with strengths (4, 2, 1) the BT probabilities are P(A>B) = 4/6, P(A>C) = 4/5,
// P(B>C) = 2/3. Data whose every pair matches them exactly (A-B 4:2, A-C 4:1, B-C 2:1) satisfy the
// likelihood equations W_i = sum_j n_ij p_i / (p_i + p_j) at p = (4, 2, 1): A 8 = 6*4/6 + 5*4/5,
// B 4 = 6*2/6 + 3*2/3, C 2 = 5*1/5 + 3*1/3; the comparison graph is strongly connected, so that is the
// unique MLE. Geometric mean 2: strengths (2, 1, 0.5), ratings 1000 + 400 log10(2) = 1120.412, 1000,
// 879.588. Sides are mixed so the fit must undo them.
func TestBradleyTerryHandExample(t *testing.T) {
	var cs []Comparison
	cs = games(cs, "p1", "A", "B", ChoiceLeft, 2)
	cs = games(cs, "p2", "B", "A", ChoiceRight, 2) // A wins 4
	cs = games(cs, "p3", "B", "A", ChoiceLeft, 2)  // B wins 2
	cs = games(cs, "p4", "C", "A", ChoiceRight, 4) // A wins 4
	cs = games(cs, "p5", "A", "C", ChoiceRight, 1) // C wins 1
	cs = games(cs, "p6", "B", "C", ChoiceLeft, 1)
	cs = games(cs, "p7", "C", "B", ChoiceRight, 1) // B wins 2
	cs = games(cs, "p8", "C", "B", ChoiceLeft, 1)  // C wins 1
	r := BradleyTerry(cs, BTOptions{})
	if r.Undefined != "" {
		t.Fatal(r.Undefined)
	}
	want := map[string]float64{"A": 2, "B": 1, "C": 0.5}
	for m, p := range want {
		s := score(t, r, m)
		if math.Abs(s.Strength-p) > 1e-8 || math.Abs(s.Rating-(1000+400*math.Log10(p))) > 1e-6 {
			t.Errorf("%s: strength %.10g rating %.6f, want %g, %.6f", m, s.Strength, s.Rating, p, 1000+400*math.Log10(p))
		}
	}
	if r.Models[0].Model != "A" || r.Models[2].Model != "C" || r.Comparisons != 14 || r.Prompts != 8 {
		t.Fatalf("%+v", r)
	}
	if a := score(t, r, "A"); a.Wins != 8 || a.Losses != 3 || a.Ties != 0 {
		t.Fatalf("A's record %+v", a)
	}
	if math.Abs(score(t, r, "A").Rating-1120.412) > 1e-3 {
		t.Fatal("rating scale")
	}

	// Two models, ties as half wins: A 2 wins and 2 ties over B is 3 : 1, p_A / p_B = 3, so
	// strengths sqrt(3), 1/sqrt(3). With the default prior (0.5 wins each way) 3.5 : 1.5.
	var two []Comparison
	two = games(two, "p", "A", "B", ChoiceLeft, 2)
	two = games(two, "q", "B", "A", ChoiceTie, 1)
	two = games(two, "q", "A", "B", ChoiceBothBad, 1)
	for _, tc := range []struct {
		prior, ratio float64
	}{{0, 3}, {0.5, 3.5 / 1.5}} {
		r := BradleyTerry(two, BTOptions{Prior: tc.prior})
		a := score(t, r, "A")
		if math.Abs(a.Strength-math.Sqrt(tc.ratio)) > 1e-9 || a.Ties != 2 || a.Wins != 2 {
			t.Errorf("prior %g: %+v, want strength %g", tc.prior, a, math.Sqrt(tc.ratio))
		}
	}
}

// Hand-computed Davidson (1970) example: strengths (4, 1, 1/4) and nu = 1 give, per pair, P(win, loss,
// tie) = (p_i, p_j, sqrt(p_i p_j)) / D: A-B (4, 1, 2)/7, A-C (4, 1/4, 1)/5.25 = (16, 1, 4)/21,
// B-C (1, 1/4, 1/2)/1.75 = (4, 1, 2)/7. Data with exactly those counts satisfy the likelihood equations
// (e.g. for A: W + T/2 = 20 + 3 = 23 = 4 (7 * 1.25/7 + 21 * 1.125/5.25) = 4 * 5.75; for nu: T = 8 =
// 7*2/7 + 21*1/5.25 + 7*0.5/1.75), so the MLE is p = (4, 1, 1/4) (geometric mean 1 already), nu = 1.
func TestBradleyTerryDavidsonHand(t *testing.T) {
	var cs []Comparison
	cs = games(cs, "ab", "A", "B", ChoiceLeft, 4)
	cs = games(cs, "ab", "B", "A", ChoiceLeft, 1)
	cs = games(cs, "ab", "A", "B", ChoiceTie, 2)
	cs = games(cs, "ac", "C", "A", ChoiceRight, 16)
	cs = games(cs, "ac", "A", "C", ChoiceRight, 1)
	cs = games(cs, "ac", "A", "C", ChoiceBothBad, 4)
	cs = games(cs, "bc", "B", "C", ChoiceLeft, 4)
	cs = games(cs, "bc", "B", "C", ChoiceRight, 1)
	cs = games(cs, "bc", "C", "B", ChoiceTie, 2)
	r := BradleyTerry(cs, BTOptions{Ties: TiesDavidson})
	if r.Undefined != "" {
		t.Fatal(r.Undefined)
	}
	for m, p := range map[string]float64{"A": 4, "B": 1, "C": 0.25} {
		if s := score(t, r, m); math.Abs(s.Strength-p) > 1e-8 {
			t.Errorf("%s: %.10g, want %g", m, s.Strength, p)
		}
	}
	if math.Abs(r.Nu-1) > 1e-8 || r.Ties != TiesDavidson {
		t.Fatalf("nu = %.10g, want 1", r.Nu)
	}
	// Ties as half wins on the same data is a different, also valid, fit: A's share rises with its ties.
	h := BradleyTerry(cs, BTOptions{})
	if h.Nu != 0 || score(t, h, "A").Strength <= score(t, h, "B").Strength {
		t.Fatalf("%+v", h)
	}
}

// The fitted strengths must solve the likelihood equations, computed here from the comparisons directly:
// ties as half wins W_i = sum_j n_ij p_i / (p_i + p_j); Davidson W_i + T_i/2 =
// sum_j n_ij p_i (1 + nu/2 sqrt(p_j/p_i)) / D_ij and T = sum_{i<j} n_ij nu sqrt(p_i p_j) / D_ij, with the
// prior's pseudo-wins counted as wins.
func TestBradleyTerryLikelihoodEquations(t *testing.T) {
	cs := pairSim([]float64{3, 1, 0.5, 0.2, 1.5}, 40, 0.2, 11)
	for _, mode := range []TieMode{TiesHalf, TiesDavidson} {
		for _, prior := range []float64{0, 0.5} {
			r := BradleyTerry(cs, BTOptions{Ties: mode, Prior: prior})
			if r.Undefined != "" {
				t.Fatal(r.Undefined)
			}
			p := map[string]float64{}
			for _, s := range r.Models {
				p[s.Model] = s.Strength
			}
			type pr struct{ a, b string }
			wins, ties := map[pr]float64{}, map[pr]float64{}
			for _, c := range cs {
				w, l, tie := c.Winner()
				if tie {
					ties[pr{min(w, l), max(w, l)}]++
				} else {
					wins[pr{w, l}]++
				}
			}
			lhs, rhs := map[string]float64{}, map[string]float64{}
			tsum, trhs := 0.0, 0.0
			for a := range p {
				for b := range p {
					if a >= b {
						continue
					}
					wab, wba, tab := wins[pr{a, b}]+prior, wins[pr{b, a}]+prior, ties[pr{a, b}]
					n := wab + wba + tab
					pa, pb, s := p[a], p[b], math.Sqrt(p[a]*p[b])
					if mode == TiesHalf {
						lhs[a] += wab + tab/2
						lhs[b] += wba + tab/2
						rhs[a] += n * pa / (pa + pb)
						rhs[b] += n * pb / (pa + pb)
						continue
					}
					d := pa + pb + r.Nu*s
					lhs[a] += wab + tab/2
					lhs[b] += wba + tab/2
					rhs[a] += n * (pa + r.Nu*s/2) / d
					rhs[b] += n * (pb + r.Nu*s/2) / d
					tsum += tab
					trhs += n * r.Nu * s / d
				}
			}
			for m := range p {
				if math.Abs(lhs[m]-rhs[m]) > 1e-6 {
					t.Errorf("%v prior %g: %s: %g = %g fails", mode, prior, m, lhs[m], rhs[m])
				}
			}
			if math.Abs(tsum-trhs) > 1e-6 {
				t.Errorf("%v prior %g: ties %g != %g", mode, prior, tsum, trhs)
			}
			if mode == TiesDavidson && !(r.Nu > 0) {
				t.Errorf("nu = %g with 20%% ties", r.Nu)
			}
		}
	}
}

func TestBradleyTerryTies(t *testing.T) {
	// Three models, every comparison a tie (half of them "both bad"): equal strengths in both modes.
	var cs []Comparison
	for _, p := range [][2]string{{"A", "B"}, {"B", "C"}, {"C", "A"}} {
		cs = games(cs, "x", p[0], p[1], ChoiceTie, 5)
		cs = games(cs, "y", p[1], p[0], ChoiceBothBad, 5)
	}
	for _, o := range []BTOptions{{}, {Prior: 0.5}, {Ties: TiesDavidson, Prior: 0.5}} {
		r := BradleyTerry(cs, o)
		if r.Undefined != "" {
			t.Fatalf("%+v: %s", o, r.Undefined)
		}
		for _, s := range r.Models {
			if math.Abs(s.Strength-1) > 1e-9 || math.Abs(s.Rating-1000) > 1e-6 || s.Ties != 20 {
				t.Errorf("%+v: %+v", o, s)
			}
		}
		// Davidson: at equal strengths P(tie) = nu / (2 + nu) = T / N; T = 30 ties, the prior adds one
		// game per pair (0.5 wins each way), N = 33: nu = 2 T / (N - T) = 20.
		if o.Ties == TiesDavidson && math.Abs(r.Nu-20) > 1e-6 {
			t.Errorf("nu = %.10g, want 20", r.Nu)
		}
	}
	// Without a prior Davidson's nu would be infinite: undefined, with the reason.
	if r := BradleyTerry(cs, BTOptions{Ties: TiesDavidson}); !strings.Contains(r.Undefined, "tie parameter") {
		t.Fatalf("%+v", r)
	}
}

func TestBradleyTerryPriorAndUndefined(t *testing.T) {
	// A never loses: no MLE without a prior.
	var cs []Comparison
	cs = games(cs, "p", "A", "B", ChoiceLeft, 3)
	cs = games(cs, "q", "B", "C", ChoiceLeft, 2)
	cs = games(cs, "q", "C", "B", ChoiceLeft, 1)
	cs = append(cs, Comparison{Prompt: "q", Left: "B", Right: "B", Choice: ChoiceLeft}, Comparison{Prompt: "q", Left: "B", Right: "C"})
	r := BradleyTerry(cs, BTOptions{})
	if !strings.Contains(r.Undefined, "A never beat or tied") && !strings.Contains(r.Undefined, "never beat or tied A") {
		t.Fatalf("want a not-finite reason naming A, got %q", r.Undefined)
	}
	// With the default prior A is on top and finite; the two invalid comparisons are skipped.
	r = BradleyTerry(cs, BTOptions{Prior: 0.5})
	if r.Undefined != "" || r.Models[0].Model != "A" || r.Skipped != 2 || r.Comparisons != 6 {
		t.Fatalf("%+v", r)
	}
	// Two models, A 3 : 0 with a prior of 0.5 each way: 3.5 : 0.5, p_A / p_B = 7, ratings
	// 1000 +- 200 log10(7).
	r = BradleyTerry(games(nil, "p", "A", "B", ChoiceLeft, 3), BTOptions{Prior: 0.5})
	if a := score(t, r, "A"); math.Abs(a.Rating-(1000+200*math.Log10(7))) > 1e-6 {
		t.Fatalf("A = %+v, want %g", a, 1000+200*math.Log10(7))
	}
	// Models that never met: only the prior links them.
	two := append(games(nil, "p", "A", "B", ChoiceLeft, 1), games(nil, "p", "C", "D", ChoiceLeft, 1)...)
	if r := BradleyTerry(two, BTOptions{}); r.Undefined == "" {
		t.Fatal("disconnected models ranked without a prior")
	}
	if r := BradleyTerry(two, BTOptions{Prior: 0.5}); r.Undefined != "" {
		t.Fatal(r.Undefined)
	}
	for _, cs := range [][]Comparison{nil, {{Left: "A", Right: "A", Choice: ChoiceLeft}}} {
		if r := BradleyTerry(cs, DefaultBTOptions()); !strings.Contains(r.Undefined, "at least 2 models") {
			t.Fatalf("%+v", r)
		}
	}
	if r := BradleyTerry(two, BTOptions{Ties: 7}); r.Undefined == "" {
		t.Fatal("unknown tie mode accepted")
	}
	if r := BradleyTerry(pairSim([]float64{1, 2, 3}, 5, 0.1, 1), BTOptions{Prior: 0.5, MaxIter: 1, Tol: 1e-15}); !strings.Contains(r.Undefined, "converge") {
		t.Fatalf("%+v", r)
	}
}

func TestBradleyTerryBootstrap(t *testing.T) {
	cs := pairSim([]float64{4, 2, 1, 1, 0.25}, 60, 0.1, 3)
	o := DefaultBTOptions()
	o.Resamples = 400
	r1, r2 := BradleyTerry(cs, o), BradleyTerry(cs, o)
	o.Seed = 2
	r3 := BradleyTerry(cs, o)
	if r1.Undefined != "" || len(r1.Separations) != 10 {
		t.Fatalf("%+v", r1)
	}
	differs := false
	for i, s := range r1.Models {
		c := s.RatingCI
		if c == nil || c.Undefined != "" || c.Resamples != 400 || c.Level != 0.95 || c.UndefinedResamples != 0 {
			t.Fatalf("%s: CI %+v", s.Model, c)
		}
		if *c != *r2.Models[i].RatingCI {
			t.Fatalf("same seed, different CI: %+v vs %+v", c, r2.Models[i].RatingCI)
		}
		if *c != *score(t, r3, s.Model).RatingCI {
			differs = true
		}
		if !(c.Lo < s.Rating && s.Rating < c.Hi) {
			t.Errorf("%s: rating %g outside its CI %+v", s.Model, s.Rating, c)
		}
	}
	if !differs {
		t.Fatal("seeds 1 and 2 gave identical CIs")
	}
	for _, sp := range r1.Separations {
		c := sp.DiffCI
		if c == nil || c.Undefined != "" || !(c.Lo < sp.Diff && sp.Diff < c.Hi) || sp.Diff < 0 {
			t.Fatalf("%+v %+v", sp, c)
		}
		// m0 (strength 4) against m4 (0.25) is a 16:1 gap, 480 rating points: separable. m2 and m3 have
		// the same strength: their difference is noise and its interval must be wide enough to allow it.
		pair := sp.A + sp.B
		switch pair {
		case "m0m4":
			if !sp.Separable || c.Lo <= 0 {
				t.Errorf("m0-m4 not separable: %+v %+v", sp, c)
			}
		case "m2m3", "m3m2":
			if sp.Separable {
				t.Errorf("equal-strength models separable: %+v %+v", sp, c)
			}
		}
	}
	// The same CIs however many goroutines share the work.
	old := runtime.GOMAXPROCS(1)
	r4 := BradleyTerry(cs, DefaultBTOptions())
	runtime.GOMAXPROCS(old)
	r5 := BradleyTerry(cs, DefaultBTOptions())
	for i := range r4.Models {
		if *r4.Models[i].RatingCI != *r5.Models[i].RatingCI {
			t.Fatalf("1 core %+v, %d cores %+v", r4.Models[i].RatingCI, old, r5.Models[i].RatingCI)
		}
	}
	// No bootstrap: no CIs, no separations.
	if r := BradleyTerry(cs, BTOptions{Prior: 0.5}); r.Models[0].RatingCI != nil || r.Separations != nil {
		t.Fatalf("%+v", r)
	}
}

// Each prompt holds one win each way between A and B: resampling whole prompts keeps every resample at
// exactly even, so the CIs have zero width; resampling single comparisons would not.
func TestBradleyTerryBootstrapKeepsPromptsTogether(t *testing.T) {
	var cs []Comparison
	for p := range 30 {
		cs = games(cs, fmt.Sprint(p), "A", "B", ChoiceLeft, 1)
		cs = games(cs, fmt.Sprint(p), "A", "B", ChoiceRight, 1)
	}
	o := BTOptions{Resamples: 200, Seed: 5, Level: 0.9}
	r := BradleyTerry(cs, o)
	for _, s := range r.Models {
		if c := s.RatingCI; c.Undefined != "" || math.Abs(c.Lo-1000) > 1e-9 || math.Abs(c.Hi-1000) > 1e-9 || c.Level != 0.9 {
			t.Fatalf("%s: %+v", s.Model, c)
		}
	}
	if r.Separations[0].Separable {
		t.Fatal("even models separable")
	}
	// Without a prior, resamples where a model never beats or ties the other are undefined and counted:
	// 3 prompts, A wins one, B wins one, one tie. A tie is half a win each way, so a resample is
	// undefined only when it draws A's win prompt three times, or B's: 2 (1/3)^3 = 2/27, about 200 of
	// 2700.
	var few []Comparison
	few = games(few, "1", "A", "B", ChoiceLeft, 1)
	few = games(few, "2", "A", "B", ChoiceRight, 1)
	few = games(few, "3", "A", "B", ChoiceTie, 1)
	r = BradleyTerry(few, BTOptions{Resamples: 2700, Seed: 1})
	u := r.Models[0].RatingCI.UndefinedResamples
	if u < 120 || u > 280 {
		t.Fatalf("%d of 2700 resamples undefined, want about 200", u)
	}
}

func TestWinRateMatrix(t *testing.T) {
	var cs []Comparison
	cs = games(cs, "p", "A", "B", ChoiceLeft, 3)    // A 3
	cs = games(cs, "p", "A", "B", ChoiceRight, 1)   // B 1
	cs = games(cs, "q", "B", "A", ChoiceRight, 2)   // A 2
	cs = games(cs, "q", "B", "A", ChoiceBothBad, 2) // 2 ties
	cs = games(cs, "q", "C", "A", ChoiceLeft, 1)    // C 1
	cs = append(cs, Comparison{Left: "C", Right: "C", Choice: ChoiceTie})
	w := WinRateMatrix(cs)
	if fmt.Sprint(w.Models) != "[A B C]" || w.Skipped != 1 {
		t.Fatalf("%+v", w)
	}
	if w.Wins[0][1] != 5 || w.Wins[1][0] != 1 || w.Ties[0][1] != 2 || w.Ties[1][0] != 2 || w.Wins[2][0] != 1 {
		t.Fatalf("%+v", w)
	}
	near(t, w.Rate[0][1], 6.0/8, 1e-15) // (5 + 2/2) / 8
	near(t, w.Rate[1][0], 2.0/8, 1e-15)
	near(t, w.Rate[2][0], 1, 0)
	near(t, w.Rate[0][2], 0, 0)
	if w.Rate[0][1].N != 8 {
		t.Fatal(w.Rate[0][1])
	}
	undefined(t, w.Rate[1][2], "never met")
	undefined(t, w.Rate[1][1], "itself")
}

// flip turns a comparison around: the same verdict on the models, the other sides.
func flip(c Comparison) Comparison {
	c.Left, c.Right = c.Right, c.Left
	switch c.Choice {
	case ChoiceLeft:
		c.Choice = ChoiceRight
	case ChoiceRight:
		c.Choice = ChoiceLeft
	}
	return c
}

func TestPairwiseAgreementUndoesSides(t *testing.T) {
	// Judge rows x human columns over outcomes (a wins, b wins, tie), 10 prompts:
	//   a: 4 1 0 / b: 0 3 1 / tie: 1 0 0
	// p_o = 7/10, row and column totals (5, 4, 1): p_e = (25 + 16 + 1)/100 = 0.42, kappa = 0.28/0.58 =
	// 14/29. Without the human's tie column: 9 keys, p_o = 7/9, rows (5, 3, 1), columns (5, 4, 0):
	// p_e = 37/81, kappa = (63 - 37)/(81 - 37) = 13/22.
	cell := [][3]Outcome{
		{AWins, AWins}, {AWins, AWins}, {AWins, AWins}, {AWins, AWins}, {AWins, BWins},
		{BWins, BWins}, {BWins, BWins}, {BWins, BWins}, {BWins, TieBoth}, {TieBoth, AWins},
	}
	mk := func(o Outcome, p, rater string, swap bool) Comparison {
		c := Comparison{Prompt: p, Left: "alpha", Right: "beta", Rater: rater}
		switch o {
		case AWins:
			c.Choice = ChoiceLeft
		case BWins:
			c.Choice = ChoiceRight
		default:
			c.Choice = ChoiceTie
		}
		if swap {
			c = flip(c)
		}
		return c
	}
	var judge, human []Comparison
	for i, c := range cell {
		p := fmt.Sprint(i)
		// the human always saw the pair the other way round from the judge
		judge = append(judge, mk(c[0], p, "judge", i%2 == 0))
		human = append(human, mk(c[1], p, "human:ann", i%2 == 1))
	}
	judge = append(judge, mk(AWins, "only-judge", "judge", false))
	r := PairwiseAgreement(judge, human)
	if r.Matched != 10 || r.OnlyA != 1 || r.OnlyB != 0 || r.Table != [3][3]int{{4, 1, 0}, {0, 3, 1}, {1, 0, 0}} {
		t.Fatalf("%+v", r)
	}
	near(t, r.Agreement, 0.7, 1e-12)
	near(t, r.Kappa, 14.0/29, 1e-12)
	near(t, r.DecisiveAgreement, 7.0/9, 1e-12)
	near(t, r.DecisiveKappa, 13.0/22, 1e-12)
	if r.DecisiveKappa.N != 9 || r.Kappa.Name != "pair_kappa" {
		t.Fatalf("%+v", r.DecisiveKappa)
	}

	// The same preferences seen from opposite sides agree perfectly; naive side-matching would give 0.
	var a, b []Comparison
	for i := range 6 {
		c := Comparison{Prompt: fmt.Sprint(i), Left: "x", Right: "y", Choice: ChoiceLeft}
		if i%3 == 0 {
			c.Choice = ChoiceRight
		}
		a, b = append(a, c), append(b, flip(c))
	}
	r = PairwiseAgreement(a, b)
	near(t, r.Agreement, 1, 0)
	near(t, r.Kappa, 1, 1e-12)

	// A judge asked both orders that flips with the order is a tie against the human.
	j2 := []Comparison{{Prompt: "p", Left: "x", Right: "y", Choice: ChoiceLeft}, {Prompt: "p", Left: "y", Right: "x", Choice: ChoiceLeft}}
	h2 := []Comparison{{Prompt: "p", Left: "x", Right: "y", Choice: ChoiceLeft}}
	if r := PairwiseAgreement(j2, h2); r.Table[TieBoth][AWins] != 1 || r.Matched != 1 {
		t.Fatalf("%+v", r)
	}
	// Nothing in common, or a human who called everything a tie: undefined with reasons.
	r = PairwiseAgreement(j2, []Comparison{{Prompt: "other", Left: "x", Right: "y", Choice: ChoiceLeft}})
	undefined(t, r.Agreement, "no item")
	undefined(t, r.Kappa)
	r = PairwiseAgreement(h2, []Comparison{{Prompt: "p", Left: "x", Right: "y", Choice: ChoiceBothBad}})
	near(t, r.Agreement, 0, 0)
	undefined(t, r.DecisiveAgreement, "tie")
	undefined(t, r.DecisiveKappa, "tie")
}

func TestPositionBiasFlipRate(t *testing.T) {
	// One judge, four prompts asked in both orders (x vs y):
	//   p1: left, left   -> x then y preferred: a flip, same side both times
	//   p2: left, right  -> x both times: consistent
	//   p3: tie, right   -> tie then x: a flip, not same side
	//   p4: right, right -> y then x: a flip, same side
	// and p5 only one way (left share only). Flips 3 of 4: flip rate 0.75, consistency 0.25.
	// Decisive choices: 8 (p3's tie out); left 3 of them: 3/8.
	var cs []Comparison
	add := func(p string, c1, c2 Choice) {
		cs = append(cs, Comparison{Prompt: p, Left: "x", Right: "y", Choice: c1, Rater: "judge"})
		if c2 != 0 {
			cs = append(cs, Comparison{Prompt: p, Left: "y", Right: "x", Choice: c2, Rater: "judge"})
		}
	}
	add("p1", ChoiceLeft, ChoiceLeft)
	add("p2", ChoiceLeft, ChoiceRight)
	add("p3", ChoiceTie, ChoiceRight)
	add("p4", ChoiceRight, ChoiceRight)
	add("p5", ChoiceRight, 0)
	// another rater's comparison on p5 the other way round is not an order pair of the judge's
	cs = append(cs, Comparison{Prompt: "p5", Left: "y", Right: "x", Choice: ChoiceLeft, Rater: "human:ann"})
	pb := PositionBiases(cs)
	if len(pb) != 2 || pb[0].Rater != "human:ann" || pb[1].Rater != "judge" {
		t.Fatalf("%+v", pb)
	}
	j := pb[1]
	if j.OrderPairs != 4 || j.Flips != 3 || j.SameSide != 2 || j.Decisive != 8 || j.Left != 3 {
		t.Fatalf("%+v", j)
	}
	near(t, j.FlipRate, 0.75, 0)
	near(t, j.Consistency, 0.25, 0)
	near(t, j.LeftShare, 3.0/8, 0)
	near(t, pb[0].LeftShare, 1, 0)
	undefined(t, pb[0].FlipRate, "both orders")
	undefined(t, PositionBiases([]Comparison{{Left: "x", Right: "y", Choice: ChoiceTie}})[0].LeftShare, "decisive")
}

// A rater who always presses "left" on randomised sides: position bias 1, a flip on every order pair,
// and no model advantage. The controls show the test can fail: the same rater on fixed sides makes the
// model always shown left the best, and a rater who prefers m0 > m1 > ... wherever they are shown puts
// m0 clearly on top with no position bias.
func TestAlwaysLeftRater(t *testing.T) {
	models := []string{"m0", "m1", "m2", "m3", "m4"}
	r := rand.New(rand.NewPCG(20, 1))
	var left, fixed, fan []Comparison
	for p := range 200 {
		prompt := fmt.Sprint("p", p)
		for i := range models {
			for j := i + 1; j < len(models); j++ {
				a, b := models[i], models[j]
				if r.IntN(2) == 1 {
					a, b = b, a
				}
				left = append(left, Comparison{Prompt: prompt, Left: a, Right: b, Choice: ChoiceLeft, Rater: "lefty"})
				fixed = append(fixed, Comparison{Prompt: prompt, Left: models[i], Right: models[j], Choice: ChoiceLeft, Rater: "lefty"})
				ch := ChoiceLeft // the fan prefers the model whose name sorts first, m0 above all
				if b < a {
					ch = ChoiceRight
				}
				fan = append(fan, Comparison{Prompt: prompt, Left: a, Right: b, Choice: ch, Rater: "fan"})
			}
		}
	}
	// the rater also sees the first 50 prompts' pairs the other way round, still pressing left
	for _, c := range left[:500] {
		c.Left, c.Right = c.Right, c.Left
		left = append(left, c)
	}
	pb := PositionBiases(left)
	if len(pb) != 1 || pb[0].OrderPairs != 500 || pb[0].Flips != 500 || pb[0].SameSide != 500 {
		t.Fatalf("%+v", pb)
	}
	near(t, pb[0].LeftShare, 1, 0)
	near(t, pb[0].FlipRate, 1, 0)
	near(t, pb[0].Consistency, 0, 0)

	o := DefaultBTOptions()
	o.Resamples = 200
	bt := BradleyTerry(left, o)
	if bt.Undefined != "" {
		t.Fatal(bt.Undefined)
	}
	// 200 to 300 comparisons per pair at true win rate 1/2: the sd of a rating is about 10 points.
	for _, s := range bt.Models {
		if math.Abs(s.Rating-1000) > 45 {
			t.Errorf("always-left rater gives %s a rating of %.1f", s.Model, s.Rating)
		}
	}
	w := WinRateMatrix(left)
	for i := range w.Models {
		for j := range w.Models {
			if i != j && math.Abs(w.Rate[i][j].Value-0.5) > 0.15 {
				t.Errorf("win rate %s over %s = %g", w.Models[i], w.Models[j], w.Rate[i][j].Value)
			}
		}
	}
	if f := BradleyTerry(fixed, BTOptions{Prior: 0.5}); f.Models[0].Model != "m0" || f.Models[0].Rating < 1300 {
		t.Fatalf("fixed sides: %+v", f.Models)
	}
	f := BradleyTerry(fan, o)
	if f.Models[0].Model != "m0" || f.Models[0].Rating < 1300 {
		t.Fatalf("fan: %+v", f.Models)
	}
	for _, sp := range f.Separations {
		if sp.A == "m0" && !sp.Separable {
			t.Errorf("m0 not separable from %s: %+v", sp.B, sp.DiffCI)
		}
	}
	near(t, PositionBiases(fan)[0].LeftShare, 0.5, 0.05)
}

func TestLeaderboardCorrelation(t *testing.T) {
	mk := func(ratings map[string]float64) BTResult {
		var r BTResult
		for m, v := range ratings {
			r.Models = append(r.Models, ModelScore{Model: m, Rating: v})
		}
		return r
	}
	// humans rank a > b > c > d, the judge a > c > b > d and also rates e, which humans did not.
	h := mk(map[string]float64{"a": 1200, "b": 1100, "c": 1000, "d": 900})
	j := mk(map[string]float64{"a": 1300, "c": 1050, "b": 1000, "d": 950, "e": 2000})
	rho, tau := LeaderboardCorrelation(h, j)
	// ranks (4,3,2,1) vs (4,2,3,1): sum d^2 = 2, rho = 1 - 6*2/(4*15) = 0.8; one discordant pair of 6:
	// tau = (5 - 1)/6.
	near(t, rho, 0.8, 1e-12)
	near(t, tau, 4.0/6, 1e-12)
	if rho.N != 4 {
		t.Fatal(rho)
	}
	rho, tau = LeaderboardCorrelation(h, BTResult{Undefined: "no data"})
	undefined(t, rho, "no data")
	undefined(t, tau, "no data")
	// Through real fits: the same data twice rank identically.
	cs := pairSim([]float64{5, 3, 2, 1}, 30, 0.1, 9)
	a, b := BradleyTerry(cs, BTOptions{Prior: 0.5}), BradleyTerry(cs, BTOptions{Ties: TiesDavidson, Prior: 0.5})
	rho, _ = LeaderboardCorrelation(a, b)
	near(t, rho, 1, 1e-12)
}

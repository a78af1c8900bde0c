package review

// Side-by-side preference statistics: two models' pictures for one prompt, "which is better?". Bradley-
// Terry scores (ties as half wins, or Davidson's tie model) with a bootstrap over prompts, win-rate
// matrices, judge-human agreement on pairs, a rater's position bias and the rank correlation of two
// leaderboards. Pure arithmetic over []Comparison, like the rest of the stats*.go files: a figure that
// cannot be computed says why in Undefined, and no NaN leaves here.

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// Choice is a rater's answer on one side-by-side comparison, in terms of the sides as shown.
type Choice int

// Choices. The zero Choice is no answer: a comparison carrying it (or any other value) is not valid and
// every function here leaves it out.
const (
	ChoiceLeft    Choice = 1 // the left picture is better
	ChoiceRight   Choice = 2 // the right picture is better
	ChoiceTie     Choice = 3 // equally good
	ChoiceBothBad Choice = 4 // both bad: a tie wherever a preference is counted (ranking, win rates, agreement)
)

func (c Choice) String() string {
	switch c {
	case ChoiceLeft:
		return "left"
	case ChoiceRight:
		return "right"
	case ChoiceTie:
		return "tie"
	case ChoiceBothBad:
		return "both_bad"
	}
	return fmt.Sprintf("choice(%d)", int(c))
}

// tie reports whether the choice prefers neither model (a tie, or both bad).
func (c Choice) tie() bool { return c == ChoiceTie || c == ChoiceBothBad }

// Comparison is one rater's answer on one prompt's pair of pictures. Left and Right are the models as
// they were shown: the review screen swaps sides at random, so the choice is only meaningful together
// with them.
type Comparison struct {
	Prompt string // the prompt id; the bootstrap resamples these
	Left   string // the model whose picture was on the left
	Right  string // the model whose picture was on the right
	Choice Choice
	Rater  string // "human:<annotator>", a judge's rater name, ...
}

// Valid reports whether the comparison can be counted: two different, named models and a known choice.
func (c Comparison) Valid() bool {
	return c.Left != "" && c.Right != "" && c.Left != c.Right && c.Choice >= ChoiceLeft && c.Choice <= ChoiceBothBad
}

// Winner undoes the side randomisation: the preferred model and the other one. On a tie or both bad,
// tie is true and winner, loser are Left, Right (no order meant). An invalid comparison gives "", "".
func (c Comparison) Winner() (winner, loser string, tie bool) {
	switch {
	case !c.Valid():
		return "", "", false
	case c.Choice == ChoiceLeft:
		return c.Left, c.Right, false
	case c.Choice == ChoiceRight:
		return c.Right, c.Left, false
	}
	return c.Left, c.Right, true
}

// Outcome is a comparison's result in canonical model order: model a is the one whose name sorts first.
type Outcome int

// Outcomes.
const (
	AWins   Outcome = 0 // the model whose name sorts first won
	BWins   Outcome = 1 // the other model won
	TieBoth Outcome = 2 // a tie or both bad
)

func (o Outcome) String() string {
	switch o {
	case AWins:
		return "a_wins"
	case BWins:
		return "b_wins"
	case TieBoth:
		return "tie"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Canonical maps the comparison onto its models in name order (a < b) whatever side each was shown on,
// so that two raters who saw the pair in different orders can be compared. ok is false for an invalid
// comparison.
func (c Comparison) Canonical() (a, b string, o Outcome, ok bool) {
	w, l, tie := c.Winner()
	if w == "" {
		return "", "", 0, false
	}
	a, b = min(w, l), max(w, l)
	switch {
	case tie:
		o = TieBoth
	case w == a:
		o = AWins
	default:
		o = BWins
	}
	return a, b, o, true
}

// TieMode picks how Bradley-Terry treats ties (and both bad).
type TieMode int

// Tie modes.
const (
	// TiesHalf counts a tie as half a win for each model (Chatbot Arena's convention): plain Bradley-
	// Terry, P(i beats j) = p_i / (p_i + p_j).
	TiesHalf TieMode = 0
	// TiesDavidson is Davidson's (1970) extension, with a tie parameter nu >= 0:
	// P(i beats j) = p_i / D, P(tie) = nu sqrt(p_i p_j) / D, D = p_i + p_j + nu sqrt(p_i p_j).
	TiesDavidson TieMode = 1
)

func (m TieMode) String() string {
	switch m {
	case TiesHalf:
		return "ties_half"
	case TiesDavidson:
		return "davidson"
	}
	return fmt.Sprintf("tiemode(%d)", int(m))
}

// Arena-style rating: Rating = ArenaBase + ArenaScale log10(strength), strengths with geometric mean 1,
// so the models' mean rating is ArenaBase and a 400-point gap means 10:1 odds (Chatbot Arena's scale).
const (
	ArenaBase  = 1000.0
	ArenaScale = 400.0
)

// BTOptions configures BradleyTerry. The zero value is the plain maximum-likelihood fit with ties as
// half wins and no bootstrap; DefaultBTOptions is the recommended setting.
type BTOptions struct {
	Ties TieMode
	// Prior is the pseudo-wins every model gets against every other model (pairs that never met too),
	// added to the win counts before fitting (in both tie modes). 0.5 is one virtual tied game per pair: it keeps a model that
	// never lost (or never won) at a finite strength and puts models that never met on one scale, at
	// the cost of one game's pull toward equal strengths per pair - nothing beside hundreds of real
	// comparisons. 0 (or less): the plain MLE, undefined when it does not exist (some group of models
	// never loses to the rest).
	Prior float64
	// Resamples of the bootstrap over prompts for the CIs (0 or less: none). Seed makes them
	// reproducible; Level is the CI level (0: 0.95).
	Resamples int
	Seed      uint64
	Level     float64
	// Tol stops the fit when no strength (nor Davidson's nu) moves by more than this fraction of itself
	// in a sweep (0: 1e-10); MaxIter bounds the sweeps (0: 10,000).
	Tol     float64
	MaxIter int
}

// DefaultBTOptions are ties as half wins, a prior of one virtual tied game per pair (Prior 0.5) and
// 1,000 bootstrap resamples with seed 1 for 95% CIs.
func DefaultBTOptions() BTOptions {
	return BTOptions{Ties: TiesHalf, Prior: 0.5, Resamples: 1000, Seed: 1, Level: 0.95}
}

// ModelScore is one model's line on a Bradley-Terry leaderboard.
type ModelScore struct {
	Model    string
	Strength float64 // p_i, the models' strengths having geometric mean 1
	Rating   float64 // ArenaBase + ArenaScale log10(Strength)
	// RatingCI is the percentile bootstrap CI of Rating over prompts (nil without a bootstrap). Each
	// resample is put on the same scale (mean rating ArenaBase), so it is a model's standing against the
	// field; use Separation for two models.
	RatingCI *CI
	// Real comparisons (no prior), from this model's side; both bad counts among Ties.
	Wins, Losses, Ties int
}

// Separation says whether two models' ratings differ beyond the bootstrap's noise.
type Separation struct {
	A, B string  // A is above B on the leaderboard
	Diff float64 // Rating(A) - Rating(B)
	// DiffCI is the percentile CI of the difference over the same resamples as the ratings' CIs.
	DiffCI *CI
	// Separable: the CI of the difference excludes 0 (false when it is undefined).
	Separable bool
}

// BTResult is a Bradley-Terry fit: the leaderboard, best first.
type BTResult struct {
	Models      []ModelScore // by Rating, highest first (ties by name)
	Ties        TieMode
	Nu          float64 // Davidson's tie parameter (0 with TiesHalf)
	Prior       float64
	Comparisons int // valid comparisons counted
	Skipped     int // invalid comparisons left out (see Comparison.Valid)
	Prompts     int
	Iterations  int // sweeps of the point fit
	// Separations has one entry per pair of models, in leaderboard order (A above B); nil without a
	// bootstrap.
	Separations []Separation
	Undefined   string // why there is no fit ("" when there is one); then nothing else may be read
}

// Model returns the score of model m, or false when it is not on the leaderboard.
func (r BTResult) Model(m string) (ModelScore, bool) {
	for _, s := range r.Models {
		if s.Model == m {
			return s, true
		}
	}
	return ModelScore{}, false
}

// btData is the comparisons indexed by pair and outcome: for every ordered slot s = i*m + j the prompt
// of each comparison model i won against model j, and for i < j the prompt of each tie between them. A
// resample's table is then, slot by slot, the sum of its prompts' draw counts: counting over the
// comparisons plus a fit on an m x m table, with no per-comparison bookkeeping.
type btData struct {
	models  []string
	prompts int
	won     [][]int32 // won[i*m+j]: prompts of i's wins over j
	tied    [][]int32 // tied[i*m+j], i < j: prompts of their ties (both bad included)
	n       int
	skipped int
}

func btAggregate(cs []Comparison) btData {
	var d btData
	seen := map[string]bool{}
	for _, c := range cs {
		if !c.Valid() {
			d.skipped++
			continue
		}
		for _, m := range []string{c.Left, c.Right} {
			if !seen[m] {
				seen[m] = true
				d.models = append(d.models, m)
			}
		}
	}
	slices.Sort(d.models)
	mi := make(map[string]int, len(d.models))
	for i, m := range d.models {
		mi[m] = i
	}
	m := len(d.models)
	d.won, d.tied = make([][]int32, m*m), make([][]int32, m*m)
	pi := map[string]int32{}
	for _, c := range cs {
		a, b, o, ok := c.Canonical()
		if !ok {
			continue
		}
		d.n++
		p, ok := pi[c.Prompt]
		if !ok {
			p = int32(len(pi))
			pi[c.Prompt] = p
		}
		i, j := mi[a], mi[b]
		switch o {
		case AWins:
			d.won[i*m+j] = append(d.won[i*m+j], p)
		case BWins:
			d.won[j*m+i] = append(d.won[j*m+i], p)
		default:
			d.tied[i*m+j] = append(d.tied[i*m+j], p)
		}
	}
	d.prompts = len(pi)
	return d
}

// btSum is how many of the comparisons made on prompts ps a resample holds: the sum of their prompts'
// draw counts (cnt nil: every prompt once).
func btSum(ps []int32, cnt []int32) float64 {
	if cnt == nil {
		return float64(len(ps))
	}
	var s0, s1 int32 // two accumulators: independent adds
	i := 0
	for ; i+1 < len(ps); i += 2 {
		s0 += cnt[ps[i]]
		s1 += cnt[ps[i+1]]
	}
	if i < len(ps) {
		s0 += cnt[ps[i]]
	}
	return float64(s0 + s1)
}

// btWork is one fit's scratch: counts and the fit's state.
type btWork struct {
	m       int
	w, t    []float64 // w[i*m+j]: i's wins over j; t[i*m+j] = t[j*m+i]: ties
	nreal   []float64 // real comparisons per model
	num     []float64 // fit: W_i (+ T_i / 2)
	nn      []float64 // fit: n_ij
	p, prev []float64
	nu      float64
}

func newBTWork(m int) *btWork {
	return &btWork{m: m, w: make([]float64, m*m), t: make([]float64, m*m), nreal: make([]float64, m),
		num: make([]float64, m), nn: make([]float64, m*m), p: make([]float64, m), prev: make([]float64, m)}
}

// count fills w, t from the prompts drawn cnt[p] times each (cnt nil: every prompt once), ties folded
// in as halves unless davidson, and the prior added to every off-diagonal win count.
func (k *btWork) count(d *btData, cnt []int32, davidson bool, prior float64) {
	m := k.m
	clear(k.nreal)
	for i := range m {
		for j := i + 1; j < m; j++ {
			wij, wji, t := btSum(d.won[i*m+j], cnt), btSum(d.won[j*m+i], cnt), btSum(d.tied[i*m+j], cnt)
			k.nreal[i] += wij + wji + t
			k.nreal[j] += wij + wji + t
			if !davidson {
				wij, wji, t = wij+t/2, wji+t/2, 0
			}
			if prior > 0 {
				wij, wji = wij+prior, wji+prior
			}
			k.w[i*m+j], k.w[j*m+i] = wij, wji
			k.t[i*m+j], k.t[j*m+i] = t, t
		}
	}
}

// why says why the MLE does not exist on the counted table ("" when it does): a model without a real
// comparison, a group of models that never loses to the rest (Zermelo 1929, Hunter 2004: the digraph
// with an edge i -> j when i won or tied against j must be strongly connected), or, for Davidson, no win
// at all (nu would be infinite).
func (k *btWork) why(models []string, davidson bool) string {
	m := k.m
	for i := range m {
		if k.nreal[i] == 0 {
			return fmt.Sprintf("model %s has no comparison", models[i])
		}
	}
	wins := 0.0
	for _, v := range k.w {
		wins += v
	}
	if davidson && wins == 0 {
		return "every comparison is a tie: Davidson's tie parameter would be infinite (use ties as half wins, or a prior)"
	}
	beats := func(i, j int) bool { return k.w[i*m+j] > 0 || k.t[i*m+j] > 0 }
	reach := func(fwd bool) []bool {
		seen := make([]bool, m)
		seen[0] = true
		stack := []int{0}
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for j := range m {
				if !seen[j] && j != i && (fwd && beats(i, j) || !fwd && beats(j, i)) {
					seen[j] = true
					stack = append(stack, j)
				}
			}
		}
		return seen
	}
	for _, fwd := range []bool{true, false} {
		for j, ok := range reach(fwd) {
			if ok {
				continue
			}
			winner, loser := models[0], models[j]
			if fwd {
				winner, loser = loser, winner
			}
			return fmt.Sprintf("%s never beat or tied %s, directly or through other models: the maximum-likelihood strengths are not finite (use a prior)", loser, winner)
		}
	}
	return ""
}

// fit runs the fixed-point iteration from the strengths (and nu) in k.p (k.nu): Hunter's (2004) MM
// update p_i <- W_i / sum_j n_ij / (p_i + p_j), Gauss-Seidel order, and for Davidson its generalisation
// (Davidson 1970, from d loglik / d p_i = 0)
//
//	p_i <- (W_i + T_i/2) / sum_j n_ij (1 + nu/2 sqrt(p_j/p_i)) / D_ij,  D_ij = p_i + p_j + nu sqrt(p_i p_j)
//	nu  <- T / sum_{i<j} n_ij sqrt(p_i p_j) / D_ij
//
// with W_i wins, T_i ties of i, n_ij = w_ij + w_ji + t_ij and T all ties; after each sweep the strengths
// are rescaled to mean 1, and to geometric mean 1 once converged. It returns the sweeps and whether it
// converged within maxIter.
func (k *btWork) fit(davidson bool, tol float64, maxIter int) (int, bool) {
	m := k.m
	ties := 0.0
	for i := range m {
		k.num[i] = 0
		for j := range m {
			if j == i {
				continue
			}
			k.num[i] += k.w[i*m+j] + k.t[i*m+j]/2
			k.nn[i*m+j] = k.w[i*m+j] + k.w[j*m+i] + k.t[i*m+j]
			if j > i {
				ties += k.t[i*m+j]
			}
		}
	}
	if !davidson || ties == 0 {
		k.nu = 0
	}
	copy(k.prev, k.p)
	k.rescale(stMean(k.p))
	for it := 1; it <= maxIter; it++ {
		copy(k.prev, k.p)
		for i := range m {
			pi, den := k.p[i], 0.0
			row := k.nn[i*m : i*m+m]
			for j, n := range row {
				if n == 0 || j == i {
					continue
				}
				pj := k.p[j]
				if k.nu == 0 {
					den += n / (pi + pj)
					continue
				}
				s := math.Sqrt(pi * pj)
				den += n * (1 + k.nu/2*s/pi) / (pi + pj + k.nu*s)
			}
			k.p[i] = k.num[i] / den
		}
		delta := k.rescale(stMean(k.p))
		if k.nu > 0 {
			s := 0.0
			for i := range m {
				for j := i + 1; j < m; j++ {
					if n := k.nn[i*m+j]; n > 0 {
						r := math.Sqrt(k.p[i] * k.p[j])
						s += n * r / (k.p[i] + k.p[j] + k.nu*r)
					}
				}
			}
			nu := ties / s
			delta = math.Max(delta, math.Abs(nu-k.nu)/nu)
			k.nu = nu
		}
		if !(delta >= tol) { // NaN stops too, and is caught below
			for _, v := range k.p {
				if !(v > 0) || math.IsInf(v, 0) {
					return it, false
				}
			}
			lg := 0.0
			for _, v := range k.p {
				lg += math.Log(v)
			}
			k.rescale(math.Exp(lg / float64(m)))
			return it, !math.IsNaN(delta) && !math.IsInf(k.nu, 0)
		}
	}
	return maxIter, false
}

// rescale divides the strengths by g and returns the largest relative change from prev,
// max |p_i / prev_i - 1| (a change of log p_i to first order). The MM updates are homogeneous, so the
// scale is free: sweeps keep the arithmetic mean at 1 (no logarithms), the result gets geometric mean 1.
func (k *btWork) rescale(g float64) float64 {
	delta := 0.0
	for i := range k.p {
		k.p[i] /= g
		delta = max(delta, math.Abs(k.p[i]/k.prev[i]-1))
	}
	return delta
}

// btRating is the arena-style rating of a strength.
func btRating(p float64) float64 { return ArenaBase + ArenaScale*math.Log10(p) }

// BradleyTerry fits Bradley-Terry strengths to the comparisons (all raters given count as one pool: pass
// one rater's, or one kind's, to get their leaderboard) and, with o.Resamples > 0, attaches percentile
// bootstrap CIs over PROMPTS: each resample draws as many prompts as there are with replacement and keeps
// every comparison of a drawn prompt (math/rand/v2 PCG seeded with o.Seed and the resample's number, as
// Bootstrap does, so a seed gives the same CIs on any number of cores). Each resample's fit starts from
// the full-data estimate. A resample where some model has no comparison, or where the MLE does not exist
// (no prior) or the fit does not converge, is counted in UndefinedResamples and left out.
//
// Ties and both bad count as half a win for each model (o.Ties = TiesHalf) or through Davidson's tie
// parameter (TiesDavidson). The strengths have geometric mean 1; Rating is the arena-style
// 1000 + 400 log10(strength). Invalid comparisons are left out and counted in Skipped. Undefined with
// fewer than 2 models, or when the MLE does not exist (o.Prior = 0 and some group of models never loses
// to the rest; Davidson with no win at all) or the fit does not converge.
func BradleyTerry(cs []Comparison, o BTOptions) BTResult {
	d := btAggregate(cs)
	davidson := o.Ties == TiesDavidson
	res := BTResult{Ties: o.Ties, Prior: math.Max(o.Prior, 0), Comparisons: d.n, Skipped: d.skipped, Prompts: d.prompts}
	tol, maxIter := o.Tol, o.MaxIter
	if tol <= 0 {
		tol = 1e-10
	}
	if maxIter <= 0 {
		maxIter = 10000
	}
	m := len(d.models)
	if m < 2 {
		res.Undefined = fmt.Sprintf("needs comparisons between at least 2 models, got %d model(s)", m)
		return res
	}
	if o.Ties != TiesHalf && o.Ties != TiesDavidson {
		res.Undefined = fmt.Sprintf("unknown tie mode %d", int(o.Ties))
		return res
	}
	k := newBTWork(m)
	k.count(&d, nil, davidson, res.Prior)
	// With a prior every pair has wins both ways and every model a comparison: the MLE always exists.
	if why := k.why(d.models, davidson); why != "" && res.Prior == 0 {
		res.Undefined = why
		return res
	}
	for i := range k.p {
		k.p[i] = 1
	}
	k.nu = 1
	it, ok := k.fit(davidson, tol, maxIter)
	res.Iterations = it
	if !ok {
		res.Undefined = fmt.Sprintf("the fit did not converge in %d sweeps (tolerance %g)", it, tol)
		return res
	}
	res.Nu = k.nu
	scores := make([]ModelScore, m)
	for i, name := range d.models {
		scores[i] = ModelScore{Model: name, Strength: k.p[i], Rating: btRating(k.p[i])}
	}
	for i := range m {
		for j := range m {
			if i != j {
				scores[i].Wins += len(d.won[i*m+j])
				scores[i].Losses += len(d.won[j*m+i])
				scores[i].Ties += len(d.tied[min(i, j)*m+max(i, j)])
			}
		}
	}
	// order: leaderboard position -> model index
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		return cmp.Or(cmp.Compare(scores[y].Rating, scores[x].Rating), cmp.Compare(scores[x].Model, scores[y].Model))
	})
	if o.Resamples > 0 {
		res.Separations = btBootstrap(&d, k.p, k.nu, davidson, res.Prior, o, tol, maxIter, scores, order)
	}
	res.Models = make([]ModelScore, m)
	for r, i := range order {
		res.Models[r] = scores[i]
	}
	return res
}

// btBootstrap resamples prompts, refits, sets each score's RatingCI and returns the separations of every
// pair in leaderboard order.
func btBootstrap(d *btData, p0 []float64, nu0 float64, davidson bool, prior float64, o BTOptions, tol float64, maxIter int, scores []ModelScore, order []int) []Separation {
	m, np, B := len(d.models), d.prompts, o.Resamples
	level := o.Level
	if level == 0 {
		level = 0.95
	}
	ratings := make([]float64, B*m) // resample r's ratings at r*m
	ok := make([]bool, B)
	whys := make([]string, B)
	workers := max(1, min(runtime.GOMAXPROCS(0), B/32))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := newBTWork(m)
			cnt := make([]int32, np)
			for r := w; r < B; r += workers {
				rng := rand.New(rand.NewPCG(o.Seed, stBootStream+uint64(r)))
				clear(cnt)
				for range np {
					cnt[rng.IntN(np)]++
				}
				k.count(d, cnt, davidson, prior)
				why := ""
				if prior > 0 {
					for i := range m {
						if k.nreal[i] == 0 {
							why = fmt.Sprintf("model %s has no comparison", d.models[i])
							break
						}
					}
				} else {
					why = k.why(d.models, davidson)
				}
				if why == "" {
					copy(k.p, p0)
					k.nu = max(nu0, 1e-3) // a resample may have ties where the data had none
					if _, conv := k.fit(davidson, tol, maxIter); !conv {
						why = "the fit did not converge"
					}
				}
				if why != "" {
					whys[r] = why
					continue
				}
				for i, v := range k.p {
					ratings[r*m+i] = btRating(v)
				}
				ok[r] = true
			}
		}()
	}
	wg.Wait()
	undef, why := 0, ""
	for r := range B {
		if !ok[r] {
			undef++
			if why == "" {
				why = whys[r]
			}
		}
	}
	vals := make([]float64, 0, B)
	ci := func(f func(r int) float64) *CI {
		c := &CI{Level: level, Resamples: B, UndefinedResamples: undef}
		switch {
		case !(level > 0 && level < 1):
			c.Undefined = fmt.Sprintf("level %g is not between 0 and 1", level)
			return c
		case undef == B:
			c.Undefined = "the fit was undefined on every resample (first: " + why + ")"
			return c
		}
		vals = vals[:0]
		for r := range B {
			if ok[r] {
				vals = append(vals, f(r))
			}
		}
		slices.Sort(vals)
		c.Lo, c.Hi = stQuantile(vals, (1-level)/2), stQuantile(vals, (1+level)/2)
		return c
	}
	for i := range scores {
		scores[i].RatingCI = ci(func(r int) float64 { return ratings[r*m+i] })
	}
	var seps []Separation
	for x, i := range order {
		for _, j := range order[x+1:] {
			c := ci(func(r int) float64 { return ratings[r*m+i] - ratings[r*m+j] })
			seps = append(seps, Separation{A: d.models[i], B: d.models[j], Diff: scores[i].Rating - scores[j].Rating,
				DiffCI: c, Separable: c.Undefined == "" && (c.Lo > 0 || c.Hi < 0)})
		}
	}
	return seps
}

// WinRates is the head-to-head record of every pair of models; rows and columns follow Models.
type WinRates struct {
	Models []string // sorted by name
	// Wins[i][j]: comparisons of Models[i] with Models[j] that i won (so j's losses to i).
	Wins [][]int
	// Ties[i][j] = Ties[j][i]: comparisons of the two called a tie or both bad.
	Ties [][]int
	// Rate[i][j] = (Wins[i][j] + Ties[i][j]/2) / (Wins[i][j] + Wins[j][i] + Ties[i][j]), N the
	// comparisons; undefined on the diagonal and for models that never met. Rate[i][j] + Rate[j][i] = 1.
	Rate    [][]Stat
	Skipped int // invalid comparisons left out
}

// WinRateMatrix counts wins, losses and ties between every pair of models (sides undone: a win is a
// win for the model preferred, whichever side it was on) and the win rate with ties as half.
func WinRateMatrix(cs []Comparison) WinRates {
	d := btAggregate(cs)
	m := len(d.models)
	w := WinRates{Models: d.models, Wins: make([][]int, m), Ties: make([][]int, m), Rate: make([][]Stat, m), Skipped: d.skipped}
	for i := range m {
		w.Wins[i], w.Ties[i], w.Rate[i] = make([]int, m), make([]int, m), make([]Stat, m)
	}
	for i := range m {
		for j := range m {
			if i != j {
				w.Wins[i][j] = len(d.won[i*m+j])
				w.Ties[i][j] = len(d.tied[min(i, j)*m+max(i, j)])
			}
		}
	}
	for i := range m {
		for j := range m {
			n := w.Wins[i][j] + w.Wins[j][i] + w.Ties[i][j]
			switch {
			case i == j:
				w.Rate[i][j] = stUndef("win_rate", 0, "a model against itself")
			case n == 0:
				w.Rate[i][j] = stUndef("win_rate", 0, "%s and %s never met", d.models[i], d.models[j])
			default:
				w.Rate[i][j] = stDef("win_rate", (float64(w.Wins[i][j])+float64(w.Ties[i][j])/2)/float64(n), n)
			}
		}
	}
	return w
}

// PairAgreement is how two raters (or groups of raters) agree on pairs, in canonical model order.
type PairAgreement struct {
	Matched int // (prompt, model pair) keys both sides judged
	OnlyA   int // keys only a judged
	OnlyB   int // keys only b judged
	Skipped int // invalid comparisons left out, both sides
	// Table[x][y]: keys where a's outcome is x and b's is y (AWins, BWins, TieBoth).
	Table [3][3]int
	// Percent agreement and Cohen's kappa on the three outcomes, over the matched keys.
	Agreement, Kappa Stat
	// The same over the keys b did not call a tie, a's ties there counting as disagreements (kappa on the
	// three categories, which is the two-category kappa when a called none of them a tie either).
	DecisiveAgreement, DecisiveKappa Stat
}

// pairKey is a (prompt, unordered model pair) with its strings interned (see interner): hashing three
// small integers instead of three strings is most of PairwiseAgreement's time on large queues.
type pairKey struct{ prompt, a, b int32 }

// interner numbers strings in the order first seen.
type interner map[string]int32

func (in interner) id(s string) int32 {
	n, ok := in[s]
	if !ok {
		n = int32(len(in))
		in[s] = n
	}
	return n
}

// pairVerdicts reduces comparisons to one outcome per (prompt, unordered pair): the sign of the net vote
// (+1 a model wins, -1 b model wins, 0 tie). A judge asked both orders that flips with the order gets a
// tie, like MT-Bench's conservative rule; a win in one order and a tie in the other stays a win.
func pairVerdicts(cs []Comparison, in interner) (map[pairKey]Outcome, int) {
	net := make(map[pairKey]int, len(cs))
	skipped := 0
	for _, c := range cs {
		a, b, o, ok := c.Canonical()
		if !ok {
			skipped++
			continue
		}
		k := pairKey{in.id(c.Prompt), in.id(a), in.id(b)}
		v := net[k] // a key seen only with ties is still a key
		switch o {
		case AWins:
			v++
		case BWins:
			v--
		}
		net[k] = v
	}
	out := make(map[pairKey]Outcome, len(net))
	for k, v := range net {
		switch {
		case v > 0:
			out[k] = AWins
		case v < 0:
			out[k] = BWins
		default:
			out[k] = TieBoth
		}
	}
	return out, skipped
}

// PairwiseAgreement compares two raters' preferences on the pairs both judged, keyed by prompt and
// unordered model pair, after undoing each one's sides: a judge and a human who prefer the same MODEL
// agree even when they saw it on different sides. Pass the judge as a and the human(s) as b: the
// decisive figures keep the keys b did not call a tie. Several comparisons of one key on one side (a
// judge asked both orders, several annotators) are combined by their net vote (see pairVerdicts): pass
// one annotator's comparisons for a per-annotator figure. Kappa is undefined when both raters gave every
// key the same outcome (p_e = 1).
func PairwiseAgreement(a, b []Comparison) PairAgreement {
	in := interner{}
	va, sa := pairVerdicts(a, in)
	vb, sb := pairVerdicts(b, in)
	r := PairAgreement{Skipped: sa + sb}
	// the figures are counts over the matched keys: no order is needed
	var xa, xb, da, db []float64
	for k, oa := range va {
		ob, ok := vb[k]
		if !ok {
			r.OnlyA++
			continue
		}
		r.Matched++
		r.Table[oa][ob]++
		xa, xb = append(xa, float64(oa)), append(xb, float64(ob))
		if ob != TieBoth {
			da, db = append(da, float64(oa)), append(db, float64(ob))
		}
	}
	r.OnlyB = len(vb) - r.Matched
	three := Scale{Kind: Nominal, Min: 0, Max: 2}
	agree := func(name string, x, y []float64) (Stat, Stat) {
		ag, kappa := ExactAgreement(x, y), CohenKappa(x, y, three, Unweighted)
		ag.Name, kappa.Name = name+"_agreement", name+"_kappa"
		return ag, kappa
	}
	r.Agreement, r.Kappa = agree("pair", xa, xb)
	r.DecisiveAgreement, r.DecisiveKappa = agree("pair_decisive", da, db)
	if len(da) == 0 && len(xa) > 0 {
		why := "b called every pair both judged a tie"
		r.DecisiveAgreement = stUndef(r.DecisiveAgreement.Name, 0, "%s", why)
		r.DecisiveKappa = stUndef(r.DecisiveKappa.Name, 0, "%s", why)
	}
	return r
}

// PositionBias is one rater's preference for a side.
type PositionBias struct {
	Rater string
	// Decisive is the rater's non-tie choices (tie and both bad left out), Left those that picked the left
	// picture; LeftShare = Left / Decisive: 0.5 unbiased, 1 for someone who always presses left.
	Decisive, Left int
	LeftShare      Stat
	// OrderPairs are the pairs the rater judged in both orders (same prompt, same two models, sides
	// swapped); Flips those whose verdict on the models changed (any change of AWins / BWins / tie);
	// SameSide those where the same side was picked both times (left-left or right-right: the preferred
	// model reversed).
	OrderPairs, Flips, SameSide int
	// FlipRate = Flips / OrderPairs; Consistency = 1 - FlipRate.
	FlipRate, Consistency Stat
}

// PositionBiases measures each rater's position bias, one entry per rater sorted by name. Order pairs
// are matched within a rater, prompt and model pair: the i-th comparison shown one way with the i-th
// shown the other way, in input order; comparisons left without a partner count only in LeftShare.
func PositionBiases(cs []Comparison) []PositionBias {
	type key struct{ rater, prompt, a, b string }
	type orders struct{ ab, ba []Outcome } // a shown on the left; b shown on the left
	by := map[string]*PositionBias{}
	ord := map[key]*orders{}
	var keys []key
	for _, c := range cs {
		a, b, o, ok := c.Canonical()
		if !ok {
			continue
		}
		pb := by[c.Rater]
		if pb == nil {
			pb = &PositionBias{Rater: c.Rater}
			by[c.Rater] = pb
		}
		if !c.Choice.tie() {
			pb.Decisive++
			if c.Choice == ChoiceLeft {
				pb.Left++
			}
		}
		k := key{c.Rater, c.Prompt, a, b}
		od := ord[k]
		if od == nil {
			od = &orders{}
			ord[k] = od
			keys = append(keys, k)
		}
		if c.Left == a {
			od.ab = append(od.ab, o)
		} else {
			od.ba = append(od.ba, o)
		}
	}
	for _, k := range keys {
		od, pb := ord[k], by[k.rater]
		for i := range min(len(od.ab), len(od.ba)) {
			x, y := od.ab[i], od.ba[i]
			pb.OrderPairs++
			if x != y {
				pb.Flips++
			}
			// a on the left won and b on the left won: left both times; the mirror is right both times
			if x == AWins && y == BWins || x == BWins && y == AWins {
				pb.SameSide++
			}
		}
	}
	out := make([]PositionBias, 0, len(by))
	for _, pb := range by {
		if pb.Decisive == 0 {
			pb.LeftShare = stUndef("left_share", 0, "no decisive choice (every one a tie or both bad)")
		} else {
			pb.LeftShare = stDef("left_share", float64(pb.Left)/float64(pb.Decisive), pb.Decisive)
		}
		if pb.OrderPairs == 0 {
			pb.FlipRate = stUndef("flip_rate", 0, "no pair judged in both orders")
			pb.Consistency = stUndef("consistency", 0, "no pair judged in both orders")
		} else {
			f := float64(pb.Flips) / float64(pb.OrderPairs)
			pb.FlipRate = stDef("flip_rate", f, pb.OrderPairs)
			pb.Consistency = stDef("consistency", 1-f, pb.OrderPairs)
		}
		out = append(out, *pb)
	}
	slices.SortFunc(out, func(x, y PositionBias) int { return cmp.Compare(x.Rater, y.Rater) })
	return out
}

// LeaderboardCorrelation is the rank agreement of two leaderboards (e.g. humans' and a judge's) over
// the models both rank: Spearman's rho and Kendall's tau-b of their ratings (ties in rating handled as
// those functions do). Undefined when either fit is, or with fewer than 2 common models.
func LeaderboardCorrelation(a, b BTResult) (spearman, kendall Stat) {
	if a.Undefined != "" || b.Undefined != "" {
		why := a.Undefined
		if why == "" {
			why = b.Undefined
		}
		return stUndef("spearman_rho", 0, "a leaderboard is undefined: %s", why), stUndef("kendall_tau_b", 0, "a leaderboard is undefined: %s", why)
	}
	var x, y []float64
	for _, s := range a.Models {
		if t, ok := b.Model(s.Model); ok {
			x, y = append(x, s.Rating), append(y, t.Rating)
		}
	}
	return Spearman(x, y), KendallTauB(x, y)
}

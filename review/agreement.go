package review

import (
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
)

// AgreementOptions say what to compare and how.
type AgreementOptions struct {
	// By splits every comparison into groups as well as overall: "track", "subset", "model", or
	// "annotator" (only the per-annotator comparisons, no consensus rows); "" overall only.
	By string
	// Pair keeps only the comparisons of these two raters (names, "human:" optional; or kinds "judge",
	// "human", "pipeline"; or "consensus"). Empty: every comparison.
	Pair []string
	// MinItems is the fewest items a figure is computed on; below it the row says so. 0: no minimum;
	// negative: the default, 10.
	MinItems int
	// Resamples of the percentile bootstrap over items for the CIs (0: none); Seed makes them
	// reproducible; Level is the CI level (default 0.95).
	Resamples int
	Seed      uint64
	Level     float64
	// Population counts, for the threshold results, the scores 0-10 each machine rater gave across the
	// whole workspace (rater -> dimension -> counts), so a threshold's effect on the workspace can be told.
	Population map[string]map[string][11]int
	// Conventions of the score dimensions' category figures (weighted kappa distances, the category
	// set, Gwet's q). The zero value is loupe's default: value distances on the 0-10 scale.
	// Decisions always use the categories 0 and 1.
	Conventions Conventions
	// Scales are the scales of dimensions declared with another than 0-10 (loupe import labels --scale,
	// --categories): an Ordinal or Interval scale's dimension is compared as scores on it; a Nominal
	// one (categories 0..k-1) with the figures of categories, as decisions are, without a consensus.
	Scales map[string]Scale

	// the scale of the dimension being computed (set per dimension by Agreement)
	dimScale *Scale
}

// scoreScale is the scale scores of the current dimension are on: a declared one, else 0-10.
func (o AgreementOptions) scoreScale() Scale {
	if o.dimScale != nil {
		return *o.dimScale
	}
	return ScoreScale
}

// nominalScale is the category scale of the current dimension when it is compared as categories:
// 0/1 for decisions, a declared categorical scale's 0..k-1.
func (o AgreementOptions) nominalScale() Scale {
	if o.dimScale != nil && o.dimScale.Kind == Nominal {
		return *o.dimScale
	}
	return Scale{Kind: Nominal, Min: 0, Max: 1}
}

// forDimension is o for one dimension: its declared scale, if any.
func (o AgreementOptions) forDimension(dim string) AgreementOptions {
	o.dimScale = nil
	if sc, ok := o.Scales[dim]; ok && dim != DecisionDimension {
		o.dimScale = &sc
	}
	return o
}

// categorical reports whether the current dimension is a declared set of categories.
func (o AgreementOptions) categorical() bool { return o.dimScale != nil && o.dimScale.Kind == Nominal }

// DecisionDimension is the dimension human accept/reject decisions are stored under.
const DecisionDimension = "decision"

// ThresholdDimensions are the dimensions whose machine scores are calibrated against human decisions.
// These are the score dimensions, in review order (ScoreDimensions).
var ThresholdDimensions = slices.Clone(ScoreDimensions)

type raterInfo struct {
	name, kind, rubric string
}

type itemMeta struct{ track, subset, model string }

// agreeIndex is the ratings arranged for pairing: per dimension, per item, per rater.
type agreeIndex struct {
	dims   []string
	values map[string]map[int64]map[string]float64 // dim -> item -> rater -> value
	raters map[string][]raterInfo                  // dim -> raters, sorted by kind then name
	meta   map[int64]itemMeta
}

func indexRatings(rs []Rating) *agreeIndex {
	ix := &agreeIndex{values: map[string]map[int64]map[string]float64{}, raters: map[string][]raterInfo{}, meta: map[int64]itemMeta{}}
	seen := map[string]map[string]bool{}
	for _, r := range rs {
		if math.IsNaN(r.Value) {
			continue
		}
		byItem := ix.values[r.Dimension]
		if byItem == nil {
			byItem = map[int64]map[string]float64{}
			ix.values[r.Dimension] = byItem
			ix.dims = append(ix.dims, r.Dimension)
			seen[r.Dimension] = map[string]bool{}
		}
		if byItem[r.Item] == nil {
			byItem[r.Item] = map[string]float64{}
		}
		byItem[r.Item][r.Rater] = r.Value
		if !seen[r.Dimension][r.Rater] {
			seen[r.Dimension][r.Rater] = true
			ix.raters[r.Dimension] = append(ix.raters[r.Dimension], raterInfo{r.Rater, r.Kind, r.RubricSet})
		}
		if _, ok := ix.meta[r.Item]; !ok || r.Track != "" || r.Subset != "" {
			ix.meta[r.Item] = itemMeta{r.Track, r.Subset, r.Model}
		}
	}
	order := map[string]int{"judge": 0, "pipeline": 1, "human": 2}
	for _, rs := range ix.raters {
		sort.Slice(rs, func(i, j int) bool {
			if order[rs[i].kind] != order[rs[j].kind] {
				return order[rs[i].kind] < order[rs[j].kind]
			}
			return rs[i].name < rs[j].name
		})
	}
	sort.Slice(ix.dims, func(i, j int) bool { return dimOrder(ix.dims[i]) < dimOrder(ix.dims[j]) })
	return ix
}

func dimOrder(d string) int {
	if i := slices.Index(ThresholdDimensions, d); i >= 0 {
		return i
	}
	if d == DecisionDimension {
		return 100
	}
	return 50
}

// consensus is the humans' joint value of an item: their mean score, or the majority decision (a tie is
// no consensus).
func consensus(vals map[string]float64, humans []string, decision bool) (float64, bool) {
	sum, n := 0.0, 0
	for _, h := range humans {
		if v, ok := vals[h]; ok {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	m := sum / float64(n)
	if decision {
		switch {
		case m > 0.5:
			return 1, true
		case m < 0.5:
			return 0, true
		}
		return 0, false
	}
	return m, true
}

// ConsensusRater names the humans' consensus in agreement rows.
const ConsensusRater = "consensus"

type pairSpec struct {
	kind PairKind
	a, b raterInfo
}

// matchRater reports whether a --pair word names a rater.
func matchRater(word string, r raterInfo) bool {
	w := strings.ToLower(strings.TrimSpace(word))
	n := strings.ToLower(r.name)
	return w == n || "human:"+w == n || w == r.kind || (w == ConsensusRater && r.name == ConsensusRater)
}

func (o *AgreementOptions) wants(a, b raterInfo) bool {
	if len(o.Pair) != 2 {
		return true
	}
	return (matchRater(o.Pair[0], a) && matchRater(o.Pair[1], b)) || (matchRater(o.Pair[0], b) && matchRater(o.Pair[1], a))
}

// Agreement computes every comparison the ratings allow: each judge against each annotator and against
// the human consensus, judge against judge, the pipeline against humans, annotator against annotator and
// all annotators together; per dimension, overall and by the chosen group; with bootstrap CIs on the
// headline figures. Then calibration curves, the thresholds that best reproduce human decisions, score
// histograms and confusion matrices. Scores are on the declared 0-10 scale (category statistics round
// a fractional score to the nearest integer); decisions are nominal.
func Agreement(rs []Rating, o AgreementOptions) AgreementReport {
	if o.MinItems < 0 {
		o.MinItems = 10
	}
	if o.Level <= 0 || o.Level >= 1 {
		o.Level = 0.95
	}
	ix := indexRatings(rs)
	rep := AgreementReport{Ratings: len(rs), Items: len(ix.meta), MinItems: o.MinItems, Resamples: o.Resamples, Seed: o.Seed}
	sets := map[string]bool{}
	for _, d := range ix.dims {
		for _, r := range ix.raters[d] {
			if r.rubric != "" {
				sets[r.rubric] = true
			}
		}
	}
	for s := range sets {
		rep.RubricSets = append(rep.RubricSets, s)
	}
	sort.Strings(rep.RubricSets)
	for _, dim := range ix.dims {
		o := o.forDimension(dim)
		// categories (a decision, or a declared categorical dimension) get the figures of categories
		decision := dim == DecisionDimension || o.categorical()
		var humans, machines []raterInfo
		for _, r := range ix.raters[dim] {
			if r.kind == "human" {
				humans = append(humans, r)
			} else if r.kind == "judge" || r.kind == "pipeline" {
				machines = append(machines, r)
			}
		}
		humanNames := make([]string, len(humans))
		for i, h := range humans {
			humanNames[i] = h.name
		}
		cons := raterInfo{name: ConsensusRater, kind: "consensus"}
		var pairs []pairSpec
		for i, m := range machines {
			kindH, kindC := JudgeHuman, JudgeConsensus
			if m.kind == "pipeline" {
				kindH, kindC = PipelineHuman, PipelineHuman
			}
			for _, h := range humans {
				pairs = append(pairs, pairSpec{kindH, m, h})
			}
			if len(humans) > 1 && o.By != "annotator" && !o.categorical() { // no consensus of k categories
				pairs = append(pairs, pairSpec{kindC, m, cons})
			}
			for _, m2 := range machines[i+1:] {
				if m.kind == "judge" && m2.kind == "judge" && o.By != "annotator" {
					pairs = append(pairs, pairSpec{JudgeJudge, m, m2})
				}
			}
		}
		for i, h := range humans {
			for _, h2 := range humans[i+1:] {
				pairs = append(pairs, pairSpec{HumanHuman, h, h2})
			}
		}
		items := ix.values[dim]
		ids := make([]int64, 0, len(items))
		for id := range items {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		value := func(r raterInfo, id int64) (float64, bool) {
			if r.name == ConsensusRater {
				return consensus(items[id], humanNames, decision)
			}
			v, ok := items[id][r.name]
			return v, ok
		}
		for _, p := range pairs {
			if !o.wants(p.a, p.b) {
				continue
			}
			for _, g := range o.groups(ix, ids) {
				var a, b []float64
				for _, id := range g.ids {
					va, oka := value(p.a, id)
					vb, okb := value(p.b, id)
					if oka && okb {
						a, b = append(a, va), append(b, vb)
					}
				}
				row := AgreementRow{Kind: p.kind, A: p.a.name, B: p.b.name, Dimension: dim, By: g.by, Group: g.value,
					RubricSet: joinNonEmpty(p.a.rubric, p.b.rubric), N: len(a)}
				if len(a) == 0 {
					// two annotators who never rated the same item: a row that says so (the overall
					// row only); for machine raters the pair simply does not apply
					if p.kind == HumanHuman && g.by == "" {
						row.Undefined = "no item rated by both"
						rep.Rows = append(rep.Rows, row)
					}
					continue
				}
				if len(a) < o.MinItems {
					row.Undefined = "fewer items than the minimum"
				} else {
					row.Stats = pairStats(a, b, decision, o)
					row.Extra, row.ICC = pairExtra(a, b, decision, o)
				}
				rep.Rows = append(rep.Rows, row)
				if g.by == "" && (p.kind == JudgeConsensus || (p.kind == PipelineHuman && p.b.name == ConsensusRater) ||
					(decision && p.kind == HumanHuman) || (p.kind == JudgeHuman && len(humans) == 1)) && len(a) >= o.MinItems {
					sc := o.scoreScale()
					if decision {
						sc = o.nominalScale()
					}
					rep.Confusions = append(rep.Confusions, ConfusionEntry{A: p.a.name, B: p.b.name, Dimension: dim, Matrix: Confusion(RoundAll(a), RoundAll(b), sc)})
				}
			}
		}
		if len(humans) >= 2 && o.By != "annotator" && o.wants(raterInfo{name: "all", kind: "human"}, raterInfo{name: "all", kind: "human"}) {
			rep.Rows = append(rep.Rows, allHumansRow(dim, ids, items, humanNames, decision, o))
		}
		if decision {
			continue
		}
		// histograms: each machine rater, and all humans pooled
		for _, m := range machines {
			var h Histogram
			h.Rater, h.Dimension = m.name, dim
			for _, id := range ids {
				if v, ok := items[id][m.name]; ok {
					h.Counts[clampScore(v)]++
				}
			}
			rep.Histograms = append(rep.Histograms, h)
		}
		if len(humans) > 0 {
			h := Histogram{Rater: "humans", Dimension: dim}
			for _, id := range ids {
				for _, hn := range humanNames {
					if v, ok := items[id][hn]; ok {
						h.Counts[clampScore(v)]++
					}
				}
			}
			rep.Histograms = append(rep.Histograms, h)
			for _, m := range machines {
				if c, ok := calibration(ix, dim, ids, items, m, humanNames, o); ok {
					rep.Calibration = append(rep.Calibration, c)
				}
			}
		}
	}
	rep.Thresholds = thresholds(ix, o)
	return rep
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "" || a == b:
		return a
	}
	return a + "," + b
}

func clampScore(v float64) int { return int(math.Max(0, math.Min(10, math.Round(v)))) }

// RoundAll rounds every value to the nearest integer (half away from zero): a judge's or a person's
// fractional score as a category of the 0-10 scale.
func RoundAll(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Round(x)
	}
	return out
}

type group struct {
	by, value string
	ids       []int64
}

// groups returns the overall group and, with By, one per group value.
func (o *AgreementOptions) groups(ix *agreeIndex, ids []int64) []group {
	out := []group{{ids: ids}}
	if o.By == "" || o.By == "annotator" {
		return out
	}
	by := map[string][]int64{}
	for _, id := range ids {
		m := ix.meta[id]
		var k string
		switch o.By {
		case "track":
			k = m.track
		case "subset":
			k = m.subset
		case "model":
			k = m.model
		}
		if k != "" {
			by[k] = append(by[k], id)
		}
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, group{by: o.By, value: k, ids: by[k]})
	}
	return out
}

// boot attaches a percentile bootstrap CI over the items to a figure.
func boot(s Stat, n int, o AgreementOptions, f func(idx []int) Stat) Stat {
	if o.Resamples <= 0 || !s.Defined() {
		return s
	}
	s.CI = Bootstrap(n, o.Seed, o.Resamples, o.Level, f)
	return s
}

func pick(xs []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// pairStats are a pair's figures: for scores, exact and within-1 agreement, MAE, mean bias (a - b),
// Cohen's kappa quadratic and linear on the declared 0-10 scale, Spearman, Kendall's tau-b, Pearson,
// Lin's concordance, ICC(2,1), ICC(3,1) and Krippendorff's alpha (interval); for decisions, agreement,
// Cohen's kappa, Gwet's AC1 and alpha (nominal). The first four figures carry bootstrap CIs.
func pairStats(a, b []float64, decision bool, o AgreementOptions) []Stat {
	n := len(a)
	ra, rb := RoundAll(a), RoundAll(b)
	units := func(idx []int) [][]float64 {
		u := make([][]float64, len(idx))
		for i, j := range idx {
			u[i] = []float64{a[j], b[j]}
		}
		return u
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	// the resamples go through integer codes (pairCodes); the point estimates through the library
	if decision {
		nom := o.nominalScale()
		pc := newPairCodes(a, b, scaleCats(nom), true)
		return []Stat{
			boot(ExactAgreement(ra, rb), n, o, pc.exact),
			boot(CohenKappa(ra, rb, nom, Unweighted), n, o, func(idx []int) Stat { return pc.kappa(idx, Unweighted) }),
			boot(GwetAC1(units(all), nom), n, o, pc.ac1),
			boot(KrippendorffAlpha(units(all), Scale{Kind: Nominal}), n, o, pc.alphaNominal),
		}
	}
	pc := newPairCodes(a, b, scaleCats(o.scoreScale()), false)
	return parallelStats(
		func() Stat {
			k, f := scoreKappa(ra, rb, Quadratic, o)
			return boot(k, n, o, f)
		},
		func() Stat { return boot(spearmanPoint(a, b, pc), n, o, pc.spearman) },
		func() Stat { return boot(MAE(a, b), n, o, pc.mae) },
		func() Stat { return boot(ExactAgreement(ra, rb), n, o, pc.exact) },
		func() Stat { return WithinOne(a, b) },
		func() Stat { return MeanBias(a, b) },
		func() Stat { k, _ := scoreKappa(ra, rb, Linear, o); return k },
		func() Stat { return KendallTauB(a, b) },
		func() Stat { return Pearson(a, b) },
		func() Stat { return LinCCC(a, b) },
		func() Stat { return ICC(units(all), ICC21) },
		func() Stat { return ICC(units(all), ICC31) },
		func() Stat { return KrippendorffAlpha(units(all), Scale{Kind: Interval}) },
	)
}

// parallelStats computes independent figures on all cores, keeping their order.
func parallelStats(fs ...func() Stat) []Stat {
	out := make([]Stat, len(fs))
	next := make(chan int, len(fs))
	for i := range fs {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(len(fs), runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = fs[i]()
			}
		}()
	}
	wg.Wait()
	return out
}

// spearmanPoint is Spearman's rho through the pair's value codes (equal to Spearman, tested, and
// without its sort of the pairs); where the codes cannot say why it is undefined, the library does.
func spearmanPoint(a, b []float64, pc *pairCodes) Stat {
	all := make([]int, len(a))
	for i := range all {
		all[i] = i
	}
	if s := pc.spearman(all); s.Defined() {
		return s
	}
	return Spearman(a, b)
}

// allHumansRow is every annotator together: Krippendorff's alpha (ordinal for scores, nominal for
// decisions; missing values allowed) and, for decisions, Fleiss' kappa in Gwet's generalisation over the
// same items (an annotator who did not decide an item is missing there, not a reason to drop it).
func allHumansRow(dim string, ids []int64, items map[int64]map[string]float64, humans []string, decision bool, o AgreementOptions) AgreementRow {
	row := AgreementRow{Kind: AllHumans, A: "all annotators", B: strings.Join(humans, ","), Dimension: dim}
	var units [][]float64
	for _, id := range ids {
		u := make([]float64, len(humans))
		have := 0
		for i, h := range humans {
			if v, ok := items[id][h]; ok {
				u[i] = v
				have++
			} else {
				u[i] = math.NaN()
			}
		}
		if have >= 2 {
			units = append(units, u)
		}
	}
	row.N = len(units)
	switch {
	case row.N == 0:
		row.Undefined = "no item rated by two or more annotators"
		return row
	case row.N < o.MinItems:
		row.Undefined = "fewer items rated by two or more annotators than the minimum"
		return row
	}
	sc := Scale{Kind: Ordinal}
	if decision {
		sc = Scale{Kind: Nominal}
	}
	al := func(idx []int) Stat {
		u := make([][]float64, len(idx))
		for i, j := range idx {
			u[i] = units[j]
		}
		return KrippendorffAlpha(u, sc)
	}
	all := make([]int, len(units))
	for i := range all {
		all[i] = i
	}
	row.Stats = []Stat{boot(al(all), len(units), o, al)}
	if decision {
		// every item two or more annotators decided, missing decisions as Gwet's generalisation of
		// Fleiss' kappa takes them (FleissKappa); its n is the items used
		row.Stats = append(row.Stats, FleissKappa(units, o.nominalScale()))
	}
	row.Extra, row.ICC = allHumansExtra(units, decision, o)
	return row
}

// calibration maps a machine rater's (rounded) scores to the human consensus: the humans' mean per
// machine score with a bootstrap CI, and the rater's mean bias overall and per track.
func calibration(ix *agreeIndex, dim string, ids []int64, items map[int64]map[string]float64, m raterInfo, humans []string, o AgreementOptions) (CalibrationCurve, bool) {
	var mv, hv []float64
	var tracks []string
	for _, id := range ids {
		v, ok := items[id][m.name]
		if !ok {
			continue
		}
		c, ok := consensus(items[id], humans, false)
		if !ok {
			continue
		}
		mv, hv = append(mv, v), append(hv, c)
		tracks = append(tracks, ix.meta[id].track)
	}
	if len(mv) < o.MinItems {
		return CalibrationCurve{}, false
	}
	c := CalibrationCurve{Rater: m.name, Dimension: dim}
	for s := 0; s <= 10; s++ {
		var ys []float64
		for i, v := range mv {
			if clampScore(v) == s {
				ys = append(ys, hv[i])
			}
		}
		if len(ys) == 0 {
			continue
		}
		mean := func(idx []int) Stat {
			if len(idx) == 0 {
				return Stat{Name: "human_mean", Undefined: "no items"}
			}
			sum := 0.0
			for _, j := range idx {
				sum += ys[j]
			}
			return Stat{Name: "human_mean", Value: sum / float64(len(idx)), N: len(idx)}
		}
		all := make([]int, len(ys))
		for i := range all {
			all[i] = i
		}
		st := mean(all)
		if len(ys) >= 2 {
			st = boot(st, len(ys), o, mean)
		}
		c.Points = append(c.Points, CalibrationPoint{Score: float64(s), HumanMean: st})
	}
	bias := func(idx []int) Stat { return MeanBias(pick(mv, idx), pick(hv, idx)) }
	all := make([]int, len(mv))
	for i := range all {
		all[i] = i
	}
	c.Bias = boot(bias(all), len(mv), o, bias)
	byTrack := map[string][]int{}
	for i, t := range tracks {
		if t != "" {
			byTrack[t] = append(byTrack[t], i)
		}
	}
	if len(byTrack) > 0 {
		c.BiasBy = map[string]Stat{}
		for t, idx := range byTrack {
			if len(idx) < o.MinItems {
				c.BiasBy[t] = Stat{Name: "mean_bias", N: len(idx), Undefined: "fewer items than the minimum"}
				continue
			}
			c.BiasBy[t] = boot(bias(idx), len(idx), o, func(sub []int) Stat {
				m := make([]int, len(sub))
				for i, j := range sub {
					m[i] = idx[j]
				}
				return bias(m)
			})
		}
	}
	return c, true
}

// thresholds finds, for every machine rater and score dimension with human decisions on its items, the
// threshold that best reproduces them.
func thresholds(ix *agreeIndex, o AgreementOptions) []ThresholdResult {
	dec := ix.values[DecisionDimension]
	if len(dec) == 0 {
		return nil
	}
	var humans []string
	for _, r := range ix.raters[DecisionDimension] {
		if r.kind == "human" {
			humans = append(humans, r.name)
		}
	}
	var out []ThresholdResult
	cands := make([]float64, 0, 11)
	for s := 0; s <= 10; s++ {
		cands = append(cands, float64(s))
	}
	for _, dim := range ix.dims {
		if !slices.Contains(ThresholdDimensions, dim) {
			continue
		}
		items := ix.values[dim]
		for _, m := range ix.raters[dim] {
			if m.kind != "judge" && m.kind != "pipeline" {
				continue
			}
			if len(o.Pair) == 2 && !o.wants(m, raterInfo{name: ConsensusRater, kind: "human"}) {
				continue
			}
			var scores []float64
			var acc []bool
			for id, vals := range items {
				v, ok := vals[m.name]
				if !ok {
					continue
				}
				c, ok := consensus(dec[id], humans, true)
				if !ok {
					continue
				}
				scores = append(scores, v)
				acc = append(acc, c == 1)
			}
			if len(scores) < o.MinItems {
				continue
			}
			thr, agr := BestThreshold(scores, acc, cands)
			if !agr.Defined() {
				continue
			}
			r := ThresholdResult{Rater: m.name, Dimension: dim, Threshold: thr}
			// BestThreshold maximises Cohen's kappa at the threshold (fitted on these items: optimistic)
			r.Kappa = boot(agr, len(scores), o, func(idx []int) Stat {
				s, a := pick(scores, idx), make([]bool, len(idx))
				for i, j := range idx {
					a[i] = acc[j]
				}
				_, st := BestThreshold(s, a, []float64{thr})
				return st
			})
			bin := make([]float64, len(scores))
			hum := make([]float64, len(scores))
			for i, s := range scores {
				if s >= thr {
					bin[i] = 1
				}
				if acc[i] {
					hum[i] = 1
				}
			}
			ex := func(idx []int) Stat { return ExactAgreement(pick(bin, idx), pick(hum, idx)) }
			all := make([]int, len(bin))
			for i := range all {
				all[i] = i
			}
			r.Agreement = boot(ex(all), len(bin), o, ex)
			r.Precision, r.Recall, r.F1 = ThresholdPRF(scores, acc, thr)
			if pop, ok := o.Population[m.name][dim]; ok {
				for s, c := range pop {
					r.Population += c
					if float64(s) < thr {
						r.Rejected += c
					}
				}
			}
			out = append(out, r)
		}
	}
	return out
}

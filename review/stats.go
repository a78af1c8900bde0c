package review

// Agreement statistics between raters (a VLM judge and humans, or humans among themselves) on 0-10
// scores and on nominal decisions. Everything here is pure arithmetic over float64 slices.
//
// Conventions shared by every function in the stats*.go files:
//   - Missing ratings are math.NaN(). Pair functions (two raters, a and b, same items in the same order)
//     use only complete pairs: items where both a[i] and b[i] are present. Multi-rater functions take a
//     units x raters matrix ([][]float64, one row per item) and NaN marks a rating that was not given.
//   - ±Inf is never a rating: a statistic fed one is reported undefined.
//   - A figure that cannot be computed (no data, no variance, chance agreement of 1, ...) comes back with
//     Stat.Undefined set to the reason; Value is then 0 and must not be read. No NaN ever leaves here.
//   - For judge-vs-human comparisons pass the judge as a and the human as b, so that signed figures
//     (MeanBias) read "judge minus human".

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Stat is one computed figure: Value is meaningful only when Undefined == "".
type Stat struct {
	Name      string  // e.g. "cohen_kappa_quadratic"
	Value     float64 // the figure; 0 when Undefined is set
	N         int     // items (units) it was computed on, after dropping missing ones
	Undefined string  // why it is undefined ("" when defined), e.g. "no variance: every rating in a is 7"
	Note      string  // a computational choice where libraries differ, e.g. where kappa weights come from
	CI        *CI     // nil unless bootstrapped (or an analytic interval, e.g. ICCTest's)
	// Convention is the convention a figure that depends on one was computed under (see Conventions),
	// e.g. "distance=value; categories=scale 0..10" or "q=2; categories=scale 0..1"; "" for figures
	// that depend on none.
	Convention string
}

// Defined reports whether Value may be read.
func (s Stat) Defined() bool { return s.Undefined == "" }

// String renders the figure for logs and reports, e.g.
// "cohen_kappa = 0.3478 (n=100, 95% CI 0.17..0.52)" or "pearson_r undefined (n=1): ...".
func (s Stat) String() string {
	if s.Undefined != "" {
		return fmt.Sprintf("%s undefined (n=%d): %s", s.Name, s.N, s.Undefined)
	}
	out := fmt.Sprintf("%s = %.4f (n=%d", s.Name, s.Value, s.N)
	if s.CI != nil {
		out += ", " + s.CI.String()
	}
	return out + ")"
}

// CI is a bootstrap confidence interval. Lo and Hi are meaningful only when Undefined == "".
type CI struct {
	Lo, Hi             float64
	Level              float64 // e.g. 0.95
	Resamples          int     // resamples drawn
	UndefinedResamples int     // resamples on which the statistic was undefined; excluded from Lo/Hi
	Undefined          string  // why there is no interval ("" when there is one)
}

// String renders the interval, e.g. "95% CI 0.61..0.74 (12 of 10000 resamples undefined)".
func (c *CI) String() string {
	if c == nil {
		return "no CI"
	}
	lvl := strconv.FormatFloat(c.Level*100, 'f', -1, 64)
	if c.Undefined != "" {
		return lvl + "% CI undefined: " + c.Undefined
	}
	out := fmt.Sprintf("%s%% CI %.4f..%.4f", lvl, c.Lo, c.Hi)
	if c.UndefinedResamples > 0 {
		out += fmt.Sprintf(" (%d of %d resamples undefined)", c.UndefinedResamples, c.Resamples)
	}
	return out
}

// ScaleKind is the level of measurement of a rating scale; it picks the distance Krippendorff's alpha
// uses and whether weighted coefficients make sense.
type ScaleKind int

// Levels of measurement.
const (
	Nominal  ScaleKind = 1 // unordered categories (accept / reject / skip)
	Ordinal  ScaleKind = 2 // ordered categories (0-10 trait scores)
	Interval ScaleKind = 3 // differences meaningful
	Ratio    ScaleKind = 4 // differences and ratios meaningful, 0 is absolute
)

func (k ScaleKind) String() string {
	switch k {
	case Nominal:
		return "nominal"
	case Ordinal:
		return "ordinal"
	case Interval:
		return "interval"
	case Ratio:
		return "ratio"
	}
	return fmt.Sprintf("scale(%d)", int(k))
}

// Scale declares the rating scale. When Max > Min the scale is declared: its categories are the integers
// Min, Min+1, ..., Max, every rating must be one of them, and category-based statistics (kappa, Gwet,
// confusion matrices) use all of them whether observed or not - so a category nobody used changes
// nothing, and Gwet's q is fixed. When Max <= Min (the zero Scale) nothing is declared and the categories
// are the distinct values observed, sorted numerically.
type Scale struct {
	Kind     ScaleKind
	Min, Max float64
}

// ScoreScale is loupe's 0-10 integer score scale (trait scores, judge scores).
var ScoreScale = Scale{Ordinal, 0, 10}

// Declared reports whether the scale fixes its categories (Max > Min).
func (s Scale) Declared() bool { return s.Max > s.Min }

func (s Scale) String() string {
	if !s.Declared() {
		return s.Kind.String() + " (categories as observed)"
	}
	return fmt.Sprintf("%s %g..%g", s.Kind, s.Min, s.Max)
}

// Weight picks the disagreement weights of weighted kappa and Gwet's AC2.
type Weight int

// Weights. Distances are between category values (not category indices): |x_i - x_j| for Linear,
// (x_i - x_j)^2 for Quadratic, 0 on the diagonal and 1 elsewhere for Unweighted.
const (
	Unweighted Weight = 0
	Linear     Weight = 1
	Quadratic  Weight = 2
)

func (w Weight) String() string {
	switch w {
	case Unweighted:
		return "unweighted"
	case Linear:
		return "linear"
	case Quadratic:
		return "quadratic"
	}
	return fmt.Sprintf("weight(%d)", int(w))
}

// stMaxCategories bounds a declared scale so a typo (Max = 1e9) cannot allocate a huge table.
const stMaxCategories = 10000

// stDef builds a defined Stat, refusing to let a non-finite value through.
func stDef(name string, v float64, n int) Stat {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Stat{Name: name, N: n, Undefined: "numerical failure: the result is not a finite number"}
	}
	return Stat{Name: name, Value: v, N: n}
}

// stUndef builds an undefined Stat with a formatted reason.
func stUndef(name string, n int, format string, args ...any) Stat {
	return Stat{Name: name, N: n, Undefined: fmt.Sprintf(format, args...)}
}

// stPairs returns the complete pairs of a and b (items where neither is NaN), or why there are none
// usable: different lengths, or an infinite value.
func stPairs(a, b []float64) (x, y []float64, why string) {
	if len(a) != len(b) {
		return nil, nil, fmt.Sprintf("a has %d items, b has %d: pair functions need the same items in the same order", len(a), len(b))
	}
	x = make([]float64, 0, len(a))
	y = make([]float64, 0, len(a))
	for i := range a {
		if math.IsInf(a[i], 0) || math.IsInf(b[i], 0) {
			return nil, nil, fmt.Sprintf("item %d has an infinite rating: only finite values or NaN (missing) are allowed", i)
		}
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			continue
		}
		x = append(x, a[i])
		y = append(y, b[i])
	}
	return x, y, ""
}

// stCheck says why v cannot be a rating on scale s ("" if it can). Integers are demanded only when the
// caller treats the scale as categories.
func stCheck(s Scale, v float64, integers bool) string {
	if math.IsInf(v, 0) {
		return "infinite rating: only finite values or NaN (missing) are allowed"
	}
	if !s.Declared() {
		return ""
	}
	if v < s.Min || v > s.Max {
		return fmt.Sprintf("rating %g is outside the declared scale %g..%g", v, s.Min, s.Max)
	}
	if integers && v != math.Trunc(v) {
		return fmt.Sprintf("rating %g is not one of the integer categories of the declared scale %g..%g", v, s.Min, s.Max)
	}
	return ""
}

// stCategories returns the category values of scale s (declared, or the distinct non-NaN values in vals
// sorted numerically) and, for each slice in vals, the category index of every element (-1 for NaN).
func stCategories(s Scale, vals ...[]float64) (cats []float64, idx [][]int, why string) {
	if s.Declared() {
		if s.Min != math.Trunc(s.Min) || s.Max != math.Trunc(s.Max) {
			return nil, nil, fmt.Sprintf("declared scale %g..%g: bounds must be integers", s.Min, s.Max)
		}
		if s.Max-s.Min+1 > stMaxCategories {
			return nil, nil, fmt.Sprintf("declared scale %g..%g has more than %d categories", s.Min, s.Max, stMaxCategories)
		}
		for v := s.Min; v <= s.Max; v++ {
			cats = append(cats, v)
		}
	} else {
		seen := map[float64]bool{}
		for _, vs := range vals {
			for _, v := range vs {
				if !math.IsNaN(v) && !seen[v] {
					seen[v] = true
					cats = append(cats, v)
				}
			}
		}
		slices.Sort(cats) // numerically: 9 < 10
	}
	var pos map[float64]int
	if !s.Declared() {
		pos = make(map[float64]int, len(cats))
		for i, c := range cats {
			pos[c] = i
		}
	}
	idx = make([][]int, len(vals))
	for k, vs := range vals {
		idx[k] = make([]int, len(vs))
		for i, v := range vs {
			if math.IsNaN(v) {
				idx[k][i] = -1
				continue
			}
			if w := stCheck(s, v, true); w != "" {
				return nil, nil, w
			}
			if s.Declared() {
				idx[k][i] = int(v - s.Min) // an integer in Min..Max, checked above
			} else {
				idx[k][i] = pos[v]
			}
		}
	}
	return cats, idx, ""
}

// stMean is the mean of x, corrected by a second pass (sum of residuals) so that a large common offset
// does not cost precision; it falls back to a running mean if the plain sum overflows.
func stMean(x []float64) float64 {
	n := float64(len(x))
	s := 0.0
	for _, v := range x {
		s += v
	}
	var m float64
	if math.IsInf(s, 0) {
		for i, v := range x {
			m += (v - m) / float64(i+1)
		}
	} else {
		m = s / n
	}
	r := 0.0
	for _, v := range x {
		r += v - m
	}
	return m + r/n
}

// stConstant reports whether every value of x is the same (x non-empty).
func stConstant(x []float64) bool {
	for _, v := range x[1:] {
		if v != x[0] {
			return false
		}
	}
	return true
}

// ExactAgreement is the share of complete pairs with a[i] == b[i]. Undefined with no complete pair.
func ExactAgreement(a, b []float64) Stat {
	const name = "exact_agreement"
	x, y, why := stPairs(a, b)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	if len(x) == 0 {
		return stUndef(name, 0, "no item rated by both")
	}
	k := 0
	for i := range x {
		if x[i] == y[i] {
			k++
		}
	}
	return stDef(name, float64(k)/float64(len(x)), len(x))
}

// WithinOne is the share of complete pairs with |a[i] - b[i]| <= 1 ("adjacent agreement" on 0-10
// scores). Undefined with no complete pair.
func WithinOne(a, b []float64) Stat {
	const name = "within_one"
	x, y, why := stPairs(a, b)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	if len(x) == 0 {
		return stUndef(name, 0, "no item rated by both")
	}
	k := 0
	for i := range x {
		if math.Abs(x[i]-y[i]) <= 1 {
			k++
		}
	}
	return stDef(name, float64(k)/float64(len(x)), len(x))
}

// MAE is the mean absolute difference, sum |a[i] - b[i]| / n over complete pairs. Undefined with no
// complete pair.
func MAE(a, b []float64) Stat {
	const name = "mae"
	x, y, why := stPairs(a, b)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	if len(x) == 0 {
		return stUndef(name, 0, "no item rated by both")
	}
	d := make([]float64, len(x))
	for i := range x {
		d[i] = math.Abs(x[i] - y[i])
	}
	return stDef(name, stMean(d), len(x))
}

// MeanBias is the mean signed difference, sum (a[i] - b[i]) / n over complete pairs: with a = judge and
// b = human, a positive value means the judge scores higher than humans. Undefined with no complete pair.
func MeanBias(a, b []float64) Stat {
	const name = "mean_bias"
	x, y, why := stPairs(a, b)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	if len(x) == 0 {
		return stUndef(name, 0, "no item rated by both")
	}
	d := make([]float64, len(x))
	for i := range x {
		d[i] = x[i] - y[i]
	}
	return stDef(name, stMean(d), len(x))
}

// ConfusionMatrix cross-tabulates two raters' categories over complete pairs.
type ConfusionMatrix struct {
	Labels    []float64 // category values in numeric order; row i and column i are Labels[i]
	Counts    [][]int   // Counts[i][j]: items rater a put in Labels[i] and rater b in Labels[j]
	N         int       // complete pairs tabulated
	Undefined string    // why there is no table ("" when there is one)
}

// RowTotals returns how often rater a used each label (the a marginal, i.e. a's prevalence times N).
func (m ConfusionMatrix) RowTotals() []int {
	t := make([]int, len(m.Counts))
	for i, r := range m.Counts {
		for _, c := range r {
			t[i] += c
		}
	}
	return t
}

// ColTotals returns how often rater b used each label.
func (m ConfusionMatrix) ColTotals() []int {
	t := make([]int, len(m.Counts))
	for _, r := range m.Counts {
		for j, c := range r {
			t[j] += c
		}
	}
	return t
}

// Confusion tabulates a (rows) against b (columns) over complete pairs. Labels are the declared scale's
// categories when s is declared (all 11 for ScoreScale, unused ones as zero rows/columns), else the
// distinct values observed in either rater.
func Confusion(a, b []float64, s Scale) ConfusionMatrix {
	x, y, why := stPairs(a, b)
	if why != "" {
		return ConfusionMatrix{Undefined: why}
	}
	cats, idx, why := stCategories(s, x, y)
	if why != "" {
		return ConfusionMatrix{Undefined: why}
	}
	m := ConfusionMatrix{Labels: cats, Counts: make([][]int, len(cats)), N: len(x)}
	for i := range m.Counts {
		m.Counts[i] = make([]int, len(cats))
	}
	for i := range x {
		m.Counts[idx[0][i]][idx[1][i]]++
	}
	return m
}

// ThresholdPRF scores a judge used as a filter against human decisions: the judge accepts an item when
// score >= threshold, and "positive" means the human accepted it. Items whose score is NaN are skipped.
//
//	precision = TP / (TP + FP)   undefined when the judge accepts nothing
//	recall    = TP / (TP + FN)   undefined when humans accepted nothing
//	f1        = 2TP / (2TP + FP + FN)
//
// f1 uses the count form, so it is 0 (not undefined) when TP = 0 but some item was accepted by either
// side; it is undefined only when neither side accepted anything.
func ThresholdPRF(scores []float64, accepted []bool, threshold float64) (precision, recall, f1 Stat) {
	tp, fp, fn, _, n, why := stDecisions(scores, accepted, threshold)
	if why != "" {
		return stUndef("precision", 0, "%s", why), stUndef("recall", 0, "%s", why), stUndef("f1", 0, "%s", why)
	}
	if tp+fp == 0 {
		precision = stUndef("precision", n, "the judge accepts nothing at threshold %g", threshold)
	} else {
		precision = stDef("precision", float64(tp)/float64(tp+fp), n)
	}
	if tp+fn == 0 {
		recall = stUndef("recall", n, "humans accepted nothing")
	} else {
		recall = stDef("recall", float64(tp)/float64(tp+fn), n)
	}
	if 2*tp+fp+fn == 0 {
		f1 = stUndef("f1", n, "neither the judge (at threshold %g) nor humans accepted anything", threshold)
	} else {
		f1 = stDef("f1", float64(2*tp)/float64(2*tp+fp+fn), n)
	}
	return precision, recall, f1
}

// stDecisions counts the 2x2 table of judge (score >= thr) against human (accepted) decisions.
func stDecisions(scores []float64, accepted []bool, thr float64) (tp, fp, fn, tn, n int, why string) {
	if len(scores) != len(accepted) {
		return 0, 0, 0, 0, 0, fmt.Sprintf("%d scores but %d decisions", len(scores), len(accepted))
	}
	for i, s := range scores {
		if math.IsInf(s, 0) {
			return 0, 0, 0, 0, 0, fmt.Sprintf("item %d has an infinite score", i)
		}
		if math.IsNaN(s) {
			continue
		}
		n++
		switch judge := s >= thr; {
		case judge && accepted[i]:
			tp++
		case judge:
			fp++
		case accepted[i]:
			fn++
		default:
			tn++
		}
	}
	if n == 0 {
		return 0, 0, 0, 0, 0, "no item has a score"
	}
	return tp, fp, fn, tn, n, ""
}

// BestThreshold picks the judge threshold (accept when score >= thr) that maximises Cohen's kappa
// between the judge's decisions and the human accept/reject decisions. Kappa, not accuracy, because on a
// batch where humans accept almost everything "accept all" has high accuracy and says nothing. Ties go
// to the higher raw agreement, then to the lower threshold. candidates nil means every distinct finite
// score. The returned Stat is that kappa (Name "best_threshold_kappa"); thr is meaningful only when it
// is defined (kappa is undefined at a threshold where judge and humans both make a single, identical
// decision for every item, and when the judge's decisions are constant and the humans' are not it is 0).
//
// The threshold is fitted to the same data it is scored on, so the kappa is optimistic; estimate it on
// held-out items (or bootstrap the whole selection) before reporting it.
func BestThreshold(scores []float64, accepted []bool, candidates []float64) (thr float64, agreement Stat) {
	const name = "best_threshold_kappa"
	if candidates == nil {
		seen := map[float64]bool{}
		for _, s := range scores {
			if !math.IsNaN(s) && !math.IsInf(s, 0) && !seen[s] {
				seen[s] = true
				candidates = append(candidates, s)
			}
		}
	}
	cands := slices.Clone(candidates)
	slices.Sort(cands)
	best := stUndef(name, 0, "no candidate threshold")
	bestAgree := -1.0
	for _, c := range cands {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			continue
		}
		tp, fp, fn, tn, n, why := stDecisions(scores, accepted, c)
		if why != "" {
			return 0, stUndef(name, 0, "%s", why)
		}
		table := [][]int{{tp, fn}, {fp, tn}} // rows: judge accept/reject; columns: human accept/reject
		k, _, why := stKappaTable(table, stDisagreement([]float64{1, 0}, Unweighted))
		if why != "" {
			if best.Undefined != "" {
				best = stUndef(name, n, "at every candidate threshold: %s", why)
			}
			continue
		}
		agree := float64(tp+tn) / float64(n)
		if best.Undefined != "" || k > best.Value || (k == best.Value && agree > bestAgree) {
			thr, best, bestAgree = c, stDef(name, k, n), agree
		}
	}
	if best.Undefined != "" {
		return 0, best
	}
	best.Note = fmt.Sprintf("threshold %g, raw agreement %.4f; fitted on the same items, so optimistic", thr, bestAgree)
	return thr, best
}

package review

// Chance-corrected agreement coefficients: Cohen's kappa (two raters), Fleiss' kappa, Gwet's AC1/AC2 and
// Krippendorff's alpha (any number of raters, missing ratings allowed).

import (
	"fmt"
	"math"
)

// stDisagreement returns the disagreement weights d_ij between category values: 1 - [i == j]
// (Unweighted), |c_i - c_j| (Linear) or (c_i - c_j)^2 (Quadratic).
func stDisagreement(cats []float64, w Weight) [][]float64 {
	d := make([][]float64, len(cats))
	for i := range cats {
		d[i] = make([]float64, len(cats))
		for j := range cats {
			switch w {
			case Linear:
				d[i][j] = math.Abs(cats[i] - cats[j])
			case Quadratic:
				d[i][j] = (cats[i] - cats[j]) * (cats[i] - cats[j])
			default:
				if i != j {
					d[i][j] = 1
				}
			}
		}
	}
	return d
}

// stKappaTable is weighted kappa in disagreement form on a table of counts:
// kappa = 1 - n sum_ij d_ij c_ij / sum_ij d_ij r_i c_j, with r and c the row and column totals. It
// also returns p_e in agreement form, 1 - sum d_ij r_i c_j / (n^2 d_max), which is 1 exactly when the
// expected disagreement is 0.
func stKappaTable(t [][]int, d [][]float64) (kappa, pe float64, why string) {
	q := len(t)
	rows, cols := make([]float64, q), make([]float64, q)
	n := 0.0
	for i := range t {
		for j, c := range t[i] {
			rows[i] += float64(c)
			cols[j] += float64(c)
			n += float64(c)
		}
	}
	if n == 0 {
		return 0, 0, "no item rated by both"
	}
	obs, exp, dmax := 0.0, 0.0, 0.0
	for i := range t {
		for j := range t[i] {
			obs += d[i][j] * float64(t[i][j])
			exp += d[i][j] * rows[i] * cols[j]
			dmax = math.Max(dmax, d[i][j])
		}
	}
	if exp == 0 {
		// Every product r_i c_j with d_ij > 0 is zero: both raters used one and the same category.
		return 0, 1, "p_e = 1: both raters put every item in one and the same category"
	}
	return 1 - n*obs/exp, 1 - exp/(n*n*dmax), ""
}

// cohenFit is what CohenKappa and CohenKappaSE share.
type cohenFit struct {
	name  string
	n     int
	kappa float64
	table [][]int
	d     [][]float64
	note  string
	why   string
}

func cohenFitOf(a, b []float64, s Scale, w Weight) cohenFit {
	// the default convention (value distances, the declared or observed categories) plus a note of it
	f, cd := cohenFitWith(a, b, s, w, Conventions{})
	if f.why != "" {
		return f
	}
	switch {
	case w == Unweighted:
	case s.Declared():
		f.note = fmt.Sprintf("%s weights from the declared scale %g..%g (%d categories)", w, s.Min, s.Max, len(cd.cats))
	default:
		f.note = fmt.Sprintf("%s weights from the observed values (no declared scale)", w)
	}
	return f
}

// CohenKappa is Cohen's kappa between two raters over complete pairs, unweighted or weighted.
//
//	unweighted: kappa   = (p_o - p_e) / (1 - p_e), p_o = sum_i p_ii, p_e = sum_i p_i+ p_+i
//	weighted:   kappa_w = 1 - sum_ij d_ij p_ij / sum_ij d_ij p_i+ p_+j
//
// with d_ij = |c_i - c_j| (Linear) or (c_i - c_j)^2 (Quadratic) computed from the category VALUES of the
// declared scale (for ScoreScale: 0..10, all 11 categories). scikit-learn and R irr instead use the
// index of a category among the observed labels, so a gap in the observed scores shrinks their
// distances; here unobserved categories change nothing. Without a declared scale the categories are the
// distinct observed values and the distances are still value differences. Weighted kappa on a Nominal
// scale is undefined (there is no distance). Undefined with no complete pair or when p_e = 1 (both
// raters used one and the same category, e.g. an all-accept batch).
//
// With value distances and quadratic weights this equals Lin's concordance correlation (LinCCC).
func CohenKappa(a, b []float64, s Scale, w Weight) Stat {
	f := cohenFitOf(a, b, s, w)
	if f.why != "" {
		return stUndef(f.name, f.n, "%s", f.why)
	}
	st := stDef(f.name, f.kappa, f.n)
	st.Note = f.note
	return st
}

// CohenKappaSE is the large-sample (non-null) standard error of CohenKappa, Fleiss, Cohen & Everitt
// (1969) as in SAS PROC FREQ, in agreement weights w_ij = 1 - d_ij / d_max (w = identity unweighted):
//
//	var = [ sum_ij p_ij (w_ij - (wbar_i. + wbar_.j)(1 - kappa))^2 - (kappa - p_e (1 - kappa))^2 ] / ((1 - p_e)^2 n)
//
// with wbar_i. = sum_j p_+j w_ij, wbar_.j = sum_i p_i+ w_ij and p_e = sum_ij w_ij p_i+ p_+j. It is the
// spread of kappa under repeated sampling of items, for a Wald interval; prefer Bootstrap on small or
// skewed samples. Undefined wherever CohenKappa is.
func CohenKappaSE(a, b []float64, s Scale, w Weight) Stat {
	return cohenSEOf(cohenFitOf(a, b, s, w))
}

// cohenSEOf is CohenKappaSE on a fitted table (any distance convention).
func cohenSEOf(f cohenFit) Stat {
	name := f.name + "_se"
	if f.why != "" {
		return stUndef(name, f.n, "%s", f.why)
	}
	q := len(f.table)
	n := float64(f.n)
	dmax := 0.0
	for i := range f.d {
		for j := range f.d[i] {
			dmax = math.Max(dmax, f.d[i][j])
		}
	}
	p := make([][]float64, q)
	pr, pc := make([]float64, q), make([]float64, q)
	wt := make([][]float64, q)
	for i := range f.table {
		p[i] = make([]float64, q)
		wt[i] = make([]float64, q)
		for j, c := range f.table[i] {
			p[i][j] = float64(c) / n
			pr[i] += p[i][j]
			pc[j] += p[i][j]
			wt[i][j] = 1 - f.d[i][j]/dmax
		}
	}
	pe := 0.0
	wi, wj := make([]float64, q), make([]float64, q)
	for i := range q {
		for j := range q {
			pe += wt[i][j] * pr[i] * pc[j]
			wi[i] += pc[j] * wt[i][j]
			wj[j] += pr[i] * wt[i][j]
		}
	}
	k := f.kappa
	sum := 0.0
	for i := range q {
		for j := range q {
			if p[i][j] == 0 {
				continue
			}
			t := wt[i][j] - (wi[i]+wj[j])*(1-k)
			sum += p[i][j] * t * t
		}
	}
	c := k - pe*(1-k)
	v := (sum - c*c) / ((1 - pe) * (1 - pe) * n)
	st := stDef(name, math.Sqrt(math.Max(v, 0)), f.n) // rounding can push a zero variance below 0
	st.Note = f.note
	return st
}

// UnitsFromRaters turns per-rater slices (rater r rated item i as raters[r][i]) into the units x raters
// matrix the multi-rater functions take. A rater slice shorter than the longest counts as missing (NaN)
// on the items it lacks.
func UnitsFromRaters(raters ...[]float64) [][]float64 {
	n := 0
	for _, r := range raters {
		n = max(n, len(r))
	}
	units := make([][]float64, n)
	for i := range units {
		units[i] = make([]float64, len(raters))
		for r := range raters {
			if i < len(raters[r]) {
				units[i][r] = raters[r][i]
			} else {
				units[i][r] = math.NaN()
			}
		}
	}
	return units
}

// stUnitCounts turns units into per-unit category counts r_ik over scale s's categories and the number
// of ratings r_i per unit.
func stUnitCounts(units [][]float64, s Scale) (cats []float64, counts [][]float64, per []float64, why string) {
	cats, idx, why := stCategories(s, units...)
	if why != "" {
		return nil, nil, nil, why
	}
	counts = make([][]float64, len(units))
	per = make([]float64, len(units))
	for u := range units {
		counts[u] = make([]float64, len(cats))
		for _, k := range idx[u] {
			if k >= 0 {
				counts[u][k]++
				per[u]++
			}
		}
	}
	return cats, counts, per, ""
}

// stGwetFleiss computes p_a (weighted by agreement weights wt, identity for the unweighted coefficients)
// and the category prevalences pi_k, following Gwet (2014) for any number of raters with missing ratings:
//
//	p_a  = (1/n2) sum_{i: r_i >= 2} sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1)),  r*_ik = sum_l w_kl r_il
//	pi_k = (1/n1) sum_{i: r_i >= 1} r_ik / r_i
//
// where n2 counts units with at least 2 ratings and n1 units with at least 1.
func stGwetFleiss(counts [][]float64, per []float64, wt [][]float64) (pa float64, pi []float64, n2 int, why string) {
	q := len(wt)
	pi = make([]float64, q)
	n1 := 0
	for u, c := range counts {
		r := per[u]
		if r == 0 {
			continue
		}
		n1++
		for k := range q {
			pi[k] += c[k] / r
		}
		if r < 2 {
			continue
		}
		n2++
		s := 0.0
		for k := range q {
			if c[k] == 0 {
				continue
			}
			star := 0.0
			for l := range q {
				star += wt[k][l] * c[l]
			}
			s += c[k] * (star - 1)
		}
		pa += s / (r * (r - 1))
	}
	if n2 == 0 {
		return 0, nil, 0, "no unit has two or more ratings"
	}
	for k := range pi {
		pi[k] /= float64(n1)
	}
	return pa / float64(n2), pi, n2, ""
}

// stIdentity is the q x q identity (agreement weights of the unweighted coefficients).
func stIdentity(q int) [][]float64 {
	w := make([][]float64, q)
	for i := range w {
		w[i] = make([]float64, q)
		w[i][i] = 1
	}
	return w
}

// FleissKappa is Fleiss' (1971) kappa for any number of raters on nominal categories (an ordered scale's
// order is ignored): kappa = (p_a - p_e) / (1 - p_e), p_e = sum_k pi_k^2, with p_a and pi_k as in
// stGwetFleiss. With the same number of ratings on every unit this is exactly Fleiss (1971)
// (p_a = mean of P_i, pi_k = share of all ratings in k); with missing ratings it is Gwet's (2014)
// generalisation as in R irrCAC's fleiss.kappa.raw. units is units x raters with NaN for missing.
// Undefined when no unit has two ratings, or when p_e = 1 (every rating is the same category).
func FleissKappa(units [][]float64, s Scale) Stat {
	const name = "fleiss_kappa"
	cats, counts, per, why := stUnitCounts(units, s)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	pa, pi, n, why := stGwetFleiss(counts, per, stIdentity(len(cats)))
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	pe := 0.0
	for k, p := range pi {
		pe += p * p
		if p == 1 {
			return stUndef(name, n, "p_e = 1: every rating is %g", cats[k])
		}
	}
	return stDef(name, (pa-pe)/(1-pe), n)
}

// GwetAC1 is Gwet's AC1 for any number of raters with missing ratings, on nominal categories:
// AC1 = (p_a - p_e) / (1 - p_e), p_e = (1/(q-1)) sum_k pi_k (1 - pi_k), p_a and pi_k as in FleissKappa.
// Unlike kappa it stays meaningful when prevalence is skewed (the "kappa paradox": an all-but-all
// accept batch). AC1 depends on the number of categories q: with a declared scale q is fixed to it
// (11 for ScoreScale), otherwise q is the number of distinct values observed - declare the scale so
// results are comparable across batches. Undefined when no unit has two ratings or q < 2.
func GwetAC1(units [][]float64, s Scale) Stat { return stGwet("gwet_ac1", units, s, Unweighted) }

// GwetAC2 is Gwet's weighted AC2 for ordered scales, any number of raters, missing ratings allowed:
//
//	AC2 = (p_a - p_e) / (1 - p_e),  p_e = T_w / (q (q - 1)) sum_k pi_k (1 - pi_k),  T_w = sum_kl w_kl
//
// with agreement weights w_kl = 1 - |c_k - c_l| / (c_max - c_min) (Linear) or
// 1 - (c_k - c_l)^2 / (c_max - c_min)^2 (Quadratic) from the declared scale's category values, and
// r*_ik in p_a weighted by w. Unweighted gives AC1. Undefined on a Nominal scale with weights.
func GwetAC2(units [][]float64, s Scale, w Weight) Stat {
	name := "gwet_ac2"
	if w != Unweighted {
		name += "_" + w.String()
	}
	return stGwet(name, units, s, w)
}

func stGwet(name string, units [][]float64, s Scale, w Weight) Stat {
	if w != Unweighted && s.Kind == Nominal {
		return stUndef(name, 0, "%s weights need an ordered scale; the declared scale is nominal", w)
	}
	cats, counts, per, why := stUnitCounts(units, s)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	q := len(cats)
	if q < 2 {
		if q == 1 {
			return stUndef(name, 0, "only one category (%g) on the scale: chance agreement needs q >= 2; declare the scale", cats[0])
		}
		return stUndef(name, 0, "no unit has two or more ratings")
	}
	d := stDisagreement(cats, w)
	dmax := 0.0
	for i := range d {
		for j := range d[i] {
			dmax = math.Max(dmax, d[i][j])
		}
	}
	wt := make([][]float64, q)
	tw := 0.0
	for i := range d {
		wt[i] = make([]float64, q)
		for j := range d[i] {
			wt[i][j] = 1 - d[i][j]/dmax
			tw += wt[i][j]
		}
	}
	pa, pi, n, why := stGwetFleiss(counts, per, wt)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	pe := 0.0
	for _, p := range pi {
		pe += p * (1 - p)
	}
	pe *= tw / float64(q*(q-1))
	if pe >= 1 {
		return stUndef(name, n, "p_e = 1")
	}
	st := stDef(name, (pa-pe)/(1-pe), n)
	if s.Declared() {
		st.Note = fmt.Sprintf("q = %d from the declared scale %g..%g", q, s.Min, s.Max)
	} else {
		st.Note = fmt.Sprintf("q = %d observed categories (no declared scale)", q)
	}
	return st
}

// KrippendorffAlpha is Krippendorff's alpha for any number of raters with missing ratings, with the
// distance of s.Kind. units is units x raters (rows may differ in length), NaN for missing. Only units
// with at least 2 values are pairable; the rest are dropped entirely (N counts pairable units).
//
//	o_ck  = sum_u (number of ordered c-k pairs of values in u) / (m_u - 1)      coincidences
//	n_c   = sum_k o_ck,  n = sum_c n_c
//	alpha = 1 - (n - 1) sum_ck o_ck d2_ck / sum_ck n_c n_k d2_ck
//
// d2: Nominal [c != k]; Ordinal (sum_{g between c and k} n_g - (n_c + n_k)/2)^2; Interval (c - k)^2;
// Ratio ((c - k)/(c + k))^2 (values must be >= 0). Values of a declared scale must lie in Min..Max
// (and be integers for Nominal and Ordinal). Undefined when no unit is pairable or when the expected
// disagreement is 0 (one value in all the data).
func KrippendorffAlpha(units [][]float64, s Scale) Stat {
	name := "krippendorff_alpha_" + s.Kind.String()
	if s.Kind < Nominal || s.Kind > Ratio {
		return stUndef(name, 0, "unknown scale kind %d", int(s.Kind))
	}
	integers := s.Kind == Nominal || s.Kind == Ordinal
	// Pairable values stored flat, unit u spanning vals[ends[u-1]:ends[u]]: one allocation, not one per
	// unit, since bootstraps call this thousands of times.
	vals := make([]float64, 0, len(units)*2)
	var ends []int
	for _, u := range units {
		start := len(vals)
		for _, v := range u {
			if math.IsNaN(v) {
				continue
			}
			if why := stCheck(s, v, integers); why != "" {
				return stUndef(name, 0, "%s", why)
			}
			if s.Kind == Ratio && v < 0 {
				return stUndef(name, 0, "rating %g is negative: the ratio metric needs values >= 0", v)
			}
			vals = append(vals, v)
		}
		if len(vals)-start < 2 {
			vals = vals[:start]
			continue
		}
		ends = append(ends, len(vals))
	}
	nu := len(ends)
	if nu == 0 {
		return stUndef(name, 0, "no unit has two or more ratings")
	}
	// Categories are the values seen in pairable units: unseen values have n_g = 0 and add nothing, even
	// to the ordinal distance.
	cats, idxs, _ := stCategories(Scale{Kind: s.Kind}, vals)
	idx := idxs[0]
	q := len(cats)
	o := make([][]float64, q)
	for i := range o {
		o[i] = make([]float64, q)
	}
	cnt := make([]float64, q)
	var present []int
	start := 0
	for _, end := range ends {
		present = present[:0]
		for _, k := range idx[start:end] {
			if cnt[k] == 0 {
				present = append(present, k)
			}
			cnt[k]++
		}
		m := float64(end - start)
		for _, c := range present {
			for _, k := range present {
				pairs := cnt[c] * cnt[k]
				if c == k {
					pairs -= cnt[c]
				}
				o[c][k] += pairs / (m - 1)
			}
		}
		for _, c := range present {
			cnt[c] = 0
		}
		start = end
	}
	nc := make([]float64, q)
	n := 0.0
	for c := range q {
		for k := range q {
			nc[c] += o[c][k]
		}
		n += nc[c]
	}
	if q < 2 {
		return stUndef(name, nu, "no variation: every pairable rating is %g", cats[0])
	}
	d2 := func(c, k int) float64 {
		switch s.Kind {
		case Nominal:
			if c == k {
				return 0
			}
			return 1
		case Ordinal:
			lo, hi := min(c, k), max(c, k)
			sum := 0.0
			for g := lo; g <= hi; g++ {
				sum += nc[g]
			}
			v := sum - (nc[c]+nc[k])/2
			return v * v
		case Interval:
			return (cats[c] - cats[k]) * (cats[c] - cats[k])
		default: // Ratio
			if cats[c]+cats[k] == 0 {
				return 0
			}
			v := (cats[c] - cats[k]) / (cats[c] + cats[k])
			return v * v
		}
	}
	do, de := 0.0, 0.0
	for c := range q {
		for k := range q {
			if c == k {
				continue
			}
			dd := d2(c, k)
			do += o[c][k] * dd
			de += nc[c] * nc[k] * dd
		}
	}
	if de == 0 {
		return stUndef(name, nu, "expected disagreement is 0: no variation in the pairable ratings")
	}
	return stDef(name, 1-(n-1)*do/de, nu)
}

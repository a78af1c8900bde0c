package review

// Further agreement figures (issue 18): Scott's pi, Brennan-Prediger and Randolph's free-marginal kappa,
// Cohen's kappa under H0 (SE, z, p), PABAK with the prevalence and bias indices, Kendall's tau-c, the
// average-rater ICCs with their F tests and confidence intervals, weighted Fleiss' kappa - and the
// conventions (kappa distance, category set, Gwet's q) that let loupe's numbers be matched with
// scikit-learn's, R irr's or R irrCAC's.

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// KappaDistance is where the disagreement distances of weighted kappa (and Gwet's AC2, weighted
// Brennan-Prediger and weighted Fleiss) come from.
type KappaDistance int

// Kappa distances. The zero value is loupe's default.
const (
	// ValueDistance: distances between the category VALUES (|x_i - x_j|, (x_i - x_j)^2); a category nobody
	// used changes nothing. R irrCAC computes weights this way from numeric categories.
	ValueDistance KappaDistance = 0
	// IndexDistance: distances between the POSITIONS of the categories in the category set (observed,
	// unless declared), as scikit-learn's cohen_kappa_score(weights=...) and R irr's kappa2 compute
	// them: with observed scores 2, 5, 9 the distance 2..9 is 2, not 7.
	IndexDistance KappaDistance = 1
)

func (d KappaDistance) String() string {
	switch d {
	case ValueDistance:
		return "value"
	case IndexDistance:
		return "index"
	}
	return fmt.Sprintf("distance(%d)", int(d))
}

// ParseKappaDistance reads "value" or "index" (the --kappa-distance flag); "" is value.
func ParseKappaDistance(s string) (KappaDistance, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "value":
		return ValueDistance, nil
	case "index":
		return IndexDistance, nil
	}
	return 0, fmt.Errorf("kappa distance %q: want value or index", s)
}

// Conventions say how the category-based figures are computed, so that loupe's numbers can be compared
// with another tool's. The zero value is loupe's behaviour before they existed: value distances, the
// categories of the declared scale (0-10 for scores), q = their number.
type Conventions struct {
	// Distance of weighted figures: value (default) or index.
	Distance KappaDistance
	// Categories declares the category set (any finite values, in any order; duplicates ignored). Every
	// rating must be one of them. nil: the declared scale's categories with value distances, the
	// observed categories with index distances (or when the scale declares none).
	Categories []float64
	// Q fixes the number of categories used by the chance terms of Gwet's AC1/AC2 and Brennan-Prediger
	// (and Randolph's kappa) when the full set is not worth listing; it must be at least the number of
	// categories in use. 0: the number of categories. Weighted figures need the values, so with Q above
	// that number they are undefined - declare Categories instead.
	Q int
}

// IsZero reports whether c is the default convention.
func (c Conventions) IsZero() bool {
	return c.Distance == ValueDistance && len(c.Categories) == 0 && c.Q == 0
}

// ParseCategories reads a --categories value: a single integer is the number of categories q ("11"),
// a comma-separated list is the category set ("0,1,2,3", "1,2,4,8").
func ParseCategories(s string) (cats []float64, q int, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, 0, nil
	}
	if !strings.Contains(s, ",") {
		q, err := strconv.Atoi(s)
		if err != nil || q < 2 {
			return nil, 0, fmt.Errorf("categories %q: want a number of categories >= 2 or a comma-separated list of values", s)
		}
		return nil, q, nil
	}
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, fmt.Errorf("categories %q: %q is not a finite number", s, f)
		}
		cats = append(cats, v)
	}
	slices.Sort(cats)
	cats = slices.Compact(cats)
	if len(cats) < 2 {
		return nil, 0, fmt.Errorf("categories %q: want at least 2 distinct values", s)
	}
	return cats, 0, nil
}

// stCoding is a category set under a convention: the category values, the positions distances are
// measured on (the values, or 0..q-1), Gwet's q and where the categories came from.
type stCoding struct {
	cats, pos []float64
	q         int
	dist      KappaDistance
	src       string // "scale 0..10", "declared 1,2,4", "observed"
}

// label renders the convention a figure used, e.g. "distance=index; q=7; categories=observed". Only the
// parts the figure depends on are given.
func (cd stCoding) label(distance, q bool) string {
	var parts []string
	if distance {
		parts = append(parts, "distance="+cd.dist.String())
	}
	if q {
		parts = append(parts, "q="+strconv.Itoa(cd.q))
	}
	return strings.Join(append(parts, "categories="+cd.src), "; ")
}

// code places every value of vals among the categories of convention c on scale s (-1 for NaN).
func (c Conventions) code(s Scale, vals ...[]float64) (cd stCoding, idx [][]int, why string) {
	cd.dist = c.Distance
	if len(c.Categories) > 0 {
		cats := slices.Clone(c.Categories)
		for _, v := range cats {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return cd, nil, fmt.Sprintf("declared category %g is not a finite number", v)
			}
		}
		slices.Sort(cats)
		cats = slices.Compact(cats)
		pos := make(map[float64]int, len(cats))
		for i, v := range cats {
			pos[v] = i
		}
		idx = make([][]int, len(vals))
		for k, vs := range vals {
			idx[k] = make([]int, len(vs))
			for i, v := range vs {
				switch p, ok := pos[v]; {
				case math.IsNaN(v):
					idx[k][i] = -1
				case math.IsInf(v, 0):
					return cd, nil, "infinite rating: only finite values or NaN (missing) are allowed"
				case !ok:
					return cd, nil, fmt.Sprintf("rating %g is not one of the declared categories", v)
				default:
					idx[k][i] = p
				}
			}
		}
		cd.cats = cats
		list := make([]string, 0, min(len(cats), 12))
		for _, v := range cats[:min(len(cats), 12)] {
			list = append(list, strconv.FormatFloat(v, 'g', -1, 64))
		}
		cd.src = "declared " + strings.Join(list, ",")
		if len(cats) > 12 {
			cd.src += fmt.Sprintf(",... (%d)", len(cats))
		}
	} else {
		cats, ix, why := stCategories(s, vals...)
		if why != "" {
			return cd, nil, why
		}
		cd.src = "observed"
		switch {
		case s.Declared() && c.Distance == IndexDistance:
			// positions among the OBSERVED categories (scikit-learn, irr), the scale only checked above
			cats, ix, _ = stCategories(Scale{Kind: s.Kind}, vals...)
		case s.Declared():
			cd.src = fmt.Sprintf("scale %g..%g", s.Min, s.Max)
		}
		cd.cats, idx = cats, ix
	}
	cd.pos = cd.cats
	if c.Distance == IndexDistance {
		cd.pos = make([]float64, len(cd.cats))
		for i := range cd.pos {
			cd.pos[i] = float64(i)
		}
	}
	cd.q = len(cd.cats)
	if c.Q > 0 {
		if c.Q < cd.q {
			return cd, nil, fmt.Sprintf("q = %d but %d categories are in use", c.Q, cd.q)
		}
		cd.q = c.Q
	}
	return cd, idx, ""
}

// stAgreementWeights turns positions into agreement weights w_kl = 1 - d_kl / d_max (identity when
// unweighted or when there is a single category) and returns their sum T_w.
func stAgreementWeights(pos []float64, w Weight) (wt [][]float64, tw float64) {
	d := stDisagreement(pos, w)
	dmax := 0.0
	for i := range d {
		for j := range d[i] {
			dmax = math.Max(dmax, d[i][j])
		}
	}
	if dmax == 0 {
		wt = stIdentity(len(pos))
		return wt, float64(len(pos))
	}
	wt = make([][]float64, len(d))
	for i := range d {
		wt[i] = make([]float64, len(d))
		for j := range d[i] {
			wt[i][j] = 1 - d[i][j]/dmax
			tw += wt[i][j]
		}
	}
	return wt, tw
}

// cohenFitWith fits Cohen's kappa under convention c (cohenFitOf: the default one, with its note).
func cohenFitWith(a, b []float64, s Scale, w Weight, c Conventions) (cohenFit, stCoding) {
	f := cohenFit{name: "cohen_kappa"}
	if w != Unweighted {
		f.name += "_" + w.String()
	}
	x, y, why := stPairs(a, b)
	if why != "" {
		f.why = why
		return f, stCoding{}
	}
	f.n = len(x)
	if len(x) == 0 {
		f.why = "no item rated by both"
		return f, stCoding{}
	}
	if w != Unweighted && s.Kind == Nominal {
		f.why = fmt.Sprintf("%s weights need an ordered scale; the declared scale is nominal", w)
		return f, stCoding{}
	}
	cd, idx, why := c.code(s, x, y)
	if why != "" {
		f.why = why
		return f, cd
	}
	q := len(cd.cats)
	f.table = make([][]int, q)
	for i := range f.table {
		f.table[i] = make([]int, q)
	}
	for i := range x {
		f.table[idx[0][i]][idx[1][i]]++
	}
	f.d = stDisagreement(cd.pos, w)
	k, _, why := stKappaTable(f.table, f.d)
	if why != "" {
		for i, r := range f.table {
			if r[i] > 0 {
				why = fmt.Sprintf("p_e = 1: both raters gave every item %g", cd.cats[i])
			}
		}
		f.why = why
		return f, cd
	}
	f.kappa = k
	return f, cd
}

// CohenKappaWith is CohenKappa under convention c: with IndexDistance the weights come from category
// positions (scikit-learn's cohen_kappa_score(weights='linear'/'quadratic'), R irr::kappa2 with
// "equal"/"squared" weights), with declared Categories the category set is theirs (scikit-learn's
// labels=). Weighted figures record the convention in Stat.Convention. With the zero Conventions it
// equals CohenKappa.
func CohenKappaWith(a, b []float64, s Scale, w Weight, c Conventions) Stat {
	f, cd := cohenFitWith(a, b, s, w, c)
	if f.why != "" {
		return stUndef(f.name, f.n, "%s", f.why)
	}
	st := stDef(f.name, f.kappa, f.n)
	if w != Unweighted {
		st.Convention = cd.label(true, false)
	}
	return st
}

// CohenKappaSEWith is CohenKappaSE under convention c.
func CohenKappaSEWith(a, b []float64, s Scale, w Weight, c Conventions) Stat {
	f, cd := cohenFitWith(a, b, s, w, c)
	st := cohenSEOf(f)
	if st.Defined() && w != Unweighted {
		st.Convention = cd.label(true, false)
	}
	return st
}

// CohenKappaH0 tests Cohen's kappa against chance (H0: kappa = 0) with the null standard error of
// Fleiss, Cohen & Everitt (1969), as SAS PROC FREQ's "ASE under H0", in agreement weights
// w_ij = 1 - d_ij / d_max:
//
//	var0 = [ sum_ij p_i+ p_+j (w_ij - (wbar_i. + wbar_.j))^2 - p_e^2 ] / ((1 - p_e)^2 n)
//
// with wbar_i. = sum_j p_+j w_ij, wbar_.j = sum_i p_i+ w_ij; z = kappa / se0 and p its two-sided normal
// p-value. Names: cohen_kappa[_weight]_se0, _z, _p. Undefined wherever CohenKappa is, and z and p when
// se0 is 0.
func CohenKappaH0(a, b []float64, s Scale, w Weight, c Conventions) (se0, z, p Stat) {
	f, cd := cohenFitWith(a, b, s, w, c)
	n0, nz, np := f.name+"_se0", f.name+"_z", f.name+"_p"
	if f.why != "" {
		return stUndef(n0, f.n, "%s", f.why), stUndef(nz, f.n, "%s", f.why), stUndef(np, f.n, "%s", f.why)
	}
	q := len(f.table)
	n := float64(f.n)
	wt, _ := stAgreementWeights(cd.pos, w)
	pr, pc := make([]float64, q), make([]float64, q)
	for i := range f.table {
		for j, cnt := range f.table[i] {
			pr[i] += float64(cnt) / n
			pc[j] += float64(cnt) / n
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
	sum := 0.0
	for i := range q {
		for j := range q {
			t := wt[i][j] - (wi[i] + wj[j])
			sum += pr[i] * pc[j] * t * t
		}
	}
	v := (sum - pe*pe) / ((1 - pe) * (1 - pe) * n)
	se := math.Sqrt(math.Max(v, 0))
	label := ""
	if w != Unweighted {
		label = cd.label(true, false)
	}
	se0 = stDef(n0, se, f.n)
	se0.Convention = label
	if se == 0 {
		return se0, stUndef(nz, f.n, "the null standard error is 0"), stUndef(np, f.n, "the null standard error is 0")
	}
	zv := f.kappa / se
	z = stDef(nz, zv, f.n)
	p = stDef(np, math.Erfc(math.Abs(zv)/math.Sqrt2), f.n)
	z.Convention, p.Convention = label, label
	return se0, z, p
}

// ScottPi is Scott's (1955) pi between two raters over complete pairs: like Cohen's kappa but chance
// agreement from the raters' pooled marginals, pi = (p_o - p_e) / (1 - p_e), p_e = sum_k ((p_k+ +
// p_+k) / 2)^2 - Fleiss' kappa for two raters. R irrCAC scott2.table. Undefined with no complete pair or
// when p_e = 1.
func ScottPi(a, b []float64, s Scale) Stat {
	const name = "scott_pi"
	f, cd := cohenFitWith(a, b, s, Unweighted, Conventions{})
	if f.why != "" && !strings.HasPrefix(f.why, "p_e = 1") {
		return stUndef(name, f.n, "%s", f.why)
	}
	if f.table == nil {
		return stUndef(name, f.n, "%s", f.why)
	}
	n := float64(f.n)
	po, pe := 0.0, 0.0
	for k := range f.table {
		po += float64(f.table[k][k]) / n
		m := 0.0
		for j := range f.table {
			m += float64(f.table[k][j]+f.table[j][k]) / (2 * n)
		}
		if m == 1 {
			return stUndef(name, f.n, "p_e = 1: both raters gave every item %g", cd.cats[k])
		}
		pe += m * m
	}
	return stDef(name, (po-pe)/(1-pe), f.n)
}

// PrevalenceBias are Byrt, Bishop & Carlin's (1993) companions of kappa on a two-category table, which
// explain a low kappa despite high agreement. With the larger category value as "positive" (accept = 1),
// a = both positive, d = both negative, b = a positive and b negative, c = the reverse:
//
//	PABAK      = 2 p_o - 1                 prevalence- and bias-adjusted kappa
//	prevalence = (a - d) / n               far from 0: one category dominates, kappa is depressed
//	bias       = (b - c) / n               > 0: rater a says "positive" more often than rater b
//
// and kappa = (PABAK - PI^2 + BI^2) / (1 - PI^2 + BI^2). Undefined unless the scale has exactly two
// categories (declare it when only one is observed) or with no complete pair.
func PrevalenceBias(a, b []float64, s Scale) (pabak, prevalence, bias Stat) {
	const np, npi, nbi = "pabak", "prevalence_index", "bias_index"
	undef := func(n int, why string) (Stat, Stat, Stat) {
		return stUndef(np, n, "%s", why), stUndef(npi, n, "%s", why), stUndef(nbi, n, "%s", why)
	}
	x, y, why := stPairs(a, b)
	if why != "" {
		return undef(0, why)
	}
	if len(x) == 0 {
		return undef(0, "no item rated by both")
	}
	cats, idx, why := stCategories(s, x, y)
	if why != "" {
		return undef(len(x), why)
	}
	if len(cats) != 2 {
		return undef(len(x), fmt.Sprintf("needs exactly two categories, the scale has %d", len(cats)))
	}
	var ca, cb, cc, cd float64
	for i := range x {
		switch {
		case idx[0][i] == 1 && idx[1][i] == 1:
			ca++
		case idx[0][i] == 1:
			cb++
		case idx[1][i] == 1:
			cc++
		default:
			cd++
		}
	}
	n := float64(len(x))
	return stDef(np, 2*(ca+cd)/n-1, len(x)), stDef(npi, (ca-cd)/n, len(x)), stDef(nbi, (cb-cc)/n, len(x))
}

// stMultiCounts codes units under convention c into per-unit category counts.
func stMultiCounts(units [][]float64, s Scale, c Conventions) (cd stCoding, counts [][]float64, per []float64, why string) {
	cd, idx, why := c.code(s, units...)
	if why != "" {
		return cd, nil, nil, why
	}
	counts = make([][]float64, len(units))
	per = make([]float64, len(units))
	for u := range units {
		counts[u] = make([]float64, len(cd.cats))
		for _, k := range idx[u] {
			if k >= 0 {
				counts[u][k]++
				per[u]++
			}
		}
	}
	return cd, counts, per, ""
}

// stChance computes one multi-rater coefficient (p_a - p_e) / (1 - p_e) of kind: "bp" (p_e = T_w / q^2),
// "gwet" (p_e = T_w / (q (q - 1)) sum pi_k (1 - pi_k)) or "fleiss" (p_e = sum_kl w_kl pi_k pi_l), with
// p_a and pi_k as in stGwetFleiss (Gwet 2014, missing ratings allowed).
func stChance(name, kind string, units [][]float64, s Scale, w Weight, c Conventions) Stat {
	if w != Unweighted && s.Kind == Nominal {
		return stUndef(name, 0, "%s weights need an ordered scale; the declared scale is nominal", w)
	}
	cd, counts, per, why := stMultiCounts(units, s, c)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	wt, tw := stAgreementWeights(cd.pos, w)
	pa, pi, n, why := stGwetFleiss(counts, per, wt)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	q := float64(cd.q)
	usesQ := kind != "fleiss"
	if usesQ && cd.q > len(cd.cats) {
		if w != Unweighted {
			return stUndef(name, n, "q = %d exceeds the %d known categories: weights need every category's value, declare the categories", cd.q, len(cd.cats))
		}
		tw = q // identity weights over q categories
	}
	if usesQ && cd.q < 2 {
		return stUndef(name, n, "only one category: chance agreement needs q >= 2; declare the categories or q")
	}
	var pe float64
	switch kind {
	case "bp":
		pe = tw / (q * q)
	case "gwet":
		for _, p := range pi {
			pe += p * (1 - p)
		}
		pe *= tw / (q * (q - 1))
	default:
		for k := range pi {
			for l := range pi {
				pe += wt[k][l] * pi[k] * pi[l]
			}
		}
	}
	if pe >= 1 {
		return stUndef(name, n, "p_e = 1: every rating is in one category")
	}
	st := stDef(name, (pa-pe)/(1-pe), n)
	st.Convention = cd.label(w != Unweighted, usesQ)
	return st
}

// BrennanPrediger is Brennan & Prediger's (1981) kappa with uniform chance agreement, for any number of
// raters with missing ratings in Gwet's (2014) generalisation (R irrCAC bp.coeff.raw / bp2.table):
// (p_a - p_e) / (1 - p_e), p_e = T_w / q^2 (1/q unweighted), p_a as in FleissKappa (weighted by the
// agreement weights of w). For two raters unweighted it is (p_o - 1/q) / (1 - 1/q); for complete data
// with many raters it is Randolph's (2005) free-marginal multirater kappa. It depends on q: declare the
// scale or Conventions.Q. Undefined when no unit has two ratings or q < 2.
func BrennanPrediger(units [][]float64, s Scale, w Weight, c Conventions) Stat {
	name := "brennan_prediger"
	if w != Unweighted {
		name += "_" + w.String()
	}
	return stChance(name, "bp", units, s, w, c)
}

// RandolphKappa is Randolph's (2005) free-marginal multirater kappa, (P_o - 1/q) / (1 - 1/q) with
// Fleiss' P_o: unweighted BrennanPrediger under its own name.
func RandolphKappa(units [][]float64, s Scale, c Conventions) Stat {
	return stChance("randolph_kappa", "bp", units, s, Unweighted, c)
}

// GwetAC2With is GwetAC2 (GwetAC1 when unweighted) under convention c: q from Conventions.Q or the
// category set, weights from the category values (R irrCAC, default) or positions (IndexDistance).
func GwetAC2With(units [][]float64, s Scale, w Weight, c Conventions) Stat {
	name := "gwet_ac1"
	if w != Unweighted {
		name = "gwet_ac2_" + w.String()
	}
	return stChance(name, "gwet", units, s, w, c)
}

// FleissKappaWeighted is Fleiss' kappa with agreement weights for any number of raters with missing
// ratings - Gwet's (2014) weighted generalisation, as R irrCAC's fleiss.kappa.raw(weights=...):
// (p_a - p_e) / (1 - p_e), p_e = sum_kl w_kl pi_k pi_l, p_a and pi_k as in FleissKappa with r*_ik
// weighted. (Conger's generalisation of Cohen's kappa, which keeps each rater's own marginals, is not
// this.) Unweighted it is FleissKappa. Undefined on a Nominal scale with weights, when no unit has two
// ratings, or when p_e = 1.
func FleissKappaWeighted(units [][]float64, s Scale, w Weight, c Conventions) Stat {
	name := "fleiss_kappa"
	if w != Unweighted {
		name += "_" + w.String()
	}
	return stChance(name, "fleiss", units, s, w, c)
}

// KendallTauC is Stuart's (Kendall's) tau-c over complete pairs, for tables that are not square:
//
//	tau_c = 2 m (P - Q) / (n^2 (m - 1)),  m = min(distinct values of a, distinct values of b)
//
// (SciPy kendalltau(variant='c')). Undefined with fewer than 2 pairs or when either side is constant.
func KendallTauC(a, b []float64) Stat {
	const name = "kendall_tau_c"
	x, y, undef := kendallPairs(name, a, b)
	if undef != nil {
		return *undef
	}
	n := len(x)
	distinct := func(v []float64) int {
		s := slices.Clone(v)
		slices.Sort(s)
		return len(slices.Compact(s))
	}
	m := float64(min(distinct(x), distinct(y)))
	num, _ := stKendallCounts(x, y)
	fn := float64(n)
	return stDef(name, math.Max(-1, math.Min(1, 2*m*num/(fn*fn*(m-1)))), n)
}

// ICCResult is an intraclass correlation with its F test against ICC = 0 and its F-based confidence
// interval (in ICC.CI, with Resamples 0: not a bootstrap). F, DF1, DF2 and P are meaningful only when
// TestUndefined is "" (and the ICC is defined).
type ICCResult struct {
	ICC           Stat
	F, DF1, DF2   float64
	P             float64 // upper-tail p-value of F
	TestUndefined string  // why there is no test, e.g. a residual mean square of 0
}

// ICCTest is ICC with the F test and the confidence interval at level (0.95 when level is not in
// (0, 1)) of Shrout & Fleiss (1979) and McGraw & Wong (1996), as R psych::ICC computes them:
//
//	ICC(1,*): F = MSR / MSW, df (n - 1, n (k - 1)); F_L = F / F_{1-a/2}(df1, df2), F_U = F F_{1-a/2}(df2, df1)
//	          bounds (F_L - 1) / (F_L + k - 1) .. (F_U - 1) / (F_U + k - 1); the k form 1 - 1/F_L .. 1 - 1/F_U
//	ICC(3,*): the same with F = MSR / MSE, df (n - 1, (n - 1)(k - 1))
//	ICC(2,*): F = MSR / MSE; the interval uses Satterthwaite's v (McGraw & Wong 1996, Table 7):
//	          L = n (MSR - F* MSE) / (F* (k MSC + (kn - k - n) MSE) + n MSR), F* = F_{1-a/2}(n - 1, v),
//	          U = n (F' MSR - MSE) / (k MSC + (kn - k - n) MSE + n F' MSR),   F' = F_{1-a/2}(v, n - 1),
//	          and the k form L k / (1 + L (k - 1)) .. U k / (1 + U (k - 1))
func ICCTest(units [][]float64, kind ICCKind, level float64) ICCResult {
	if level <= 0 || level >= 1 {
		level = 0.95
	}
	r := ICCResult{ICC: ICC(units, kind)}
	if !r.ICC.Defined() {
		r.TestUndefined = r.ICC.Undefined
		return r
	}
	an, _ := stICCANOVA(units)
	n, k := float64(an.n), float64(an.k)
	oneWay := kind == ICC11 || kind == ICC1K
	denom := an.mse
	r.DF1, r.DF2 = n-1, (n-1)*(k-1)
	if oneWay {
		denom, r.DF2 = an.msw, n*(k-1)
	}
	r.ICC.Note = fmt.Sprintf("CI: F-based, Shrout & Fleiss (1979) / McGraw & Wong (1996); n=%d items, k=%d raters", an.n, an.k)
	ci := &CI{Level: level}
	r.ICC.CI = ci
	if denom <= 0 {
		r.TestUndefined = "the error mean square is 0: F is infinite"
		r.DF1, r.DF2 = 0, 0
		ci.Undefined = r.TestUndefined
		return r
	}
	f := an.msr / denom
	r.F = f
	r.P = stFUpper(f, r.DF1, r.DF2)
	alpha := 1 - level
	single := func(fl, fu float64) (float64, float64) { return (fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1) }
	average := func(fl, fu float64) (float64, float64) { return 1 - 1/fl, 1 - 1/fu }
	switch kind {
	case ICC11, ICC31, ICC1K, ICC3K:
		fl := f / stFQuantile(1-alpha/2, r.DF1, r.DF2)
		fu := f * stFQuantile(1-alpha/2, r.DF2, r.DF1)
		if kind == ICC11 || kind == ICC31 {
			ci.Lo, ci.Hi = single(fl, fu)
		} else {
			ci.Lo, ci.Hi = average(fl, fu)
		}
	default: // ICC21, ICC2K
		icc2 := ICC(units, ICC21).Value
		fj := an.msc / an.mse
		t := n*(1+(k-1)*icc2) - k*icc2
		vn := (k - 1) * (n - 1) * (k*icc2*fj + t) * (k*icc2*fj + t)
		vd := (n-1)*k*k*icc2*icc2*fj*fj + t*t
		v := vn / vd
		fs := stFQuantile(1-alpha/2, n-1, v)
		fp := stFQuantile(1-alpha/2, v, n-1)
		mid := k*an.msc + (k*n-k-n)*an.mse
		lo := n * (an.msr - fs*an.mse) / (fs*mid + n*an.msr)
		hi := n * (fp*an.msr - an.mse) / (mid + n*fp*an.msr)
		if kind == ICC2K {
			lo, hi = lo*k/(1+lo*(k-1)), hi*k/(1+hi*(k-1))
		}
		ci.Lo, ci.Hi = lo, hi
	}
	if math.IsNaN(ci.Lo) || math.IsNaN(ci.Hi) || math.IsInf(ci.Lo, 0) || math.IsInf(ci.Hi, 0) {
		ci.Lo, ci.Hi = 0, 0
		ci.Undefined = "numerical failure: a bound is not a finite number"
	}
	return r
}

// stBetaInc is the regularized incomplete beta function I_x(a, b) (continued fraction, Lentz).
func stBetaInc(a, b, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(a*math.Log(x) + b*math.Log1p(-x) - (la + lb - lab))
	if x < (a+1)/(a+b+2) {
		return front * stBetaCF(a, b, x) / a
	}
	return 1 - front*stBetaCF(b, a, 1-x)/b
}

func stBetaCF(a, b, x float64) float64 {
	const tiny = 1e-300
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 1000; m++ {
		fm := float64(m)
		m2 := 2 * fm
		for step := range 2 {
			var aa float64
			if step == 0 {
				aa = fm * (b - fm) * x / ((qam + m2) * (a + m2))
			} else {
				aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
			}
			d = 1 + aa*d
			if math.Abs(d) < tiny {
				d = tiny
			}
			c = 1 + aa/c
			if math.Abs(c) < tiny {
				c = tiny
			}
			d = 1 / d
			h *= d * c
			if step == 1 && math.Abs(d*c-1) < 1e-16 {
				return h
			}
		}
	}
	return h
}

// stFUpper is P(F > f) for F with (d1, d2) degrees of freedom.
func stFUpper(f, d1, d2 float64) float64 {
	if f <= 0 {
		return 1
	}
	return stBetaInc(d2/2, d1/2, d2/(d2+d1*f))
}

// stFQuantile is the p-quantile of F(d1, d2), by bisection on log F (the CDF is monotone).
func stFQuantile(p, d1, d2 float64) float64 {
	lo, hi := -60.0, 60.0
	for range 200 {
		mid := (lo + hi) / 2
		if 1-stFUpper(math.Exp(mid), d1, d2) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Exp((lo + hi) / 2)
}

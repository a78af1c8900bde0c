package review

// Correlation and consistency figures: Pearson, Spearman, Kendall's tau-b, Lin's concordance
// correlation and the Shrout & Fleiss intraclass correlations.

import (
	"fmt"
	"math"
	"slices"
)

// stCentred returns x - mean(x) divided by its largest absolute deviation, so products and sums of
// squares cannot overflow or underflow whatever the magnitude of the inputs; scale is that divisor.
func stCentred(x []float64, m float64) (d []float64, scale float64) {
	d = make([]float64, len(x))
	for i, v := range x {
		d[i] = v - m
		scale = math.Max(scale, math.Abs(d[i]))
	}
	if scale > 0 {
		for i := range d {
			d[i] /= scale
		}
	}
	return d, scale
}

// stPearson is r on complete, finite data with n >= 2; why is set when a side is constant.
func stPearson(x, y []float64) (r float64, why string) {
	if stConstant(x) {
		return 0, fmt.Sprintf("no variance: every value in a is %g", x[0])
	}
	if stConstant(y) {
		return 0, fmt.Sprintf("no variance: every value in b is %g", y[0])
	}
	dx, _ := stCentred(x, stMean(x))
	dy, _ := stCentred(y, stMean(y))
	sxy, sxx, syy := 0.0, 0.0, 0.0
	for i := range dx {
		sxy += dx[i] * dy[i]
		sxx += dx[i] * dx[i]
		syy += dy[i] * dy[i]
	}
	if sxx == 0 || syy == 0 {
		return 0, "no variance after centring (values differ only below float64 precision)"
	}
	return math.Max(-1, math.Min(1, sxy/math.Sqrt(sxx*syy))), ""
}

// Pearson is the product-moment correlation over complete pairs,
// r = sum (x - mx)(y - my) / sqrt(sum (x - mx)^2 sum (y - my)^2), computed two-pass on centred values
// rescaled to [-1, 1] so very large or very small inputs neither overflow nor lose precision.
// Undefined with fewer than 2 pairs or when either side is constant.
func Pearson(a, b []float64) Stat {
	const name = "pearson_r"
	x, y, why := stPairs(a, b)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	if len(x) < 2 {
		return stUndef(name, len(x), "needs at least 2 items rated by both, got %d", len(x))
	}
	r, why := stPearson(x, y)
	if why != "" {
		return stUndef(name, len(x), "%s", why)
	}
	return stDef(name, r, len(x))
}

// stRanks returns 1-based ranks of x, ties given the average of the ranks they span.
func stRanks(x []float64) []float64 {
	order := make([]int, len(x))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		switch {
		case x[i] < x[j]:
			return -1
		case x[i] > x[j]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(x))
	for i := 0; i < len(order); {
		j := i
		for j+1 < len(order) && x[order[j+1]] == x[order[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1 // ranks i+1..j+1
		for k := i; k <= j; k++ {
			r[order[k]] = avg
		}
		i = j + 1
	}
	return r
}

// Spearman is Spearman's rho over complete pairs: the Pearson correlation of the two sides' ranks, ties
// given average ranks (the 1 - 6 sum d^2 / (n (n^2 - 1)) shortcut is wrong with ties and is not used).
// Undefined with fewer than 2 pairs or when either side is constant (all ranks tied).
func Spearman(a, b []float64) Stat {
	const name = "spearman_rho"
	x, y, why := stPairs(a, b)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	if len(x) < 2 {
		return stUndef(name, len(x), "needs at least 2 items rated by both, got %d", len(x))
	}
	if stConstant(x) {
		return stUndef(name, len(x), "no variance: every value in a is %g", x[0])
	}
	if stConstant(y) {
		return stUndef(name, len(x), "no variance: every value in b is %g", y[0])
	}
	r, why := stPearson(stRanks(x), stRanks(y))
	if why != "" {
		return stUndef(name, len(x), "%s", why)
	}
	return stDef(name, r, len(x))
}

// KendallTauB is Kendall's tau-b over complete pairs, accounting for ties:
//
//	tau_b = (P - Q) / sqrt((P + Q + T_x)(P + Q + T_y))
//
// P concordant pairs, Q discordant, T_x pairs tied only in a, T_y tied only in b. Computed in
// O(n log n) (Knight 1966): with n0 = n(n-1)/2, n1 pairs tied in a, n2 tied in b, n3 tied in both and Q
// the inversions of b once sorted by (a, b), P - Q = n0 - n1 - n2 + n3 - 2Q and the denominator is
// sqrt((n0 - n1)(n0 - n2)). Undefined with fewer than 2 pairs or when either side is constant.
func KendallTauB(a, b []float64) Stat {
	const name = "kendall_tau_b"
	x, y, undef := kendallPairs(name, a, b)
	if undef != nil {
		return *undef
	}
	n := len(x)
	num, den := stKendallCounts(x, y)
	return stDef(name, math.Max(-1, math.Min(1, num/den)), n)
}

// stKendallCounts returns P - Q (concordant minus discordant pairs) and sqrt((n0 - n1)(n0 - n2)), the
// tau-b denominator, for complete pairs x, y, in O(n log n) as described at KendallTauB.
func stKendallCounts(x, y []float64) (num, den float64) {
	n := len(x)
	type pt struct{ x, y float64 }
	p := make([]pt, n)
	for i := range p {
		p[i] = pt{x[i], y[i]}
	}
	slices.SortFunc(p, func(u, v pt) int {
		if u.x != v.x {
			if u.x < v.x {
				return -1
			}
			return 1
		}
		if u.y < v.y {
			return -1
		}
		if u.y > v.y {
			return 1
		}
		return 0
	})
	ties := func(eq func(i int) bool) int64 { // sum of t(t-1)/2 over runs where eq(i) joins i to i-1
		var s, run int64 = 0, 1
		for i := 1; i <= n; i++ {
			if i < n && eq(i) {
				run++
				continue
			}
			s += run * (run - 1) / 2
			run = 1
		}
		return s
	}
	n1 := ties(func(i int) bool { return p[i].x == p[i-1].x })
	n3 := ties(func(i int) bool { return p[i].x == p[i-1].x && p[i].y == p[i-1].y })
	ys := make([]float64, n)
	for i := range p {
		ys[i] = p[i].y
	}
	q := stInversions(ys, make([]float64, n)) // ys ends sorted
	n2 := ties(func(i int) bool { return ys[i] == ys[i-1] })
	n0 := int64(n) * int64(n-1) / 2
	num = float64(n0 - n1 - n2 + n3 - 2*q)
	den = math.Sqrt(float64(n0-n1)) * math.Sqrt(float64(n0-n2))
	return num, den
}

// stInversions merge-sorts v in place (using buf) and returns the number of pairs i < j with
// v[i] > v[j] (strictly: equal values are not inversions).
func stInversions(v, buf []float64) int64 {
	if len(v) < 2 {
		return 0
	}
	m := len(v) / 2
	inv := stInversions(v[:m], buf[:m]) + stInversions(v[m:], buf[m:])
	i, j, k := 0, m, 0
	for i < m && j < len(v) {
		if v[j] < v[i] {
			buf[k] = v[j]
			inv += int64(m - i) // v[j] jumps ahead of every remaining left value
			j++
		} else {
			buf[k] = v[i]
			i++
		}
		k++
	}
	k += copy(buf[k:], v[i:m])
	copy(buf[k:], v[j:])
	copy(v, buf[:len(v)])
	return inv
}

// LinCCC is Lin's (1989) concordance correlation coefficient over complete pairs, with 1/n moments:
//
//	ccc = 2 s_xy / (s_x^2 + s_y^2 + (mx - my)^2)
//
// It is Pearson's r shrunk by how far the two sides are from the identity line, so a judge that is
// consistently 1 point harsher scores below its Pearson r. It equals quadratic-weighted Cohen's kappa
// with value distances. Undefined with fewer than 2 pairs or when both sides are the same constant.
func LinCCC(a, b []float64) Stat {
	const name = "lin_ccc"
	x, y, why := stPairs(a, b)
	if why != "" {
		return stUndef(name, 0, "%s", why)
	}
	n := len(x)
	if n < 2 {
		return stUndef(name, n, "needs at least 2 items rated by both, got %d", n)
	}
	if stConstant(x) && stConstant(y) && x[0] == y[0] {
		return stUndef(name, n, "no variance: both raters gave every item %g", x[0])
	}
	mx, my := stMean(x), stMean(y)
	// CCC is unchanged by a common shift and scale of both sides: divide everything by one common scale.
	dx, sx := stCentred(x, mx)
	dy, sy := stCentred(y, my)
	s := math.Max(math.Max(sx, sy), math.Abs(mx-my))
	if s == 0 {
		return stUndef(name, n, "no variance: both raters gave every item %g", x[0])
	}
	fx, fy := sx/s, sy/s
	var sxy, sxx, syy float64
	for i := range dx {
		u, v := dx[i]*fx, dy[i]*fy
		sxy += u * v
		sxx += u * u
		syy += v * v
	}
	fn := float64(n)
	dm := (mx - my) / s
	return stDef(name, 2*sxy/fn/(sxx/fn+syy/fn+dm*dm), n)
}

// ICCKind picks a Shrout & Fleiss (1979) intraclass correlation: single-rater forms ICC(1,1), ICC(2,1),
// ICC(3,1) and their average-of-k-raters forms ICC(1,k), ICC(2,k), ICC(3,k) (McGraw & Wong's ICC(1),
// ICC(A,1), ICC(C,1) and ICC(k), ICC(A,k), ICC(C,k)).
type ICCKind int

// ICC kinds. The values of the single forms are unchanged; the average forms follow.
const (
	ICC11 ICCKind = 1 // one-way random: each item rated by a different random set of raters
	ICC21 ICCKind = 2 // two-way random, absolute agreement: a constant offset between raters lowers it
	ICC31 ICCKind = 3 // two-way mixed, consistency: a constant offset between raters does not matter
	ICC1K ICCKind = 4 // ICC(1,k): reliability of the mean of k raters, one-way random
	ICC2K ICCKind = 5 // ICC(2,k): mean of k raters, two-way random, absolute agreement
	ICC3K ICCKind = 6 // ICC(3,k): mean of k raters, two-way mixed, consistency
)

func (k ICCKind) String() string {
	switch k {
	case ICC11:
		return "icc_1_1"
	case ICC21:
		return "icc_2_1"
	case ICC31:
		return "icc_3_1"
	case ICC1K:
		return "icc_1_k"
	case ICC2K:
		return "icc_2_k"
	case ICC3K:
		return "icc_3_k"
	}
	return fmt.Sprintf("icc(%d)", int(k))
}

// iccANOVA holds the mean squares of a complete units x raters table.
type iccANOVA struct {
	n, k               int
	msr, msc, mse, msw float64
}

// stICCANOVA keeps the complete rows of units and computes their two-way ANOVA mean squares; why says
// why there is nothing to compute on (n is then the rows kept).
func stICCANOVA(units [][]float64) (a iccANOVA, why string) {
	k := 0
	for _, u := range units {
		k = max(k, len(u))
	}
	var rows [][]float64
rowLoop:
	for _, u := range units {
		if len(u) < k {
			continue
		}
		for _, v := range u {
			if math.IsInf(v, 0) {
				return iccANOVA{}, "infinite rating: only finite values or NaN (missing) are allowed"
			}
			if math.IsNaN(v) {
				continue rowLoop
			}
		}
		rows = append(rows, u)
	}
	n := len(rows)
	a.n, a.k = n, k
	if k < 2 {
		return a, fmt.Sprintf("needs at least 2 raters, got %d", k)
	}
	if n < 2 {
		return a, fmt.Sprintf("needs at least 2 items rated by all %d raters, got %d", k, n)
	}
	all := make([]float64, 0, n*k)
	for _, r := range rows {
		all = append(all, r...)
	}
	if stConstant(all) {
		return a, fmt.Sprintf("no variance: every rating is %g", all[0])
	}
	g := stMean(all)
	rm := make([]float64, n)
	cm := make([]float64, k)
	for i, r := range rows {
		rm[i] = stMean(r) - g
		for j, v := range r {
			cm[j] += (v - g) / float64(n)
		}
	}
	var ssr, ssc, sse float64
	for _, d := range rm {
		ssr += float64(k) * d * d
	}
	for _, d := range cm {
		ssc += float64(n) * d * d
	}
	for i, r := range rows {
		for j, v := range r {
			e := v - g - rm[i] - cm[j] // residual computed directly, not as SST - SSR - SSC
			sse += e * e
		}
	}
	fn, fk := float64(n), float64(k)
	a.msr = ssr / (fn - 1)
	a.msc = ssc / (fk - 1)
	a.mse = sse / ((fn - 1) * (fk - 1))
	a.msw = (ssc + sse) / (fn * (fk - 1))
	return a, ""
}

// ICC is a Shrout & Fleiss (1979) intraclass correlation on units x raters (every row the same raters
// in the same column order). Only complete rows count: a row with a NaN, or shorter than the longest
// row, is dropped. With n rows, k raters and the two-way ANOVA mean squares MSR (rows), MSC (columns),
// MSE (residual) and MSW = (SSC + SSE) / (n (k - 1)) (within rows):
//
//	ICC(1,1) = (MSR - MSW) / (MSR + (k - 1) MSW)          ICC(1,k) = (MSR - MSW) / MSR
//	ICC(2,1) = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)
//	ICC(2,k) = (MSR - MSE) / (MSR + (MSC - MSE) / n)
//	ICC(3,1) = (MSR - MSE) / (MSR + (k - 1) MSE)          ICC(3,k) = (MSR - MSE) / MSR
//
// ICC(2,1) penalises a constant offset between raters ("the judge is 1 point harsher"), ICC(3,1) does
// not; the k forms are the reliability of the mean of the k raters. Values can be negative. Undefined
// with fewer than 2 complete rows or 2 raters, or when the denominator is 0 (no variance at all).
// ICCTest adds the F test and confidence interval.
func ICC(units [][]float64, kind ICCKind) Stat {
	name := kind.String()
	if kind < ICC11 || kind > ICC3K {
		return stUndef(name, 0, "unknown ICC kind %d", int(kind))
	}
	a, why := stICCANOVA(units)
	if why != "" {
		return stUndef(name, a.n, "%s", why)
	}
	fn, fk := float64(a.n), float64(a.k)
	msr, msc, mse, msw := a.msr, a.msc, a.mse, a.msw
	var num, den float64
	switch kind {
	case ICC11:
		num, den = msr-msw, msr+(fk-1)*msw
	case ICC21:
		num, den = msr-mse, msr+(fk-1)*mse+fk*(msc-mse)/fn
	case ICC31:
		num, den = msr-mse, msr+(fk-1)*mse
	case ICC1K:
		num, den = msr-msw, msr
	case ICC2K:
		num, den = msr-mse, msr+(msc-mse)/fn
	case ICC3K:
		num, den = msr-mse, msr
	}
	if den <= 0 {
		return stUndef(name, a.n, "the ANOVA denominator is %g: no between-item variance to compare against", den)
	}
	return stDef(name, num/den, a.n)
}

// kendallPairs are the complete pairs a Kendall tau is computed on, or the undefined Stat that says why
// there is none: fewer than 2 pairs, or either side constant.
func kendallPairs(name string, a, b []float64) (x, y []float64, undef *Stat) {
	x, y, why := stPairs(a, b)
	n := len(x)
	switch {
	case why != "":
		s := stUndef(name, 0, "%s", why)
		return nil, nil, &s
	case n < 2:
		s := stUndef(name, n, "needs at least 2 items rated by both, got %d", n)
		return nil, nil, &s
	case stConstant(x):
		s := stUndef(name, n, "no variance: every value in a is %g", x[0])
		return nil, nil, &s
	case stConstant(y):
		s := stUndef(name, n, "no variance: every value in b is %g", y[0])
		return nil, nil, &s
	}
	return x, y, nil
}

package review

import (
	"math"
	"slices"
)

// pairCodes holds a pair of raters' values as small integer codes so that a bootstrap resample's
// headline figures cost O(n + k^2) with no allocation: categories of the declared scale for kappa,
// agreement, AC1 and alpha; dense value codes for Spearman's average ranks. The point estimates always
// come from the library functions; these only serve the resamples, and a test holds them equal.
type pairCodes struct {
	n          int
	cats       []float64 // category values (declared scale)
	ka, kb     []uint8   // category index per item (values rounded)
	valsA      []float64 // distinct values, sorted
	valsB      []float64
	ca, cb     []int32 // dense code per item into valsA / valsB
	absd       []float64
	nominal    bool
	okCats     bool // every rounded value is a category of the scale
	bad        []bool
	countsPool chan []int
}

func newPairCodes(a, b []float64, cats []float64, nominal bool) *pairCodes {
	p := &pairCodes{n: len(a), cats: cats, nominal: nominal, okCats: len(cats) <= 255,
		ka: make([]uint8, len(a)), kb: make([]uint8, len(a)), bad: make([]bool, len(a)), absd: make([]float64, len(a)), countsPool: make(chan []int, 64)}
	intCats := len(cats) > 0 && cats[len(cats)-1]-cats[0] == float64(len(cats)-1)
	index := func(v float64) (uint8, bool) {
		r := math.Round(v)
		if intCats { // consecutive integers: no search
			i := r - cats[0]
			if i < 0 || i >= float64(len(cats)) {
				return uint8(min(max(i, 0), 255)), false
			}
			return uint8(i), true
		}
		i, found := slices.BinarySearch(cats, r)
		return uint8(i), found && i < 256
	}
	for i := range a {
		var oka, okb bool
		p.ka[i], oka = index(a[i])
		p.kb[i], okb = index(b[i])
		if !oka || !okb {
			p.okCats = false
			p.bad[i] = true
		}
		p.absd[i] = math.Abs(a[i] - b[i])
	}
	p.valsA, p.ca = denseCodes(a)
	p.valsB, p.cb = denseCodes(b)
	return p
}

func denseCodes(x []float64) ([]float64, []int32) {
	if vals, codes, ok := smallIntCodes(x); ok {
		return vals, codes
	}
	vals := slices.Clone(x)
	slices.Sort(vals)
	vals = slices.Compact(vals)
	codes := make([]int32, len(x))
	for i, v := range x {
		j, _ := slices.BinarySearch(vals, v)
		codes[i] = int32(j)
	}
	return vals, codes
}

// smallIntCodes codes integer values within a small range without sorting (scores are 0-10).
func smallIntCodes(x []float64) ([]float64, []int32, bool) {
	if len(x) == 0 {
		return nil, nil, false
	}
	lo, hi := x[0], x[0]
	for _, v := range x {
		if v != math.Trunc(v) || math.IsInf(v, 0) {
			return nil, nil, false
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi-lo > 4096 {
		return nil, nil, false
	}
	seen := make([]bool, int(hi-lo)+1)
	for _, v := range x {
		seen[int(v-lo)] = true
	}
	code := make([]int32, len(seen))
	var vals []float64
	for i, s := range seen {
		if s {
			code[i] = int32(len(vals))
			vals = append(vals, lo+float64(i))
		}
	}
	codes := make([]int32, len(x))
	for i, v := range x {
		codes[i] = code[int(v-lo)]
	}
	return vals, codes, true
}

func (p *pairCodes) counts(size int) []int {
	select {
	case c := <-p.countsPool:
		if len(c) >= size {
			clear(c[:size])
			return c[:size]
		}
	default:
	}
	return make([]int, size)
}

func (p *pairCodes) release(c []int) {
	select {
	case p.countsPool <- c:
	default:
	}
}

// confusion counts category pairs over the resample; nil when a resampled value is not a category.
func (p *pairCodes) confusion(idx []int) []int {
	if !p.okCats {
		for _, j := range idx {
			if p.bad[j] {
				return nil
			}
		}
	}
	k := len(p.cats)
	m := p.counts(k * k)
	for _, j := range idx {
		m[int(p.ka[j])*k+int(p.kb[j])]++
	}
	return m
}

func undefinedStat(name string, n int, why string) Stat {
	return Stat{Name: name, N: n, Undefined: why}
}

// kappa is Cohen's kappa on the resample (disagreement form, weights from the category values).
func (p *pairCodes) kappa(idx []int, w Weight) Stat {
	const name = "cohen_kappa"
	k := len(p.cats)
	m := p.confusion(idx)
	if m == nil {
		return undefinedStat(name, len(idx), "a value is not a category of the scale")
	}
	defer p.release(m)
	rows, cols := make([]float64, k), make([]float64, k)
	for i := range k {
		for j := range k {
			c := float64(m[i*k+j])
			rows[i] += c
			cols[j] += c
		}
	}
	n := float64(len(idx))
	var obs, exp float64
	for i := range k {
		for j := range k {
			if i == j {
				continue
			}
			var wt float64
			switch w {
			case Linear:
				wt = math.Abs(p.cats[i] - p.cats[j])
			case Quadratic:
				d := p.cats[i] - p.cats[j]
				wt = d * d
			default:
				wt = 1
			}
			obs += wt * float64(m[i*k+j])
			exp += wt * rows[i] * cols[j] / n
		}
	}
	if exp == 0 {
		return undefinedStat(name, len(idx), "expected disagreement is 0")
	}
	return Stat{Name: name, Value: 1 - obs/exp, N: len(idx)}
}

// exact is the share of the resample's items in the same category.
func (p *pairCodes) exact(idx []int) Stat {
	if len(idx) == 0 {
		return undefinedStat("exact_agreement", 0, "no items")
	}
	same := 0
	for _, j := range idx {
		if p.ka[j] == p.kb[j] {
			same++
		}
	}
	return Stat{Name: "exact_agreement", Value: float64(same) / float64(len(idx)), N: len(idx)}
}

// mae is the mean absolute difference on the resample.
func (p *pairCodes) mae(idx []int) Stat {
	if len(idx) == 0 {
		return undefinedStat("mae", 0, "no items")
	}
	s := 0.0
	for _, j := range idx {
		s += p.absd[j]
	}
	return Stat{Name: "mae", Value: s / float64(len(idx)), N: len(idx)}
}

// avgRanks returns each code's average rank (1-based) among the resample's values.
func avgRanks(codes []int32, nvals int, idx []int, cnt []int) []float64 {
	for _, j := range idx {
		cnt[codes[j]]++
	}
	ranks := make([]float64, nvals)
	before := 0
	for c := range nvals {
		if cnt[c] > 0 {
			ranks[c] = float64(before) + float64(cnt[c]+1)/2
			before += cnt[c]
		}
	}
	return ranks
}

// spearman is Spearman's rho with average ranks on the resample.
func (p *pairCodes) spearman(idx []int) Stat {
	const name = "spearman_rho"
	if len(idx) < 3 {
		return undefinedStat(name, len(idx), "fewer than 3 items")
	}
	ca, cb := p.counts(len(p.valsA)), p.counts(len(p.valsB))
	defer p.release(ca)
	defer p.release(cb)
	ra := avgRanks(p.ca, len(p.valsA), idx, ca)
	rb := avgRanks(p.cb, len(p.valsB), idx, cb)
	mean := float64(len(idx)+1) / 2
	var sab, saa, sbb float64
	for _, j := range idx {
		da, db := ra[p.ca[j]]-mean, rb[p.cb[j]]-mean
		sab += da * db
	}
	for c, r := range ra {
		d := r - mean
		saa += float64(ca[c]) * d * d
	}
	for c, r := range rb {
		d := r - mean
		sbb += float64(cb[c]) * d * d
	}
	if saa == 0 || sbb == 0 {
		return undefinedStat(name, len(idx), "no variance in the ranks")
	}
	return Stat{Name: name, Value: sab / math.Sqrt(saa*sbb), N: len(idx)}
}

// ac1 is Gwet's AC1 for two raters on the resample, q = the scale's categories.
func (p *pairCodes) ac1(idx []int) Stat {
	const name = "gwet_ac1"
	k := len(p.cats)
	m := p.confusion(idx)
	if m == nil || len(idx) == 0 {
		return undefinedStat(name, len(idx), "no items or a value outside the scale")
	}
	defer p.release(m)
	n := float64(len(idx))
	pa, pe := 0.0, 0.0
	for c := range k {
		pa += float64(m[c*k+c]) / n
		r, col := 0, 0
		for j := range k {
			r += m[c*k+j]
			col += m[j*k+c]
		}
		pi := float64(r+col) / (2 * n)
		pe += pi * (1 - pi)
	}
	pe /= float64(k - 1)
	if pe == 1 {
		return undefinedStat(name, len(idx), "chance agreement is 1")
	}
	return Stat{Name: name, Value: (pa - pe) / (1 - pe), N: len(idx)}
}

// alphaNominal is Krippendorff's alpha (nominal) for two raters without missing values.
func (p *pairCodes) alphaNominal(idx []int) Stat {
	const name = "krippendorff_alpha_nominal"
	k := len(p.cats)
	m := p.confusion(idx)
	if m == nil || len(idx) == 0 {
		return undefinedStat(name, len(idx), "no items or a value outside the scale")
	}
	defer p.release(m)
	nc := make([]float64, k)
	var off float64
	for i := range k {
		for j := range k {
			o := float64(m[i*k+j] + m[j*k+i])
			nc[i] += o
			if i != j {
				off += o
			}
		}
	}
	total := 2 * float64(len(idx))
	var exp float64
	for i := range k {
		for j := range k {
			if i != j {
				exp += nc[i] * nc[j]
			}
		}
	}
	if exp == 0 {
		return undefinedStat(name, len(idx), "every value is in one category")
	}
	return Stat{Name: name, Value: 1 - (total-1)*off/exp, N: len(idx)}
}

func scaleCats(s Scale) []float64 {
	var out []float64
	for v := s.Min; v <= s.Max; v++ {
		out = append(out, v)
	}
	return out
}

// headlineBoot is one headline figure of a score pair with its bootstrap CI: the point estimate from
// the library function, the resamples through pairCodes.
func headlineBoot(a, b []float64, name string, o AgreementOptions) Stat {
	pc := newPairCodes(a, b, scaleCats(o.scoreScale()), false)
	ra, rb := RoundAll(a), RoundAll(b)
	var point Stat
	var f func([]int) Stat
	switch name {
	case "kappa_quadratic":
		point, f = CohenKappa(ra, rb, o.scoreScale(), Quadratic), func(idx []int) Stat { return pc.kappa(idx, Quadratic) }
	case "spearman":
		point, f = Spearman(a, b), pc.spearman
	case "mae":
		point, f = MAE(a, b), pc.mae
	default:
		point, f = ExactAgreement(ra, rb), pc.exact
	}
	return boot(point, len(a), o, f)
}

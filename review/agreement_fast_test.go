package review

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestPairCodesMatchLibrary: the bootstrap's fast figures equal the library's on random resamples of
// scores (with ties, fractional consensus values, unobserved categories) and of decisions.
func TestPairCodesMatchLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 40 {
		n := 5 + r.IntN(60)
		a, b := make([]float64, n), make([]float64, n)
		for i := range a {
			a[i] = float64(r.IntN(6) + 3)
			b[i] = math.Min(10, a[i]+float64(r.IntN(4))-1)
			if trial%3 == 0 {
				b[i] += 0.5 * float64(r.IntN(2)) // a consensus of two annotators
			}
		}
		idx := make([]int, n)
		for i := range idx {
			idx[i] = r.IntN(n)
		}
		sa, sb := pick(a, idx), pick(b, idx)
		ra, rb := RoundAll(sa), RoundAll(sb)
		pc := newPairCodes(a, b, scaleCats(ScoreScale), false)
		check := func(name string, fast, lib Stat) {
			t.Helper()
			if fast.Defined() != lib.Defined() || (lib.Defined() && math.Abs(fast.Value-lib.Value) > 1e-9) {
				t.Errorf("trial %d %s: fast %v, library %v", trial, name, fast, lib)
			}
		}
		check("kappa quadratic", pc.kappa(idx, Quadratic), CohenKappa(ra, rb, ScoreScale, Quadratic))
		check("kappa linear", pc.kappa(idx, Linear), CohenKappa(ra, rb, ScoreScale, Linear))
		check("spearman", pc.spearman(idx), Spearman(sa, sb))
		check("mae", pc.mae(idx), MAE(sa, sb))
		check("exact", pc.exact(idx), ExactAgreement(ra, rb))

		da, db := make([]float64, n), make([]float64, n)
		for i := range da {
			da[i] = float64(r.IntN(2))
			db[i] = da[i]
			if r.IntN(4) == 0 {
				db[i] = 1 - db[i]
			}
		}
		nom := Scale{Kind: Nominal, Min: 0, Max: 1}
		dc := newPairCodes(da, db, scaleCats(nom), true)
		xa, xb := pick(da, idx), pick(db, idx)
		check("decision kappa", dc.kappa(idx, Unweighted), CohenKappa(xa, xb, nom, Unweighted))
		check("decision AC1", dc.ac1(idx), GwetAC1(UnitsFromRaters(xa, xb), nom))
		check("decision alpha", dc.alphaNominal(idx), KrippendorffAlpha(UnitsFromRaters(xa, xb), Scale{Kind: Nominal}))
	}
}

// TestBootstrapSameOnAnyCores: the interval does not depend on how many goroutines computed it.
func TestBootstrapSameOnAnyCores(t *testing.T) {
	a, b := judgeHuman(300, 2)
	pc := newPairCodes(a, b, scaleCats(ScoreScale), false)
	f := func(idx []int) Stat { return pc.kappa(idx, Quadratic) }
	one := Bootstrap(len(a), 9, 999, 0.95, f)
	prev := runtimeProcs(1)
	defer runtimeProcs(prev)
	two := Bootstrap(len(a), 9, 999, 0.95, f)
	if *one != *two {
		t.Errorf("%v vs %v", one, two)
	}
}

func runtimeProcs(n int) int { return runtime.GOMAXPROCS(n) }

package review

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func bootData() (a, b []float64) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		h := float64(r.IntN(11))
		j := math.Min(10, math.Max(0, h+float64(r.IntN(3)-1)))
		a, b = append(a, j), append(b, h)
	}
	return a, b
}

func TestBootstrapDeterministic(t *testing.T) {
	a, b := bootData()
	f := func(x, y []float64) Stat { return CohenKappa(x, y, ScoreScale, Quadratic) }
	s1 := BootstrapPairs(a, b, f, 42, 2000, 0.95)
	s2 := BootstrapPairs(a, b, f, 42, 2000, 0.95)
	s3 := BootstrapPairs(a, b, f, 43, 2000, 0.95)
	if s1.CI == nil || s1.CI.Undefined != "" {
		t.Fatalf("no CI: %+v", s1.CI)
	}
	if *s1.CI != *s2.CI {
		t.Fatalf("same seed, different CI: %+v vs %+v", s1.CI, s2.CI)
	}
	if *s1.CI == *s3.CI {
		t.Fatalf("different seeds gave identical CIs %+v", s1.CI)
	}
	// The point estimate is from the original data and lies inside the interval.
	near(t, s1, f(a, b).Value, 0)
	if !(s1.CI.Lo <= s1.Value && s1.Value <= s1.CI.Hi && s1.CI.Lo < s1.CI.Hi) {
		t.Fatalf("estimate %g outside CI %+v", s1.Value, s1.CI)
	}
	if s1.CI.Resamples != 2000 || s1.CI.UndefinedResamples != 0 || s1.CI.Level != 0.95 {
		t.Fatalf("CI %+v", s1.CI)
	}
}

func TestBootstrapMeanInterval(t *testing.T) {
	// MAE over 200 items: the 95% percentile interval should be roughly mean +- 1.96 SE.
	a, b := bootData()
	s := BootstrapPairs(a, b, MAE, 1, 4000, 0.95)
	d := make([]float64, len(a))
	for i := range a {
		d[i] = math.Abs(a[i] - b[i])
	}
	m := stMean(d)
	v := 0.0
	for _, x := range d {
		v += (x - m) * (x - m)
	}
	se := math.Sqrt(v/float64(len(d))) / math.Sqrt(float64(len(d)))
	if math.Abs(s.CI.Lo-(m-1.96*se)) > 0.4*se || math.Abs(s.CI.Hi-(m+1.96*se)) > 0.4*se {
		t.Fatalf("CI %+v far from normal approx %g +- %g", s.CI, m, 1.96*se)
	}
}

func TestBootstrapUndefinedResamples(t *testing.T) {
	// Undefined whenever item 0 is drawn: P(not drawn in 10 draws) = 0.9^10 = 0.349, so about 65% are
	// undefined; the counts must add up and the CI come only from defined ones.
	stat := func(idx []int) Stat {
		for _, i := range idx {
			if i == 0 {
				return Stat{Name: "x", Undefined: "item 0"}
			}
		}
		return Stat{Name: "x", Value: float64(len(idx))}
	}
	ci := Bootstrap(10, 5, 1000, 0.9, stat)
	if ci.Undefined != "" || ci.UndefinedResamples < 550 || ci.UndefinedResamples > 750 || ci.Lo != 10 || ci.Hi != 10 {
		t.Fatalf("CI %+v", ci)
	}
	all := Bootstrap(10, 5, 100, 0.9, func([]int) Stat { return Stat{Undefined: "never"} })
	if all.UndefinedResamples != 100 || !strings.Contains(all.Undefined, "every resample") || !strings.Contains(all.Undefined, "never") {
		t.Fatalf("CI %+v", all)
	}
	for _, ci := range []*CI{
		Bootstrap(0, 1, 100, 0.95, stat),
		Bootstrap(10, 1, 0, 0.95, stat),
		Bootstrap(10, 1, 100, 1, stat),
		Bootstrap(10, 1, 100, math.NaN(), stat),
	} {
		if ci == nil || ci.Undefined == "" {
			t.Fatalf("want undefined CI, got %+v", ci)
		}
	}
	// An undefined point estimate gets no CI.
	if s := BootstrapPairs([]float64{7, 7}, []float64{7, 7}, Pearson, 1, 100, 0.95); s.Defined() || s.CI != nil {
		t.Fatalf("%+v", s)
	}
}

func TestBootstrapUnitsKeepsItemsTogether(t *testing.T) {
	u := kripp()
	s := BootstrapUnits(u, func(u [][]float64) Stat { return KrippendorffAlpha(u, Scale{Kind: Interval}) }, 9, 1000, 0.95)
	near(t, s, 951.0/1120, 1e-12)
	if s.CI == nil || s.CI.Undefined != "" || s.CI.Lo > s.Value || s.CI.Hi < s.Value {
		t.Fatalf("CI %+v", s.CI)
	}
}

func TestBootstrapQuantile(t *testing.T) {
	// R type 7: quantile(c(1,2,3,4), c(0, .5, .9, 1)) = 1, 2.5, 3.7, 4.
	v := []float64{1, 2, 3, 4}
	for p, want := range map[float64]float64{0: 1, 0.5: 2.5, 0.9: 3.7, 1: 4} {
		if got := stQuantile(v, p); math.Abs(got-want) > 1e-15 {
			t.Fatalf("q(%g) = %g, want %g", p, got, want)
		}
	}
}

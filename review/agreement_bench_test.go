package review

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// judgeHuman makes n judge-human score pairs: the human's score is the judge's plus noise, on 0-10.
func judgeHuman(n int, seed uint64) (a, b []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	a, b = make([]float64, n), make([]float64, n)
	for i := range a {
		a[i] = float64(r.IntN(11))
		b[i] = float64(max(0, min(10, int(a[i])+r.IntN(5)-2)))
	}
	return a, b
}

// BenchmarkAllStats1M computes every pair statistic (no CIs) for 1,000,000 judge-human pairs spread over
// 10 dimensions (100,000 per dimension): kappa (quadratic, linear), Spearman, Kendall, Pearson, Lin,
// ICC(2,1), ICC(3,1), alpha, exact, within-1, MAE, bias.
func BenchmarkAllStats1M(b *testing.B) {
	type pair struct{ a, b []float64 }
	var dims []pair
	for d := range 10 {
		x, y := judgeHuman(100_000, uint64(d))
		dims = append(dims, pair{x, y})
	}
	for b.Loop() {
		for _, p := range dims {
			st := pairStats(p.a, p.b, false, AgreementOptions{})
			if len(st) != 13 || !st[0].Defined() {
				b.Fatal(st)
			}
		}
	}
}

// BenchmarkBootstrap10k is 10,000 resamples over 10,000 items for each headline figure of a score pair
// (quadratic kappa, Spearman, MAE, exact agreement), each on its own: the figure per CI.
func BenchmarkBootstrap10k(b *testing.B) {
	x, y := judgeHuman(10_000, 7)
	o := AgreementOptions{Resamples: 10_000, Seed: 1, Level: 0.95}
	for _, name := range []string{"kappa_quadratic", "spearman", "mae", "exact"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				st := headlineBoot(x, y, name, o)
				if st.CI == nil || st.CI.Undefined != "" {
					b.Fatal(fmt.Sprint(st))
				}
			}
		})
	}
}

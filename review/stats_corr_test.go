package review

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestPearsonHandAndScale(t *testing.T) {
	// dx = -2 -1 0 1 2, dy = -2 0 1 0 1: sxy = 6, sxx = 10, syy = 6, r = 6/sqrt(60).
	x := []float64{1, 2, 3, 4, 5}
	y := []float64{2, 4, 5, 4, 5}
	want := 6 / math.Sqrt(60)
	near(t, Pearson(x, y), want, 1e-15)
	near(t, Pearson(y, x), want, 1e-15)
	// Invariant to scale and offset; naive sums overflow (1e200^2) or underflow (1e-200^2) or lose the
	// signal under an offset of 1e12.
	for _, f := range []func(float64) float64{
		func(v float64) float64 { return v * 1e200 },
		func(v float64) float64 { return v * 1e-200 },
		func(v float64) float64 { return 1e12 + v },
		func(v float64) float64 { return -3e307 + v*1e306 },
	} {
		fx, fy := make([]float64, 5), make([]float64, 5)
		for i := range x {
			fx[i], fy[i] = f(x[i]), f(y[i])
		}
		near(t, Pearson(fx, fy), want, 1e-12)
	}
	near(t, Pearson(x, []float64{5, 4, 3, 2, 1}), -1, 1e-15)
	near(t, Pearson([]float64{1, 2, nan, 3}, []float64{2, 4, 9, 6}), 1, 1e-15)
	undefined(t, Pearson(x, []float64{7, 7, 7, 7, 7}), "no variance", "b", "7")
	undefined(t, Pearson([]float64{1}, []float64{2}), "at least 2")
	undefined(t, Pearson(nil, nil), "at least 2")
}

func TestSpearmanTies(t *testing.T) {
	// x ranks 1 2.5 2.5 4, y ranks 1 3 2 4; centred (-1.5 0 0 1.5) and (-1.5 .5 -.5 1.5):
	// rho = 4.5 / sqrt(4.5 * 5) = 0.9486833 (the 1 - 6 sum d^2 shortcut would give 0.95).
	x := []float64{1, 2, 2, 3}
	y := []float64{1, 3, 2, 4}
	near(t, Spearman(x, y), 4.5/math.Sqrt(22.5), 1e-15)
	near(t, Spearman(y, x), 4.5/math.Sqrt(22.5), 1e-15)
	// SciPy's documentation example: spearmanr([1,2,3,4,5], [5,6,7,8,7]) = 0.8207826816681233.
	near(t, Spearman([]float64{1, 2, 3, 4, 5}, []float64{5, 6, 7, 8, 7}), 0.8207826816681233, 1e-15)
	// Monotone but not linear: 1.
	near(t, Spearman([]float64{1, 2, 3, 4}, []float64{1, 10, 100, 1000}), 1, 1e-15)
	undefined(t, Spearman([]float64{3, 3, 3}, []float64{1, 2, 3}), "no variance", "a")
	undefined(t, Spearman([]float64{3}, []float64{1}), "at least 2")
}

// kendallBrute is tau-b by enumerating all pairs.
func kendallBrute(x, y []float64) float64 {
	var p, q, tx, ty float64
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			dx, dy := x[i]-x[j], y[i]-y[j]
			switch {
			case dx == 0 && dy == 0:
			case dx == 0:
				tx++
			case dy == 0:
				ty++
			case dx*dy > 0:
				p++
			default:
				q++
			}
		}
	}
	return (p - q) / math.Sqrt((p+q+tx)*(p+q+ty))
}

func TestKendallTauB(t *testing.T) {
	// Pairs of (1,1) (2,3) (2,2) (3,4): P = 5, Q = 0, one pair tied in x only: 5/sqrt(6*5).
	near(t, KendallTauB([]float64{1, 2, 2, 3}, []float64{1, 3, 2, 4}), 5/math.Sqrt(30), 1e-15)
	// SciPy's documentation example: kendalltau([12,2,1,12,2], [1,4,7,1,0]) = -0.47140452079103173
	// (P = 2, Q = 6, T_x = 1, T_y = 0: -4/sqrt(9*8)).
	x := []float64{12, 2, 1, 12, 2}
	y := []float64{1, 4, 7, 1, 0}
	near(t, KendallTauB(x, y), -0.47140452079103173, 1e-15)
	near(t, KendallTauB(y, x), -0.47140452079103173, 1e-15)
	// The O(n log n) count agrees with enumeration on tie-heavy 0-10 data.
	r := rand.New(rand.NewPCG(1, 2))
	for range 30 {
		n := 2 + r.IntN(300)
		a, b := make([]float64, n), make([]float64, n)
		for i := range a {
			a[i] = float64(r.IntN(11))
			b[i] = float64(r.IntN(4)) + a[i]/3
		}
		if s := KendallTauB(a, b); s.Defined() {
			near(t, s, kendallBrute(a, b), 1e-12)
		}
	}
	near(t, KendallTauB([]float64{1, 2, 3}, []float64{3, 2, 1}), -1, 1e-15)
	undefined(t, KendallTauB([]float64{1, 2, 3}, []float64{5, 5, 5}), "no variance", "b")
	undefined(t, KendallTauB([]float64{1}, []float64{5}), "at least 2")
}

func TestLinCCC(t *testing.T) {
	// x = 1 2 3, y = 2 3 4: s_x^2 = s_y^2 = s_xy = 2/3, (mx - my)^2 = 1: ccc = (4/3)/(4/3 + 1) = 4/7,
	// while Pearson is 1: the offset is penalised.
	x := []float64{1, 2, 3}
	y := []float64{2, 3, 4}
	near(t, LinCCC(x, y), 4.0/7, 1e-15)
	near(t, LinCCC(y, x), 4.0/7, 1e-15)
	near(t, Pearson(x, y), 1, 1e-15)
	near(t, LinCCC(x, x), 1, 1e-15)
	big := []float64{1e300, 2e300, 3e300}
	bigy := []float64{2e300, 3e300, 4e300}
	near(t, LinCCC(big, bigy), 4.0/7, 1e-12)
	// One side constant: 2*0 / (2/3 + 0 + 1) = 0, defined.
	near(t, LinCCC(x, []float64{3, 3, 3}), 0, 1e-15)
	undefined(t, LinCCC([]float64{5, 5}, []float64{5, 5}), "no variance", "5")
	undefined(t, LinCCC([]float64{5}, []float64{5}), "at least 2")
}

func TestICCShroutFleiss(t *testing.T) {
	// Shrout & Fleiss (1979) Table 2: 6 targets x 4 judges; published ICC(1,1) = .17, ICC(2,1) = .29,
	// ICC(3,1) = .71. By hand: SSR = 1349/24, SSC = 2339/24, SSE = 367/24; MSR = 1349/120,
	// MSC = 2339/72, MSE = 367/360, MSW = 451/72, giving 448/2703, 184/635 and 920/1287.
	u := [][]float64{{9, 2, 5, 8}, {6, 1, 3, 2}, {8, 4, 6, 8}, {7, 1, 2, 6}, {10, 5, 6, 9}, {6, 2, 4, 7}}
	for _, c := range []struct {
		kind        ICCKind
		exact, publ float64
	}{{ICC11, 448.0 / 2703, .17}, {ICC21, 184.0 / 635, .29}, {ICC31, 920.0 / 1287, .71}} {
		s := ICC(u, c.kind)
		near(t, s, c.exact, 1e-14)
		near(t, s, c.publ, 0.005)
		if s.N != 6 {
			t.Fatalf("N = %d", s.N)
		}
	}
	// Incomplete rows are dropped.
	withGaps := append([][]float64{{1, nan, 3, 4}, {5, 6}}, u...)
	near(t, ICC(withGaps, ICC21), 184.0/635, 1e-14)
	// A constant offset: consistency is perfect, absolute agreement is not.
	// a = 1 2 3, b = a + 1: MSR = 2*1 = 2, MSE = 0, MSC = 3*(.5^2*2) = 1.5, n = 3, k = 2:
	// ICC(2,1) = 2 / (2 + 0 + 2*1.5/3) = 2/3.
	off := UnitsFromRaters([]float64{1, 2, 3}, []float64{2, 3, 4})
	near(t, ICC(off, ICC31), 1, 1e-15)
	near(t, ICC(off, ICC21), 2.0/3, 1e-15)
	undefined(t, ICC([][]float64{{7, 7}, {7, 7}}, ICC21), "no variance", "7")
	undefined(t, ICC([][]float64{{1, 2}}, ICC31), "at least 2 items")
	undefined(t, ICC([][]float64{{1}, {2}}, ICC31), "at least 2 raters")
	undefined(t, ICC(u, ICCKind(9)), "unknown")
}

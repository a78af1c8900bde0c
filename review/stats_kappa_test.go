package review

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestKappaPublished(t *testing.T) {
	yn := []float64{1, 0}
	nom := Scale{Kind: Nominal}
	for _, c := range []struct {
		name  string
		tab   [][]int
		labs  []float64
		kappa float64
		se    float64
	}{
		// scikit-learn's tests: 8/23. SE by hand (Fleiss, Cohen & Everitt 1969): p = [[.2,.2],[.1,.5]],
		// rows .4 .6, cols .3 .7, p_e = .54, 1-k = 15/23.
		// A = .2(1 - .7*15/23)^2 + .5(1 - 1.3*15/23)^2 = (31.25 + 6.125)/529
		// B = (15/23)^2 (.2*(.3+.6)^2 + .1*(.7+.4)^2) = 225*.283/529 = 63.675/529
		// C = (8/23 - .54*15/23)^2 = .01/529
		// var = (A + B - C) / (.46^2 * 100) = 101.04/529/21.16 = 0.0090265544 -> SE 0.0950081805
		{"sklearn", [][]int{{20, 20}, {10, 50}}, yn, 8.0 / 23, 0.0950081805151536},
		// Artstein & Poesio (2008): 0.4. SE by the same formula: 0.1269960629.
		{"artstein-poesio", [][]int{{20, 5}, {10, 15}}, yn, 0.4, 0.12699606293110036},
		// R irrCAC README, cont3x3abstractors: kappa 0.7964094, SE 0.05891072.
		{"irrCAC", [][]int{{13, 0, 0}, {0, 20, 7}, {0, 4, 56}}, []float64{1, 2, 3}, 0.7964094, 0.05891072},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, b := fromTable(c.tab, c.labs)
			near(t, CohenKappa(a, b, nom, Unweighted), c.kappa, 5e-8)
			near(t, CohenKappa(b, a, nom, Unweighted), c.kappa, 5e-8) // symmetric
			near(t, CohenKappaSE(a, b, nom, Unweighted), c.se, 5e-9)
		})
	}
	// The same irrCAC table: percent agreement 0.89, Gwet's AC1 0.8493305, Krippendorff's alpha 0.7972585.
	a, b := fromTable([][]int{{13, 0, 0}, {0, 20, 7}, {0, 4, 56}}, []float64{1, 2, 3})
	near(t, ExactAgreement(a, b), 0.89, 1e-15)
	near(t, GwetAC1(UnitsFromRaters(a, b), nom), 0.8493305, 5e-8)
	near(t, KrippendorffAlpha(UnitsFromRaters(a, b), nom), 0.7972585, 5e-8)
}

func TestKappaWeightsFromDeclaredScale(t *testing.T) {
	// a = 0 1 10, b = 1 0 10: each cell 1/3; both marginals 1/3 on {0, 1, 10}.
	// Linear: observed disagreement (1 + 1 + 0)/3 = 2/3; expected (1/9) * 2 * (|0-1| + |0-10| + |1-10|)
	// = 40/9; kappa = 1 - (2/3)/(40/9) = 0.85. (scikit-learn, with distances between observed-label
	// indices 0 1 2, gets 1 - (2/3)/(8/9) = 0.25.)
	// Quadratic: expected (1/9) * 2 * (1 + 100 + 81) = 364/9; kappa = 1 - 6/364 = 179/182.
	a := []float64{0, 1, 10}
	b := []float64{1, 0, 10}
	lin := CohenKappa(a, b, ScoreScale, Linear)
	near(t, lin, 0.85, 1e-15)
	if lin.Name != "cohen_kappa_linear" || lin.Note == "" {
		t.Fatalf("name %q note %q", lin.Name, lin.Note)
	}
	near(t, CohenKappa(a, b, ScoreScale, Quadratic), 179.0/182, 1e-15)
	// Unobserved categories change nothing: the declared and the observed scale agree.
	near(t, CohenKappa(a, b, Scale{Kind: Ordinal}, Linear), 0.85, 1e-15)
	// Agreement-weighted SE at perfect agreement is 0, not negative rounding noise.
	near(t, CohenKappaSE(a, a, ScoreScale, Quadratic), 0, 1e-7)
}

func TestKappaEqualsLinCCCQuadratic(t *testing.T) {
	// Quadratic kappa with value distances = Lin's CCC (1/n moments): both are
	// 1 - mean (x-y)^2 / (s_x^2 + s_y^2 + (mx-my)^2) - an independent cross-check of both functions.
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		a, b := make([]float64, 50), make([]float64, 50)
		for i := range a {
			a[i] = float64(r.IntN(11))
			b[i] = math.Min(10, math.Max(0, a[i]+float64(r.IntN(5)-3)))
		}
		k := CohenKappa(a, b, ScoreScale, Quadratic)
		near(t, LinCCC(a, b), k.Value, 1e-12)
	}
}

func TestKappaProperties(t *testing.T) {
	a := []float64{0, 3, 5, 7, 10, 10, 2}
	for _, w := range []Weight{Unweighted, Linear, Quadratic} {
		near(t, CohenKappa(a, a, ScoreScale, w), 1, 1e-15)
	}
	b := []float64{1, 3, 6, 7, 9, 10, 2}
	for _, w := range []Weight{Unweighted, Linear, Quadratic} {
		near(t, CohenKappa(b, a, ScoreScale, w), CohenKappa(a, b, ScoreScale, w).Value, 1e-15)
	}
	// The paradox: one constant rater, 90% raw agreement, kappa exactly 0
	// (p_o = .9, p_e = 1 * .9 = .9) - while AC1 = (.9 - .095)/(1 - .095) = 161/181 with
	// pi_1 = (9 + .5)/10 = .95, p_e = (1/(2-1)) * 2 * .95 * .05 = .095.
	judge := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	human := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}
	dec := Scale{Kind: Nominal, Min: 0, Max: 1}
	near(t, CohenKappa(judge, human, dec, Unweighted), 0, 1e-15)
	near(t, GwetAC1(UnitsFromRaters(judge, human), dec), 161.0/181, 1e-15)
}

func TestKappaUndefined(t *testing.T) {
	sevens := []float64{7, 7, 7}
	undefined(t, CohenKappa(sevens, sevens, ScoreScale, Unweighted), "p_e = 1", "7")
	undefined(t, CohenKappa(sevens, sevens, ScoreScale, Quadratic), "p_e = 1")
	undefined(t, CohenKappaSE(sevens, sevens, ScoreScale, Unweighted), "p_e = 1")
	undefined(t, CohenKappa(nil, nil, ScoreScale, Unweighted), "no item")
	undefined(t, CohenKappa([]float64{nan, 1}, []float64{2, nan}, ScoreScale, Unweighted), "no item")
	undefined(t, CohenKappa([]float64{1}, []float64{0}, Scale{Kind: Nominal}, Linear), "nominal")
	undefined(t, CohenKappa([]float64{11}, []float64{0}, ScoreScale, Linear), "outside")
	undefined(t, CohenKappa([]float64{1, 2}, []float64{0}, ScoreScale, Linear), "2 items")
	// n = 1 with disagreement is defined: p_o = 0, p_e = 0 (a's only category differs from b's).
	near(t, CohenKappa([]float64{1}, []float64{0}, Scale{Kind: Nominal}, Unweighted), 0, 0)
}

// kripp is Krippendorff (2011)'s canonical 4 raters x 12 units, as units x raters (NaN = '.').
func kripp() [][]float64 {
	raters := [][]float64{
		{1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan},
		{1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3},
		{nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan},
		{1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan},
	}
	return UnitsFromRaters(raters...)
}

func TestAlphaPublished(t *testing.T) {
	u := kripp()
	for _, c := range []struct {
		kind ScaleKind
		want float64
	}{
		{Nominal, 113.0 / 152}, // 0.743421
		{Ordinal, 0.815388},    // published to 6 places
		{Interval, 951.0 / 1120},
		{Ratio, 0.797403},
	} {
		t.Run(c.kind.String(), func(t *testing.T) {
			s := KrippendorffAlpha(u, Scale{Kind: c.kind})
			near(t, s, c.want, 5e-7)
			if s.N != 11 { // unit 12 has one value and is not pairable
				t.Fatalf("N = %d, want 11", s.N)
			}
			// Declaring the 1..5 range changes nothing.
			near(t, KrippendorffAlpha(u, Scale{Kind: c.kind, Min: 1, Max: 5}), s.Value, 1e-15)
		})
	}
}

func TestAlphaHandAndUndefined(t *testing.T) {
	// Units [1,1] [2,2] [1,2]: o_11 = 2, o_22 = 2, o_12 = o_21 = 1; n_1 = n_2 = 3, n = 6.
	// alpha = 1 - (6-1) * (1 + 1) / (3*3 + 3*3) = 1 - 10/18 = 4/9.
	u := [][]float64{{1, 1}, {2, 2}, {1, 2}}
	near(t, KrippendorffAlpha(u, Scale{Kind: Nominal}), 4.0/9, 1e-15)
	near(t, KrippendorffAlpha([][]float64{{1, 1}, {2, 2, 2}, {3, 3}}, Scale{Kind: Interval}), 1, 1e-15)
	undefined(t, KrippendorffAlpha([][]float64{{4, 4}, {4, 4, nan}}, Scale{Kind: Interval}), "no variation", "4")
	undefined(t, KrippendorffAlpha([][]float64{{1, nan}, {2}}, Scale{Kind: Nominal}), "no unit")
	undefined(t, KrippendorffAlpha(nil, Scale{Kind: Ordinal}), "no unit")
	undefined(t, KrippendorffAlpha([][]float64{{-1, 2}}, Scale{Kind: Ratio}), "negative")
	undefined(t, KrippendorffAlpha([][]float64{{1, 12}}, ScoreScale), "outside")
}

func TestFleissPublished(t *testing.T) {
	// Fleiss (1971) worked example as on Wikipedia: 10 subjects, 14 raters, 5 categories, kappa 0.210.
	// By hand: P_bar = 172/455, P_e = 417/1960, kappa = (172/455 - 417/1960)/(1 - 417/1960) = 4211/20059.
	dist := [][]int{{0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
		{7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7}}
	var units [][]float64
	for _, d := range dist {
		var u []float64
		for k, c := range d {
			for range c {
				u = append(u, float64(k+1))
			}
		}
		units = append(units, u)
	}
	s := FleissKappa(units, Scale{Kind: Nominal})
	near(t, s, 4211.0/20059, 1e-14)
	near(t, s, 0.210, 5e-4)
	// Krippendorff's data with missing ratings, Gwet's generalisation (R irrCAC fleiss.kappa.raw gives
	// 0.76117): p_a = 9/11, pi = (1/4, 13/48, 7/24, 5/48, 1/12), p_e = sum pi^2 = 275/1152,
	// kappa = (9/11 - 275/1152)/(1 - 275/1152) = 7343/9647.
	near(t, FleissKappa(kripp(), Scale{Kind: Nominal}), 7343.0/9647, 1e-14)
	undefined(t, FleissKappa([][]float64{{3, 3}, {3, 3}}, Scale{Kind: Nominal}), "p_e = 1", "3")
	undefined(t, FleissKappa([][]float64{{3}, {nan, 2}}, Scale{Kind: Nominal}), "no unit")
}

func TestGwetPublishedAndHand(t *testing.T) {
	u := kripp()
	s15 := Scale{Kind: Ordinal, Min: 1, Max: 5}
	// R irrCAC gwet.ac1.raw(cac.raw4raters): 0.77544. By hand: p_a = 9/11, p_e = (1/4) sum pi(1-pi)
	// = 877/4608, AC1 = 31825/41041.
	near(t, GwetAC1(u, s15), 31825.0/41041, 1e-14)
	near(t, GwetAC1(u, s15), 0.77544, 5e-6)
	near(t, GwetAC2(u, s15, Unweighted), 31825.0/41041, 1e-14)
	// AC2, weights 1 - |k-l|/4: p_a = 31/33, T_w = 5 + 2(4*.75 + 3*.5 + 2*.25) = 15,
	// sum pi(1-pi) = 877/1152, p_e = 15/20 * 877/1152 = 877/1536, AC2 = 6225/7249.
	near(t, GwetAC2(u, s15, Linear), 6225.0/7249, 1e-14)
	// Quadratic, weights 1 - (k-l)^2/16: p_a = 515/528, T_w = 5 + 2(4*15/16 + 3*12/16 + 2*7/16) = 18.75,
	// p_e = 18.75/20 * 877/1152 = 4385/6144, AC2 = 17685/19349.
	near(t, GwetAC2(u, s15, Quadratic), 17685.0/19349, 1e-14)

	// q is fixed by the declared scale. Units [7,7] [7,7] [7,8]: p_a = 2/3, pi_7 = 5/6, pi_8 = 1/6,
	// sum pi(1-pi) = 10/36. ScoreScale q = 11: p_e = (10/36)/10 = 1/36, AC1 = (23/36)/(35/36) = 23/35.
	// Observed q = 2: p_e = 10/36, AC1 = (14/36)/(26/36) = 7/13.
	v := [][]float64{{7, 7}, {7, 7}, {7, 8}}
	near(t, GwetAC1(v, ScoreScale), 23.0/35, 1e-15)
	near(t, GwetAC1(v, Scale{Kind: Ordinal}), 7.0/13, 1e-15)
	near(t, GwetAC1([][]float64{{2, 2}, {5, 5}}, ScoreScale), 1, 1e-15)
	undefined(t, GwetAC1([][]float64{{7, 7}}, Scale{Kind: Nominal}), "one category")
	undefined(t, GwetAC2(v, Scale{Kind: Nominal}, Quadratic), "nominal")
	undefined(t, GwetAC1([][]float64{{1}}, ScoreScale), "no unit")
}

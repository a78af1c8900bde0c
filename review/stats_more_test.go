package review

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// irrCAC's cont3x3abstractors (R irrCAC README): 100 items, 2 abstractors, 3 categories.
func abstractors() (a, b []float64) {
	return fromTable([][]int{{13, 0, 0}, {0, 20, 7}, {0, 4, 56}}, []float64{1, 2, 3})
}

func TestScottPiAndBrennanPredigerIrrCAC(t *testing.T) {
	// R irrCAC README: scott2.table(cont3x3abstractors) = 0.7962397, bp2.table(...) = 0.835.
	a, b := abstractors()
	nom := Scale{Kind: Nominal}
	near(t, ScottPi(a, b, nom), 0.7962397, 5e-8)
	near(t, ScottPi(b, a, nom), 0.7962397, 5e-8)
	bp := BrennanPrediger(UnitsFromRaters(a, b), nom, Unweighted, Conventions{})
	near(t, bp, 0.835, 1e-15) // (0.89 - 1/3) / (2/3)
	if bp.Convention != "q=3; categories=observed" {
		t.Fatalf("convention %q", bp.Convention)
	}
	// q declared larger (5 categories): (0.89 - 1/5) / (4/5) = 0.8625.
	near(t, BrennanPrediger(UnitsFromRaters(a, b), nom, Unweighted, Conventions{Q: 5}), 0.8625, 1e-15)
	undefined(t, BrennanPrediger(UnitsFromRaters(a, b), nom, Unweighted, Conventions{Q: 2}), "q = 2", "3 categories")
	undefined(t, ScottPi([]float64{4, 4}, []float64{4, 4}, nom), "p_e = 1", "4")
	undefined(t, ScottPi(nil, nil, nom), "no item")
}

func TestBrennanPredigerWeightedHand(t *testing.T) {
	// Krippendorff's 4 raters x 12 units on 1..5, linear weights (see TestGwetPublishedAndHand):
	// p_a = 31/33, T_w = 15, p_e = 15/25, BP = (31/33 - 3/5) / (2/5) = 28/33.
	near(t, BrennanPrediger(kripp(), Scale{Kind: Ordinal, Min: 1, Max: 5}, Linear, Conventions{}), 28.0/33, 1e-14)
	undefined(t, BrennanPrediger(kripp(), Scale{Kind: Ordinal}, Linear, Conventions{Q: 9}), "declare the categories")
}

func TestRandolphFleissExample(t *testing.T) {
	// Fleiss (1971) worked example as on Wikipedia (10 subjects, 14 raters, 5 categories): published
	// P_bar = 0.378 (exactly 172/455). Randolph's (2005) free-marginal kappa = (P_bar - 1/5) / (4/5)
	// = 81/364 = 0.2225.
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
	s := RandolphKappa(units, Scale{Kind: Nominal}, Conventions{})
	near(t, s, 81.0/364, 1e-14)
	if s.Name != "randolph_kappa" || s.N != 10 {
		t.Fatalf("%+v", s)
	}
}

func TestCohenKappaH0(t *testing.T) {
	// scikit-learn's test table (kappa 8/23), null SE by hand (Fleiss, Cohen & Everitt 1969; unweighted
	// it is [p_e + p_e^2 - sum p_i+ p_+i (p_i+ + p_+i)] / ((1 - p_e)^2 n)): rows .4 .6, cols .3 .7,
	// p_e = .54, sum = .12*.7 + .42*1.3 = .63, var0 = (.54 + .2916 - .63) / (.2116 * 100) = 126/13225,
	// se0 = sqrt(126)/115 = 0.0976085, z = (8/23)/se0 = 3.56348.
	a, b := fromTable([][]int{{20, 20}, {10, 50}}, []float64{1, 0})
	nom := Scale{Kind: Nominal}
	se0, z, p := CohenKappaH0(a, b, nom, Unweighted, Conventions{})
	near(t, se0, math.Sqrt(126)/115, 1e-15)
	near(t, z, (8.0/23)*115/math.Sqrt(126), 1e-12)
	near(t, p, math.Erfc(z.Value/math.Sqrt2), 1e-18)
	if se0.Name != "cohen_kappa_se0" || z.Name != "cohen_kappa_z" || p.Name != "cohen_kappa_p" {
		t.Fatalf("names %s %s %s", se0.Name, z.Name, p.Name)
	}
	// The non-null SE under the default convention is CohenKappaSE's (0.0950081805, TestKappaPublished).
	near(t, CohenKappaSEWith(a, b, nom, Unweighted, Conventions{}), 0.0950081805151536, 5e-9)
	_, z1, _ := CohenKappaH0([]float64{1, 1}, []float64{1, 1}, nom, Unweighted, Conventions{})
	undefined(t, z1, "p_e = 1")
}

func TestPrevalenceBiasByrt(t *testing.T) {
	// Byrt, Bishop & Carlin (1993): PABAK = 2 p_o - 1, PI = (a - d)/n, BI = (b - c)/n and
	// kappa = (PABAK - PI^2 + BI^2) / (1 - PI^2 + BI^2). scikit-learn's table, 1 = positive:
	// a = 20, b = 20, c = 10, d = 50: PABAK = .4, PI = -.3, BI = .1, and (.4 - .09 + .01)/(1 - .09 + .01)
	// = 8/23 = Cohen's kappa - the identity holds.
	a, b := fromTable([][]int{{20, 20}, {10, 50}}, []float64{1, 0})
	nom := Scale{Kind: Nominal, Min: 0, Max: 1}
	pabak, pi, bi := PrevalenceBias(a, b, nom)
	near(t, pabak, 0.4, 1e-15)
	near(t, pi, -0.3, 1e-15)
	near(t, bi, 0.1, 1e-15)
	k := CohenKappa(a, b, nom, Unweighted)
	pi2, bi2 := pi.Value*pi.Value, bi.Value*bi.Value
	near(t, k, (pabak.Value-pi2+bi2)/(1-pi2+bi2), 1e-15)
	// An all-but-all accept batch: 90 both accept, 5 + 5 split, 0 both reject. p_o = .9, kappa
	// = -0.0526 (the paradox) while PABAK = .8 and PI = .9 says why.
	a, b = fromTable([][]int{{90, 5}, {5, 0}}, []float64{1, 0})
	pabak, pi, _ = PrevalenceBias(a, b, nom)
	near(t, pabak, 0.8, 1e-15)
	near(t, pi, 0.9, 1e-15)
	_, _, bi = PrevalenceBias([]float64{1, 2, 3}, []float64{1, 2, 3}, Scale{Kind: Nominal})
	undefined(t, bi, "two categories", "3")
	undefined(t, bi, "exactly two")
}

func TestKendallTauC(t *testing.T) {
	// SciPy's kendalltau documentation data x = [12, 2, 1, 12, 2], y = [1, 4, 7, 1, 0]: tau-b
	// = -0.47140452079103173 as documented. By hand: of the 10 pairs 2 concordant ((0,4), (3,4)),
	// 6 discordant, 2 tied; distinct values 3 in x, 4 in y, m = 3: tau_c = 2*3*(2-6) / (5^2 * 2) = -0.48
	// (SciPy kendalltau(x, y, variant='c')).
	x := []float64{12, 2, 1, 12, 2}
	y := []float64{1, 4, 7, 1, 0}
	near(t, KendallTauB(x, y), -0.47140452079103173, 1e-15)
	near(t, KendallTauC(x, y), -0.48, 1e-15)
	near(t, KendallTauC(y, x), -0.48, 1e-15)
	near(t, KendallTauC([]float64{1, 2, 3, nan}, []float64{1, 2, 3, 4}), 1, 1e-15) // 2*3*3/(9*2)
	undefined(t, KendallTauC([]float64{1, 1}, []float64{1, 2}), "no variance", "a")
	undefined(t, KendallTauC([]float64{1}, []float64{1}), "at least 2")
}

func TestICCTestShroutFleiss(t *testing.T) {
	// Shrout & Fleiss (1979) Table 2 (6 targets x 4 judges), published ICC(1,k) = .44, ICC(2,k) = .62,
	// ICC(3,k) = .91 beside the single forms; F tests and 95% CIs as R psych::ICC prints them for this
	// data (psych's own example, reproduced in dwoll's RExRepos): F 1.8 (5, 18) p 0.16477 and 11.0
	// (5, 15) p 0.00013; bounds -0.133..0.72, 0.019..0.76, 0.342..0.95, -0.884..0.91, 0.071..0.93,
	// 0.676..0.99. Exact F from S&F's mean squares: MSR/MSW = (1349/120)/(451/72), MSR/MSE =
	// (1349/120)/(367/360).
	u := [][]float64{{9, 2, 5, 8}, {6, 1, 3, 2}, {8, 4, 6, 8}, {7, 1, 2, 6}, {10, 5, 6, 9}, {6, 2, 4, 7}}
	f1 := (1349.0 / 120) / (451.0 / 72)
	f3 := (1349.0 / 120) / (367.0 / 360)
	for _, c := range []struct {
		kind           ICCKind
		name           string
		icc, f, df2, p float64
		lo, hi         float64
		loTol          float64
	}{
		{ICC11, "icc_1_1", .17, f1, 18, 0.16477, -0.133, 0.72, 5e-4},
		{ICC21, "icc_2_1", .29, f3, 15, 0.00013, 0.019, 0.76, 5e-4},
		{ICC31, "icc_3_1", .71, f3, 15, 0.00013, 0.342, 0.95, 5e-4},
		{ICC1K, "icc_1_k", .44, f1, 18, 0.16477, -0.884, 0.91, 5e-4},
		{ICC2K, "icc_2_k", .62, f3, 15, 0.00013, 0.071, 0.93, 5e-4},
		{ICC3K, "icc_3_k", .91, f3, 15, 0.00013, 0.676, 0.99, 5e-4},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ICCTest(u, c.kind, 0.95)
			near(t, r.ICC, c.icc, 0.005)
			if r.ICC.Name != c.name || r.TestUndefined != "" || r.DF1 != 5 || r.DF2 != c.df2 {
				t.Fatalf("%+v", r)
			}
			if math.Abs(r.F-c.f) > 1e-12 || math.Abs(r.P-c.p) > 5e-6 {
				t.Fatalf("F = %g p = %g, want %g %g", r.F, r.P, c.f, c.p)
			}
			ci := r.ICC.CI
			if ci == nil || ci.Undefined != "" || math.Abs(ci.Lo-c.lo) > c.loTol || math.Abs(ci.Hi-c.hi) > 0.005 {
				t.Fatalf("CI %+v, want %g..%g", ci, c.lo, c.hi)
			}
			near(t, ICC(u, c.kind), r.ICC.Value, 0)
		})
	}
	// By hand, the k forms: ICC(1,k) = (MSR - MSW)/MSR, ICC(3,k) = (MSR - MSE)/MSR.
	msr, msw, mse := 1349.0/120, 451.0/72, 367.0/360
	near(t, ICC(u, ICC1K), (msr-msw)/msr, 1e-14)
	near(t, ICC(u, ICC3K), (msr-mse)/msr, 1e-14)
	// Perfect consistency: MSE = 0, no F test.
	r := ICCTest(UnitsFromRaters([]float64{1, 2, 3}, []float64{2, 3, 4}), ICC31, 0.95)
	if r.TestUndefined == "" || r.ICC.CI == nil || r.ICC.CI.Undefined == "" {
		t.Fatalf("%+v", r)
	}
	if b, err := json.Marshal(r); err != nil || !strings.Contains(string(b), `"f":null`) {
		t.Fatalf("%s %v", b, err)
	}
	if r := ICCTest([][]float64{{1, 2}}, ICC21, 0.95); r.TestUndefined == "" || r.ICC.Defined() {
		t.Fatalf("%+v", r)
	}
}

func TestFleissKappaWeightedHand(t *testing.T) {
	// Gwet's weighted generalisation on Krippendorff's 4 x 12 data (scale 1..5), with p_a and pi from
	// TestGwetPublishedAndHand / TestFleissPublished: pi = (1/4, 13/48, 7/24, 5/48, 1/12).
	// Linear w = 1 - |k-l|/4: p_a = 31/33, p_e = sum w pi pi = 1537/2304, kappa = 6901/8437.
	// Quadratic w = 1 - (k-l)^2/16: p_a = 515/528, p_e = 157/192, kappa = 333/385.
	s15 := Scale{Kind: Ordinal, Min: 1, Max: 5}
	near(t, FleissKappaWeighted(kripp(), s15, Linear, Conventions{}), 6901.0/8437, 1e-14)
	q := FleissKappaWeighted(kripp(), s15, Quadratic, Conventions{})
	near(t, q, 333.0/385, 1e-14)
	if q.Name != "fleiss_kappa_quadratic" || q.Convention != "distance=value; categories=scale 1..5" {
		t.Fatalf("%q %q", q.Name, q.Convention)
	}
	// Unweighted it is Fleiss' kappa (7343/9647, TestFleissPublished).
	near(t, FleissKappaWeighted(kripp(), Scale{Kind: Nominal}, Unweighted, Conventions{}), 7343.0/9647, 1e-14)
	undefined(t, FleissKappaWeighted(kripp(), Scale{Kind: Nominal}, Linear, Conventions{}), "nominal")
}

func TestConventionsReproduceOtherTools(t *testing.T) {
	// a = 0 1 10, b = 1 0 10 (TestKappaWeightsFromDeclaredScale): value distances give linear 0.85,
	// quadratic 179/182. scikit-learn cohen_kappa_score(a, b, weights=...) and R irr kappa2 put the
	// observed labels 0 1 10 at positions 0 1 2: expected disagreement (1/9)*2*(1+2+1) = 8/9 linear,
	// (1/9)*2*(1+4+1) = 4/3 quadratic, observed 2/3 in both, so linear 1 - (2/3)/(8/9) = 0.25 and
	// quadratic 1 - (2/3)/(4/3) = 0.5.
	a := []float64{0, 1, 10}
	b := []float64{1, 0, 10}
	idx := Conventions{Distance: IndexDistance}
	lin := CohenKappaWith(a, b, ScoreScale, Linear, idx)
	near(t, lin, 0.25, 1e-15)
	if lin.Convention != "distance=index; categories=observed" {
		t.Fatalf("convention %q", lin.Convention)
	}
	near(t, CohenKappaWith(a, b, ScoreScale, Quadratic, idx), 0.5, 1e-15)
	def := CohenKappaWith(a, b, ScoreScale, Linear, Conventions{})
	near(t, def, 0.85, 1e-15) // the zero Conventions is CohenKappa
	if def.Convention != "distance=value; categories=scale 0..10" {
		t.Fatalf("convention %q", def.Convention)
	}
	// Declaring all 11 categories makes positions = values: index = value (scikit-learn labels=0..10).
	all := make([]float64, 11)
	for i := range all {
		all[i] = float64(i)
	}
	near(t, CohenKappaWith(a, b, ScoreScale, Linear, Conventions{Distance: IndexDistance, Categories: all}), 0.85, 1e-15)
	// A declared, non-contiguous category set with value distances: {0, 1, 10, 20} adds nothing to
	// kappa (unused categories have zero marginals).
	near(t, CohenKappaWith(a, b, ScoreScale, Linear, Conventions{Categories: []float64{20, 0, 1, 10}}), 0.85, 1e-15)
	undefined(t, CohenKappaWith(a, b, ScoreScale, Linear, Conventions{Categories: []float64{0, 1}}), "not one of the declared")
	// Gwet's q: units [7,7] [7,7] [7,8] give AC1 23/35 with q = 11 and 7/13 with q = 2
	// (TestGwetPublishedAndHand); Q reproduces irrCAC's categ.labels without listing them.
	v := [][]float64{{7, 7}, {7, 7}, {7, 8}}
	ac1 := GwetAC2With(v, Scale{Kind: Ordinal}, Unweighted, Conventions{Q: 11})
	near(t, ac1, 23.0/35, 1e-15)
	if ac1.Name != "gwet_ac1" || ac1.Convention != "q=11; categories=observed" {
		t.Fatalf("%q %q", ac1.Name, ac1.Convention)
	}
	near(t, GwetAC2With(v, Scale{Kind: Ordinal}, Unweighted, Conventions{}), 7.0/13, 1e-15)
	// AC2 under the default convention is GwetAC2 (6225/7249 linear on Krippendorff's data).
	near(t, GwetAC2With(kripp(), Scale{Kind: Ordinal, Min: 1, Max: 5}, Linear, Conventions{}), 6225.0/7249, 1e-14)
}

func TestParseConventions(t *testing.T) {
	if d, err := ParseKappaDistance("Index"); err != nil || d != IndexDistance {
		t.Fatal(d, err)
	}
	if d, err := ParseKappaDistance(""); err != nil || d != ValueDistance {
		t.Fatal(d, err)
	}
	if _, err := ParseKappaDistance("rank"); err == nil {
		t.Fatal("rank accepted")
	}
	if c, q, err := ParseCategories("11"); err != nil || q != 11 || c != nil {
		t.Fatal(c, q, err)
	}
	if c, q, err := ParseCategories("3, 1,2,1"); err != nil || q != 0 || len(c) != 3 || c[0] != 1 {
		t.Fatal(c, q, err)
	}
	for _, bad := range []string{"1", "x", "1,x", "2,2"} {
		if _, _, err := ParseCategories(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
	if !(Conventions{}).IsZero() || (Conventions{Q: 3}).IsZero() {
		t.Fatal("IsZero")
	}
}

func TestAgreementCarriesExtras(t *testing.T) {
	var rs []Rating
	judge := []float64{2, 3, 5, 7, 8, 9, 4, 6, 6, 10, 1, 3}
	human := []float64{3, 3, 4, 7, 9, 9, 5, 5, 6, 9, 2, 4}
	dec := []float64{0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0}
	dec2 := []float64{0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0}
	for i := range judge {
		id := int64(i + 1)
		rs = append(rs,
			Rating{Item: id, Dimension: "composition", Rater: "judge:x", Kind: "judge", Value: judge[i]},
			Rating{Item: id, Dimension: "composition", Rater: "human:ana", Kind: "human", Value: human[i]},
			Rating{Item: id, Dimension: "composition", Rater: "human:bo", Kind: "human", Value: judge[i]},
			Rating{Item: id, Dimension: DecisionDimension, Rater: "human:ana", Kind: "human", Value: dec[i]},
			Rating{Item: id, Dimension: DecisionDimension, Rater: "human:bo", Kind: "human", Value: dec2[i]},
		)
	}
	names := func(ss []Stat) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Name)
		}
		return strings.Join(out, " ")
	}
	find := func(ss []Stat, name string) Stat {
		for _, s := range ss {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("no %s in %s", name, names(ss))
		return Stat{}
	}
	for _, c := range []Conventions{{}, {Distance: IndexDistance}} {
		rep := Agreement(rs, AgreementOptions{Conventions: c})
		seen := map[string]bool{}
		for _, r := range rep.Rows {
			key := string(r.Kind) + "/" + r.Dimension
			seen[key] = true
			switch {
			case r.Kind == JudgeHuman && r.B == "human:ana" && r.Dimension == "composition":
				if got := names(r.Extra); got != "cohen_kappa_quadratic_se cohen_kappa_quadratic_se0 cohen_kappa_quadratic_z cohen_kappa_quadratic_p kendall_tau_c gwet_ac2_quadratic" {
					t.Fatalf("score extras %s", got)
				}
				if len(r.ICC) != 6 || r.ICC[4].ICC.Name != "icc_2_k" {
					t.Fatalf("icc %+v", r.ICC)
				}
				kq := find(r.Stats, "cohen_kappa_quadratic")
				near(t, kq, CohenKappaWith(RoundAll(judge), RoundAll(human), ScoreScale, Quadratic, c).Value, 1e-15)
				if !strings.HasPrefix(kq.Convention, "distance="+c.Distance.String()) {
					t.Fatalf("convention %q", kq.Convention)
				}
				near(t, find(r.Extra, "kendall_tau_c"), KendallTauC(judge, human).Value, 0)
			case r.Kind == HumanHuman && r.Dimension == DecisionDimension:
				if got := names(r.Extra); got != "cohen_kappa_se cohen_kappa_se0 cohen_kappa_z cohen_kappa_p scott_pi brennan_prediger pabak prevalence_index bias_index" {
					t.Fatalf("decision extras %s", got)
				}
				near(t, find(r.Extra, "pabak"), 2*10.0/12-1, 1e-15)
				if r.ICC != nil {
					t.Fatal("ICC on decisions")
				}
			case r.Kind == AllHumans && r.Dimension == "composition":
				if got := names(r.Extra); got != "krippendorff_alpha_interval krippendorff_alpha_ratio gwet_ac2_quadratic fleiss_kappa_quadratic" {
					t.Fatalf("all-humans score extras %s", got)
				}
				if len(r.ICC) != 6 {
					t.Fatalf("icc %d", len(r.ICC))
				}
			case r.Kind == AllHumans && r.Dimension == DecisionDimension:
				if got := names(r.Extra); got != "randolph_kappa gwet_ac1" {
					t.Fatalf("all-humans decision extras %s", got)
				}
			}
		}
		for _, k := range []string{"judge-human/composition", "human-human/decision", "all-humans/composition", "all-humans/decision"} {
			if !seen[k] {
				t.Fatalf("no %s row", k)
			}
		}
		b, err := json.Marshal(rep)
		if err != nil || !strings.Contains(string(b), `"convention":"distance=`+c.Distance.String()) ||
			!strings.Contains(string(b), `"extra":[`) || !strings.Contains(string(b), `"icc_tests":[`) {
			t.Fatalf("json: %v", err)
		}
	}
}

package review

import (
	"math"
	"strings"
	"testing"
)

var nan = math.NaN()

// near fails unless s is defined and within tol of want.
func near(t *testing.T, s Stat, want, tol float64) {
	t.Helper()
	if s.Undefined != "" {
		t.Fatalf("%s: undefined (%s), want %.10g", s.Name, s.Undefined, want)
	}
	if math.IsNaN(s.Value) || math.Abs(s.Value-want) > tol {
		t.Fatalf("%s = %.12g, want %.12g (tol %g)", s.Name, s.Value, want, tol)
	}
}

// undefined fails unless s is undefined with a reason mentioning every fragment.
func undefined(t *testing.T, s Stat, fragments ...string) {
	t.Helper()
	if s.Undefined == "" {
		t.Fatalf("%s = %g, want undefined", s.Name, s.Value)
	}
	if s.Value != 0 || math.IsNaN(s.Value) {
		t.Fatalf("%s: undefined but Value = %g", s.Name, s.Value)
	}
	for _, f := range fragments {
		if !strings.Contains(s.Undefined, f) {
			t.Fatalf("%s: reason %q lacks %q", s.Name, s.Undefined, f)
		}
	}
}

// fromTable expands a contingency table (rows = rater a) into paired ratings with labels.
func fromTable(tab [][]int, labels []float64) (a, b []float64) {
	for i, r := range tab {
		for j, c := range r {
			for range c {
				a = append(a, labels[i])
				b = append(b, labels[j])
			}
		}
	}
	return a, b
}

func TestStatPairBasics(t *testing.T) {
	// Complete pairs: (5,5), (7,8), (3,6); item 2 is missing in a.
	a := []float64{5, 7, nan, 3}
	b := []float64{5, 8, 4, 6}
	near(t, ExactAgreement(a, b), 1.0/3, 1e-15)
	near(t, WithinOne(a, b), 2.0/3, 1e-15)
	near(t, MAE(a, b), 4.0/3, 1e-15)       // (0 + 1 + 3) / 3
	near(t, MeanBias(a, b), -4.0/3, 1e-15) // (0 - 1 - 3) / 3
	near(t, MeanBias(b, a), 4.0/3, 1e-15)
	if s := MAE(a, b); s.N != 3 {
		t.Fatalf("N = %d, want 3", s.N)
	}
	for _, s := range []Stat{ExactAgreement(nil, nil), WithinOne([]float64{nan}, []float64{1}), MAE(nil, nil), MeanBias(nil, nil)} {
		undefined(t, s, "no item rated by both")
	}
	undefined(t, MAE([]float64{1, 2}, []float64{1}), "2 items", "1")
	undefined(t, ExactAgreement([]float64{math.Inf(1)}, []float64{1}), "infinite")
	// A large common offset costs no precision: bias of 1e12+1 vs 1e12 is exactly 1.
	near(t, MeanBias([]float64{1e12 + 1, 1e12 + 2}, []float64{1e12, 1e12 + 1}), 1, 0)
}

func TestStatStringNeverPrintsNaN(t *testing.T) {
	s := Pearson([]float64{7, 7}, []float64{1, 2})
	if got := s.String(); strings.Contains(got, "NaN") || !strings.Contains(got, "undefined") {
		t.Fatalf("String() = %q", got)
	}
	s = BootstrapPairs([]float64{1, 2, 3, 4}, []float64{1, 2, 4, 3}, MAE, 1, 200, 0.95)
	if got := s.String(); !strings.Contains(got, "95% CI") {
		t.Fatalf("String() = %q", got)
	}
}

func TestConfusionDeclaredAndObserved(t *testing.T) {
	a := []float64{0, 10, 10, 5, nan}
	b := []float64{0, 9, 10, 5, 3}
	m := Confusion(a, b, ScoreScale)
	if m.Undefined != "" || len(m.Labels) != 11 || m.N != 4 {
		t.Fatalf("declared: %+v", m)
	}
	if m.Counts[10][9] != 1 || m.Counts[10][10] != 1 || m.Counts[0][0] != 1 || m.Counts[5][5] != 1 {
		t.Fatalf("counts %v", m.Counts)
	}
	if rt, ct := m.RowTotals(), m.ColTotals(); rt[10] != 2 || ct[9] != 1 || ct[10] != 1 {
		t.Fatalf("totals %v %v", rt, ct)
	}
	// Observed labels sort numerically: 9 < 10, not "10" < "9".
	m = Confusion(a, b, Scale{Kind: Nominal})
	want := []float64{0, 5, 9, 10}
	if len(m.Labels) != len(want) {
		t.Fatalf("labels %v", m.Labels)
	}
	for i := range want {
		if m.Labels[i] != want[i] {
			t.Fatalf("labels %v, want %v", m.Labels, want)
		}
	}
	if m := Confusion([]float64{11}, []float64{3}, ScoreScale); !strings.Contains(m.Undefined, "outside") {
		t.Fatalf("out of scale: %+v", m)
	}
	if m := Confusion([]float64{2.5}, []float64{3}, ScoreScale); !strings.Contains(m.Undefined, "integer") {
		t.Fatalf("non-integer: %+v", m)
	}
}

func TestThresholdPRF(t *testing.T) {
	scores := []float64{9, 8, 7, 3, 2, nan}
	acc := []bool{true, true, false, true, false, true}
	// thr 7: judge accepts 9, 8, 7 -> TP 2 (9, 8), FP 1 (7), FN 1 (3), TN 1 (2); the NaN item is skipped.
	p, r, f := ThresholdPRF(scores, acc, 7)
	near(t, p, 2.0/3, 1e-15)
	near(t, r, 2.0/3, 1e-15)
	near(t, f, 2.0/3, 1e-15) // 2*2 / (2*2 + 1 + 1)
	if p.N != 5 {
		t.Fatalf("N = %d", p.N)
	}
	// thr 10: the judge accepts nothing: precision undefined, recall 0, F1 = 0 / (0 + 0 + 3) = 0.
	p, r, f = ThresholdPRF(scores, acc, 10)
	undefined(t, p, "accepts nothing")
	near(t, r, 0, 0)
	near(t, f, 0, 0)
	// Humans accepted nothing: recall undefined; judge rejects everything too: F1 undefined.
	p, r, f = ThresholdPRF([]float64{1, 2}, []bool{false, false}, 5)
	undefined(t, p)
	undefined(t, r, "humans accepted nothing")
	undefined(t, f)
	p, _, _ = ThresholdPRF([]float64{1}, []bool{true, false}, 5)
	undefined(t, p, "1 scores but 2 decisions")
}

func TestThresholdBest(t *testing.T) {
	scores := []float64{1, 2, 3, 4, 5, 6}
	acc := []bool{false, false, false, true, true, true}
	thr, k := BestThreshold(scores, acc, nil)
	if thr != 4 {
		t.Fatalf("thr = %g, want 4", thr)
	}
	near(t, k, 1, 1e-15)
	if k.Note == "" {
		t.Fatal("missing note")
	}
	// One swapped pair: at thr 4 the table is TP 2, FP 1, FN 1, TN 2: p_o = 4/6, p_e = 1/2, kappa = 1/3.
	acc = []bool{false, false, true, false, true, true}
	thr, k = BestThreshold(scores, acc, []float64{4})
	if thr != 4 {
		t.Fatalf("thr = %g", thr)
	}
	near(t, k, 1.0/3, 1e-15)
	// Every item accepted and every threshold accepting all: p_e = 1 everywhere.
	_, k = BestThreshold([]float64{5, 6}, []bool{true, true}, []float64{1})
	undefined(t, k, "p_e = 1")
}

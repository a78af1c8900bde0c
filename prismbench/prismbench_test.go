package prismbench

import (
	"math"
	"testing"
)

func f(x float64) *float64 { return &x }

func verdicts(model, track, kind string, scores ...*float64) []Verdict {
	var out []Verdict
	for i, s := range scores {
		out = append(out, Verdict{Model: model, Judge: "j", Lang: "en", Track: track, Index: i, Kind: kind, Score: s})
	}
	return out
}

func wantCell(t *testing.T, what string, c Cell, value float64, n int) {
	t.Helper()
	if c.Value == nil {
		t.Errorf("%s: Value nil, want %.1f", what, value)
		return
	}
	if *c.Value != value || c.N != n {
		t.Errorf("%s: got %.4f (n=%d), want %.1f (n=%d)", what, *c.Value, c.N, value, n)
	}
}

func wantNil(t *testing.T, what string, c Cell) {
	t.Helper()
	if c.Value != nil || c.N != 0 {
		t.Errorf("%s: got %v (n=%d), want no value", what, *c.Value, c.N)
	}
}

// synthetic: one model, 3 prompts per track (6 verdicts expected per track).
//
//	imagination alignment : 8, 6, failed(nil)       -> (8+6)/2     = 7.0  -> 70.0 (n=2)
//	imagination aesthetics: 7, 9, [index 2 absent]  -> (7+9)/2     = 8.0  -> 80.0 (n=2)
//	imagination avg (pooled): (8+6+7+9)/4 = 30/4    = 7.5  -> 75.0 (n=4)
//	entity alignment: 10, 5, 3                      -> 18/3        = 6.0  -> 60.0 (n=3)
//	entity aesthetics: none                         -> nil
//	entity avg (pooled, alignment alone): 18/3      = 6.0  -> 60.0 (n=3)
//	overall align: (8+6+10+5+3)/5 = 32/5            = 6.4  -> 64.0 (n=5)
//	overall aes:   (7+9)/2                          = 8.0  -> 80.0 (n=2)
//	overall avg:   48/7 = 6.857142...               -> 68.571... -> 68.6 (n=7)
//	  (mean of the track avgs would be (7.5+6)/2 = 6.75 -> 67.5; mean of overall align/aes (6.4+8)/2 = 7.2 -> 72.0)
//	coverage imagination: expected 6, present 4, failed 1, missing 1
//	coverage entity:      expected 6, present 3, failed 0, missing 3
//	coverage other tracks: expected 6, missing 6
func TestAggregateSynthetic(t *testing.T) {
	var vs []Verdict
	vs = append(vs, verdicts("M", "imagination", KindAlignment, f(8), f(6), nil)...)
	vs = append(vs, verdicts("M", "imagination", KindAesthetics, f(7), f(9))...)
	vs = append(vs, verdicts("M", "entity", KindAlignment, f(10), f(5), f(3))...)
	rows := Aggregate(vs, 3)
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	r := rows[0]
	if r.Model != "M" || r.Judge != "j" || r.Lang != "en" || r.Published || r.Rank != 1 {
		t.Errorf("row identity: %+v", r)
	}
	im, en := r.Tracks["imagination"], r.Tracks["entity"]
	wantCell(t, "imagination align", im.Align, 70.0, 2)
	wantCell(t, "imagination aes", im.Aes, 80.0, 2)
	wantCell(t, "imagination avg", im.Avg, 75.0, 4)
	wantCell(t, "entity align", en.Align, 60.0, 3)
	wantNil(t, "entity aes", en.Aes)
	wantCell(t, "entity avg", en.Avg, 60.0, 3)
	wantCell(t, "overall align", r.Overall.Align, 64.0, 5)
	wantCell(t, "overall aes", r.Overall.Aes, 80.0, 2)
	wantCell(t, "overall avg", r.Overall.Avg, 68.6, 7)
	if math.Abs(r.Overall.Avg.Mean-48.0/7) > 1e-12 {
		t.Errorf("overall mean %v, want 48/7", r.Overall.Avg.Mean)
	}
	if len(r.Tracks) != 7 {
		t.Errorf("got %d tracks, want the 7 official ones", len(r.Tracks))
	}
	for _, tr := range Tracks[2:] {
		wantNil(t, tr+" avg", r.Tracks[tr].Avg)
		if c := r.Coverage[tr]; c != (Coverage{Expected: 6, Missing: 6}) {
			t.Errorf("coverage %s: %+v", tr, c)
		}
	}
	if c := r.Coverage["imagination"]; c != (Coverage{Expected: 6, Present: 4, Failed: 1, Missing: 1}) {
		t.Errorf("coverage imagination: %+v", c)
	}
	if c := r.Coverage["entity"]; c != (Coverage{Expected: 6, Present: 3, Missing: 3}) {
		t.Errorf("coverage entity: %+v", c)
	}
	if c := r.TotalCoverage(); c != (Coverage{Expected: 42, Present: 7, Failed: 1, Missing: 34}) {
		t.Errorf("total coverage: %+v", c)
	}
	if got := r.CoverageString(); got != "7/42 (1 failed, 34 missing)" {
		t.Errorf("CoverageString = %q", got)
	}
}

// Pooling with unequal counts: style alignment [10] (n=1), aesthetics [4, 4, 4] (n=3).
//
//	align 10.0 -> 100.0; aes 4.0 -> 40.0
//	pooled avg = (10+4+4+4)/4 = 22/4 = 5.5 -> 55.0   (mean of means (10+4)/2 = 7.0 -> 70.0 is NOT used)
//
// Across tracks: composition alignment [2] alone (n=1) -> overall avg = (22+2)/5 = 4.8 -> 48.0,
// not the mean of track avgs (5.5+2)/2 = 3.75 -> 37.5.
func TestAggregatePoolsUnequalCounts(t *testing.T) {
	var vs []Verdict
	vs = append(vs, verdicts("M", "style", KindAlignment, f(10))...)
	vs = append(vs, verdicts("M", "style", KindAesthetics, f(4), f(4), f(4))...)
	vs = append(vs, verdicts("M", "composition", KindAlignment, f(2))...)
	r := Aggregate(vs, 100)[0]
	wantCell(t, "style align", r.Tracks["style"].Align, 100.0, 1)
	wantCell(t, "style aes", r.Tracks["style"].Aes, 40.0, 3)
	wantCell(t, "style avg", r.Tracks["style"].Avg, 55.0, 4)
	wantCell(t, "composition avg", r.Tracks["composition"].Avg, 20.0, 1)
	wantCell(t, "overall align", r.Overall.Align, 60.0, 2) // (10+2)/2
	wantCell(t, "overall aes", r.Overall.Aes, 40.0, 3)
	wantCell(t, "overall avg", r.Overall.Avg, 48.0, 5)
	if c := r.Coverage["style"]; c != (Coverage{Expected: 200, Present: 4, Missing: 196}) {
		t.Errorf("coverage style: %+v", c)
	}
}

// Rounding is half away from zero on mean x 10, one decimal:
//
//	31 sevens + 169 eights: sum 217+1352 = 1569, n 200, mean 7.845   -> 78.45 -> 78.5
//	1551 sevens + 8449 eights: sum 10857+67592 = 78449, n 10000, mean 7.8449 -> 78.449 -> 78.4
func TestAggregateRoundingEdge(t *testing.T) {
	build := func(model string, sevens, eights int) []Verdict {
		var vs []Verdict
		for i := 0; i < sevens+eights; i++ {
			s := 8.0
			if i < sevens {
				s = 7
			}
			vs = append(vs, Verdict{Model: model, Judge: "j", Lang: "en", Track: "entity", Index: i, Kind: KindAlignment, Score: f(s)})
		}
		return vs
	}
	r := Aggregate(build("A", 31, 169), 100)[0]
	wantCell(t, "7.845", r.Tracks["entity"].Align, 78.5, 200)
	r = Aggregate(build("B", 1551, 8449), 100)[0]
	wantCell(t, "7.8449", r.Tracks["entity"].Align, 78.4, 10000)
	for _, c := range []struct{ mean, want float64 }{{7.845, 78.5}, {7.8449, 78.4}, {7.85, 78.5}, {0, 0}, {10, 100}, {6.25, 62.5}, {6.2549, 62.5}} {
		if got := report10(c.mean, 1); got != c.want {
			t.Errorf("report10(%v) = %v, want %v", c.mean, got, c.want)
		}
	}
}

func TestAggregateSortRankDuplicates(t *testing.T) {
	var vs []Verdict
	vs = append(vs, verdicts("low", "entity", KindAlignment, f(3))...)
	vs = append(vs, verdicts("high", "entity", KindAlignment, f(9))...)
	vs = append(vs, verdicts("also-high", "entity", KindAlignment, f(9))...)
	// a rerun of "low" index 0 replaces the first verdict: 3 -> 5
	vs = append(vs, Verdict{Model: "low", Judge: "j", Lang: "en", Track: "entity", Index: 0, Kind: KindAlignment, Score: f(5)})
	// a second judge: ranks restart
	vs = append(vs, Verdict{Model: "low", Judge: "k", Lang: "en", Track: "entity", Index: 0, Kind: KindAlignment, Score: f(1)})
	// unknown kind is ignored
	vs = append(vs, Verdict{Model: "low", Judge: "j", Lang: "en", Track: "entity", Index: 1, Kind: "other", Score: f(0)})
	rows := Aggregate(vs, 1)
	var got []string
	for _, r := range rows {
		got = append(got, r.Model+"/"+r.Judge+"#"+string(rune('0'+r.Rank)))
	}
	want := []string{"also-high/j#1", "high/j#2", "low/j#3", "low/k#1"}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rows %v, want %v", got, want)
		}
	}
	wantCell(t, "low rerun", rows[2].Overall.Avg, 50.0, 1)
	if c := rows[2].Coverage["entity"]; c != (Coverage{Expected: 2, Present: 1, Missing: 1}) {
		t.Errorf("coverage: %+v", c)
	}
}

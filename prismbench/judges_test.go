package prismbench

import "testing"

func TestCompareJudgesPerImage(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	var vs []Verdict
	a := []float64{2, 5, 8, 9}
	b := []float64{3, 5, 7.6, 9}
	for i := range a {
		vs = append(vs, Verdict{Model: "m", Judge: "ja", Lang: "en", Track: "imagination", Index: i + 1, Kind: KindAlignment, Score: f(a[i])},
			Verdict{Model: "m", Judge: "jb", Lang: "en", Track: "imagination", Index: i + 1, Kind: KindAlignment, Score: f(b[i])})
	}
	vs = append(vs, Verdict{Model: "m", Judge: "jb", Lang: "en", Track: "imagination", Index: 9, Kind: KindAlignment, Score: f(1)}) // only one judge
	rows := Aggregate(vs, 0)
	cs := CompareJudgesPerImage(rows, vs)
	if len(cs) != 1 || cs[0].A != "ja" || cs[0].B != "jb" || cs[0].ImagesN != 4 {
		t.Fatalf("%+v", cs)
	}
	got := map[string]float64{}
	for _, s := range cs[0].PerImage["alignment"] {
		got[s.Name] = s.Value
	}
	// |2-3| + 0 + |8-7.6| + 0 = 1.4 over 4 images; rounded, 7.6 -> 8: three of four agree exactly
	if mae := got["mae"]; mae < 0.349 || mae > 0.351 {
		t.Errorf("MAE %v, want 0.35 (%v)", mae, got)
	}
	if ex := got["exact_agreement"]; ex != 0.75 {
		t.Errorf("exact agreement %v, want 0.75 (%v)", ex, got)
	}
}

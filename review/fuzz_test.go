package review

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/internal/fuzzcheck"
)

// FuzzParseFilter feeds the filter syntax (the / prompt, --filter) to its parser: no panic, and what
// it accepts FilterString writes back to a string that parses to the same filter, with finite bounds.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"",
		"kind=generation track=text_rendering,style model=m1 lang=en",
		"subset=a,b subset=c has-caption=detail",
		"score=text=7:10 score=clarity=8: score=entity=:3 score=score_style=5",
		"decision=accepted,flagged annotator=ann consensus=2",
		"judge=prism_alignment=0:4 agreement=disagree",
		"KIND=sample has_caption=detail",
		"score=text=NaN:",
		"score=x=1e400",
		"consensus=0",
		"bogus=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzcheck.Check(t, len(s), func() {
			flt, err := ParseFilter(s)
			if err != nil {
				return
			}
			for _, r := range append(append([]ScoreRange(nil), flt.Scores...), flt.JudgeScores...) {
				if math.IsNaN(r.Min) || math.IsNaN(r.Max) || math.IsInf(r.Min, 0) || math.IsInf(r.Max, 0) || r.Min > r.Max {
					t.Errorf("%q: range %+v accepted", s, r)
				}
			}
			back := FilterString(flt)
			again, err := ParseFilter(back)
			if err != nil {
				t.Fatalf("%q -> %q: %v", s, back, err)
			}
			if !reflect.DeepEqual(normal(flt), normal(again)) {
				t.Errorf("%q -> %q: %+v, then %+v", s, back, flt, again)
			}
			if strings.ContainsAny(back, "\n\t") && !strings.ContainsAny(s, "\n\t") {
				t.Errorf("%q -> %q", s, back)
			}
		})
	})
}

// normal makes empty lists nil, so that the comparison is about content.
func normal(f Filter) Filter {
	for _, l := range []*[]string{&f.Subsets, &f.Tracks, &f.Models, &f.Decision} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(f.Scores) == 0 {
		f.Scores = nil
	}
	if len(f.JudgeScores) == 0 {
		f.JudgeScores = nil
	}
	return f
}

// FuzzParseBins feeds stratification bins (loupe sample --bins) to their parser: what it accepts is
// finite, in order and without overlap.
func FuzzParseBins(f *testing.F) {
	for _, s := range []string{"", "0-3,4-6,7-10", "5", "0-10", "3-1", "0-5,5-10", "NaN", "0-Inf", "-1-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzcheck.Check(t, len(s), func() {
			bs, err := ParseBins(s)
			if err != nil {
				return
			}
			for i, b := range bs {
				if math.IsNaN(b.Lo) || math.IsNaN(b.Hi) || math.IsInf(b.Lo, 0) || math.IsInf(b.Hi, 0) || b.Lo > b.Hi ||
					i > 0 && b.Lo <= bs[i-1].Hi {
					t.Errorf("%q: bins %v accepted", s, bs)
				}
			}
		})
	})
}

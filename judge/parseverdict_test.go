package judge

import (
	"testing"

	"github.com/loupe-dev/loupe/internal/fuzzcheck"
)

func TestParseVerdict(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		score     float64 // -1: failed
		why       string
	}{
		{"plain", `{"justification": "Sign reads BAKERY.", "score": 8}`, 8, "Sign reads BAKERY."},
		{"fenced", "```json\n{\"justification\": \"ok\", \"score\": 7.5,}\n```", 7.5, "ok"},
		{"trailing comma in skeleton", "{\n \"justification\": \"x\",\n \"score\": 0,\n}", 0, "x"},
		{"lenient quotes and keys", `{justification: 'fine', score: 6}`, 6, "fine"},
		{"string score rejected", `{"justification": "x", "score": "8"}`, -1, "x"},
		{"out of range", `{"justification": "x", "score": 11}`, -1, "x"},
		{"no score", `{"justification": "x"}`, -1, "x"},
		{"not json", `I think it is an 8.`, -1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := ParseVerdict(tc.raw)
			if tc.score < 0 {
				if v.Value != nil || v.Error == "" {
					t.Fatalf("want failure, got %+v", v)
				}
			} else if v.Value == nil || *v.Value != tc.score {
				t.Fatalf("score %v (err %s), want %v", v.Value, v.Error, tc.score)
			}
			if v.Justification != tc.why || v.Raw != tc.raw {
				t.Errorf("justification %q raw kept %v", v.Justification, v.Raw == tc.raw)
			}
		})
	}
}

// FuzzParseVerdict feeds judge answers to the PRISM-Bench verdict parser.
func FuzzParseVerdict(f *testing.F) {
	for _, s := range []string{
		`{"justification": "Sign reads BAKERY.", "score": 8}`,
		"```json\n{\"justification\": \"ok\", \"score\": 7.5,}\n```",
		"{\n \"justification\": \"x\",\n \"score\": 0,\n}",
		`{justification: 'fine', score: 6}`,
		`{"justification": "x", "score": "8"}`,
		`{"justification": "x", "score": 11}`,
		`{"justification": "x", "score": 1e400}`,
		`{"justification": "x"}`,
		`I think it is an 8.`,
		`{"a": [[[[[[[[[[1]]]]]]]]]], "score": 3}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		fuzzcheck.Check(t, len(raw), func() {
			v := ParseVerdict(raw)
			if v.Raw != raw {
				t.Error("raw text not kept")
			}
			if (v.Value == nil) == (v.Error == "") {
				t.Errorf("score %v with error %q", v.Value, v.Error)
			}
			if v.Value != nil && (*v.Value < 0 || *v.Value > 10) {
				t.Errorf("score %v outside 0-10", *v.Value)
			}
		})
	})
}

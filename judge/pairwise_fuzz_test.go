package judge

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/loupe-dev/loupe/internal/fuzzcheck"
)

// FuzzParsePairVerdict feeds judge answers to the pairwise verdict parser: it never panics, stays within
// the time and allocation bounds, returns either a valid pick or an error (never both or neither), and
// reads back any well-formed answer with the justification the fuzzer made up.
func FuzzParsePairVerdict(f *testing.F) {
	for _, s := range []string{
		`{"justification": "Image 1 spells OPEN LATE.", "winner": "1"}`,
		`{"justification": "x", "winner": "tie"}`,
		"```json\n{\"justification\": \"ok\", \"winner\": \"2\",}\n```",
		`{justification: 'fine', winner: 'left'}`,
		`{"Winner": "Image B", "reason": "sharper"}`,
		`{"winner": 1}`,
		`{"winner": 1e400}`,
		`{"winner": "3"}`,
		`{"winner": null}`,
		`{"winner": {"a": [[[[1]]]]}}`,
		`{"justification": "x"}`,
		`The first one. {"winner": "1"} done`,
		`Image 2`,
		`**tie**`,
		`{"justification": "The first image`,
		`{{{{`,
		`"`,
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		fuzzcheck.Check(t, len(raw), func() {
			p, _, err := ParsePairVerdict(raw)
			if (err == nil) != p.Valid() {
				t.Errorf("pick %q with error %v", p, err)
			}
			if err != nil && p != "" {
				t.Errorf("a failed parse returned pick %q", p)
			}
			if q, ok := ParsePick(raw); ok && !q.Valid() {
				t.Errorf("ParsePick(%q) = invalid %q", raw, q)
			}
			if !utf8.ValidString(raw) {
				return
			}
			for _, want := range []Pick{PickFirst, PickSecond, PickTie} {
				b, _ := json.Marshal(map[string]string{"justification": raw, "winner": string(want)})
				got, j, err := ParsePairVerdict(string(b))
				if err != nil || got != want || j != raw {
					t.Errorf("well-formed answer %s read as %q %q %v", b, got, j, err)
				}
			}
		})
	})
}

package export

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestLineEncoderMatchesMarshal: the manifest line encoder writes what json.Marshal(lineOf(...))
// writes, for the fixture and for random records (escapes, invalid UTF-8, odd floats, empty texts,
// every optional part).
func TestLineEncoderMatchesMarshal(t *testing.T) {
	var e lineEncoder
	check := func(r *Record, img string) {
		t.Helper()
		want, werr := json.Marshal(lineOf(r, img))
		got, gerr := e.encode(r, img)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%q: error %v, json.Marshal's %v", r.ID, gerr, werr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %s\nwant %s", r.ID, got, want)
		}
	}
	recs := fixture(t)
	for i := range recs {
		check(&recs[i], "k.png")
		check(&recs[i], "")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	strs := []string{"", "plain", "with \"quotes\" and \\", "<b>&amp;</b>", "tab\tnew\nline\r", "\x00\x01\x1f", "蓝色球体",
		"bad \xff utf8", "line\u2028sep\u2029", "only\u2029", "em—dash “quoted”", "\xe2\x80", "\xe2", "emoji 😀", "a", "composition", "clarity", "prism_alignment", "text", "zh", "en"}
	floats := []float64{0, math.Copysign(0, -1), 1, 8.5, 10, 11, -3, 1e-7, 1.5e-9, 1e21, 123456789012345678901234.0, 0.1, math.NaN(), math.Inf(1), 7.25, 1e20}
	str := func() string { return strs[rng.IntN(len(strs))] }
	for i := range 3000 {
		r := &Record{ID: str(), Kind: str(), Subset: str(), Track: str(), Model: str(), Decision: str(), DecidedBy: str()}
		if rng.IntN(3) > 0 {
			r.Texts = map[string]map[string]string{}
			for range rng.IntN(4) {
				langs := map[string]string{}
				for range rng.IntN(3) {
					langs[str()] = str()
				}
				r.Texts[str()] = langs
			}
		}
		if rng.IntN(3) > 0 {
			r.Values = map[string]Value{}
			for range rng.IntN(5) {
				r.Values[str()] = Value{Value: floats[rng.IntN(len(floats))], Source: str(), Who: str(), When: str(), RubricHash: str()}
			}
		}
		r.History = History{Events: rng.IntN(5), Annotators: rng.IntN(3), Accepts: rng.IntN(2), Rejects: rng.IntN(2), Flags: rng.IntN(2), Undos: rng.IntN(2), Last: str()}
		if rng.IntN(5) == 0 {
			r.History.Answers = []Answer{{Annotator: str(), Decision: "accept", Reason: str()}}
		}
		if rng.IntN(5) == 0 {
			v := floats[rng.IntN(len(floats))]
			r.History.Log = []Event{{Seq: 1, Annotator: str(), Kind: "set", Value: &v, At: str()}}
		}
		if rng.IntN(4) == 0 {
			r.Prompt = &PromptRef{Suite: str(), Lang: str(), Index: i}
		}
		switch rng.IntN(3) {
		case 1:
			r.Captions = []string{}
		case 2:
			r.Captions = []string{str(), str()}
		}
		if rng.IntN(4) == 0 {
			r.Pipeline = map[string]float64{str(): floats[rng.IntN(len(floats))], str(): floats[rng.IntN(len(floats))]}
		}
		if rng.IntN(4) == 0 {
			v := floats[rng.IntN(len(floats))]
			r.Labels = []Label{{Dimension: str(), Rater: str(), RaterKind: "judge", Value: &v, Raw: str()}}
		}
		check(r, str())
	}
}

// TestJSONStringMatchesMarshal: jsonString writes what json.Marshal writes for every byte alone and at
// every place of an eight-byte block, and for random strings of bytes, runes and escapes.
func TestJSONStringMatchesMarshal(t *testing.T) {
	check := func(s string) {
		t.Helper()
		want, _ := json.Marshal(s)
		if got := jsonString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("%q: got %s, want %s", s, got[1:], want)
		}
	}
	for c := range 256 {
		for at := range 17 {
			check(strings.Repeat("a", at) + string([]byte{byte(c)}) + strings.Repeat("b", 16-at))
		}
	}
	parts := []string{"a", "plain text ", "\"", "\\", "<", ">", "&", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "蓝色", "\u2028", "\u2029",
		"“", "—", "\xe2\x80", "\xff", "😀", "\xf0\x9f", "\ufffd", "0123456789abcdef"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		check(b.String())
	}
}

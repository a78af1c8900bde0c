package judge

import (
	"encoding/json"
	"testing"
)

// #17.13: --parse extract rescues a verdict wrapped in prose - the first balanced JSON object - and says
// it did; the official parse keeps failing it.
func TestParseExtract(t *testing.T) {
	cases := []struct {
		raw   string
		score float64 // -1: fails in both modes
		mode  string  // the mode recorded when extract parses it
	}{
		{`{"justification": "clear", "score": 8}`, 8, ""},
		{"Here is my verdict:\n{\"justification\": \"a {brace} in text\", \"score\": 7}\nHope this helps.", 7, ParseExtract},
		{`The image shows a cat. {"justification": "quote \" and } inside", "score": 3} trailing`, 3, ParseExtract},
		{`Score: {"score": 9, "justification": "nested {\"a\": {\"b\": 1}}"}. Also {"score": 2}`, 9, ParseExtract},
		{`no json at all, score 8`, -1, ""},
		{`{"justification": "never closed", "score": 5`, -1, ""},
		{`Verdict: {"justification": "x", "score": "8"}`, -1, ""}, // a string score is still refused
	}
	for _, c := range cases {
		off := ParseVerdict(c.raw)
		ext := ParseVerdictMode(c.raw, ParseExtract)
		if c.score < 0 {
			if ext.Value != nil {
				t.Errorf("%q: extract gave %v", c.raw, *ext.Value)
			}
			continue
		}
		if ext.Value == nil || *ext.Value != c.score || ext.Parse != c.mode {
			t.Errorf("%q: extract %+v, want %v (%q)", c.raw, ext, c.score, c.mode)
		}
		if c.mode == ParseExtract && off.Value != nil {
			t.Errorf("%q: the official parse accepted prose", c.raw)
		}
	}
	body, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": "Sure! {\"justification\": \"ok\", \"score\": 6}"}, "finish_reason": "stop"}}})
	if r := Interpret(body); r.Value != nil {
		t.Errorf("official: %+v", r)
	}
	if r := InterpretMode(body, ParseExtract); r.Value == nil || *r.Value != 6 || r.Parse != ParseExtract {
		t.Errorf("extract: %+v", r)
	}
}

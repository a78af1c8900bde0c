package judge

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/loupe-dev/loupe/review"
)

var (
	trailingComma = regexp.MustCompile(`,\s*([}\]])`)
	bareKey       = regexp.MustCompile(`([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:`)
)

// Parse modes. The official one (ParseStrict, "") is PRISM-Bench's; ParseExtract also takes the
// first balanced JSON object out of prose that wraps it, and marks the verdicts it rescued so that
// reports keep them apart.
const (
	ParseStrict  = ""
	ParseExtract = "extract"
)

// ParseModes lists the accepted --parse values.
var ParseModes = []string{"official", ParseExtract}

// ParseVerdictMode is ParseVerdict, and in ParseExtract mode a verdict the official parse fails for
// not being a JSON object is parsed again from the first balanced JSON object in the text (Parse
// says so). A score is checked the same way in both modes.
func ParseVerdictMode(raw, mode string) review.Verdict {
	v := ParseVerdict(raw)
	if mode != ParseExtract || v.Value != nil || !strings.HasPrefix(v.Error, "not a JSON object") {
		return v
	}
	obj := FirstJSONObject(raw)
	if obj == "" {
		return v
	}
	w := ParseVerdict(obj)
	if w.Value == nil {
		v.Error = "extract: " + w.Error
		return v
	}
	w.Raw, w.Parse = raw, ParseExtract
	return w
}

// FirstJSONObject returns the first balanced {...} in s (braces inside JSON strings skipped), or "".
func FirstJSONObject(s string) string {
	start := strings.IndexByte(s, '{')
	if start < 0 {
		return ""
	}
	depth, inStr, esc := 0, false, false
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return s[start : i+1]
			}
		}
	}
	return "" // the first brace never closes: not a JSON object wrapped in prose
}

// ParseVerdict parses a judge response as PRISM-Bench does: strip, drop a leading ```json and a trailing
// ```, strip, remove trailing commas before } or ], strict JSON, else a lenient pass (single quotes,
// unquoted keys). A score counts only as a JSON number within 0-10; a string "8" is rejected. The
// verdict holds the score (Value; nil when it failed to parse or has no numeric score), the
// justification, the raw text, and why it failed (Error, "" if it parsed).
func ParseVerdict(raw string) review.Verdict {
	v := review.Verdict{Raw: raw}
	s := strings.TrimSpace(raw)
	s = strings.TrimPrefix(s, "```json")
	s = strings.TrimPrefix(s, "```")
	s = strings.TrimSuffix(s, "```")
	s = strings.TrimSpace(s)
	s = trailingComma.ReplaceAllString(s, "$1")
	var obj map[string]any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || dec.More() {
		lenient := bareKey.ReplaceAllString(strings.ReplaceAll(s, "'", `"`), `$1"$2":`)
		dec = json.NewDecoder(strings.NewReader(lenient))
		dec.UseNumber()
		obj = nil
		if err2 := dec.Decode(&obj); err2 != nil {
			if err == nil {
				err = errors.New("trailing data after the JSON object")
			}
			v.Error = "not a JSON object: " + jsonSyntaxErr(err)
			return v
		}
	}
	if j, ok := obj["justification"].(string); ok {
		v.Justification = j
	}
	switch sc := obj["score"].(type) {
	case json.Number:
		f, err := sc.Float64()
		if err != nil {
			v.Error = fmt.Sprintf("score %s is not a number", sc)
		} else if f < 0 || f > 10 {
			v.Error = fmt.Sprintf("score %v is outside 0-10", f)
		} else {
			v.Value = &f
		}
	case nil:
		v.Error = `no "score" field`
	default:
		v.Error = fmt.Sprintf("score %v is not a JSON number", sc)
	}
	return v
}

// jsonSyntaxErr says where a JSON syntax error is.
func jsonSyntaxErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	return err.Error()
}

package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// PromptLine is one line of a PRISM-Bench prompt file: line Index (0-based) goes with image <Index>.png.
type PromptLine struct {
	Index  int
	Prompt string
}

// ReadPrompts reads captions/<lang>/<track>.jsonl. Every physical line keeps its index: a line that
// does not parse, or has no string "prompt", is reported as a Problem and its index left empty, so later
// lines never shift onto the wrong image (the official loader skips such lines silently).
func ReadPrompts(path string) ([]PromptLine, []Problem, error) {
	data, err := ReadRegular(path)
	if err != nil {
		return nil, nil, err
	}
	var out []PromptLine
	var probs []Problem
	lines := bytes.Split(data, []byte("\n"))
	if n := len(lines); n > 0 && len(bytes.TrimSpace(lines[n-1])) == 0 {
		lines = lines[:n-1]
	}
	for i, ln := range lines {
		where := fmt.Sprintf("line %d", i+1)
		ln = bytes.TrimSpace(ln)
		if len(ln) == 0 {
			probs = append(probs, Problem{path, where, "empty line (prompt index " + fmt.Sprint(i) + " has no prompt)"})
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(ln, &obj); err != nil {
			probs = append(probs, Problem{path, where, "invalid JSON: " + jsonErr(err)})
			continue
		}
		raw, ok := obj["prompt"]
		var p string
		if !ok || json.Unmarshal(raw, &p) != nil || strings.TrimSpace(p) == "" {
			probs = append(probs, Problem{path, where, `no string field "prompt"`})
			continue
		}
		out = append(out, PromptLine{Index: i, Prompt: p})
	}
	return out, probs, nil
}

func jsonErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", se, se.Offset)
	}
	return err.Error()
}

// Verdict is a judge's parsed answer: a 0-10 score and a one-sentence justification.
type Verdict struct {
	Score         *float64 // nil when the verdict failed to parse or has no numeric score
	Justification string
	Raw           string
	Err           string // why the verdict failed, "" if it parsed
}

var (
	trailingComma = regexp.MustCompile(`,\s*([}\]])`)
	bareKey       = regexp.MustCompile(`([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:`)
)

// ParseVerdict parses a judge response as PRISM-Bench does: strip, drop a leading ```json and a trailing
// ```, strip, remove trailing commas before } or ], strict JSON, else a lenient pass (single quotes,
// unquoted keys). A score counts only as a JSON number within 0-10; a string "8" is rejected.
func ParseVerdict(raw string) Verdict {
	v := Verdict{Raw: raw}
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
			v.Err = "not a JSON object: " + jsonErr(err)
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
			v.Err = fmt.Sprintf("score %s is not a number", sc)
		} else if f < 0 || f > 10 {
			v.Err = fmt.Sprintf("score %v is outside 0-10", f)
		} else {
			v.Score = &f
		}
	case nil:
		v.Err = `no "score" field`
	default:
		v.Err = fmt.Sprintf("score %v is not a JSON number", sc)
	}
	return v
}

// ReadVerdictFile reads one official output file (<root>/{alignment|aesthetic}/<track>/<i>.jsonl: one
// pretty-printed JSON object despite the extension).
func ReadVerdictFile(path string) (Verdict, error) {
	b, err := ReadRegular(path)
	if err != nil {
		return Verdict{}, err
	}
	if !utf8.Valid(b) {
		return Verdict{Raw: string(bytes.ToValidUTF8(b, []byte("?"))), Err: "not UTF-8 text"}, nil
	}
	return ParseVerdict(string(b)), nil
}

// scanLines calls fn for each line of a file with its 1-based number; it copes with long lines.
func scanLines(path string, fn func(n int, line []byte) error) error {
	f, _, err := OpenRegular(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(n, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", n+1, err)
	}
	return nil
}

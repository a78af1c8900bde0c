package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

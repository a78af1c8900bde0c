package judge

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// Rubric is the instruction a judge receives for one kind of verdict on one track: a Python
// str.format-style template (literal braces doubled) with one placeholder, {text_prompt}.
type Rubric struct {
	Track    string // a PRISM-Bench track, or "" for aesthetics (one rubric for all tracks)
	Kind     string // "alignment" or "aesthetics"
	Template string
}

// Hash identifies the rubric's exact text: every verdict records it, so verdicts made with different
// rubrics are never mixed silently.
func (r Rubric) Hash() string {
	h := sha256.Sum256([]byte(r.Template))
	return hex.EncodeToString(h[:8])
}

// Fill puts the prompt into the template the way Python's str.format does: {{ and }} become braces,
// {text_prompt} the prompt; any other field is an error.
func (r Rubric) Fill(prompt string) (string, error) {
	var b strings.Builder
	t := r.Template
	for i := 0; i < len(t); i++ {
		switch {
		case strings.HasPrefix(t[i:], "{{"):
			b.WriteByte('{')
			i++
		case strings.HasPrefix(t[i:], "}}"):
			b.WriteByte('}')
			i++
		case strings.HasPrefix(t[i:], "{text_prompt}"):
			b.WriteString(prompt)
			i += len("{text_prompt}") - 1
		case t[i] == '{' || t[i] == '}':
			end := min(len(t), i+20)
			return "", fmt.Errorf("rubric %s/%s: unexpected brace at %q (literal braces must be doubled)", r.Kind, r.Track, t[i:end])
		default:
			b.WriteByte(t[i])
		}
	}
	return b.String(), nil
}

// RubricSet is the eight rubrics of a PRISM-Bench run: seven alignment rubrics by track, one aesthetics
// rubric.
type RubricSet struct {
	Name       string
	Alignment  map[string]Rubric // by track
	Aesthetics Rubric
}

// For returns the rubric for a verdict kind on a track.
func (s RubricSet) For(kind, track string) (Rubric, error) {
	if kind == "aesthetics" {
		return s.Aesthetics, nil
	}
	r, ok := s.Alignment[track]
	if !ok {
		return Rubric{}, fmt.Errorf("rubric set %q has no alignment rubric for track %q", s.Name, track)
	}
	return r, nil
}

// officialOrder maps the official scripts' messages_1 ... messages_8 to tracks ("" = aesthetics).
var officialOrder = [8]string{"affection", "composition", "entity", "imagination", "style", "text_rendering", "long_text", ""}

var messageAssign = regexp.MustCompile(`(?m)^\s*messages_([1-8])\s*=\s*`)

// ParseOfficial reads the eight rubric literals (messages_1 ... messages_8, triple-quoted Python strings)
// from a user's copy of the official evaluation script (eval_gpt41.py or eval_qwen25.py), keeping every
// character exactly (non-ASCII quotes and ellipses included). The templates keep Python's doubled
// braces; Fill undoes them.
func ParseOfficial(name string, src []byte) (RubricSet, error) {
	set := RubricSet{Name: name, Alignment: map[string]Rubric{}}
	text := string(src)
	found := map[int]bool{}
	for _, m := range messageAssign.FindAllStringSubmatchIndex(text, -1) {
		n := int(text[m[2]] - '0')
		lit, err := pythonString(text[m[1]:])
		if err != nil {
			return set, fmt.Errorf("%s: messages_%d: %w", name, n, err)
		}
		if found[n] {
			return set, fmt.Errorf("%s: messages_%d is assigned twice", name, n)
		}
		found[n] = true
		if !strings.Contains(lit, "{text_prompt}") {
			return set, fmt.Errorf("%s: messages_%d has no {text_prompt} placeholder", name, n)
		}
		track := officialOrder[n-1]
		if track == "" {
			set.Aesthetics = Rubric{Kind: "aesthetics", Template: lit}
		} else {
			set.Alignment[track] = Rubric{Track: track, Kind: "alignment", Template: lit}
		}
	}
	for n := 1; n <= 8; n++ {
		if !found[n] {
			return set, fmt.Errorf("%s: messages_%d not found (is this the official eval_gpt41.py or eval_qwen25.py?)", name, n)
		}
	}
	return set, nil
}

// pythonString reads a Python string literal at the start of s: triple-quoted (""" or ”') or a
// single-line one, with an optional r prefix, and the escapes the official files use.
func pythonString(s string) (string, error) {
	raw := false
	if len(s) > 0 && (s[0] == 'r' || s[0] == 'R') {
		raw, s = true, s[1:]
	}
	var quote string
	switch {
	case strings.HasPrefix(s, `"""`), strings.HasPrefix(s, `'''`):
		quote = s[:3]
	case strings.HasPrefix(s, `"`), strings.HasPrefix(s, `'`):
		quote = s[:1]
	default:
		return "", fmt.Errorf("not a string literal")
	}
	body := s[len(quote):]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if strings.HasPrefix(body[i:], quote) {
			return b.String(), nil
		}
		c := body[i]
		if len(quote) == 1 && c == '\n' {
			return "", fmt.Errorf("unterminated string")
		}
		if c != '\\' || raw || i+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := body[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '\\', '\'', '"':
			b.WriteByte(e)
		case '\n': // a backslash-newline continues the line
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return "", fmt.Errorf("unterminated string")
}

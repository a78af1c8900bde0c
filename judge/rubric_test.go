package judge

import (
	"strings"
	"testing"
)

// officialLayout mimics the official eval scripts' layout: eight triple-quoted assignments amid code,
// doubled braces in the JSON skeleton, non-ASCII punctuation.
const officialLayout = `import os
from openai import OpenAI

messages_1 = """Affection rubric: judge the mood… “start at 10”.
Output: {{"justification": "...", "score": 7,}}
text prompt: {text_prompt}"""
messages_2 = """Composition: counts and left/right.
{{"justification": "", "score": }}
text prompt: {text_prompt}"""
messages_3 = '''Entity – accuracy, café.
text prompt: {text_prompt}'''
messages_4 = """Imagination \
continued line.
text prompt: {text_prompt}"""
messages_5 = """Style.
text prompt: {text_prompt}"""
messages_6 = """Text rendering: exact spelling.
text prompt: {text_prompt}"""
messages_7 = """Long text.
text prompt: {text_prompt}"""
messages_8 = """Aesthetics for all tracks.
text prompt: {text_prompt}"""

def main():
    prompt = messages_1.format(text_prompt=p)
`

func TestParseOfficial(t *testing.T) {
	set, err := ParseOfficial("eval_gpt41.py", []byte(officialLayout))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Alignment) != 7 || set.Aesthetics.Template == "" {
		t.Fatalf("%d alignment rubrics", len(set.Alignment))
	}
	aff, _ := set.For("alignment", "affection")
	if !strings.Contains(aff.Template, "mood… “start at 10”") {
		t.Errorf("non-ASCII not kept: %q", aff.Template)
	}
	got, err := aff.Fill(`a "joyful" scene {with braces}`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, `{"justification": "...", "score": 7,}`) || !strings.HasSuffix(got, `text prompt: a "joyful" scene {with braces}`) {
		t.Errorf("filled: %q", got)
	}
	ent, _ := set.For("alignment", "entity")
	if !strings.Contains(ent.Template, "Entity – accuracy, café") {
		t.Errorf("single-quoted literal: %q", ent.Template)
	}
	im, _ := set.For("alignment", "imagination")
	if !strings.Contains(im.Template, "Imagination continued line.") {
		t.Errorf("line continuation: %q", im.Template)
	}
	if aes, _ := set.For("aesthetics", "style"); !strings.HasPrefix(aes.Template, "Aesthetics for all tracks") {
		t.Errorf("aesthetics: %q", aes.Template)
	}
	// Hashes differ between rubrics and are stable.
	if aff.Hash() == ent.Hash() || aff.Hash() != (Rubric{Template: aff.Template}).Hash() {
		t.Error("hashes")
	}
	for _, bad := range []struct{ name, src, want string }{
		{"missing", strings.Replace(officialLayout, "messages_8", "other", 1), "messages_8 not found"},
		{"twice", officialLayout + "messages_3 = \"\"\"again {text_prompt}\"\"\"\n", "assigned twice"},
		{"no placeholder", strings.Replace(officialLayout, "Style.\ntext prompt: {text_prompt}", "Style.", 1), "messages_5 has no {text_prompt}"},
		{"unterminated", "messages_1 = \"\"\"never ends", "unterminated"},
	} {
		if _, err := ParseOfficial("x.py", []byte(bad.src)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v", bad.name, err)
		}
	}
}

func TestBuiltinRubrics(t *testing.T) {
	set := Builtin()
	tracks := []string{"imagination", "entity", "text_rendering", "style", "affection", "composition", "long_text"}
	if len(set.Alignment) != len(tracks) {
		t.Fatalf("%d rubrics", len(set.Alignment))
	}
	seen := map[string]bool{}
	for _, tr := range tracks {
		r, err := set.For("alignment", tr)
		if err != nil {
			t.Fatal(err)
		}
		filled, err := r.Fill("two red apples left of a blue cup")
		if err != nil {
			t.Fatalf("%s: %v", tr, err)
		}
		for _, want := range []string{"from 0 to 10", "Start from 10 and deduct", `{"justification":`, "points", "text prompt: two red apples left of a blue cup"} {
			if !strings.Contains(filled, want) {
				t.Errorf("%s lacks %q", tr, want)
			}
		}
		if !strings.HasSuffix(filled, "text prompt: two red apples left of a blue cup") || seen[r.Hash()] {
			t.Errorf("%s: prompt not last or hash repeated", tr)
		}
		seen[r.Hash()] = true
	}
	if _, err := set.Aesthetics.Fill("x"); err != nil {
		t.Fatal(err)
	}
	if _, err := (Rubric{Template: "a {b} c"}).Fill("x"); err == nil {
		t.Error("an unknown field was accepted")
	}
	if _, err := set.For("alignment", "nope"); err == nil {
		t.Error("unknown track")
	}
}

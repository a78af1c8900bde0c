package review

import (
	"strings"
	"testing"
)

// TestCleanEscapesDirectionMarks: the invisible direction marks reorder a line like the overrides do.
func TestCleanEscapesDirectionMarks(t *testing.T) {
	got := Clean("ana\u200fbob\u200ecarl\u061cdora\u2067x\u2069")
	if strings.ContainsAny(got, "\u200e\u200f\u061c\u2067\u2069") {
		t.Fatalf("a direction mark survived: %q", got)
	}
	for _, want := range []string{`\u200f`, `\u200e`, `\u061c`, `\u2067`} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %s", got, want)
		}
	}
}

package review

import (
	"strings"
	"testing"
)

func TestCleanEscapesControlCharacters(t *testing.T) {
	in := "sign \x1b]52;c;ZXZpbA==\x07 reads \x1b[31mRED\x9b ok\ttab\nline \u202eevil"
	got := Clean(in)
	if strings.ContainsAny(got, "\x1b\x07\u202e\ufffd") || strings.Contains(got, "\x9b") { // \x9b: a lone byte, not a rune
		t.Fatalf("control characters survived: %q", got)
	}
	if !strings.Contains(got, `\x1b]52`) || !strings.Contains(got, "\ttab\nline") || !strings.Contains(got, `\u202e`) {
		t.Fatalf("got %q", got)
	}
}

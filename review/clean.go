package review

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Clean makes text from data safe to print on a terminal: control characters (C0, C1, DEL, ESC and so
// every escape sequence), invalid bytes (a lone 0x9b is CSI to 8-bit terminals), bidi overrides,
// isolates and direction marks are shown as visible escapes instead of reaching the terminal. Newlines
// and tabs are kept.
func Clean(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == utf8.RuneError && invalidAt(s, i):
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, "\\x%02x", r)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, // bidi overrides and isolates reorder what follows
			r == 0x200e, r == 0x200f, r == 0x061c: // and so do the invisible direction marks (LRM, RLM, ALM)
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func invalidAt(s string, i int) bool {
	_, w := utf8.DecodeRuneInString(s[i:])
	return w == 1
}

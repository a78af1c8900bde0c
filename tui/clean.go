package tui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Clean makes data safe to draw: control characters (C0, C1, DEL, ESC and with them every escape
// sequence), invalid bytes and bidi overrides are shown as visible escapes; newlines are kept and tabs
// become spaces. Every string that comes from the workspace goes through Clean or cleanLine.
func Clean(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\t':
			b.WriteString("    ")
		case r == utf8.RuneError && invalidAt(s, i):
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, "\\x%02x", r)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanLine is Clean for one line: newlines become spaces.
func cleanLine(s string) string {
	return strings.ReplaceAll(Clean(s), "\n", " ")
}

func invalidAt(s string, i int) bool {
	_, w := utf8.DecodeRuneInString(s[i:])
	return w == 1
}

// fit makes lines exactly w columns wide and h lines high: long lines are cut, short ones padded.
func fit(lines []string, w, h int) []string {
	out := make([]string, h)
	for i := range h {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		out[i] = padTo(l, w)
	}
	return out
}

// padTo cuts or pads one line to exactly w columns.
func padTo(l string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(l) > w {
		l = ansi.Truncate(l, w, "")
	}
	if n := w - ansi.StringWidth(l); n > 0 {
		l += strings.Repeat(" ", n)
	}
	return l
}

// wrap wraps cleaned text to w columns and splits it into lines.
func wrap(s string, w int) []string {
	if w < 1 {
		w = 1
	}
	return strings.Split(ansi.Wrap(s, w, ""), "\n")
}

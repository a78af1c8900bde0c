package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/review"
)

// Clean makes data safe to draw (review.Clean), with tabs as four spaces. Every string that comes from
// the workspace goes through Clean or cleanLine.
func Clean(s string) string { return strings.ReplaceAll(review.Clean(s), "\t", "    ") }

// cleanLine is Clean for one line: newlines become spaces.
func cleanLine(s string) string {
	return strings.ReplaceAll(Clean(s), "\n", " ")
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
	n := ansi.StringWidth(l) // measured once: it walks every grapheme (a frame's hot spot)
	if n > w {
		l = ansi.Truncate(l, w, "")
		n = ansi.StringWidth(l)
	}
	if n < w {
		l += strings.Repeat(" ", w-n)
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

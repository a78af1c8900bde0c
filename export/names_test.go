package export

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestFoldNameASCII: foldName's ASCII shortcut gives what the case-folding orbits give.
func TestFoldNameASCII(t *testing.T) {
	for c := range utf8.RuneSelf {
		s := "x" + string(rune(c)) + "Yk-s"
		if got, want := foldName(s), foldRunes(s); got != want {
			t.Fatalf("%q: %q, want %q", s, got, want)
		}
	}
	for _, s := range []string{"", "ABC", "déjà-vu", "Kelvin\u212a", "ſ"} {
		if got, want := foldName(s), foldRunes(s); got != want {
			t.Fatalf("%q: %q, want %q", s, got, want)
		}
	}
}

// TestSafeNamePlainShortcut: SafeName's shortcut for plain ids names what the character walk names.
func TestSafeNamePlainShortcut(t *testing.T) {
	slow := func(id string) string { // SafeName without the shortcut
		var b strings.Builder
		changed := false
		for _, r := range id {
			if r < 0x20 || r == 0x7f || strings.ContainsRune("/\\:*?\"<>|", r) {
				b.WriteByte('_')
				changed = true
			} else {
				b.WriteRune(r)
			}
		}
		return safeNameRest(id, b.String(), changed)
	}
	parts := []string{"a", "B", ".", " ", "-", "_", "con", "nul", ".png", "/", ":", "\x00", "\x7f", "~", strings.Repeat("x", 60)}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		id := b.String()
		if got, want := SafeName(id), slow(id); got != want {
			t.Fatalf("%q: %q, want %q", id, got, want)
		}
	}
}

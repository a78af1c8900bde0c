package pipeline

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// quotePairs are the quotation marks that delimit text to render, opening -> closing. The ASCII
// single quote and the curly ‘’ pair also serve as apostrophes and get special rules (see RenderStrings).
var quotePairs = map[rune]rune{
	'"':  '"',
	'“':  '”',
	'\'': '\'',
	'‘':  '’',
	'«':  '»',
	'「':  '」',
	'『':  '』',
	'《':  '》',
}

// wordRune reports whether r is a letter or digit of an alphabetic script: a render string's
// neighbour in the translation must not be one, or "CAT" would be found inside "CATALOG". Han, kana
// and hangul neighbours are fine: Chinese runs straight into embedded English.
func wordRune(r rune) bool {
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return false
	}
	return !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// RenderStrings returns the strings an English caption asks to render: the contents of "...", “...”,
// '...', ‘...’, «...», 「...」, 『...』 and 《...》, trimmed, non-empty, first occurrence first, without
// duplicates. An apostrophe is not a quote: a ' or ‘ opens only when it does not follow a letter or
// digit, and a ' or ’ closes only when no letter or digit follows it, so "don't" and "the kids' toys"
// are words, and 'Don't Panic' is one render string. Quotes do not nest: the outer pair wins.
func RenderStrings(en string) []string {
	rs := []rune(en)
	var out []string
	seen := map[string]bool{}
	at := func(i int) rune {
		if i < 0 || i >= len(rs) {
			return ' '
		}
		return rs[i]
	}
	alnum := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	for i := 0; i < len(rs); i++ {
		closer, ok := quotePairs[rs[i]]
		if !ok {
			continue
		}
		apos := rs[i] == '\'' || rs[i] == '‘'
		if apos && (alnum(at(i-1)) || unicode.IsSpace(at(i+1))) {
			continue // an apostrophe (don't, kids') or a stray mark
		}
		end := -1
		for j := i + 1; j < len(rs); j++ {
			if rs[j] != closer {
				continue
			}
			if (closer == '\'' || closer == '’') && (alnum(at(j+1)) || unicode.IsSpace(at(j-1))) {
				continue // an apostrophe inside the quoted text
			}
			end = j
			break
		}
		if end < 0 {
			continue
		}
		s := strings.TrimSpace(string(rs[i+1 : end]))
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
		i = end
	}
	return out
}

// CheckTranslation verifies that every string the English caption asks to render appears verbatim in
// the translation (exact bytes: case, spaces and punctuation kept), standing on its own: it may be
// wrapped in quotes of any style (“” 「」 『』 《》 "" ...), run into Chinese text or touch Chinese
// punctuation (，。：), but not be part of a longer Latin word. The error names each missing string
// and, where it can tell, how it was altered.
func CheckTranslation(en, zh string) error {
	var problems []string
	for _, s := range RenderStrings(en) {
		if foundAlone(zh, s) {
			continue
		}
		problems = append(problems, fmt.Sprintf("%q %s", s, whatChanged(zh, s)))
	}
	if len(problems) > 0 {
		return fmt.Errorf("translation does not keep the text to render: %s", strings.Join(problems, "; "))
	}
	return nil
}

func foundAlone(zh, s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	for off := 0; ; {
		i := strings.Index(zh[off:], s)
		if i < 0 {
			return false
		}
		i += off
		before, _ := utf8.DecodeLastRuneInString(zh[:i])
		after, _ := utf8.DecodeRuneInString(zh[i+len(s):])
		okBefore := i == 0 || !(wordRune(first) && wordRune(before))
		okAfter := i+len(s) == len(zh) || !(wordRune(last) && wordRune(after))
		if okBefore && okAfter {
			return true
		}
		_, w := utf8.DecodeRuneInString(zh[i:])
		off = i + w
	}
}

// whatChanged guesses how a render string was altered in the translation.
func whatChanged(zh, s string) string {
	switch {
	case strings.Contains(zh, s):
		return "appears only inside a longer word"
	case strings.Contains(strings.ToLower(zh), strings.ToLower(s)):
		return "appears with its case changed"
	case strings.Contains(squeeze(zh), squeeze(s)):
		return "appears with its spacing changed"
	case strings.Contains(strings.ToLower(squeeze(zh)), strings.ToLower(squeeze(s))):
		return "appears with its case and spacing changed"
	}
	return "is missing (translated or altered)"
}

// squeeze drops whitespace.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// Package redact removes a secret (an API key) from text and response bodies before loupe stores,
// caches or prints them. A server may echo the key anywhere - in an error message, in the text of a
// successful answer, inside a JSON string that is itself inside a JSON string - so the key is found in
// every spelling JSON gives it: literally, with \uXXXX escapes, with \/ and with the backslashes of
// nested escaping.
package redact

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// Mark replaces every occurrence of a key.
const Mark = "[redacted]"

// MinLen is the shortest value treated as a secret. Shorter values are placeholders ("none",
// "EMPTY", "dummy" for local servers that check no key): replacing them would garble ordinary text.
const MinLen = 6

// String returns s with every spelling of key replaced by Mark.
func String(s, key string) string {
	if !applies(key) || !mayHold([]byte(s), key) {
		return s
	}
	return string(Bytes([]byte(s), key))
}

// Bytes returns b with every spelling of key replaced by Mark. It returns b itself (not a copy) when
// the key is not there.
func Bytes(b []byte, key string) []byte {
	if !applies(key) || !mayHold(b, key) {
		return b
	}
	var out []byte
	last := 0
	for i := 0; i < len(b); {
		if b[i] != key[0] && b[i] != '\\' {
			i++
			continue
		}
		if end := matchAt(b, i, key); end > i {
			if out == nil {
				out = make([]byte, 0, len(b))
			}
			out = append(out, b[last:i]...)
			out = append(out, Mark...)
			i, last = end, end
			continue
		}
		i++
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// Contains reports whether b holds key in any spelling.
func Contains(b []byte, key string) bool {
	if !applies(key) || !mayHold(b, key) {
		return false
	}
	for i := range b {
		if (b[i] == key[0] || b[i] == '\\') && matchAt(b, i, key) > i {
			return true
		}
	}
	return false
}

func applies(key string) bool { return len(key) >= MinLen && utf8.ValidString(key) }

// mayHold is a fast check: the key's last character (literal, or the backslash of an escape) must
// occur for any spelling of the key to.
func mayHold(b []byte, key string) bool {
	r, _ := utf8.DecodeLastRuneInString(key)
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	return bytes.Contains(b, buf[:n]) || bytes.IndexByte(b, '\\') >= 0
}

// matchAt returns where the longest spelling of key that starts at b[i] ends, or -1. A character may
// have several spellings of different lengths at one place (a backslash is one, two, four...
// backslashes), so it follows every place a spelling of the key so far can end.
func matchAt(b []byte, i int, key string) int {
	cur := []int{i}
	var next []int
	for _, r := range key {
		next = next[:0]
		for _, p := range cur {
			for _, e := range spell(b, p, r) {
				if !slices.Contains(next, e) {
					next = append(next, e)
				}
			}
		}
		if len(next) == 0 {
			return -1
		}
		cur, next = next, cur
	}
	return slices.Max(cur)
}

// spell returns where the spellings of one character of the key that start at b[i] end: the
// character itself; for a backslash, 2, 4, 8... backslashes (the escapes of nested JSON); for " and /,
// a run of backslashes and the character; a run of backslashes, u and four hex digits (a surrogate
// pair beyond the BMP).
func spell(b []byte, i int, r rune) []int {
	var ends []int
	var buf [utf8.UTFMax]byte
	lit := buf[:utf8.EncodeRune(buf[:], r)]
	if bytes.HasPrefix(b[i:], lit) {
		ends = append(ends, i+len(lit))
	}
	j := i
	for j < len(b) && b[j] == '\\' {
		j++
	}
	if j == i {
		return ends
	}
	if r == '\\' {
		for n := 2; n <= j-i; n *= 2 {
			ends = append(ends, i+n)
		}
		return ends
	}
	if (r == '"' || r == '/') && j < len(b) && rune(b[j]) == r {
		return append(ends, j+1)
	}
	if j >= len(b) || b[j] != 'u' {
		return ends
	}
	if r < 0x10000 {
		if v, ok := hex4(b, j+1); ok && v == r {
			ends = append(ends, j+5)
		}
		return ends
	}
	hi, lo := 0xD800+((r-0x10000)>>10), 0xDC00+((r-0x10000)&0x3FF)
	if v, ok := hex4(b, j+1); !ok || v != hi {
		return ends
	}
	k := j + 5
	for k < len(b) && b[k] == '\\' {
		k++
	}
	if k == j+5 || k >= len(b) || b[k] != 'u' {
		return ends
	}
	if v, ok := hex4(b, k+1); ok && v == lo {
		ends = append(ends, k+5)
	}
	return ends
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var v rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// Message is String for an error message, which also loses the key's first 8 characters when the key
// is longer: servers that reject a key echo its start ("Incorrect API key provided: sk-abc12***").
func Message(s, key string) string {
	s = String(s, key)
	if applies(key) && len(key) > 8 {
		s = strings.ReplaceAll(s, key[:8], Mark)
	}
	return s
}

// JSON is Bytes for a JSON document, which stays valid JSON: in the rare case that replacing a
// spelling broke the document (a key that starts inside an escape sequence), every string and object
// key is redacted after decoding instead and the document written anew.
func JSON(b []byte, key string) []byte {
	out := Bytes(b, key)
	if bytes.Equal(out, b) || json.Valid(out) || !json.Valid(b) {
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return out
	}
	// str redacts a decoded string; when even its written form spells the key (a control character's
	// escape ending in the key's first characters, "\u0006" + "1bcdef"), no way of writing the text
	// avoids the spelling and the whole string goes.
	str := func(x string) string {
		x = String(x, key)
		if Contains(written(x), key) {
			return Mark
		}
		return x
	}
	var walk func(any) any
	walk = func(x any) any {
		switch x := x.(type) {
		case string:
			return str(x)
		case json.Number: // a key of digits, echoed as a number
			if strings.Contains(string(x), key) {
				return Mark
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			m := make(map[string]any, len(x))
			for k, e := range x {
				m[str(k)] = walk(e)
			}
			return m
		}
		return x
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(walk(v)) != nil {
		return out
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// written is s as JSON's encoder writes it without HTML escapes, as JSON rewrites documents.
func written(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return buf.Bytes()
}

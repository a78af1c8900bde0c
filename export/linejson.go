package export

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// lineEncoder encodes manifest lines (see manifestLine) straight from a record, byte for byte what
// json.Marshal(lineOf(r, image)) gives (TestLineEncoderMatchesMarshal) without building lineOf's maps
// or going through reflection. The parts that are rare or small in a dataset export (the generation's
// prompt, machine labels, the pipeline's scores, a history with answers or events) and strings that
// need escaping go through encoding/json itself.
type lineEncoder struct {
	buf   []byte
	keys  []string
	sub   []string
	kinds []kindTexts
}

// encode returns a record's manifest line as JSON (valid until the next call).
func (e *lineEncoder) encode(r *Record, image string) ([]byte, error) {
	b := e.buf[:0]
	b = append(b, `{"id":`...)
	b = jsonString(b, r.ID)
	if image != "" {
		b = append(b, `,"image":`...)
		b = jsonString(b, image)
	}
	if r.Subset != "" {
		b = append(b, `,"subset":`...)
		b = jsonString(b, r.Subset)
	}
	b = e.texts(b, r.Texts)
	// scores: the final values `loupe import` accepts; provenance: every finite final value
	e.keys = e.keys[:0]
	for dim, v := range r.Values {
		if finite(v.Value) {
			e.keys = append(e.keys, dim)
		}
	}
	slices.Sort(e.keys)
	first := true
	for _, dim := range e.keys {
		v := r.Values[dim].Value
		if !importable(dim, v) {
			continue
		}
		if first {
			b = append(b, `,"scores":{`...)
			first = false
		} else {
			b = append(b, ',')
		}
		b = jsonString(b, dim)
		b = append(b, ':')
		b = jsonFloat(b, v)
	}
	if !first {
		b = append(b, '}')
	}
	b = append(b, `,"kind":`...)
	b = jsonString(b, r.Kind)
	if r.Track != "" {
		b = append(b, `,"track":`...)
		b = jsonString(b, r.Track)
	}
	if r.Model != "" {
		b = append(b, `,"model":`...)
		b = jsonString(b, r.Model)
	}
	b = append(b, `,"decision":`...)
	b = jsonString(b, r.Decision)
	if r.DecidedBy != "" {
		b = append(b, `,"decided_by":`...)
		b = jsonString(b, r.DecidedBy)
	}
	if len(e.keys) > 0 {
		b = append(b, `,"provenance":{`...)
		for i, dim := range e.keys {
			v := r.Values[dim]
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonString(b, dim)
			b = append(b, `:{"value":`...)
			b = jsonFloat(b, v.Value)
			b = append(b, `,"source":`...)
			b = jsonString(b, v.Source)
			if v.Who != "" {
				b = append(b, `,"who":`...)
				b = jsonString(b, v.Who)
			}
			if v.When != "" {
				b = append(b, `,"when":`...)
				b = jsonString(b, v.When)
			}
			if v.RubricHash != "" {
				b = append(b, `,"rubric":`...)
				b = jsonString(b, v.RubricHash)
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	var err error
	b = append(b, `,"history":`...)
	if h := &r.History; len(h.Answers) == 0 && h.Final == nil && len(h.Log) == 0 {
		b = append(b, `{"events":`...)
		b = strconv.AppendInt(b, int64(h.Events), 10)
		b = append(b, `,"annotators":`...)
		b = strconv.AppendInt(b, int64(h.Annotators), 10)
		b = append(b, `,"accepts":`...)
		b = strconv.AppendInt(b, int64(h.Accepts), 10)
		b = append(b, `,"rejects":`...)
		b = strconv.AppendInt(b, int64(h.Rejects), 10)
		b = append(b, `,"flags":`...)
		b = strconv.AppendInt(b, int64(h.Flags), 10)
		b = append(b, `,"undos":`...)
		b = strconv.AppendInt(b, int64(h.Undos), 10)
		if h.Last != "" {
			b = append(b, `,"last":`...)
			b = jsonString(b, h.Last)
		}
		b = append(b, '}')
	} else if b, err = jsonValue(b, &r.History); err != nil {
		return nil, err
	}
	if r.Prompt != nil {
		b = append(b, `,"prompt_ref":`...)
		if b, err = jsonValue(b, r.Prompt); err != nil {
			return nil, err
		}
	}
	if r.Captions != nil {
		b = append(b, `,"captions_present":[`...)
		for i, c := range r.Captions {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonString(b, c)
		}
		b = append(b, ']')
	}
	if len(r.Pipeline) > 0 {
		b = append(b, `,"pipeline":`...)
		if b, err = e.floats(b, r.Pipeline); err != nil {
			return nil, err
		}
	}
	if len(r.Labels) > 0 {
		b = append(b, `,"labels":`...)
		if b, err = jsonValue(b, r.Labels); err != nil {
			return nil, err
		}
	}
	b = append(b, '}')
	e.buf = b
	return b, nil
}

// texts writes "texts" (kinds, then languages, sorted; empty texts left out; nothing when none is left).
// Each map is walked once: a record has a dozen of them, and starting a map walk is not free.
func (e *lineEncoder) texts(b []byte, texts map[string]map[string]string) []byte {
	kinds := e.kinds[:0]
	for kind, langs := range texts {
		kinds = append(kinds, kindTexts{kind, langs})
	}
	slices.SortFunc(kinds, func(x, y kindTexts) int { return strings.Compare(x.kind, y.kind) })
	open := false
	for _, k := range kinds {
		langs := e.sub[:0]
		for lang, s := range k.langs {
			if s != "" {
				langs = append(langs, lang)
			}
		}
		e.sub = langs
		if len(langs) == 0 {
			continue
		}
		slices.Sort(langs)
		if open {
			b = append(b, ',')
		} else {
			b = append(b, `,"texts":{`...)
			open = true
		}
		b = jsonString(b, k.kind)
		b = append(b, ":{"...)
		for j, lang := range langs {
			if j > 0 {
				b = append(b, ',')
			}
			b = jsonString(b, lang)
			b = append(b, ':')
			b = jsonString(b, k.langs[lang])
		}
		b = append(b, '}')
	}
	clear(kinds) // the maps are the record's: not kept
	e.kinds = kinds[:0]
	if open {
		b = append(b, '}')
	}
	return b
}

// kindTexts is one kind's texts by language.
type kindTexts struct {
	kind  string
	langs map[string]string
}

// floats writes a map of numbers, keys sorted (through encoding/json, for its error, when a value is
// not finite).
func (e *lineEncoder) floats(b []byte, m map[string]float64) ([]byte, error) {
	keys := e.sub[:0]
	for k, v := range m {
		if !finite(v) {
			return jsonValue(b, m)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonString(b, k)
		b = append(b, ':')
		b = jsonFloat(b, m[k])
	}
	e.sub = keys
	return append(b, '}'), nil
}

// jsonValue appends v as json.Marshal writes it.
func jsonValue(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// jsonString appends s quoted as json.Marshal writes it (HTML-safe), eight bytes at a time over plain
// ASCII, a run of non-ASCII bytes validated at once; a string with a control character other than \n,
// \r and \t, invalid UTF-8, U+2028 or U+2029 goes through encoding/json.
func jsonString(b []byte, s string) []byte {
	start := len(b)
	b = append(b, '"')
	last := 0 // s[last:i] is still to be appended
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if w&swarHigh == 0 && !swarSpecial(w) {
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if !jsonSpecial[c] {
				i++
				continue
			}
			var esc string
			switch c {
			case '"':
				esc = `\"`
			case '\\':
				esc = `\\`
			case '<':
				esc = `\u003c`
			case '>':
				esc = `\u003e`
			case '&':
				esc = `\u0026`
			case '\n':
				esc = `\n`
			case '\r':
				esc = `\r`
			case '\t':
				esc = `\t`
			default:
				return jsonSlow(b[:start], s)
			}
			b = append(b, s[last:i]...)
			b = append(b, esc...)
			i++
			last = i
			continue
		}
		// a run of non-ASCII bytes: whole runes when s is valid UTF-8, checked at once
		j := i + 1
		for j < len(s) && s[j] >= utf8.RuneSelf {
			j++
		}
		run := s[i:j]
		if !utf8.ValidString(run) || strings.Contains(run, "\u2028") || strings.Contains(run, "\u2029") {
			return jsonSlow(b[:start], s) // invalid UTF-8 becomes U+FFFD; the separators are rare
		}
		i = j
	}
	b = append(b, s[last:]...)
	return append(b, '"')
}

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// swarSpecial reports whether one of the eight ASCII bytes in w is one encoding/json escapes: a control
// character, '"', '&', '<', '>' or a backslash (pairs that differ by one bit are tested together).
func swarSpecial(w uint64) bool {
	zero := func(v uint64) bool { return (v-swarOnes)&^v&swarHigh != 0 }
	return (w-0x20*swarOnes)&^w&swarHigh != 0 || // < 0x20
		zero((w^0x22*swarOnes)&^(0x04*swarOnes)) || // '"' 0x22, '&' 0x26
		zero((w^0x3c*swarOnes)&^(0x02*swarOnes)) || // '<' 0x3c, '>' 0x3e
		zero(w^0x5c*swarOnes) // '\\'
}

// jsonSpecial marks the ASCII bytes encoding/json escapes.
var jsonSpecial = func() (t [utf8.RuneSelf]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	for _, c := range []byte{'"', '\\', '<', '>', '&'} {
		t[c] = true
	}
	return t
}()

func jsonSlow(b []byte, s string) []byte {
	j, _ := json.Marshal(s) // a string always encodes
	return append(b, j...)
}

// jsonFloat appends a finite float64 as json.Marshal writes it (encoding/json's floatEncoder).
func jsonFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

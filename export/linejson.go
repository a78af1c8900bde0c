package export

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// lineEncoder encodes manifest lines (see manifestLine) straight from a record, byte for byte what
// json.Marshal(lineOf(r, image)) gives (TestLineEncoderMatchesMarshal) without building lineOf's maps
// or going through reflection. The parts that are rare or small in a dataset export (the generation's
// prompt, machine labels, the pipeline's scores, a history with answers or events) and strings that
// need escaping go through encoding/json itself.
type lineEncoder struct {
	buf  []byte
	keys []string
	sub  []string
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
func (e *lineEncoder) texts(b []byte, texts map[string]map[string]string) []byte {
	kinds := e.keys[:0]
	for kind, langs := range texts {
		for _, s := range langs {
			if s != "" {
				kinds = append(kinds, kind)
				break
			}
		}
	}
	if len(kinds) == 0 {
		e.keys = kinds
		return b
	}
	slices.Sort(kinds)
	b = append(b, `,"texts":{`...)
	for i, kind := range kinds {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonString(b, kind)
		b = append(b, ":{"...)
		langs := e.sub[:0]
		for lang, s := range texts[kind] {
			if s != "" {
				langs = append(langs, lang)
			}
		}
		slices.Sort(langs)
		for j, lang := range langs {
			if j > 0 {
				b = append(b, ',')
			}
			b = jsonString(b, lang)
			b = append(b, ':')
			b = jsonString(b, texts[kind][lang])
		}
		b = append(b, '}')
		e.sub = langs
	}
	e.keys = kinds
	return append(b, '}')
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

// jsonString appends s quoted as json.Marshal writes it: a string that needs no escaping (no control
// character, quote, backslash, <, > or &, no U+2028 or U+2029, valid UTF-8) as it is, any other
// through encoding/json.
func jsonString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; jsonSpecial[c] {
			if c != 0xe2 { // ASCII that needs escaping
				return jsonSlow(b, s)
			}
			// U+2028 and U+2029 are E2 80 A8 and E2 80 A9; other E2 sequences (punctuation) are kept
			if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9) {
				return jsonSlow(b, s)
			}
		}
	}
	if !utf8.ValidString(s) {
		return jsonSlow(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// jsonSpecial marks the bytes jsonString looks at twice: ASCII that encoding/json escapes, and 0xE2,
// the first byte of U+2028 and U+2029.
var jsonSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	for _, c := range []byte{'"', '\\', '<', '>', '&', 0xe2} {
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

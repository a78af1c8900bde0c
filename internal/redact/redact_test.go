package redact

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/internal/fuzzcheck"
)

func TestBytesFindsEverySpelling(t *testing.T) {
	key := "sk-proj-A&b<c>/d\"e\\f+g=é𝄞"
	inner, _ := json.Marshal(map[string]string{"justification": "echo " + key})
	outer, _ := json.Marshal(map[string]string{"content": string(inner)})
	var noHTML strings.Builder
	enc := json.NewEncoder(&noHTML)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]string{"k": key})
	ascii := `{"k":"\u0073\u006B-proj-A\u0026b\u003cc\u003e\/d\"e\\f+g=\u00e9\ud834\udd1e"}`
	for _, c := range []struct{ name, in string }{
		{"literal", "Bearer " + key + " and again " + key},
		{"json", string(inner)},
		{"json in json", string(outer)},
		{"json without HTML escapes", noHTML.String()},
		{"every character escaped", ascii},
	} {
		got := String(c.in, key)
		if !strings.Contains(got, Mark) || strings.Contains(got, "proj-A") {
			t.Errorf("%s: %s -> %s", c.name, c.in, got)
		}
		if Contains([]byte(got), key) {
			t.Errorf("%s: Contains after redaction: %s", c.name, got)
		}
		if strings.HasPrefix(c.in, "{") && !json.Valid([]byte(got)) {
			t.Errorf("%s: no longer JSON: %s", c.name, got)
		}
	}
	// the decoded texts are clean too
	var o map[string]string
	json.Unmarshal([]byte(String(string(outer), key)), &o)
	var i map[string]string
	if err := json.Unmarshal([]byte(o["content"]), &i); err != nil || i["justification"] != "echo "+Mark {
		t.Errorf("nested: %v %q", err, i["justification"])
	}
}

func TestBytesLeavesOtherTextAlone(t *testing.T) {
	body := []byte(`{"a":"sk-proj-A and \\ \u0041 text"}`)
	if got := Bytes(body, "sk-proj-Zzzzzz"); &got[0] != &body[0] {
		t.Error("a body without the key was copied")
	}
	if got := String("the key is none", "none"); got != "the key is none" {
		t.Errorf("a placeholder key (shorter than MinLen) was redacted: %q", got)
	}
	if got := String("x", ""); got != "x" {
		t.Errorf("empty key: %q", got)
	}
	if got := String(`ab\`, `secret\`); got != `ab\` {
		t.Errorf("trailing backslash: %q", got)
	}
}

func TestMessageDropsTheKeysStart(t *testing.T) {
	key := "sk-abc123-rest-of-the-key"
	got := Message("Incorrect API key provided: sk-abc12***-key. See "+key, key)
	if strings.Contains(got, "sk-abc12") || strings.Count(got, Mark) != 2 {
		t.Errorf("%q", got)
	}
}

// TestJSONStaysValid: a key that starts inside a \u escape of the document cannot be replaced in
// place; the document is rewritten with its strings redacted.
func TestJSONStaysValid(t *testing.T) {
	key := "61bcdef"
	body := []byte(`{"a":"x\u006161bcdef","b":[1.50,"61bcdef"]}`)
	got := JSON(body, key)
	if !json.Valid(got) || Contains(got, key) {
		t.Fatalf("%s", got)
	}
	var v struct {
		A string
		B []any
	}
	if err := json.Unmarshal(got, &v); err != nil || v.A != "xa"+Mark || v.B[1] != Mark {
		t.Fatalf("%s: %+v %v", got, v, err)
	}
	// A string whose written form spells the key across an escape ("\u0006" then "1bcdef") though its
	// text does not hold it: no way of writing that text avoids the spelling, so the string goes.
	ctl := JSON([]byte(`{"":"\u00061bcdef","k":"kept"}`), key)
	if !json.Valid(ctl) || Contains(ctl, key) || !strings.Contains(string(ctl), `"kept"`) {
		t.Fatalf("escape-spelled key: %s", ctl)
	}
	if string(JSON([]byte(`{}`), key)) != `{}` || len(JSON(nil, key)) != 0 {
		t.Error("documents without the key changed")
	}
}

// FuzzJSON checks the redaction of response bodies: for any key of ordinary characters, no spelling
// of the key is left, a JSON document stays one, and none of its strings holds the key.
func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"choices":[{"message":{"content":"{\"justification\": \"Bearer sk-abc123\\u0026\", \"score\": 8}"}}]}`), "sk-abc123")
	f.Add([]byte(`{"a":"x\u006161bcdef"}`), "61bcdef")
	f.Add([]byte(`"\\\u0073k-abc123"`), "sk-abc123")
	f.Add([]byte(`{"":"\u00061bcdef"}`), "61bcdef")
	f.Fuzz(func(t *testing.T, body []byte, key string) {
		if len(key) < MinLen || strings.Contains(Mark, key) || strings.Trim(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return
		}
		fuzzcheck.Check(t, len(body), func() {
			out := JSON(body, key)
			if Contains(out, key) {
				t.Errorf("%q still holds %q: %q", body, key, out)
			}
			if !json.Valid(body) {
				return
			}
			if !json.Valid(out) {
				t.Fatalf("%q became invalid: %q", body, out)
			}
			var v any
			json.Unmarshal(out, &v)
			var walk func(any)
			walk = func(x any) {
				switch x := x.(type) {
				case string:
					if strings.Contains(x, key) {
						t.Errorf("%q: a string holds the key: %q", body, x)
					}
				case []any:
					for _, e := range x {
						walk(e)
					}
				case map[string]any:
					for k, e := range x {
						walk(k)
						walk(e)
					}
				}
			}
			walk(v)
		})
	})
}

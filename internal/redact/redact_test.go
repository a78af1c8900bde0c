package redact

import (
	"encoding/json"
	"strings"
	"testing"
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

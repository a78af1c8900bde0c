package export

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestPairsRoundTrip(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.jsonl")
	in := []PairLine{{Prompt: "a red <cube>", Chosen: "x/1", Rejected: "y/1", ChosenModel: "x", RejectedModel: "y", Pair: 1,
		Choices: []PairChoice{{Rater: "human:ana", Choice: "left", Left: "x/1", Right: "y/1", Chose: "x/1"}}}}
	if err := WritePairs(in, Options{Out: out}); err != nil {
		t.Fatal(err)
	}
	if err := WritePairs(in, Options{Out: out}); err == nil {
		t.Fatal("an existing pairs file was replaced without Force")
	}
	if err := WritePairs(in, Options{Out: out, Force: true}); err != nil {
		t.Fatal(err)
	}
	b := readFile(t, out)
	if !strings.Contains(string(b), `"prompt":"a red <cube>"`) {
		t.Fatalf("line %s: want the prompt unescaped", b)
	}
	got, err := ReadPairs(bytes.NewReader(b))
	if err != nil || len(got) != 1 || got[0].Chosen != "x/1" || got[0].Choices[0].Chose != "x/1" {
		t.Fatalf("re-read %+v, %v", got, err)
	}
	for _, bad := range []string{"{\"prompt\": 1}\n", "{}\n", "{\"prompt\":\"p\",\"chosen\":\"a\"}\nnot json\n"} {
		if _, err := ReadPairs(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line ") {
			t.Errorf("%q: %v, want an error naming the line", bad, err)
		}
	}
}

func FuzzReadPairs(f *testing.F) {
	f.Add([]byte(`{"prompt":"p","chosen":"a","rejected":"b","choices":[{"rater":"human:x","choice":"left"}]}` + "\n\n"))
	f.Add([]byte("{\"prompt\":\"\\u0000\"}\n{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ls, err := ReadPairs(bytes.NewReader(b))
		if err == nil {
			for _, l := range ls {
				if l.Prompt == "" || l.Chosen == "" || l.Rejected == "" {
					t.Fatalf("incomplete pair accepted: %+v", l)
				}
			}
		}
	})
}

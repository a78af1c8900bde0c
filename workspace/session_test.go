package workspace

import (
	"testing"

	"github.com/loupe-dev/loupe/review"
)

func TestParseFilter(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "",
		"subset=text score=clarity=8:": "subset=text score=clarity=8:",
		"subset=a,b subset=c track=text_rendering":                            "subset=a,b,c track=text_rendering",
		"model=flux lang=zh has-caption=text score=entity=:3 kind=generation": "kind=generation model=flux lang=zh has-caption=text score=entity=:3",
	} {
		f, err := ParseFilter(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := review.FilterString(f); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"subset", "colour=red", "kind=video", "score=clarity", "score=nope=1:2", "track=nope"} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

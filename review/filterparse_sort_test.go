package review

import (
	"strings"
	"testing"
)

func TestParseFilterSort(t *testing.T) {
	for _, c := range []struct {
		in, want, err string
	}{
		{"sort=disagreement", "sort=disagreement", ""},
		{"subset=text sort=judge", "subset=text sort=judge", ""},
		{"sort=judge agreement=disagree", "agreement=disagree sort=judge", ""},
		{"sort=random", "", "sort=random: want disagreement or judge"},
	} {
		f, err := ParseFilter(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if got := FilterString(f); got != c.want {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
}

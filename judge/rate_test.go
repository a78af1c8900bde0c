package judge

import (
	"testing"
	"time"
)

// #17.7: the first results (in milliseconds, from the cache) give no rate or ETA; later ones do.
func TestRateAndETAOnlyWhenMeaningful(t *testing.T) {
	if r, eta := rateETA(1, 800, 2*time.Millisecond); r != 0 || eta != 0 {
		t.Errorf("after 2 ms: %.1f/s, ETA %s", r, eta)
	}
	if r, eta := rateETA(0, 800, 5*time.Second); r != 0 || eta != 0 {
		t.Errorf("nothing done: %.1f/s, ETA %s", r, eta)
	}
	if r, eta := rateETA(100, 800, 10*time.Second); r != 10 || eta != 70*time.Second {
		t.Errorf("100 in 10 s: %.1f/s, ETA %s", r, eta)
	}
}

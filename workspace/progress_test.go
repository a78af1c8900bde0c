package workspace

import (
	"testing"
	"time"
)

// TestPace: decisions per hour over the last active hour, pauses counted up to PaceGap, at least a minute.
func TestPace(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	at := func(mins ...float64) []time.Time {
		var ts []time.Time
		for _, m := range mins {
			ts = append(ts, t0.Add(time.Duration(m*float64(time.Minute))))
		}
		return ts
	}
	for _, c := range []struct {
		ts   []time.Time
		want float64
	}{
		{nil, 0},
		{at(0), 60},                      // one decision in the one-minute floor
		{at(0, 1, 2, 3), 80},             // 4 in 3 minutes
		{at(0, 30, 40), 18},              // 3 with pauses of 30 (as 5) and 10 (as 5) minutes: 10 minutes
		{at(-200, -100, 0, 2), 60},       // only the last hour: 2 in 2 minutes
		{at(0, 0.25, 0.5), 180},          // 3 in 30 seconds: the one-minute floor
		{at(-61, 0, 10, 20, 30, 40), 15}, // -61 is outside the hour; 5 decisions, 4 pauses of 10 (as 5): 20 minutes
	} {
		if got := pace(c.ts); got != c.want {
			t.Errorf("pace(%v) = %v, want %v", c.ts, got, c.want)
		}
	}
}

// TestSameDecision: a decision against another, or against the judges' mean (a tie agrees with nothing).
func TestSameDecision(t *testing.T) {
	for _, c := range []struct {
		v, other float64
		want     bool
	}{{1, 1, true}, {0, 0, true}, {1, 0, false}, {0, 1, false}, {1, 2.0 / 3, true}, {0, 1.0 / 3, true}, {1, 0.5, false}, {0, 0.5, false}} {
		if got := sameDecision(c.v, c.other); got != c.want {
			t.Errorf("sameDecision(%v, %v) = %v", c.v, c.other, got)
		}
	}
}

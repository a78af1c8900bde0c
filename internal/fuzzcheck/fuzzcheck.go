// Package fuzzcheck holds what loupe's fuzz tests assert about every parser of outside input: one call
// does not panic (the fuzz engine reports that), does not take long and does not allocate more than a
// bound, so that a length field in a small file can never ask for gigabytes.
package fuzzcheck

import (
	"runtime"
	"testing"
	"time"
)

// MaxInput is the largest input the bounds hold for; the fuzz tests skip larger ones.
const MaxInput = 1 << 20

// MaxAlloc is the most one call may allocate on an input of up to MaxInput bytes.
const MaxAlloc = 64 << 20

// MaxTime is the longest one call may take (far above what any input needs: a failure means a loop
// that a length field drives, not a slow machine).
const MaxTime = 5 * time.Second

// Check runs fn once and fails t when it allocates more than MaxAlloc bytes or takes longer than
// MaxTime. size is the input's length: inputs over MaxInput are skipped.
func Check(t *testing.T, size int, fn func()) {
	t.Helper()
	if size > MaxInput {
		t.Skipf("input of %d bytes: over the %d the bounds are for", size, MaxInput)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > MaxAlloc {
		t.Errorf("a %d-byte input allocated %d MB (limit %d MB)", size, n>>20, MaxAlloc>>20)
	}
	if took > MaxTime {
		t.Errorf("a %d-byte input took %s (limit %s)", size, took, MaxTime)
	}
}

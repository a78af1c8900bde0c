package termimg

import (
	"runtime"
	"sync"
)

// parallelParts is how many parts to split n items into for parallelRun: one per CPU, but none smaller
// than minPart items (a goroutine is not worth less work).
func parallelParts(n, minPart int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/max(minPart, 1)))
}

// parallelRun runs f(0) .. f(parts-1) concurrently and waits for them all. Callers keep results per
// part and combine them in order, so output does not depend on scheduling.
func parallelRun(parts int, f func(part int)) {
	if parts <= 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for p := 1; p < parts; p++ {
		wg.Go(func() { f(p) })
	}
	f(0)
	wg.Wait()
}

package review

// Nonparametric percentile bootstrap over items.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// stBootStream is the fixed second PCG word: with it the seed alone determines every resample.
const stBootStream = 0x9e3779b97f4a7c15

// Bootstrap is a nonparametric percentile confidence interval over items. Each of resamples draws n item
// indices uniformly with replacement (math/rand/v2 PCG seeded with seed and the resample's number, so a
// seed gives the same interval on every machine, however many cores share the work) and calls stat on them; a statistic over
// several raters must look up all of an item's ratings from its index, so an item's ratings stay
// together. Resamples where stat is undefined are counted in UndefinedResamples and excluded. Lo and Hi
// are the (1-level)/2 and (1+level)/2 quantiles of the defined resample values, linear interpolation
// between order statistics (R's type 7). Use resamples >= 10000 for stable endpoints. The point estimate
// is not computed here: report stat on the original data and attach this CI.
//
// stat is called concurrently from several goroutines (one per core), each with its own idx, which is
// reused between its calls: stat must not keep it, and must not write shared state. The result is never nil; CI.Undefined says why
// there is no interval (n < 1, resamples < 1, level outside (0, 1), every resample undefined).
func Bootstrap(n int, seed uint64, resamples int, level float64, stat func(idx []int) Stat) *CI {
	ci := &CI{Level: level, Resamples: max(resamples, 0)}
	switch {
	case !(level > 0 && level < 1):
		ci.Undefined = fmt.Sprintf("level %g is not between 0 and 1", level)
		return ci
	case n < 1:
		ci.Undefined = "no items to resample"
		return ci
	case resamples < 1:
		ci.Undefined = "no resamples requested"
		return ci
	}
	// Each resample draws from its own stream (seed, resample number), so the result does not depend on
	// how many goroutines share the work; stat is called concurrently, each goroutine with its own idx.
	all := make([]float64, resamples)
	ok := make([]bool, resamples)
	whys := make([]string, resamples)
	workers := max(1, min(runtime.GOMAXPROCS(0), resamples/32))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idx := make([]int, n)
			for r := w; r < resamples; r += workers {
				rng := rand.New(rand.NewPCG(seed, stBootStream+uint64(r)))
				for i := range idx {
					idx[i] = rng.IntN(n)
				}
				s := stat(idx)
				if s.Undefined != "" || math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
					whys[r] = s.Undefined
					continue
				}
				all[r], ok[r] = s.Value, true
			}
		}()
	}
	wg.Wait()
	vals := make([]float64, 0, resamples)
	why := ""
	for r := range resamples {
		if ok[r] {
			vals = append(vals, all[r])
			continue
		}
		ci.UndefinedResamples++
		if why == "" {
			why = whys[r]
		}
	}
	if len(vals) == 0 {
		ci.Undefined = "the statistic was undefined on every resample"
		if why != "" {
			ci.Undefined += " (first: " + why + ")"
		}
		return ci
	}
	slices.Sort(vals)
	ci.Lo = stQuantile(vals, (1-level)/2)
	ci.Hi = stQuantile(vals, (1+level)/2)
	return ci
}

// stQuantile is the p-quantile of sorted v, R type 7: h = (len-1) p, interpolate between v[floor h] and
// the next order statistic.
func stQuantile(v []float64, p float64) float64 {
	h := float64(len(v)-1) * p
	lo := int(math.Floor(h))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	return v[lo] + (h-float64(lo))*(v[lo+1]-v[lo])
}

// BootstrapPairs computes f(a, b) and, when it is defined, attaches a percentile bootstrap CI over the
// complete pairs (items rated by both; see Bootstrap for seed, resamples and level).
func BootstrapPairs(a, b []float64, f func(a, b []float64) Stat, seed uint64, resamples int, level float64) Stat {
	st := f(a, b)
	if st.Undefined != "" {
		return st
	}
	x, y, _ := stPairs(a, b)
	st.CI = Bootstrap(len(x), seed, resamples, level, func(idx []int) Stat {
		ra, rb := make([]float64, len(idx)), make([]float64, len(idx))
		for i, j := range idx {
			ra[i], rb[i] = x[j], y[j]
		}
		return f(ra, rb)
	})
	return st
}

// BootstrapUnits computes f(units) and, when it is defined, attaches a percentile bootstrap CI that
// resamples whole units (rows: an item with all its ratings); see Bootstrap.
func BootstrapUnits(units [][]float64, f func(units [][]float64) Stat, seed uint64, resamples int, level float64) Stat {
	st := f(units)
	if st.Undefined != "" {
		return st
	}
	st.CI = Bootstrap(len(units), seed, resamples, level, func(idx []int) Stat {
		ru := make([][]float64, len(idx))
		for i, j := range idx {
			ru[i] = units[j]
		}
		return f(ru)
	})
	return st
}

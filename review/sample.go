package review

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
)

// Allocation says how a stratified sample divides its size among strata.
type Allocation string

// Allocations.
const (
	Equal        Allocation = "equal"        // the same number from every stratum (capped by its size)
	Proportional Allocation = "proportional" // in proportion to each stratum's size
)

// Candidate is an item that passed the sample's filter, with its stratum ("" when not stratified).
type Candidate struct {
	ID      int64
	Stratum string
}

// Population is the filtered set of items a sample is drawn from. Item ids are positive integers up to
// MaxID, not necessarily dense.
type Population interface {
	// MaxID returns the largest item id (0 when empty).
	MaxID(ctx context.Context) (int64, error)
	// Probe returns the given ids that exist and pass the filter, with their strata.
	Probe(ctx context.Context, ids []int64) ([]Candidate, error)
	// Scan returns every item that passes the filter and lies in one of the strata (all strata if nil).
	Scan(ctx context.Context, strata []string) ([]Candidate, error)
	// Counts returns the exact size of every non-empty stratum.
	Counts(ctx context.Context) (map[string]int64, error)
	// Strata lists the strata that may occur, for equal allocation (nil: those found while sampling).
	Strata(ctx context.Context) ([]string, error)
}

// SampleSpec describes a sample.
type SampleSpec struct {
	N          int
	Seed       uint64
	Stratified bool
	Allocation Allocation
}

// probeBatch ids are looked up per query; after probing budgetShare of the id space, the sampler stops
// guessing and scans the strata still short, so rare strata and selective filters stay exact.
const (
	probeBatch  = 512
	budgetShare = 8
)

// Draw draws a reproducible sample without replacement: the same seed over the same data gives the
// same items in the same order. It never orders the whole population randomly: it probes random ids
// (cheap lookups by primary key) and falls back to scanning only the strata a probe pass left short.
// Within a stratum every item has the same chance of selection.
func Draw(ctx context.Context, pop Population, spec SampleSpec) ([]Candidate, error) {
	if spec.N <= 0 {
		return nil, errors.New("sample size must be positive")
	}
	rng := rand.New(rand.NewPCG(spec.Seed, 0x6c6f757065))
	quota := map[string]int{}
	var strata []string
	fixedQuota := false
	switch {
	case !spec.Stratified:
		quota[""] = spec.N
		strata = []string{""}
		fixedQuota = true
	case spec.Allocation == Proportional:
		counts, err := pop.Counts(ctx)
		if err != nil {
			return nil, err
		}
		quota = proportional(counts, spec.N)
		for s := range quota {
			strata = append(strata, s)
		}
		sort.Strings(strata)
		fixedQuota = true
	case spec.Allocation == Equal || spec.Allocation == "":
		st, err := pop.Strata(ctx)
		if err != nil {
			return nil, err
		}
		if st == nil {
			counts, err := pop.Counts(ctx)
			if err != nil {
				return nil, err
			}
			for s := range counts {
				st = append(st, s)
			}
			sort.Strings(st)
		}
		strata = st
	default:
		return nil, fmt.Errorf("unknown allocation %q (want equal or proportional)", spec.Allocation)
	}
	if !fixedQuota {
		quota = equalQuota(strata, spec.N)
	}
	maxID, err := pop.MaxID(ctx)
	if err != nil {
		return nil, err
	}
	picked := map[string][]int64{}
	chosen := map[int64]bool{}
	seen := map[int64]bool{}
	done := func() bool {
		for _, s := range strata {
			if len(picked[s]) < quota[s] {
				return false
			}
		}
		return true
	}
	budget := maxID / budgetShare
	if budget < 4*probeBatch {
		budget = maxID // small populations: probing is as cheap as scanning
	}
	var probed int64
	batch := make([]int64, 0, probeBatch)
	for !done() && probed < budget && int64(len(seen)) < maxID {
		batch = batch[:0]
		for len(batch) < probeBatch && int64(len(seen)) < maxID && probed < budget {
			id := rng.Int64N(maxID) + 1
			if seen[id] {
				continue
			}
			seen[id] = true
			probed++
			batch = append(batch, id)
		}
		got, err := pop.Probe(ctx, batch)
		if err != nil {
			return nil, err
		}
		// Keep the batch's random order, not the query's.
		pos := make(map[int64]int, len(batch))
		for i, id := range batch {
			pos[id] = i
		}
		slices.SortFunc(got, func(a, b Candidate) int { return pos[a.ID] - pos[b.ID] })
		for _, c := range got {
			if _, known := quota[c.Stratum]; !known && !fixedQuota {
				continue // equal allocation over declared strata only
			}
			if len(picked[c.Stratum]) < quota[c.Stratum] && !chosen[c.ID] {
				picked[c.Stratum] = append(picked[c.Stratum], c.ID)
				chosen[c.ID] = true
			}
		}
	}
	if !done() {
		if err := fillByScan(ctx, pop, rng, strata, quota, picked, chosen, !fixedQuota, spec.N); err != nil {
			return nil, err
		}
	}
	var out []Candidate
	for _, s := range strata {
		for _, id := range picked[s] {
			out = append(out, Candidate{ID: id, Stratum: s})
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

// fillByScan completes the strata a probe pass left short from an exact scan. Under equal allocation a
// stratum smaller than its share gives the rest to the strata that still have items.
func fillByScan(ctx context.Context, pop Population, rng *rand.Rand, strata []string, quota map[string]int,
	picked map[string][]int64, chosen map[int64]bool, redistribute bool, n int) error {
	var short []string
	for _, s := range strata {
		if len(picked[s]) < quota[s] {
			short = append(short, s)
		}
	}
	scanStrata := short
	if redistribute {
		scanStrata = strata // leftover quota may move to any stratum
	}
	all, err := pop.Scan(ctx, scanStrata)
	if err != nil {
		return err
	}
	slices.SortFunc(all, func(a, b Candidate) int {
		if a.ID < b.ID {
			return -1
		} else if a.ID > b.ID {
			return 1
		}
		return 0
	})
	rest := map[string][]int64{}
	for _, c := range all {
		if !chosen[c.ID] {
			rest[c.Stratum] = append(rest[c.Stratum], c.ID)
		}
	}
	for _, s := range strata {
		r := rest[s]
		rng.Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
	}
	take := func(s string, k int) int {
		r := rest[s]
		k = min(k, len(r))
		picked[s] = append(picked[s], r[:k]...)
		rest[s] = r[k:]
		return k
	}
	for _, s := range short {
		take(s, quota[s]-len(picked[s]))
	}
	if !redistribute {
		return nil
	}
	total := 0
	for _, s := range strata {
		total += len(picked[s])
	}
	for total < n {
		var open []string
		for _, s := range strata {
			if len(rest[s]) > 0 {
				open = append(open, s)
			}
		}
		if len(open) == 0 {
			break
		}
		share := equalQuota(open, n-total)
		for _, s := range open {
			total += take(s, share[s])
		}
	}
	return nil
}

// equalQuota splits n as evenly as possible over strata, the remainder to the first ones.
func equalQuota(strata []string, n int) map[string]int {
	q := map[string]int{}
	if len(strata) == 0 {
		return q
	}
	base, extra := n/len(strata), n%len(strata)
	for i, s := range strata {
		q[s] = base
		if i < extra {
			q[s]++
		}
	}
	return q
}

// proportional allocates n over strata by size with the largest-remainder method (ties by name).
func proportional(counts map[string]int64, n int) map[string]int {
	var total int64
	names := make([]string, 0, len(counts))
	for s, c := range counts {
		if c > 0 {
			total += c
			names = append(names, s)
		}
	}
	sort.Strings(names)
	q := map[string]int{}
	if total == 0 {
		return q
	}
	if int64(n) >= total {
		for _, s := range names {
			q[s] = int(counts[s])
		}
		return q
	}
	type rem struct {
		s string
		r float64
	}
	var rems []rem
	given := 0
	for _, s := range names {
		exact := float64(n) * float64(counts[s]) / float64(total)
		q[s] = int(exact)
		given += q[s]
		rems = append(rems, rem{s, exact - float64(q[s])})
	}
	sort.SliceStable(rems, func(i, j int) bool { return rems[i].r > rems[j].r })
	for i := 0; given < n; i++ {
		q[rems[i%len(rems)].s]++
		given++
	}
	return q
}

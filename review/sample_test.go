package review

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// memPop is an in-memory population for testing the sampler's logic; the SQLite-backed population is
// tested in store.
type memPop struct {
	strata map[int64]string // id -> stratum; ids missing = deleted/filtered out
	maxID  int64
	scans  int
	probes int
	decl   []string
}

func newMemPop(n int64, stratum func(int64) string, keep func(int64) bool) *memPop {
	p := &memPop{strata: map[int64]string{}, maxID: n}
	for id := int64(1); id <= n; id++ {
		if keep == nil || keep(id) {
			p.strata[id] = stratum(id)
		}
	}
	return p
}

func (p *memPop) MaxID(context.Context) (int64, error) { return p.maxID, nil }
func (p *memPop) Probe(_ context.Context, ids []int64) ([]Candidate, error) {
	p.probes += len(ids)
	var out []Candidate
	for _, id := range ids {
		if s, ok := p.strata[id]; ok {
			out = append(out, Candidate{id, s})
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int { return int(a.ID - b.ID) }) // like SQL: not probe order
	return out, nil
}
func (p *memPop) Scan(_ context.Context, strata []string) ([]Candidate, error) {
	p.scans++
	var out []Candidate
	for id, s := range p.strata {
		if strata == nil || slices.Contains(strata, s) {
			out = append(out, Candidate{id, s})
		}
	}
	return out, nil
}
func (p *memPop) Counts(context.Context) (map[string]int64, error) {
	c := map[string]int64{}
	for _, s := range p.strata {
		c[s]++
	}
	return c, nil
}
func (p *memPop) Strata(context.Context) ([]string, error) { return p.decl, nil }

func count(cs []Candidate) map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		m[c.Stratum]++
	}
	return m
}

func TestDrawRandomIsReproducibleAndWithoutReplacement(t *testing.T) {
	pop := newMemPop(100000, func(int64) string { return "" }, func(id int64) bool { return id%3 != 0 })
	a, err := Draw(context.Background(), pop, SampleSpec{N: 1000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if pop.scans != 0 || pop.probes > 4*probeBatch {
		t.Errorf("random sample of 1000 from 66k used %d scans, %d probes", pop.scans, pop.probes)
	}
	b, _ := Draw(context.Background(), pop, SampleSpec{N: 1000, Seed: 7})
	c, _ := Draw(context.Background(), pop, SampleSpec{N: 1000, Seed: 8})
	if len(a) != 1000 || !slices.Equal(a, b) {
		t.Fatalf("same seed gave different samples (len %d)", len(a))
	}
	if slices.Equal(a, c) {
		t.Fatal("different seeds gave the same sample")
	}
	seen := map[int64]bool{}
	for _, x := range a {
		if seen[x.ID] || x.ID%3 == 0 {
			t.Fatalf("id %d repeated or filtered out", x.ID)
		}
		seen[x.ID] = true
	}
}

func TestDrawEqualAllocationFillsRareStrataExactly(t *testing.T) {
	// Stratum "rare" has 30 members among 200k: probing alone cannot find them.
	pop := newMemPop(200000, func(id int64) string {
		switch {
		case id%6661 == 0:
			return "rare"
		case id%2 == 0:
			return "even"
		}
		return "odd"
	}, nil)
	pop.decl = []string{"even", "odd", "rare"}
	got, err := Draw(context.Background(), pop, SampleSpec{N: 300, Seed: 1, Stratified: true, Allocation: Equal})
	if err != nil {
		t.Fatal(err)
	}
	c := count(got)
	// rare has only 30: its shortfall of 70 goes to the others, 135 each.
	if c["rare"] != 30 || c["even"] != 135 || c["odd"] != 135 {
		t.Fatalf("strata %v", c)
	}
	if pop.scans != 1 {
		t.Errorf("%d scans, want exactly one fallback scan", pop.scans)
	}
}

func TestDrawProportional(t *testing.T) {
	pop := newMemPop(10000, func(id int64) string { return fmt.Sprint(id % 4) }, func(id int64) bool { return id%4 != 3 || id%8 == 3 })
	// sizes: 0,1,2 -> 2500 each; 3 -> 1250. Total 8750.
	got, err := Draw(context.Background(), pop, SampleSpec{N: 700, Seed: 3, Stratified: true, Allocation: Proportional})
	if err != nil {
		t.Fatal(err)
	}
	c := count(got)
	if c["0"] != 200 || c["1"] != 200 || c["2"] != 200 || c["3"] != 100 {
		t.Fatalf("strata %v", c)
	}
}

func TestDrawSmallPopulation(t *testing.T) {
	pop := newMemPop(50, func(id int64) string { return "" }, func(id int64) bool { return id <= 10 })
	got, err := Draw(context.Background(), pop, SampleSpec{N: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Fatalf("got %d, want all 10", len(got))
	}
}

func TestProportionalLargestRemainder(t *testing.T) {
	q := proportional(map[string]int64{"a": 1, "b": 1, "c": 1}, 2)
	if q["a"]+q["b"]+q["c"] != 2 {
		t.Fatalf("%v", q)
	}
	q = proportional(map[string]int64{"a": 5, "b": 0}, 10)
	if q["a"] != 5 || q["b"] != 0 {
		t.Fatalf("%v", q)
	}
}

func TestParseScoreRangeAndBins(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    ScoreRange
		wantErr bool
	}{
		{"text=7:10", ScoreRange{"text", 7, 10}, false},
		{"score_imaginative=8:", ScoreRange{"imagination", 8, 10}, false},
		{"clarity=:3", ScoreRange{"clarity", 0, 3}, false},
		{"entity=5", ScoreRange{"entity", 5, 5}, false},
		{"text", ScoreRange{}, true},
		{"text=9:2", ScoreRange{}, true},
		{"text=a:2", ScoreRange{}, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseScoreRange(tc.in)
			if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
	bins, err := ParseBins("0-3,4-6,7-10")
	if err != nil || len(bins) != 3 || bins[2].Label() != "7-10" {
		t.Fatalf("%v %v", bins, err)
	}
	if _, err := ParseBins("0-5,4-6"); err == nil {
		t.Error("overlapping bins accepted")
	}
	if b, _ := ParseBins(""); len(b) != 11 {
		t.Errorf("default bins %v", b)
	}
}

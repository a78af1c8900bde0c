// Package prismbench aggregates PRISM-Bench judge verdicts into leaderboard rows exactly as the
// official evaluation code does, reads the published result tables, writes leaderboards (text,
// Markdown, CSV) and compares the rankings two judges give the same models.
//
// Aggregation (see shared/reference/prism-bench.md):
//   - per track: alignment = mean of that track's alignment scores, aesthetics = mean of its aesthetic
//     scores, track average = mean of both lists POOLED (not the mean of the two means);
//   - overall alignment / aesthetics = pooled means over all tracks, overall average = mean of every
//     score pooled;
//   - reported = the 0-10 mean x 10, rounded half away from zero to one decimal;
//   - a failed (nil score) or missing verdict is excluded from every mean, never counted as 0.
package prismbench

import (
	"cmp"
	"math"
	"slices"

	"github.com/loupe-dev/loupe/review"
)

// Tracks lists the seven PRISM-Bench tracks in the official order (review.Tracks).
var Tracks = slices.Clone(review.Tracks[:])

// Verdict kinds.
const (
	KindAlignment  = "alignment"
	KindAesthetics = "aesthetics"
)

// Verdict is one judge verdict on one image (or a missing / failed one).
type Verdict struct {
	Model, Judge, Lang, Track string
	Index                     int
	Kind                      string   // "alignment" | "aesthetics"
	Score                     *float64 // nil: failed
}

// Cell is one reported figure.
type Cell struct {
	Value *float64 // mean x 10, rounded half away from zero to one decimal; nil when no verdict
	N     int      // scores pooled into the mean (0 for a published cell)
	Mean  float64  // unrounded 0-10 mean (published cells: Value/10)
}

// TrackScore holds the three figures reported per track (and overall).
type TrackScore struct{ Align, Aes, Avg Cell }

// Coverage counts verdicts for one track, both kinds together.
type Coverage struct {
	Expected int // 2 x prompts per track
	Present  int // verdicts with a score
	Failed   int // verdicts without a score
	Missing  int // expected verdicts with no record at all: Expected - Present - Failed, never below 0
}

// Row is one leaderboard row: a model judged by a judge in a language (or a published row).
type Row struct {
	Model, Judge, Lang string
	Published          bool
	Date               string
	Rank               int // 1-based within the row's (judge, lang) group
	Tracks             map[string]TrackScore
	Overall            TrackScore
	Coverage           map[string]Coverage // per track, both kinds together; nil for published rows
}

// report10 turns a sum of n 0-10 scores into the reported figure: their mean x 10, rounded half away from zero to one
// decimal (7.845 -> 78.5, 7.8449 -> 78.4).
func report10(sum float64, n int) float64 { return math.Round(sum*100/float64(n)) / 10 }

// acc accumulates a pooled mean. The reported value is rounded from sum*100/n rather than from the
// already divided mean so that exact ties (integer scores, e.g. 1569/200 = 7.845) are not lost to the
// binary representation of the mean.
type acc struct {
	sum float64
	n   int
}

func (a *acc) add(v float64) { a.sum += v; a.n++ }
func (a *acc) merge(b acc)   { a.sum += b.sum; a.n += b.n }

func (a acc) cell() Cell {
	if a.n == 0 {
		return Cell{}
	}
	v := report10(a.sum, a.n)
	return Cell{Value: &v, N: a.n, Mean: a.sum / float64(a.n)}
}

type verdictKey struct {
	track string
	index int
	kind  string
}

type rowKey struct{ model, judge, lang string }

// Aggregate computes rows exactly as the official code does; expectedPerTrack (e.g. 100) is the number
// of prompts per track, for coverage (verdicts expected = 2 x expectedPerTrack per track). Every row
// carries all seven official tracks (cells nil where a track has no score) plus any other track named
// by a verdict. Verdicts whose Kind is neither "alignment" nor "aesthetics" are ignored. When the same
// (model, judge, lang, track, index, kind) appears more than once the last one wins, as a rerun's
// output file replaces the earlier one. Rows are sorted by overall average (unrounded, descending; rows
// without any score last), then model, judge, lang; Rank numbers rows within each (judge, lang) group.
func Aggregate(vs []Verdict, expectedPerTrack int) []Row {
	last := map[rowKey]map[verdictKey]*float64{}
	var order []rowKey
	for _, v := range vs {
		if v.Kind != KindAlignment && v.Kind != KindAesthetics {
			continue
		}
		rk := rowKey{v.Model, v.Judge, v.Lang}
		m, ok := last[rk]
		if !ok {
			m = map[verdictKey]*float64{}
			last[rk] = m
			order = append(order, rk)
		}
		m[verdictKey{v.Track, v.Index, v.Kind}] = v.Score
	}
	type trackAcc struct {
		align, aes     acc
		present, fails int
	}
	var rows []Row
	for _, rk := range order {
		per := map[string]*trackAcc{}
		for _, t := range Tracks {
			per[t] = &trackAcc{}
		}
		for k, s := range last[rk] {
			ta := per[k.track]
			if ta == nil {
				ta = &trackAcc{}
				per[k.track] = ta
			}
			if s == nil {
				ta.fails++
				continue
			}
			ta.present++
			if k.kind == KindAlignment {
				ta.align.add(*s)
			} else {
				ta.aes.add(*s)
			}
		}
		row := Row{Model: rk.model, Judge: rk.judge, Lang: rk.lang,
			Tracks: map[string]TrackScore{}, Coverage: map[string]Coverage{}}
		var all, allAlign, allAes acc
		for t, ta := range per {
			both := ta.align
			both.merge(ta.aes)
			row.Tracks[t] = TrackScore{Align: ta.align.cell(), Aes: ta.aes.cell(), Avg: both.cell()}
			allAlign.merge(ta.align)
			allAes.merge(ta.aes)
			all.merge(both)
			exp := 2 * expectedPerTrack
			row.Coverage[t] = Coverage{Expected: exp, Present: ta.present, Failed: ta.fails,
				Missing: max(0, exp-ta.present-ta.fails)}
		}
		row.Overall = TrackScore{Align: allAlign.cell(), Aes: allAes.cell(), Avg: all.cell()}
		rows = append(rows, row)
	}
	sortRows(rows)
	return rows
}

// sortRows orders rows by overall average descending (rows without one last), then model, judge, lang,
// and numbers Rank within each (judge, lang) group.
func sortRows(rows []Row) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		av, bv := a.Overall.Avg.Value != nil, b.Overall.Avg.Value != nil
		if av != bv {
			if av {
				return -1
			}
			return 1
		}
		if av {
			if c := cmp.Compare(b.Overall.Avg.Mean, a.Overall.Avg.Mean); c != 0 {
				return c
			}
		}
		return cmp.Or(cmp.Compare(a.Model, b.Model), cmp.Compare(a.Judge, b.Judge), cmp.Compare(a.Lang, b.Lang))
	})
	n := map[[2]string]int{}
	for i := range rows {
		k := [2]string{rows[i].Judge, rows[i].Lang}
		n[k]++
		rows[i].Rank = n[k]
	}
}

// TrackNames returns the row's tracks: the official seven in order, then any others sorted by name.
func (r Row) TrackNames() []string {
	out := slices.Clone(Tracks)
	var extra []string
	for t := range r.Tracks {
		if !slices.Contains(Tracks, t) {
			extra = append(extra, t)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// TotalCoverage sums the row's per-track coverage.
func (r Row) TotalCoverage() Coverage {
	var c Coverage
	for _, x := range r.Coverage {
		c.Expected += x.Expected
		c.Present += x.Present
		c.Failed += x.Failed
		c.Missing += x.Missing
	}
	return c
}

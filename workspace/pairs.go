package workspace

// Side-by-side preference: pair queues (sampling), the person's comparison session, and the judges'
// side of a pair. Statistics are in pairstats.go, the pairwise judge run in judgepairs.go.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// Pair designs for SamplePairs.
const (
	// DesignBalanced picks comparisons so each pair of models meets about equally often.
	DesignBalanced = "balanced"
	// DesignAll takes every pair of models on each prompt drawn (a full round robin per prompt).
	DesignAll = "all"
)

// Pair weightings for SamplePairs.
const (
	WeightNone     = ""
	WeightClose    = "close"    // pairs whose two pictures the judge scored close get drawn more
	WeightDisagree = "disagree" // pairs on which two judges' score differences disagree get drawn more
)

// PairSampleRequest is a pair queue to draw.
type PairSampleRequest struct {
	Name   string
	Models []string // at least 2
	Tracks []string // none: every track
	Lang   string   // "": every language
	N      int      // comparisons; 0: every pair of the design
	Seed   uint64
	Design string // DesignBalanced (default) or DesignAll
	// Weight draws pairs where a judge's scores are close (WeightClose, with Judge) or where two judges
	// disagree on which picture is better (WeightDisagree, Judge and Other), more often.
	Weight       string
	Judge, Other string
	Dimension    string // the judges' score dimension for Weight (default prism_alignment)
	// Dimensions the queue asks about (default overall), Overlap how many people answer each pair.
	Dimensions []string
	Overlap    int
	Guidelines string
	ShowOthers bool // other people's choices shown before one's own answer
}

// PairSampleResult is the pair queue drawn.
type PairSampleResult struct {
	Pairs     int
	Prompts   int            // distinct prompts among them
	PerModels map[string]int // comparisons per model pair "a vs b"
	LeftShare map[string]int // how often each model is shown on the left
	Elapsed   time.Duration
}

// ErrBadPairs is a pair sample that cannot be drawn as asked.
var ErrBadPairs = errors.New("bad pair sample")

type pairCand struct {
	a, b   store.PairGen
	weight float64
}

// SamplePairs draws prompt-matched pairs of generations by different models and stores them as a new
// pair queue (blind). Sides are drawn at random per pair and recorded; the queue's order is shuffled.
func (w *Workspace) SamplePairs(ctx context.Context, r PairSampleRequest) (*PairSampleResult, error) {
	t0 := time.Now()
	models := slices.Compact(slices.Sorted(slices.Values(r.Models)))
	if len(models) < 2 {
		return nil, fmt.Errorf("%w: --models names %d model(s): a pair needs two", ErrBadPairs, len(models))
	}
	switch r.Design {
	case "":
		r.Design = DesignBalanced
	case DesignBalanced, DesignAll:
	default:
		return nil, fmt.Errorf("%w: design %q: want %s or %s", ErrBadPairs, r.Design, DesignBalanced, DesignAll)
	}
	if r.N < 0 {
		return nil, fmt.Errorf("%w: --n %d: want 0 (every pair) or more", ErrBadPairs, r.N)
	}
	for _, d := range r.Dimensions {
		if d == "" || strings.ContainsAny(d, ", \t") {
			return nil, fmt.Errorf("%w: dimension %q: want a name without spaces or commas", ErrBadPairs, d)
		}
	}
	if r.Dimension == "" {
		r.Dimension = "prism_alignment"
	}
	gens, err := w.st.PairGenerations(ctx, models, r.Tracks, r.Lang)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, g := range gens {
		have[g.Model] = true
	}
	for _, m := range models {
		if !have[m] {
			return nil, fmt.Errorf("%w: no generations of model %q match (models with generations: see loupe info)", ErrBadPairs, m)
		}
	}
	weigh, err := w.pairWeights(ctx, r)
	if err != nil {
		return nil, err
	}
	// every prompt-matched pair of models, in canonical order (a's model sorts first)
	byPair := map[string][]pairCand{}
	var prompts []int64
	promptPairs := map[int64][]pairCand{}
	for i := 0; i < len(gens); {
		j := i
		for j < len(gens) && gens[j].Prompt == gens[i].Prompt {
			j++
		}
		for x := i; x < j; x++ {
			for y := x + 1; y < j; y++ {
				if gens[x].Model == gens[y].Model {
					continue
				}
				c := pairCand{a: gens[x], b: gens[y], weight: 1}
				if weigh != nil {
					c.weight = weigh(c.a.Item, c.b.Item)
				}
				k := c.a.Model + " vs " + c.b.Model
				byPair[k] = append(byPair[k], c)
				promptPairs[gens[i].Prompt] = append(promptPairs[gens[i].Prompt], c)
			}
		}
		if len(promptPairs[gens[i].Prompt]) > 0 {
			prompts = append(prompts, gens[i].Prompt)
		}
		i = j
	}
	if len(prompts) == 0 {
		return nil, fmt.Errorf("%w: no prompt has generations of two of the models %s: queue %q not created", ErrBadPairs, strings.Join(models, ", "), r.Name)
	}
	rng := rand.New(rand.NewPCG(r.Seed, 0x9a1c5))
	var picked []pairCand
	switch {
	case r.N == 0 || r.Design == DesignAll && r.N >= countAll(promptPairs):
		for _, p := range prompts {
			picked = append(picked, promptPairs[p]...)
		}
	case r.Design == DesignAll:
		// whole prompts, drawn (weighted by their pairs' mean weight), until N comparisons
		ws := make([]float64, len(prompts))
		for i, p := range prompts {
			for _, c := range promptPairs[p] {
				ws[i] += c.weight
			}
			ws[i] /= float64(len(promptPairs[p]))
		}
		for _, i := range weightedOrder(rng, ws) {
			if len(picked) >= r.N {
				break
			}
			picked = append(picked, promptPairs[prompts[i]]...)
		}
		picked = picked[:min(len(picked), r.N)]
	default:
		// balanced: model pairs take turns, each drawing its next prompt (weighted, without replacement)
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range byPair {
				if !yield(k) {
					return
				}
			}
		})
		orders := map[string][]int{}
		for _, k := range keys {
			ws := make([]float64, len(byPair[k]))
			for i, c := range byPair[k] {
				ws[i] = c.weight
			}
			orders[k] = weightedOrder(rng, ws)
		}
		next := map[string]int{}
		for len(picked) < r.N {
			took := false
			rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
			for _, k := range keys {
				if len(picked) >= r.N {
					break
				}
				if next[k] < len(orders[k]) {
					picked = append(picked, byPair[k][orders[k][next[k]]])
					next[k]++
					took = true
				}
			}
			if !took {
				break
			}
		}
	}
	rng.Shuffle(len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })
	res := &PairSampleResult{Pairs: len(picked), PerModels: map[string]int{}, LeftShare: map[string]int{}}
	seen := map[int64]bool{}
	pairs := make([]store.NewPair, len(picked))
	for i, c := range picked {
		pairs[i] = store.NewPair{A: c.a.Item, B: c.b.Item, ALeft: rng.IntN(2) == 0}
		res.PerModels[c.a.Model+" vs "+c.b.Model]++
		if pairs[i].ALeft {
			res.LeftShare[c.a.Model]++
		} else {
			res.LeftShare[c.b.Model]++
		}
		if !seen[c.a.Prompt] {
			seen[c.a.Prompt] = true
			res.Prompts++
		}
	}
	params, _ := json.Marshal(map[string]any{"models": models, "tracks": r.Tracks, "lang": r.Lang, "n": r.N, "design": r.Design,
		"weight": r.Weight, "judge": r.Judge, "other": r.Other, "dimension": r.Dimension})
	if _, err := w.st.CreatePairQueue(ctx, store.QueueSpec{Name: r.Name, Strategy: "pairs", Seed: r.Seed, Params: params}, r.Dimensions, r.Overlap, pairs); err != nil {
		if errors.Is(err, store.ErrConflict) && strings.Contains(err.Error(), "queues.name") {
			return nil, fmt.Errorf("a queue named %q exists: choose another --name (queue %q is unchanged)", r.Name, r.Name)
		}
		return nil, err
	}
	if r.Guidelines != "" || r.ShowOthers {
		if err := w.st.SetQueueSettings(ctx, r.Name, store.QueueSettings{Blind: true, ShowOthers: r.ShowOthers, Guidelines: r.Guidelines}); err != nil {
			return nil, fmt.Errorf("pair queue %q made, but its settings were not stored: %w", r.Name, err)
		}
	}
	res.Elapsed = time.Since(t0)
	return res, nil
}

func countAll(m map[int64][]pairCand) int {
	n := 0
	for _, cs := range m {
		n += len(cs)
	}
	return n
}

// weightedOrder is a weighted random order without replacement (Efraimidis-Spirakis: key u^(1/w),
// largest first); equal weights give a uniform shuffle.
func weightedOrder(rng *rand.Rand, ws []float64) []int {
	keys := make([]float64, len(ws))
	idx := make([]int, len(ws))
	for i, w := range ws {
		idx[i] = i
		if w <= 0 {
			w = 1e-9
		}
		keys[i] = math.Log(rng.Float64()+1e-300) / w
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(keys[y], keys[x]) })
	return idx
}

// pairWeights returns the weight of a pair of items for r.Weight (nil: uniform).
func (w *Workspace) pairWeights(ctx context.Context, r PairSampleRequest) (func(a, b int64) float64, error) {
	switch r.Weight {
	case WeightNone:
		return nil, nil
	case WeightClose, WeightDisagree:
	default:
		return nil, fmt.Errorf("%w: weight %q: want %s or %s", ErrBadPairs, r.Weight, WeightClose, WeightDisagree)
	}
	if r.Judge == "" {
		return nil, fmt.Errorf("%w: --weight %s needs --judge (a judge rater's name: see loupe stats)", ErrBadPairs, r.Weight)
	}
	js, err := w.st.JudgeValues(ctx, r.Judge, r.Dimension)
	if err != nil {
		return nil, err
	}
	if len(js) == 0 {
		return nil, fmt.Errorf("%w: judge %q has no %s scores", ErrBadPairs, r.Judge, r.Dimension)
	}
	if r.Weight == WeightClose {
		// a pair the judge scored 0 apart is drawn 4x as often as one 3 points apart; unscored pairs weigh 1
		return func(a, b int64) float64 {
			x, okA := js[a]
			y, okB := js[b]
			if !okA || !okB {
				return 1
			}
			return 4 / (1 + math.Abs(x-y))
		}, nil
	}
	if r.Other == "" {
		return nil, fmt.Errorf("%w: --weight disagree needs --other-judge too", ErrBadPairs)
	}
	os, err := w.st.JudgeValues(ctx, r.Other, r.Dimension)
	if err != nil {
		return nil, err
	}
	if len(os) == 0 {
		return nil, fmt.Errorf("%w: judge %q has no %s scores", ErrBadPairs, r.Other, r.Dimension)
	}
	return func(a, b int64) float64 {
		x1, ok1 := js[a]
		y1, ok2 := js[b]
		x2, ok3 := os[a]
		y2, ok4 := os[b]
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return 1
		}
		d1, d2 := x1-y1, x2-y2
		wt := 1 + math.Abs(d1-d2)
		if d1*d2 < 0 { // they prefer different pictures
			wt *= 4
		}
		return wt
	}, nil
}

// IsPairQueue reports whether the named queue is a pair queue.
func (w *Workspace) IsPairQueue(ctx context.Context, queue string) (bool, error) {
	return w.st.IsPairQueue(ctx, queue)
}

// PairSession is one annotator's comparison session on one pair queue, as the comparison screen uses
// it. Every call commits before it returns; it is safe for concurrent use.
type PairSession struct {
	w  *Workspace
	ps *store.PairSession
}

// OpenPairSession starts annotator's session on the named pair queue (creating the annotator if new).
func (w *Workspace) OpenPairSession(ctx context.Context, queue, annotator string) (*PairSession, error) {
	ps, err := w.st.OpenPairSession(ctx, queue, annotator)
	if err != nil {
		return nil, err
	}
	return &PairSession{w: w, ps: ps}, nil
}

// Info is the session's queue, annotator and settings.
func (s *PairSession) Info() review.PairInfo {
	q := s.ps.Queue
	return review.PairInfo{Queue: q.Name, Annotator: s.ps.Annotator, Dimensions: slices.Clone(q.Dimensions), Overlap: q.Overlap,
		Blind: q.Settings.Blind, ShowOthers: q.Settings.ShowOthers, Guidelines: q.Settings.Guidelines, Pairs: q.Pairs}
}

// Lease hands out the next pair to answer (its position; -1 when none is left), leaving except out (-1:
// none): lease the current pair's successor ahead with except = the current one.
func (s *PairSession) Lease(ctx context.Context, ttl time.Duration, except int) (int, error) {
	return s.ps.Lease(ctx, ttl, except)
}

// Pair reads the pair at pos.
func (s *PairSession) Pair(ctx context.Context, pos int) (review.Pair, error) {
	return s.w.st.Pair(ctx, s.ps.Queue, pos)
}

// Picture reads an item's picture bytes.
func (s *PairSession) Picture(ctx context.Context, item int64) ([]byte, error) {
	c, err := s.w.Content(ctx, item)
	if err != nil {
		return nil, err
	}
	return c.Picture()
}

// Choose records the choice on one dimension of pair pos (sides as the pair shows them).
func (s *PairSession) Choose(ctx context.Context, pos int, dimension string, c review.Choice) error {
	p, err := s.Pair(ctx, pos)
	if err != nil {
		return err
	}
	_, err = s.ps.Choose(ctx, pos, dimension, p.Left().Item, c)
	return err
}

// Undo withdraws this annotator's latest choice in force on pair pos.
func (s *PairSession) Undo(ctx context.Context, pos int) (review.PairUndone, error) {
	return s.ps.Undo(ctx, pos)
}

// Mark records a note, flag or skip (kind) on pair pos.
func (s *PairSession) Mark(ctx context.Context, pos int, kind, text string) error {
	_, err := s.ps.Mark(ctx, pos, kind, text)
	return err
}

// Choices returns this annotator's choices in force on pair pos, by dimension.
func (s *PairSession) Choices(ctx context.Context, pos int) (map[string]review.Choice, error) {
	return s.ps.Choices(ctx, pos)
}

// Notes returns this annotator's notes, flags and skips on pair pos ("kind: text"), oldest first.
func (s *PairSession) Notes(ctx context.Context, pos int) ([]string, error) {
	return s.ps.Notes(ctx, pos)
}

// Progress counts the queue's pairs, this annotator's answered ones and the complete ones.
func (s *PairSession) Progress(ctx context.Context) (review.PairProgress, error) {
	return s.ps.Progress(ctx)
}

// Reveal is what the screen shows once the person answered pair pos (or at once when the queue is not
// blind): the models on each side, every judge's absolute scores of the two pictures (PRISM-Bench
// alignment and aesthetics), the pairwise judges' answers told in the person's sides, and - when the
// queue shows others - other people's choices.
func (s *PairSession) Reveal(ctx context.Context, pos int) (review.PairReveal, error) {
	p, err := s.Pair(ctx, pos)
	if err != nil {
		return review.PairReveal{}, err
	}
	l, rt := p.Left(), p.Right()
	rv := review.PairReveal{LeftModel: l.Model, RightModel: rt.Model}
	vals, err := s.w.st.ItemJudgeValues(ctx, []int64{l.Item, rt.Item}, []string{"prism_alignment", "prism_aesthetics"})
	if err != nil {
		return rv, err
	}
	for _, v := range vals { // by rater and dimension: one PairScore each
		n := len(rv.Scores)
		if n == 0 || rv.Scores[n-1].Rater != v.Rater || rv.Scores[n-1].Dimension != v.Dimension {
			rv.Scores = append(rv.Scores, review.PairScore{Rater: v.Rater, Dimension: v.Dimension})
			n++
		}
		sc := &rv.Scores[n-1]
		if v.Item == l.Item {
			sc.Left, sc.HasLeft = v.Value, true
		} else {
			sc.Right, sc.HasRight = v.Value, true
		}
	}
	vs, err := s.w.st.PairVerdictsOf(ctx, p.A.Item, p.B.Item)
	if err != nil {
		return rv, err
	}
	for _, v := range vs {
		a := review.PairJudgeAnswer{Rater: v.Rater, Dimension: v.Dimension, LeftFirst: v.First == l.Item, Justification: v.Justification}
		switch {
		case v.Pick == "tie":
			a.Pick = "tie"
		case v.Pick == "first" && a.LeftFirst, v.Pick == "second" && !a.LeftFirst:
			a.Pick = "left"
		case v.Pick != "":
			a.Pick = "right"
		}
		rv.Judges = append(rv.Judges, a)
	}
	if s.ps.Queue.Settings.ShowOthers || !s.ps.Queue.Settings.Blind {
		ans, err := s.w.st.PairAnswers(ctx, s.ps.Queue, "")
		if err != nil {
			return rv, err
		}
		for _, a := range ans {
			if a.Pos != pos || a.Annotator == s.ps.Annotator {
				continue
			}
			c := a.Choice
			if a.LeftItem != l.Item { // they saw the sides the other way round
				c = mirror(c)
			}
			rv.Others = append(rv.Others, fmt.Sprintf("%s: %s %s", a.Annotator, a.Dimension, c))
		}
	}
	return rv, nil
}

// mirror is a choice as seen from the other side.
func mirror(c review.Choice) review.Choice {
	switch c {
	case review.ChoiceLeft:
		return review.ChoiceRight
	case review.ChoiceRight:
		return review.ChoiceLeft
	}
	return c
}

// Package synth deterministically produces synthetic FLUX-Reason-6M-style
// dataset samples and PRISM-Bench-style benchmark generations.
//
// Every picture is drawn procedurally (skies, layered landscapes, shop signs
// and posters with real rendered text, arrangements of coloured shapes,
// pattern art and surreal scenes) in one of several styles, and every caption,
// score and judge verdict is derived from the same scene description, so the
// captions describe what is actually drawn. A small, known share of samples
// and generations deliberately contradicts its captions or prompt; the
// Defect strings say exactly how, which gives reviewers and tests ground
// truth to look for.
//
// All output is a pure function of the generator seed and the call
// arguments: the package never uses global random state, map iteration
// order or the clock. A Generator is safe for concurrent use.
package synth

import (
	"math/rand/v2"

	"github.com/loupe-dev/loupe/review"
)

// CaptionKinds are the dataset's caption kinds, in FLUX-Reason-6M column
// order (caption_<kind>, caption_<kind>_cn).
var CaptionKinds = review.CaptionKinds

// ScoreNames are the dataset's score columns (score_<name>), in order (review.PipelineScores).
var ScoreNames = scoreNames()

func scoreNames() (out [9]string) {
	for i, p := range review.PipelineScores {
		out[i] = p.Column
	}
	return out
}

// Tracks are the PRISM-Bench track keys in official order.
var Tracks = review.Tracks

// Subsets are the dataset subsets (id prefixes).
var Subsets = [4]string{"aesthetics-part01", "aesthetics-part02", "imaginative", "text"}

// Caption and score indexes, in CaptionKinds / ScoreNames order.
const (
	kComposition = iota
	kEntity
	kText
	kImaginative
	kStyle
	kAbstract
	kOriginal
	kDetail
	kClarity   = 7
	kStructure = 8
)

// Generator produces samples, prompts, generations and verdicts from a seed.
// Its methods are safe for concurrent use; WrongShare must not be changed
// while other goroutines use the generator.
type Generator struct {
	seed uint64
	// WrongShare is the share (0..1) of generations that Wrong reports as
	// deliberately wrong. New sets it to 0.2.
	WrongShare float64
}

// New returns a generator for seed with WrongShare 0.2.
func New(seed int64) *Generator {
	return &Generator{seed: uint64(seed), WrongShare: 0.2}
}

// mix is a splitmix64-style finaliser used to combine hash inputs.
func mix(h, v uint64) uint64 {
	h ^= v + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2)
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// strHash is FNV-1a over s.
func strHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// key hashes the generator seed with a salt string and integers.
func (g *Generator) key(salt string, parts ...uint64) uint64 {
	h := mix(g.seed, strHash(salt))
	for _, p := range parts {
		h = mix(h, p)
	}
	return h
}

// newRand returns a PCG-backed generator seeded from h.
func newRand(h uint64) *rand.Rand {
	return rand.New(rand.NewPCG(h, mix(h, 0x5851f42d4c957f2d)))
}

// unit maps a hash to [0,1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// between returns a random int in [lo, hi].
func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// clampInt limits v to [lo, hi].
func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

package synth

import (
	"fmt"
	"image"
	"math/rand/v2"
)

// Sample describes dataset row Index of a subset. It is deterministic in
// (seed, subset, index) and cheap to make; Render draws its image.
type Sample struct {
	Subset string
	Index  int
	// ID is fmt.Sprintf("%s-%08d", Subset, Index), like the real dataset.
	ID string
	// EN and ZH are the captions per CaptionKinds; "" means null. ZH is ""
	// exactly when EN is "". EN[7] (detail, the GCoT caption) is never
	// empty.
	EN, ZH [8]string
	// Present is bool_caption_<kind>: true iff the caption is present; for
	// "original", true iff it is present and passed the alignment gate
	// (Scores[6] >= 6).
	Present [8]bool
	// Scores are 0-10 per ScoreNames.
	Scores [9]int
	// Defect is "" normally; for about 8% of samples the image deliberately
	// contradicts the captions and Defect says exactly how.
	Defect string

	spec  scene // what the captions describe
	drawn scene // what Render draws
	built bool
}

// DefectShare is the share of dataset samples with a deliberate defect.
const DefectShare = 0.08

// Sample describes dataset row i of subset. Unknown subsets are treated
// like the aesthetics subsets.
func (g *Generator) Sample(subset string, i int) Sample {
	r := newRand(g.key("sample", strHash(subset), uint64(i)))
	spec := buildScene(r, familyFor(r, subset))
	smp := Sample{Subset: subset, Index: i, ID: fmt.Sprintf("%s-%08d", subset, i), spec: spec, drawn: spec, built: true}
	smp.Scores = scoreScene(r, spec)
	if r.Float64() < DefectShare {
		smp.drawn, smp.Defect = applyDefect(r, spec, "", "captions say")
	}
	caps := [6]func() bi{spec.compositionCap, spec.entityCap, spec.textCap, spec.imaginativeCap, spec.styleCap, spec.abstractCap}
	for k := 0; k < 6; k++ {
		if smp.Scores[k] < 6 || k == kText && spec.fam != famSign {
			continue
		}
		// a share of qualifying captions is still missing, as in the data
		if r.IntN(10) == 0 {
			continue
		}
		c := caps[k]()
		smp.EN[k], smp.ZH[k], smp.Present[k] = c.en, c.zh, true
	}
	orig, noisy := spec.originalCap(r)
	if noisy {
		smp.Scores[kOriginal] = between(r, 0, 4)
	}
	if r.IntN(10) < 8 {
		smp.EN[kOriginal], smp.ZH[kOriginal] = orig.en, orig.zh
		smp.Present[kOriginal] = smp.Scores[kOriginal] >= 6
	}
	d := spec.detailCap(r)
	smp.EN[kDetail], smp.ZH[kDetail], smp.Present[kDetail] = d.en, d.zh, true
	return smp
}

// Render draws the sample's image, size x size pixels (clamped to 32..2048).
// It is deterministic and safe to call from several goroutines.
func (s Sample) Render(size int) *image.RGBA {
	sc := s.drawn
	if !s.built {
		sc = scene{fam: famLandscape, layers: 3, tod: todDay, celestial: 1, seed: strHash(s.ID)}
	}
	return render(sc, size, neutralLook)
}

// scoreScene derives trait and quality scores from the scene content.
func scoreScene(r *rand.Rand, s scene) [9]int {
	var sc [9]int
	rng := func(lo, hi int) int { return between(r, lo, hi) }
	switch s.fam {
	case famLandscape:
		sc[kComposition], sc[kEntity], sc[kText], sc[kImaginative], sc[kAbstract] = rng(5, 8), rng(3, 6), rng(0, 1), rng(1, 4), rng(6, 9)
		if s.entity != entNone {
			sc[kEntity] = rng(6, 9)
		}
		if s.entity == entBalloon {
			sc[kImaginative] = rng(3, 6)
		}
	case famArrangement:
		sc[kComposition], sc[kEntity], sc[kText], sc[kImaginative], sc[kAbstract] = rng(7, 10), rng(6, 9), rng(0, 1), rng(1, 3), rng(2, 5)
	case famSign:
		sc[kComposition], sc[kEntity], sc[kText], sc[kImaginative], sc[kAbstract] = rng(4, 7), rng(5, 8), rng(7, 10), rng(1, 3), rng(3, 6)
	case famPattern:
		sc[kComposition], sc[kEntity], sc[kText], sc[kImaginative], sc[kAbstract] = rng(6, 9), rng(1, 3), rng(0, 1), rng(4, 7), rng(4, 7)
	default:
		sc[kComposition], sc[kEntity], sc[kText], sc[kImaginative], sc[kAbstract] = rng(5, 8), rng(5, 8), rng(0, 1), rng(7, 10), rng(6, 9)
	}
	switch s.sty {
	case stPainting:
		sc[kStyle] = rng(4, 7)
	case stFlat:
		sc[kStyle] = rng(6, 8)
	default:
		sc[kStyle] = rng(7, 10)
	}
	sc[kOriginal] = rng(5, 9)
	for _, k := range []int{kClarity, kStructure} {
		if r.IntN(10) == 0 {
			sc[k] = rng(3, 5)
		} else {
			sc[k] = rng(6, 10)
		}
	}
	if s.sty == stPixel {
		sc[kClarity] = clampInt(sc[kClarity]-1, 0, 10)
	}
	return sc
}

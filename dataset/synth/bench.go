package synth

import (
	"fmt"
	"image"
	"math/rand/v2"
)

// Prompt is PRISM-Bench-style prompt Index (0..99) of a track.
type Prompt struct {
	Track string
	Index int
	// EN and ZH are the prompt in English and Chinese. For text_rendering the
	// exact English text to render stays in English, quoted, inside ZH.
	EN, ZH string
}

// promptScene builds the scene behind prompt i of a track.
func (g *Generator) promptScene(track string, i int) (scene, *rand.Rand) {
	r := newRand(g.key("prompt", strHash(track), uint64(i)))
	var s scene
	switch track {
	case "imagination":
		s = buildScene(r, pick(r, []int{famSurreal, famSurreal, famSurreal, famPattern}))
	case "entity":
		if r.IntN(3) == 0 {
			s = buildScene(r, famArrangement)
		} else {
			s = buildScene(r, famLandscape)
			if s.entity == entNone {
				s.entity = 1 + r.IntN(numEntities-1)
				s.water = s.water || s.entity == entSailboat
			}
		}
	case "text_rendering":
		s = buildScene(r, famSign)
	case "style":
		s = buildScene(r, pick(r, []int{famLandscape, famArrangement, famPattern, famSurreal}))
		if s.sty == stPainting {
			s.sty = 1 + r.IntN(numStyles-1)
			if s.sty == stNeon {
				s.tod = todNight
			}
		}
	case "affection":
		s = buildScene(r, pick(r, []int{famLandscape, famLandscape, famSurreal}))
		if s.sty == stNeon {
			s.sty = stPainting
			s.tod = moodTOD(r, s.mood)
		}
	case "composition":
		s = buildScene(r, pick(r, []int{famArrangement, famArrangement, famArrangement, famPattern}))
	default:
		s = buildScene(r, pick(r, []int{famLandscape, famArrangement, famSurreal, famSign}))
	}
	return s, r
}

// Prompt returns prompt i (0..99) of track. Deterministic in (seed, track, i).
func (g *Generator) Prompt(track string, i int) Prompt {
	s, r := g.promptScene(track, i)
	p := Prompt{Track: track, Index: i}
	subj := s.subject()
	st := bi{fmt.Sprintf("%s style", styleEN[s.sty]), fmt.Sprintf("%s风格", styleZH[s.sty])}
	var b bi
	switch track {
	case "imagination":
		im := s.imaginativeCap()
		b = bi{capFirst(subj.en) + ", " + st.en + ". " + im.en, st.zh + "：" + subj.zh + "。" + im.zh}
	case "entity":
		e := s.entityCap()
		b = bi{fmt.Sprintf("A %s illustration of %s. %s", styleEN[s.sty], subj.en, e.en), fmt.Sprintf("一幅%s风格的插画，描绘%s。%s", styleZH[s.sty], subj.zh, e.zh)}
	case "text_rendering":
		t := s.textCap()
		b = bi{capFirst(subj.en) + ". " + t.en + " The text must be spelled exactly as written.", subj.zh + "。" + t.zh + "文字必须与所写内容完全一致。"}
	case "style":
		b = bi{fmt.Sprintf("%s, rendered in a %s style with %s.", capFirst(subj.en), styleEN[s.sty], styleHow[s.sty]),
			fmt.Sprintf("%s，采用%s风格，%s。", subj.zh, styleZH[s.sty], styleHowZH[s.sty])}
	case "affection":
		a := s.abstractCap()
		b = bi{capFirst(subj.en) + ". " + a.en, subj.zh + "。" + a.zh}
	case "composition":
		c := s.compositionCap()
		b = bi{c.en + " " + capFirst(st.en) + ".", c.zh + "采用" + st.zh + "。"}
	default:
		b = s.detailCap(r)
	}
	p.EN, p.ZH = b.en, b.zh
	return p
}

// Wrong reports whether the fictional model's image for p is deliberately
// wrong; the share of wrong ones is g.WrongShare, decided deterministically
// from (seed, model, track, index).
func (g *Generator) Wrong(model string, p Prompt) bool {
	return unit(g.key("wrong", strHash(model), strHash(p.Track), uint64(p.Index))) < g.WrongShare
}

// modelLook derives a fictional model's rendering look from its name.
func (g *Generator) modelLook(model string) look {
	r := newRand(g.key("look", strHash(model)))
	return look{
		detail:   r.IntN(3),
		sat:      0.65 + 0.7*r.Float64(),
		warm:     r.Float64()*2 - 1,
		contrast: 0.85 + 0.35*r.Float64(),
		vignette: 0.45 * r.Float64(),
		jitter:   r.Uint64(),
	}
}

// generation returns the scene a model draws for p and the defect text.
func (g *Generator) generation(model string, p Prompt, wrong bool) (scene, string) {
	s, _ := g.promptScene(p.Track, p.Index)
	if !wrong {
		return s, ""
	}
	r := newRand(g.key("defect", strHash(model), strHash(p.Track), uint64(p.Index)))
	return applyDefect(r, s, p.Track, "the prompt asks for")
}

// Generate renders the image a fictional model produced for p at size x
// size pixels. When wrong is true the image contradicts the prompt in one
// concrete, visible way and defect describes it; otherwise defect is "".
// Models differ in palette, contrast and detail; output is deterministic
// per (seed, model, track, index).
func (g *Generator) Generate(model string, p Prompt, size int, wrong bool) (img *image.RGBA, defect string) {
	s, defect := g.generation(model, p, wrong)
	return render(s, size, g.modelLook(model)), defect
}

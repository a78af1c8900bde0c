package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Defect kinds.
const (
	dfMisspell = iota
	dfColour
	dfCount
	dfSwap
	dfMissing
	dfCelestial
	dfEntityGone
	dfEntitySide
	dfNoWater
	dfStyle
	dfMood
)

// defectKinds lists the defects that visibly apply to s, preferring the
// ones that fit a benchmark track ("" for dataset samples).
func defectKinds(s scene, track string) []int {
	var ks []int
	switch s.fam {
	case famSign:
		ks = []int{dfMisspell}
	case famArrangement:
		ks = []int{dfColour, dfCount, dfSwap, dfMissing}
	case famPattern:
		ks = []int{dfCount, dfColour}
	case famSurreal:
		switch s.surKind {
		case srIslands, srMoons:
			ks = []int{dfCount}
		case srGiantFruit:
			ks = []int{dfColour}
		}
	case famLandscape:
		if s.celestial > 0 {
			ks = append(ks, dfCelestial)
		}
		if s.entity != entNone {
			ks = append(ks, dfEntityGone, dfEntitySide)
		}
		if s.water && s.entity != entSailboat {
			ks = append(ks, dfNoWater)
		}
	}
	moodOK := (s.fam == famLandscape || s.fam == famSurreal) && s.sty != stNeon
	switch track {
	case "style":
		return []int{dfStyle}
	case "affection":
		if moodOK {
			return []int{dfMood}
		}
	}
	if len(ks) == 0 {
		if moodOK {
			return []int{dfMood}
		}
		return []int{dfStyle}
	}
	return ks
}

// misspell swaps, drops or doubles a letter of the longest word.
func misspell(r *rand.Rand, t string) string {
	words := strings.Split(t, " ")
	wi := 0
	for i, w := range words {
		if len(w) > len(words[wi]) {
			wi = i
		}
	}
	w := []byte(words[wi])
	for try := 0; try < 8; try++ {
		out := append([]byte(nil), w...)
		i := 1 + r.IntN(max(1, len(w)-2))
		switch r.IntN(3) {
		case 0:
			if i+1 < len(out) {
				out[i], out[i+1] = out[i+1], out[i]
			}
		case 1:
			out = append(out[:i], out[i+1:]...)
		default:
			out = append(out[:i+1], out[i:]...)
		}
		if string(out) != string(w) {
			words[wi] = string(out)
			return strings.Join(words, " ")
		}
	}
	words[wi] = string(w) + string(w[len(w)-1])
	return strings.Join(words, " ")
}

// otherColour returns a colour index in 0..7 different from all in used.
func otherColour(r *rand.Rand, used ...int) int {
	for {
		c := r.IntN(8)
		ok := true
		for _, u := range used {
			ok = ok && c != u
		}
		if ok {
			return c
		}
	}
}

// applyDefect returns the scene as drawn with one visible deviation from
// spec, and a description; ref names the reference ("captions say" or
// "the prompt asks for").
func applyDefect(r *rand.Rand, spec scene, track, ref string) (scene, string) {
	d := spec.clone()
	ks := defectKinds(spec, track)
	k := ks[r.IntN(len(ks))]
	switch k {
	case dfMisspell:
		d.text = misspell(r, spec.text)
		return d, fmt.Sprintf("sign reads %q but %s %q", d.text, ref, spec.text)
	case dfColour:
		switch spec.fam {
		case famArrangement:
			gi := r.IntN(len(d.groups))
			var used []int
			for _, g := range d.groups {
				used = append(used, g.colour)
			}
			d.groups[gi].colour = otherColour(r, used...)
			g := spec.groups[gi]
			return d, fmt.Sprintf("the %s are drawn %s but %s %s", plural(shapeEN[g.shape], g.count), objColours[d.groups[gi].colour].en, ref, objColours[g.colour].en)
		case famPattern:
			d.colours[0] = otherColour(r, spec.colours[:]...)
			return d, fmt.Sprintf("the pattern uses %s where %s %s", objColours[d.colours[0]].en, ref, objColours[spec.colours[0]].en)
		}
		d.fruitCol = otherColour(r, spec.fruitCol, 8, 9)
		return d, fmt.Sprintf("the giant %s is drawn %s but %s %s", fruitEN[spec.fruit], objColours[d.fruitCol].en, ref, objColours[spec.fruitCol].en)
	case dfCount:
		switch spec.fam {
		case famArrangement:
			gi := r.IntN(len(d.groups))
			g := spec.groups[gi]
			n := g.count - 1
			if n < 1 || r.IntN(2) == 0 && g.count < 5 {
				n = g.count + 1
			}
			d.groups[gi].count = n
			return d, fmt.Sprintf("%d %s %s %s drawn but %s %d", n, objColours[g.colour].en, plural(shapeEN[g.shape], n), isAre(n), ref, g.count)
		case famPattern:
			d.patCount = spec.patCount - 1
			unit, a, b := "concentric rings", d.patCount, spec.patCount
			switch spec.patKind {
			case ptGrid:
				unit = "tiles per row"
			case ptWaves:
				unit = "wavy bands"
			case ptSunburst:
				unit, a, b = "rays", 2*a, 2*b
			}
			return d, fmt.Sprintf("%d %s are drawn but %s %d", a, unit, ref, b)
		}
		if spec.surKind == srMoons {
			d.moons = spec.moons - 1
			return d, fmt.Sprintf("%d %s %s drawn but %s %d moons", d.moons, plural("moon", d.moons), isAre(d.moons), ref, spec.moons)
		}
		d.islands = spec.islands - 1
		return d, fmt.Sprintf("%d floating %s %s drawn but %s %d", d.islands, plural("island", d.islands), isAre(d.islands), ref, spec.islands)
	case dfSwap:
		for i, j := 0, len(d.groups)-1; i < j; i, j = i+1, j-1 {
			d.groups[i], d.groups[j] = d.groups[j], d.groups[i]
		}
		a := groupName(spec.groups[0])
		return d, fmt.Sprintf("left and right are swapped: %s are on the far right but %s the far left", a.en, ref)
	case dfMissing:
		gi := r.IntN(len(d.groups))
		d.groups = append(d.groups[:gi], d.groups[gi+1:]...)
		return d, fmt.Sprintf("%s are missing although %s them", groupName(spec.groups[gi]).en, strings.Replace(ref, "say", "mention", 1))
	case dfCelestial:
		d.celestial = 3 - spec.celestial
		want, got := "the sun", "a moon"
		if spec.celestial == 2 {
			want, got = "a moon", "the sun"
		}
		return d, fmt.Sprintf("%s is drawn instead of %s that %s", got, want, strings.TrimSuffix(strings.TrimSuffix(ref, " say"), " asks for")+" describe"+sfx(ref))
	case dfEntityGone:
		d.entity = entNone
		return d, fmt.Sprintf("%s is missing although %s it", entityEN[spec.entity], strings.Replace(ref, "say", "mention", 1))
	case dfEntitySide:
		d.entLeft = !spec.entLeft
		return d, fmt.Sprintf("%s is on the %s but %s %s", entityEN[spec.entity], side(d.entLeft).en, ref, side(spec.entLeft).en)
	case dfNoWater:
		d.water = false
		return d, fmt.Sprintf("no lake is drawn although %s one", strings.Replace(ref, "say", "mention", 1))
	case dfStyle:
		for d.sty == spec.sty || d.sty+spec.sty == stPainting+stFlat && d.sty != spec.sty {
			d.sty = r.IntN(numStyles)
		}
		if d.sty == stNeon {
			d.tod = todNight
		}
		return d, fmt.Sprintf("the image is rendered as %s but %s %s", styleEN[d.sty], ref, styleEN[spec.sty])
	}
	if spec.tod == todNight || spec.mood == mdMelancholy || spec.mood == mdMysterious {
		d.mood, d.tod = mdJoyful, todDay
	} else {
		d.mood, d.tod = mdMelancholy, todNight
	}
	return d, fmt.Sprintf("the scene looks %s (%s light) but %s a %s mood", moodEN[d.mood], todEN[d.tod], ref, moodEN[spec.mood])
}

// sfx conjugates "describe" for a singular subject.
func sfx(ref string) string {
	if strings.HasPrefix(ref, "the prompt") {
		return "s"
	}
	return ""
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

package synth

import "math/rand/v2"

// Scene families.
const (
	famLandscape = iota
	famArrangement
	famSign
	famPattern
	famSurreal
)

// Sign kinds.
const (
	sgShopfront = iota
	sgPoster
	sgNeon
	sgChalk
)

// Pattern kinds.
const (
	ptRings = iota
	ptGrid
	ptWaves
	ptSunburst
)

// Surreal kinds.
const (
	srIslands = iota
	srGiantFruit
	srMoons
	srPlanet
)

var fruitEN = []string{"apple", "orange", "lemon", "plum"}
var fruitZH = []string{"苹果", "橙子", "柠檬", "李子"}
var fruitColour = []int{0, 1, 2, 6} // indexes into objColours

// group is a run of identical objects in an arrangement, listed left to right.
type group struct {
	shape, colour, count int
	big                  bool
}

// scene is the full description of one picture: what the captions or prompt
// say (the "spec" scene) or what is drawn (the "drawn" scene).
type scene struct {
	fam, sty, tod, mood int
	seed                uint64 // render-only randomness (texture, jitter)

	// landscape / surreal backdrop
	layers    int  // mountain layers
	water     bool // a lake or the sea in the lower part
	celestial int  // 0 none, 1 sun, 2 moon
	trees     int
	birds     int
	entity    int
	entLeft   bool

	// arrangement
	setting int
	groups  []group

	// sign
	signKind   int
	text       string
	textZH     string
	sub        string
	signColour int

	// pattern
	patKind, patCount int
	colours           [3]int

	// surreal
	surKind  int
	moons    int
	fruit    int
	fruitCol int // index into objColours
	islands  int
}

// clone returns a deep copy (groups are copied).
func (s scene) clone() scene {
	s.groups = append([]group(nil), s.groups...)
	return s
}

// moodTOD returns a time of day that fits a mood.
func moodTOD(r *rand.Rand, mood int) int {
	switch mood {
	case mdCalm:
		return pick(r, []int{todDawn, todDay})
	case mdJoyful:
		return todDay
	case mdMelancholy:
		return pick(r, []int{todDawn, todNight})
	case mdMysterious:
		return todNight
	case mdEnergetic:
		return pick(r, []int{todSunset, todDay})
	default:
		return todSunset
	}
}

// randStyle draws a style with the dataset's rough proportions.
func randStyle(r *rand.Rand) int {
	x := r.IntN(100)
	switch {
	case x < 30:
		return stPainting
	case x < 50:
		return stFlat
	case x < 65:
		return stWatercolour
	case x < 76:
		return stPixel
	case x < 88:
		return stNeon
	default:
		return stLine
	}
}

// buildScene draws a random scene of family fam.
func buildScene(r *rand.Rand, fam int) scene {
	s := scene{fam: fam, seed: r.Uint64(), sty: randStyle(r), mood: r.IntN(6)}
	s.tod = moodTOD(r, s.mood)
	if s.sty == stNeon {
		s.tod = todNight
	}
	for i := range s.colours {
		s.colours[i] = r.IntN(8)
	}
	for s.colours[1] == s.colours[0] {
		s.colours[1] = r.IntN(8)
	}
	for s.colours[2] == s.colours[0] || s.colours[2] == s.colours[1] {
		s.colours[2] = r.IntN(8)
	}
	s.layers = between(r, 2, 4)
	s.water = r.IntN(2) == 0
	s.celestial = 1
	if s.tod == todNight {
		s.celestial = 2
	}
	if r.IntN(6) == 0 {
		s.celestial = 0
	}
	switch fam {
	case famArrangement:
		s.mood = pick(r, []int{mdCalm, mdJoyful})
	case famSign:
		s.mood = pick(r, []int{mdJoyful, mdCalm, mdRomantic})
		if s.sty == stNeon {
			s.mood = pick(r, []int{mdMysterious, mdEnergetic, mdRomantic})
		}
	case famPattern:
		s.mood = pick(r, []int{mdEnergetic, mdJoyful, mdCalm})
		if s.sty == stNeon {
			s.mood = pick(r, []int{mdEnergetic, mdMysterious})
		}
	}
	switch fam {
	case famLandscape:
		s.trees = pick(r, []int{0, 0, 3, 5, 7})
		s.birds = pick(r, []int{0, 0, 2, 3, 4})
		if r.IntN(3) > 0 {
			s.entity = 1 + r.IntN(numEntities-1)
			if s.entity == entSailboat {
				s.water = true
			}
		}
		s.entLeft = r.IntN(2) == 0
	case famArrangement:
		s.setting = r.IntN(4)
		n := between(r, 2, 3)
		var shapes, cols uint
		s.groups = make([]group, 0, n)
		for len(s.groups) < n {
			gr := group{shape: r.IntN(6), colour: r.IntN(8), count: between(r, 1, 6-n), big: r.IntN(4) == 0}
			if shapes&(1<<gr.shape) != 0 || cols&(1<<gr.colour) != 0 {
				continue
			}
			shapes |= 1 << gr.shape
			cols |= 1 << gr.colour
			s.groups = append(s.groups, gr)
		}
	case famSign:
		s.signKind = pick(r, []int{sgShopfront, sgShopfront, sgPoster, sgPoster, sgChalk})
		if s.sty == stNeon {
			s.signKind = sgNeon
		}
		if s.signKind == sgPoster {
			w := pick(r, posterWords)
			s.text, s.textZH, s.sub = w.en, w.zh, pick(r, posterSubs)
		} else {
			w := pick(r, signWords)
			s.text, s.textZH = w.en, w.zh
		}
		if s.signKind == sgChalk {
			s.sub = pick(r, chalkSubs)
		}
		s.signColour = r.IntN(8)
		if s.sty == stLine || s.sty == stWatercolour {
			s.sty = stFlat
		}
	case famPattern:
		s.patKind = r.IntN(4)
		s.patCount = between(r, 3, 7)
		if s.patKind == ptGrid {
			s.patCount = between(r, 3, 5)
		}
	case famSurreal:
		s.surKind = r.IntN(4)
		s.moons = between(r, 2, 3)
		s.fruit = r.IntN(len(fruitEN))
		s.fruitCol = fruitColour[s.fruit]
		s.islands = between(r, 2, 4)
		s.trees = pick(r, []int{0, 3, 4})
		if s.surKind == srMoons || s.surKind == srPlanet {
			s.tod = pick(r, []int{todNight, todSunset})
			s.celestial = 0
			s.water = s.surKind == srMoons
		}
		if s.surKind == srIslands && s.tod == todNight {
			s.tod = todDusk(r)
		}
	}
	return s
}

// todDusk picks a light time of day.
func todDusk(r *rand.Rand) int { return pick(r, []int{todDawn, todDay, todSunset}) }

// familyFor picks a scene family for a dataset subset.
func familyFor(r *rand.Rand, subset string) int {
	x := r.IntN(100)
	switch subset {
	case "text":
		if x < 85 {
			return famSign
		}
		return famLandscape
	case "imaginative":
		switch {
		case x < 78:
			return famSurreal
		case x < 90:
			return famPattern
		}
		return famLandscape
	}
	switch {
	case x < 38:
		return famLandscape
	case x < 62:
		return famArrangement
	case x < 80:
		return famPattern
	case x < 90:
		return famSign
	}
	return famSurreal
}

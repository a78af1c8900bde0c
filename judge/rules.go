package judge

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/loupe-dev/loupe/internal/imagesafe"
)

// RuleCheck is one constraint of the prompt and whether the picture meets it.
type RuleCheck struct {
	Constraint string // e.g. "3 red circles", "red left of blue"
	OK         bool
	Detail     string // what was seen, e.g. "saw 2 red objects"
}

// RulesVerdict is the rules judge's verdict (0-10).
type RulesVerdict struct {
	Score         float64
	Justification string // one sentence naming the failed checks, or saying all N checks passed
	Checks        []RuleCheck
}

// ErrRulesNotApplicable is returned (wrapped) when the prompt states no colour, count or position
// constraint the rules judge can check.
var ErrRulesNotApplicable = errors.New("the rules judge does not apply: the prompt states no colour, count or position constraint it can check")

// RulesJudge is an offline, deterministic GenEval-style judge - no model. It parses the simple-scene
// constraints an English prompt states (counted coloured objects such as "three red circles" or "a
// blue square", bare colours such as "in alternating red, blue and green", and the relations "left
// of", "right of", "above", "below" and "from left to right ..." lists), finds the coloured objects in
// the picture (background estimated from the picture's left and right margins row by row, foreground
// split into connected components with a minimum area, each component named by the colour most of its
// pixels vote for) and checks each constraint:
//
//   - a counted mention ("3 red circles") passes when exactly that many objects of the colour are seen
//     (the shape noun is not checked);
//   - a colour without a count passes when that colour covers a visible share of the picture;
//   - a relation ("red left of blue") passes when the mean centroid of the first colour's objects lies
//     left of (right of, above, below) the second's.
//
// Score: 10 * passed / total checks, rounded to one decimal, so every failed check costs the same share.
// Prompts with no counted coloured object and no relation (bare colours alone, plain scenes,
// Chinese-only prompts) give ErrRulesNotApplicable.
type RulesJudge struct{}

// Judge decodes picture (PNG, JPEG, GIF or WebP, through the shared decode guard of package imagesafe,
// whose refusal of a picture over its limits is the error) and checks the constraints of prompt
// against it.
func (RulesJudge) Judge(ctx context.Context, picture []byte, prompt string) (RulesVerdict, error) {
	spec := parseRules(prompt)
	if !spec.applicable() {
		return RulesVerdict{}, fmt.Errorf("%w (prompt %.60q)", ErrRulesNotApplicable, prompt)
	}
	if err := ctx.Err(); err != nil {
		return RulesVerdict{}, err
	}
	var px *pixmap
	err := imagesafe.Use(ctx, picture, func(img image.Image, _ string) error {
		b := img.Bounds()
		if b.Dx() < 16 || b.Dy() < 16 {
			return fmt.Errorf("picture is %dx%d, too small to judge", b.Dx(), b.Dy())
		}
		px = newPixmap(img, 256) // the decoded picture is let go here; the analysis works on 256 px a side
		return nil
	})
	if err != nil {
		return RulesVerdict{}, fmt.Errorf("rules judge: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return RulesVerdict{}, err
	}
	sc := analyze(px)
	checks := spec.evaluate(sc)
	return verdictOf(checks), nil
}

// verdictOf scores checks.
func verdictOf(checks []RuleCheck) RulesVerdict {
	passed := 0
	var failed []string
	for _, c := range checks {
		if c.OK {
			passed++
		} else {
			failed = append(failed, fmt.Sprintf("%s (%s)", c.Constraint, c.Detail))
		}
	}
	v := RulesVerdict{Checks: checks}
	if len(checks) > 0 {
		v.Score = math.Round(100*float64(passed)/float64(len(checks))) / 10
	}
	if len(failed) == 0 {
		v.Justification = fmt.Sprintf("All %d checks passed.", len(checks))
	} else {
		v.Justification = fmt.Sprintf("%d of %d checks failed: %s.", len(failed), len(checks), strings.Join(failed, "; "))
	}
	return v
}

// ---- prompt parsing ----

// colour classes the judge names.
var ruleColours = []string{"red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown", "black", "white", "gray"}

var colourWords = map[string]string{
	"red": "red", "crimson": "red", "scarlet": "red",
	"orange": "orange",
	"yellow": "yellow", "golden": "yellow", "gold": "yellow",
	"green": "green", "lime": "green",
	"teal": "teal", "cyan": "teal", "turquoise": "teal", "aqua": "teal",
	"blue": "blue", "navy": "blue",
	"purple": "purple", "violet": "purple", "lilac": "purple",
	"pink": "pink", "magenta": "pink",
	"brown": "brown",
	"black": "black",
	"white": "white",
	"gray":  "gray", "grey": "gray",
}

var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
	"eleven": 11, "twelve": 12, "a": 1, "an": 1, "single": 1, "pair": 2,
}

// sizeWords may stand between a count and a colour.
var sizeWords = map[string]bool{"large": true, "big": true, "small": true, "tiny": true, "little": true, "huge": true,
	"giant": true, "bright": true, "dark": true, "light": true, "pale": true, "shiny": true, "round": true}

// backdropNouns are surfaces and settings, not objects.
var backdropNouns = map[string]bool{"lawn": true, "table": true, "shelf": true, "beach": true, "sky": true, "sea": true,
	"wall": true, "background": true, "backdrop": true, "floor": true, "ground": true, "grass": true, "field": true,
	"water": true, "paper": true, "surface": true, "light": true, "glow": true, "tones": true, "tone": true, "hues": true,
	"hue": true, "palette": true, "style": true, "sign": true, "poster": true, "neon": true, "awning": true, "board": true,
	"lettering": true, "letters": true, "text": true, "ink": true, "outline": true, "outlines": true}

// mention is one coloured thing the prompt names.
type mention struct {
	colour string
	count  int // -1: not stated
	noun   string
	pos    int // token index of the colour word
}

type relation struct {
	a, b int    // indexes into mentions
	kind string // "left", "right", "above", "below"
}

type ruleSpec struct {
	mentions  []mention
	relations []relation
}

// applicable reports whether the spec holds a counted coloured object or a relation: bare colours
// ("in alternating red and blue") alone are too weak a test and are only checked alongside them.
func (s ruleSpec) applicable() bool {
	if len(s.relations) > 0 {
		return true
	}
	for _, m := range s.mentions {
		if m.count >= 0 {
			return true
		}
	}
	return false
}

// tokens splits lower-cased text into words, digits and the punctuation ",;.".
func tokens(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-':
			cur.WriteRune(r)
		case r == ',' || r == ';' || r == '.' || r == ':':
			flush()
			out = append(out, string(r))
		default:
			flush()
		}
	}
	flush()
	return out
}

// parseRules extracts the checkable constraints of an English prompt.
func parseRules(prompt string) ruleSpec {
	toks := tokens(prompt)
	var raw []mention
	for i, t := range toks {
		col, ok := colourWords[t]
		if !ok {
			continue
		}
		m := mention{colour: col, count: -1, pos: i}
		// the noun: the next word, skipping a second colour word ("light blue") is not supported
		if i+1 < len(toks) {
			n := toks[i+1]
			if _, isCol := colourWords[n]; !isCol && n != "and" && n != "or" && len(n) > 1 && n[0] >= 'a' && n[0] <= 'z' {
				m.noun = n
			}
		}
		if m.noun != "" && backdropNouns[m.noun] {
			continue
		}
		// the count: up to two size words back
		j := i - 1
		for j >= 0 && sizeWords[toks[j]] && j > i-3 {
			j--
		}
		if j >= 0 && m.noun != "" && !isColourOrSep(toks[j]) {
			if n, ok := numberWords[toks[j]]; ok {
				m.count = n
			} else if n, err := strconv.Atoi(toks[j]); err == nil && n >= 0 && n <= 50 {
				m.count = n
			}
		}
		raw = append(raw, m)
	}
	// merge mentions of one colour: the first counted one keeps its count; later ones refer back
	var spec ruleSpec
	idx := map[string]int{}
	rawIdx := make([]int, len(raw))
	for k, m := range raw {
		if at, ok := idx[m.colour]; ok {
			prev := &spec.mentions[at]
			if prev.count < 0 && m.count >= 0 {
				prev.count, prev.noun = m.count, m.noun
			} else if prev.count >= 0 && m.count >= 0 && m.noun != prev.noun && m.noun != "" {
				prev.count += m.count
			}
			rawIdx[k] = at
			continue
		}
		idx[m.colour] = len(spec.mentions)
		rawIdx[k] = len(spec.mentions)
		spec.mentions = append(spec.mentions, m)
	}
	// relations between consecutive raw mentions
	seqLR := -1 // token index where "from left to right" begins a list
	seqTB := -1
	for i := 0; i+3 < len(toks); i++ {
		if toks[i] == "from" && toks[i+2] == "to" {
			switch {
			case toks[i+1] == "left" && toks[i+3] == "right":
				seqLR = i
			case toks[i+1] == "top" && toks[i+3] == "bottom":
				seqTB = i
			}
		}
	}
	seen := map[[3]int]bool{}
	add := func(a, b int, kind string) {
		if a == b {
			return
		}
		k := [3]int{a, b, len(kind)}
		if seen[k] {
			return
		}
		seen[k] = true
		spec.relations = append(spec.relations, relation{a: a, b: b, kind: kind})
	}
	for k := 0; k+1 < len(raw); k++ {
		a, b := raw[k], raw[k+1]
		between := toks[a.pos+1 : b.pos]
		kind := relationIn(between)
		if kind != "" {
			add(rawIdx[k], rawIdx[k+1], kind)
			continue
		}
		if !listJoin(between) || a.count < 0 || b.count < 0 {
			continue
		}
		switch {
		case seqLR >= 0 && seqLR < a.pos && !sentenceBreak(toks[seqLR:a.pos]):
			add(rawIdx[k], rawIdx[k+1], "left")
		case seqTB >= 0 && seqTB < a.pos && !sentenceBreak(toks[seqTB:a.pos]):
			add(rawIdx[k], rawIdx[k+1], "above")
		}
	}
	return spec
}

func isColourOrSep(t string) bool {
	_, ok := colourWords[t]
	return ok || t == "," || t == ";" || t == "." || t == ":"
}

func sentenceBreak(ts []string) bool {
	for _, t := range ts {
		if t == "." || t == ";" {
			return true
		}
	}
	return false
}

// listJoin reports whether the words between two mentions just continue a list ("..., " or "and").
func listJoin(ts []string) bool {
	for _, t := range ts {
		if t == "." || t == ";" || t == ":" {
			return false
		}
		if t == "," || t == "and" {
			return true
		}
	}
	return false
}

// relationIn finds a spatial relation word among the words between two mentions.
func relationIn(ts []string) string {
	for i, t := range ts {
		switch t {
		case ".", ";":
			return ""
		case "left":
			return "left"
		case "right":
			return "right"
		case "above", "over", "atop":
			return "above"
		case "below", "under", "beneath", "underneath":
			return "below"
		case "top":
			if i+1 < len(ts) && ts[i+1] == "of" {
				return "above"
			}
		}
	}
	return ""
}

// evaluate checks the spec against the scene.
func (s ruleSpec) evaluate(sc scene2) []RuleCheck {
	var out []RuleCheck
	for _, m := range s.mentions {
		if m.count >= 0 {
			n := len(sc.objects[m.colour])
			noun := m.noun
			if noun == "" {
				noun = "objects"
			}
			out = append(out, RuleCheck{
				Constraint: fmt.Sprintf("%d %s %s", m.count, m.colour, noun),
				OK:         n == m.count,
				Detail:     fmt.Sprintf("saw %d %s %s", n, m.colour, pluralObj(n)),
			})
			continue
		}
		share := sc.share[m.colour]
		out = append(out, RuleCheck{
			Constraint: m.colour + " present",
			OK:         share >= minColourShare,
			Detail:     fmt.Sprintf("%s covers %.1f%% of the picture", m.colour, 100*share),
		})
	}
	for _, r := range s.relations {
		a, b := s.mentions[r.a], s.mentions[r.b]
		c := RuleCheck{Constraint: fmt.Sprintf("%s %s %s", a.colour, relWord(r.kind), b.colour)}
		ax, ay, okA := sc.centre(a.colour, a.count)
		bx, by, okB := sc.centre(b.colour, b.count)
		switch {
		case !okA && !okB:
			c.Detail = fmt.Sprintf("saw neither %s nor %s objects", a.colour, b.colour)
		case !okA:
			c.Detail = fmt.Sprintf("saw no %s objects", a.colour)
		case !okB:
			c.Detail = fmt.Sprintf("saw no %s objects", b.colour)
		default:
			var d float64
			switch r.kind {
			case "left":
				d = bx - ax
			case "right":
				d = ax - bx
			case "above":
				d = by - ay
			default:
				d = ay - by
			}
			c.OK = d > 0.01
			c.Detail = fmt.Sprintf("%s centre at (%.2f, %.2f), %s centre at (%.2f, %.2f)", a.colour, ax, ay, b.colour, bx, by)
		}
		out = append(out, c)
	}
	return out
}

func relWord(kind string) string {
	switch kind {
	case "left":
		return "left of"
	case "right":
		return "right of"
	}
	return kind
}

func pluralObj(n int) string {
	if n == 1 {
		return "object"
	}
	return "objects"
}

// ---- picture analysis ----

const minColourShare = 0.004

// pixmap is an RGB float image of at most maxSide pixels a side.
type pixmap struct {
	w, h int
	pix  []float32 // r,g,b per pixel, 0..255
}

// newPixmap converts img, box-averaging it down to at most maxSide pixels a side.
func newPixmap(img image.Image, maxSide int) *pixmap {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	f := max(1, (max(sw, sh)+maxSide-1)/maxSide)
	w, h := max(1, sw/f), max(1, sh/f)
	p := &pixmap{w: w, h: h, pix: make([]float32, 3*w*h)}
	// fast path for RGBA
	rgba, _ := img.(*image.RGBA)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var r, g, bl float32
			for dy := 0; dy < f; dy++ {
				for dx := 0; dx < f; dx++ {
					sx, sy := b.Min.X+x*f+dx, b.Min.Y+y*f+dy
					if rgba != nil {
						i := rgba.PixOffset(sx, sy)
						r += float32(rgba.Pix[i])
						g += float32(rgba.Pix[i+1])
						bl += float32(rgba.Pix[i+2])
						continue
					}
					cr, cg, cb, _ := img.At(sx, sy).RGBA()
					r += float32(cr >> 8)
					g += float32(cg >> 8)
					bl += float32(cb >> 8)
				}
			}
			n := float32(f * f)
			i := 3 * (y*w + x)
			p.pix[i], p.pix[i+1], p.pix[i+2] = r/n, g/n, bl/n
		}
	}
	return p
}

func (p *pixmap) at(x, y int) [3]float32 {
	i := 3 * (y*p.w + x)
	return [3]float32{p.pix[i], p.pix[i+1], p.pix[i+2]}
}

// object is one detected coloured blob.
type object struct {
	colour string
	cx, cy float64 // centroid in 0..1 units
	area   int
}

// scene2 is what the analysis saw.
type scene2 struct {
	objects map[string][]object
	share   map[string]float64 // pixel share of each colour class over the whole picture
}

// centre returns the mean centroid of the objects of colour (0..1 units).
func (s scene2) centre(colour string, _ int) (x, y float64, ok bool) {
	obs := s.objects[colour]
	if len(obs) == 0 {
		return 0, 0, false
	}
	for _, o := range obs {
		x += o.cx
		y += o.cy
	}
	return x / float64(len(obs)), y / float64(len(obs)), true
}

func hueChroma(c [3]float32) (hue, chroma, mx float32) {
	r, g, b := c[0], c[1], c[2]
	mx = max(r, g, b)
	mn := min(r, g, b)
	chroma = mx - mn
	if chroma < 1e-3 {
		return 0, 0, mx
	}
	switch mx {
	case r:
		hue = 60 * (g - b) / chroma
	case g:
		hue = 60*(b-r)/chroma + 120
	default:
		hue = 60*(r-g)/chroma + 240
	}
	if hue < 0 {
		hue += 360
	}
	return hue, chroma, mx
}

// hue centres of the chromatic classes.
var hueCentres = []struct {
	name string
	h    float32
}{{"red", 0}, {"orange", 27}, {"yellow", 50}, {"green", 125}, {"teal", 178}, {"blue", 218}, {"purple", 268}, {"pink", 330}, {"red", 360}}

// hueClass names a chromatic colour; dark oranges and reds are brown.
func hueClass(c [3]float32) string {
	h, ch, mx := hueChroma(c)
	best, bd := "red", float32(1e9)
	for _, hc := range hueCentres {
		if d := float32(math.Abs(float64(h - hc.h))); d < bd {
			best, bd = hc.name, d
		}
	}
	if (best == "orange" || best == "red" || best == "yellow") && mx < 150 && ch < 0.6*mx {
		return "brown"
	}
	return best
}

// chromatic reports whether a raw pixel clearly shows a hue.
func chromatic(c [3]float32) bool {
	_, ch, mx := hueChroma(c)
	return ch >= 45 && ch >= 0.3*mx
}

// unmix extends the line from background bg through pixel p to the edge of the RGB cube, undoing a
// translucent tint (watercolour washes, line-art fills).
func unmix(p, bg [3]float32) [3]float32 {
	t := float32(1e9)
	for k := 0; k < 3; k++ {
		d := p[k] - bg[k]
		switch {
		case d > 0.5:
			t = min(t, (255-bg[k])/d)
		case d < -0.5:
			t = min(t, -bg[k]/d)
		}
	}
	if t > 1e8 || t < 1 {
		return p
	}
	var v [3]float32
	for k := 0; k < 3; k++ {
		v[k] = bg[k] + t*(p[k]-bg[k])
	}
	return v
}

func dist2(a, b [3]float32) float32 {
	d0, d1, d2 := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return d0*d0 + d1*d1 + d2*d2
}

// bgDist is the distance of p from bg allowing bg to be darkened or lightened (shadows, vignette).
func bgDist(p, b [3]float32) float32 {
	bb := b[0]*b[0] + b[1]*b[1] + b[2]*b[2]
	s := float32(1)
	if bb > 1 {
		s = (p[0]*b[0] + p[1]*b[1] + p[2]*b[2]) / bb
	}
	s = min(max(s, 0.72), 1.3)
	sb := [3]float32{s * b[0], s * b[1], s * b[2]}
	return dist2(p, sb)
}

const bgTol = 22 // RGB distance under which a pixel matches the background

// analyze finds coloured objects and colour shares in p.
func analyze(p *pixmap) scene2 {
	w, h := p.w, p.h
	sc := scene2{objects: map[string][]object{}, share: map[string]float64{}}
	// colour shares over all pixels
	counts := map[string]int{}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := p.at(x, y)
			if chromatic(c) {
				counts[hueClass(c)]++
				continue
			}
			_, ch, mx := hueChroma(c)
			switch {
			case ch < 25 && mx < 70:
				counts["black"]++
			case ch < 25 && min(c[0], c[1], c[2]) > 225:
				counts["white"]++
			case ch < 20 && mx >= 90 && mx <= 200:
				counts["gray"]++
			}
		}
	}
	for k, v := range counts {
		sc.share[k] = float64(v) / float64(w*h)
	}

	// background: per row, the colours at the left and right margins
	m := max(1, w*3/100)
	refs := make([][2][3]float32, h)
	for y := 0; y < h; y++ {
		for side := 0; side < 2; side++ {
			var acc [3]float32
			for k := 0; k < m; k++ {
				x := k
				if side == 1 {
					x = w - 1 - k
				}
				c := p.at(x, y)
				acc[0] += c[0]
				acc[1] += c[1]
				acc[2] += c[2]
			}
			refs[y][side] = [3]float32{acc[0] / float32(m), acc[1] / float32(m), acc[2] / float32(m)}
		}
	}
	delta := max(1, h*3/100)
	fg := make([]bool, w*h)
	tol := float32(bgTol * bgTol)
	for y := 0; y < h; y++ {
		y0, y1 := max(0, y-delta), min(h-1, y+delta)
		for x := 0; x < w; x++ {
			c := p.at(x, y)
			isBG := false
			for yy := y0; yy <= y1 && !isBG; yy++ {
				isBG = bgDist(c, refs[yy][0]) < tol || bgDist(c, refs[yy][1]) < tol
			}
			fg[y*w+x] = !isBG
		}
	}
	fillHoles(fg, w, h)
	// erode once (4-neighbourhood) to cut anti-aliased bridges and fringes
	er := make([]bool, w*h)
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			er[i] = fg[i] && fg[i-1] && fg[i+1] && fg[i-w] && fg[i+w]
		}
	}
	// connected components (4-connectivity)
	label := make([]int32, w*h)
	minArea := max(12, w*h/4000)
	maxArea := w * h / 8
	var stack []int
	next := int32(0)
	for start := range er {
		if !er[start] || label[start] != 0 {
			continue
		}
		next++
		label[start] = next
		stack = append(stack[:0], start)
		var comp []int
		border := false
		minX, maxX := w, 0
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			comp = append(comp, i)
			x, y := i%w, i/w
			minX, maxX = min(minX, x), max(maxX, x)
			if x <= 1 || y <= 1 || x >= w-2 || y >= h-2 {
				border = true
			}
			for _, j := range [4]int{i - 1, i + 1, i - w, i + w} {
				if j >= 0 && j < len(er) && er[j] && label[j] == 0 && (j%w-x)*(j%w-x) <= 1 {
					label[j] = next
					stack = append(stack, j)
				}
			}
		}
		if border || len(comp) < minArea || len(comp) > maxArea || maxX-minX > w/2 {
			continue
		}
		col := componentColour(p, comp, refs)
		var sx, sy float64
		for _, i := range comp {
			sx += float64(i % w)
			sy += float64(i / w)
		}
		n := float64(len(comp))
		sc.objects[col] = append(sc.objects[col], object{colour: col, cx: (sx/n + 0.5) / float64(w), cy: (sy/n + 0.5) / float64(h), area: len(comp)})
	}
	// drop specks: objects much smaller than the largest of their colour
	for col, obs := range sc.objects {
		big := 0
		for _, o := range obs {
			big = max(big, o.area)
		}
		kept := obs[:0]
		for _, o := range obs {
			if o.area*12 >= big {
				kept = append(kept, o)
			}
		}
		sort.Slice(kept, func(i, j int) bool { return kept[i].cx < kept[j].cx })
		sc.objects[col] = kept
	}
	return sc
}

// fillHoles marks as foreground the background pockets that do not reach the border: the insides of
// outlined objects (line art, neon) whose fill is close to the background.
func fillHoles(fg []bool, w, h int) {
	seen := make([]bool, w*h)
	var stack []int
	push := func(i int) {
		if !fg[i] && !seen[i] {
			seen[i] = true
			stack = append(stack, i)
		}
	}
	for x := 0; x < w; x++ {
		push(x)
		push((h-1)*w + x)
	}
	for y := 0; y < h; y++ {
		push(y * w)
		push(y*w + w - 1)
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x, y := i%w, i/w
		if x > 0 {
			push(i - 1)
		}
		if x < w-1 {
			push(i + 1)
		}
		if y > 0 {
			push(i - w)
		}
		if y < h-1 {
			push(i + w)
		}
	}
	for i := range fg {
		if !fg[i] && !seen[i] {
			fg[i] = true
		}
	}
}

// paper is the warm white that pale tints are assumed to be washed over.
var paper = [3]float32{247, 242, 230}

// componentColour names the colour most pixels of a component vote for.
func componentColour(p *pixmap, comp []int, refs [][2][3]float32) string {
	w := p.w
	// outlined objects (line art) show dark ink; only then are pale pixels read as tints over paper,
	// so that pale clouds and highlights stay white
	dark := 0
	for _, i := range comp {
		c := p.at(i%w, i/w)
		if max(c[0], c[1], c[2]) < 100 {
			dark++
		}
	}
	outlined := dark*25 >= len(comp)
	votes := map[string]float64{}
	chromaVotes := 0
	var light []float32
	for _, i := range comp {
		x, y := i%w, i/w
		c := p.at(x, y)
		if chromatic(c) {
			votes[hueClass(c)]++
			chromaVotes++
			continue
		}
		// a pale tint: undo it against paper white
		if outlined && min(c[0], c[1], c[2]) >= 150 && dist2(c, paper) >= 10*10 {
			v := unmix(c, paper)
			if _, ch, mx := hueChroma(v); ch >= 90 && ch >= 0.45*mx {
				votes[hueClass(v)]++
				chromaVotes++
				continue
			}
			_, _, mx := hueChroma(v)
			light = append(light, mx)
			continue
		}
		light = append(light, (c[0]+c[1]+c[2])/3)
	}
	if chromaVotes*10 >= len(comp) {
		best, bv := "", -1.0
		for _, name := range ruleColours {
			if v := votes[name]; v > bv {
				best, bv = name, v
			}
		}
		return best
	}
	sort.Slice(light, func(i, j int) bool { return light[i] < light[j] })
	med := light[len(light)/2]
	switch {
	case med < 90:
		return "black"
	case med > 185:
		return "white"
	}
	return "gray"
}

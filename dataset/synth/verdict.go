package synth

import (
	"fmt"
	"strings"
)

// trackPraise is what a satisfied alignment judge says per track.
var trackPraise = map[string][]string{
	"imagination":    {"The image renders the surreal concept coherently, blending the impossible elements into one believable scene.", "The fantastical idea is clearly realised, with the unusual elements integrated naturally."},
	"entity":         {"The requested subject is rendered accurately with the described attributes and placement.", "All the named elements are present and recognisable, matching the prompt closely."},
	"text_rendering": {"The text is rendered legibly with the exact spelling requested and sits naturally on the sign.", "The lettering is crisp, correctly spelled and well integrated into the design."},
	"style":          {"The image faithfully adopts the requested style, with consistent technique throughout.", "The stylistic cues of the requested style are clear and consistently applied."},
	"affection":      {"The colour, light and subject together convey the requested mood convincingly.", "The emotional tone of the prompt comes through clearly in the lighting and palette."},
	"composition":    {"Object counts, colours and left-to-right order all match the prompt.", "The spatial arrangement and attributes of every object match the description."},
	"long_text":      {"Nearly all of the dense details in the long prompt are present and correctly placed.", "The image covers the many described elements, with only trivial omissions."},
}

var harshNits = []string{
	"the overall rendering is simplified and lacks some of the richness implied by the prompt",
	"the secondary elements feel generic and less specific than the description suggests",
	"the emphasis of the scene is slightly off from what the prompt foregrounds",
}

// Verdict is a synthetic VLM judge's verdict (demo only) on a generation:
// kind is "alignment" or "aesthetic". The score is an integer 0-10 and the
// justification one English sentence. The judge is imperfect on purpose: it
// misses about a third of the defects and is sometimes harsh on correct
// images.
func (g *Generator) Verdict(model string, p Prompt, wrong bool, kind string) (score int, justification string) {
	r := newRand(g.key("verdict:"+kind, strHash(model), strHash(p.Track), uint64(p.Index)))
	s, defect := g.generation(model, p, wrong)
	if kind == "aesthetic" {
		q := 6 + int(g.key("quality", strHash(model))%3)
		score = clampInt(q+between(r, -1, 2), 0, 10)
		if r.IntN(12) == 0 {
			score = between(r, 3, 5)
			return score, fmt.Sprintf("The %s rendering is coherent, but edges look soft and some shapes appear slightly distorted, which weakens the overall quality.", styleEN[s.sty])
		}
		if score >= 8 {
			return score, fmt.Sprintf("The %s rendering is clean and coherent, with pleasing colour harmony and no visible artifacts.", styleEN[s.sty])
		}
		return score, fmt.Sprintf("The %s rendering is coherent and free of major artifacts, though textures are somewhat flat and fine detail is limited.", styleEN[s.sty])
	}
	praise := trackPraise[p.Track]
	if len(praise) == 0 {
		praise = trackPraise["long_text"]
	}
	if wrong {
		if r.IntN(3) == 0 { // missed defect
			return between(r, 7, 9), pick(r, praise)
		}
		if strings.HasPrefix(defect, "sign reads") {
			return between(r, 1, 4), fmt.Sprintf("The image follows the layout, but the %s, a clear spelling error.", strings.Replace(defect, " but the prompt asks for ", " instead of ", 1))
		}
		return between(r, 2, 6), fmt.Sprintf("The image captures much of the prompt, but %s.", strings.Replace(defect, " but the prompt asks for ", ", whereas the prompt asks for ", 1))
	}
	if r.IntN(8) == 0 {
		return between(r, 4, 6), fmt.Sprintf("The image matches the main request, but %s.", pick(r, harshNits))
	}
	return between(r, 8, 10), pick(r, praise)
}

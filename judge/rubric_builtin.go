package judge

import "strings"

// The built-in rubrics are loupe's own wording with the published structure: the judge's role, the
// 0-10 scale, start at 10 and deduct for listed failure kinds with point ranges, one JSON object with a
// one-sentence justification and a numeric score, and the prompt last. A user who needs the official
// text byte for byte imports it from their copy of the official script (ParseOfficial).

const rubricHead = `You are a strict, careful evaluator of images made by a text-to-image model. You will see an image and
the text prompt it was made from. %s

Score from 0 to 10. Start from 10 and deduct points for each problem you find:
%s
Do not deduct twice for the same problem. A score of 0 means the image has nothing to do with the request.

Answer with exactly one JSON object and nothing else:
{{"justification": "<one sentence naming what cost points, or why nothing did>", "score": <number from 0 to 10>}}

text prompt: {text_prompt}`

var trackFocus = map[string][2]string{
	"imagination": {"Judge how well the image realises the imaginative, surreal or impossible concept the prompt describes, as one coherent scene.",
		"- the central imaginative concept is missing or replaced by something ordinary: 6-8 points\n- the concept is present but its parts do not fit together into one believable scene: 3-5 points\n- secondary elements of the prompt are missing or wrong: 2-4 points\n"},
	"entity": {"Judge whether the specific real-world entities the prompt names (people, animals, objects, places, landmarks) are rendered accurately and recognisably.",
		"- a named entity is missing or replaced by a different one: 6-8 points\n- an entity is present but its defining features are wrong: 3-5 points\n- wrong number, attributes or setting of the entities: 2-4 points\n"},
	"text_rendering": {"Judge the text written in the image: it must read exactly as the prompt asks, legibly, in the intended place.",
		"- any spelling or wording deviation from the requested text (a wrong, missing or extra letter or word): 6-8 points\n- text that is hard to read (blurred, broken, distorted glyphs): 3-5 points\n- text that sits badly in the scene (floating, cut off, wrong surface): 3-5 points\n- wrong placement, font character or style of the text: 2-4 points\n"},
	"style": {"Judge fidelity to the artistic or photographic style the prompt asks for (medium, technique, period, palette, rendering).",
		"- the requested style is absent or a different style is used: 6-8 points\n- the style is recognisable but its key traits are missing or mixed with another: 3-5 points\n- the content of the prompt is not followed: 2-4 points\n"},
	"affection": {"Judge the content first, then the mood: the scene must show what the prompt asks, and its colour, light and subject must convey the requested emotion.",
		"- the requested content is wrong or missing: 6-8 points\n- the mood conveyed is different from or opposite to the requested emotion: 4-6 points\n- the emotion is too weak or ambiguous: 2-3 points\n"},
	"composition": {"Judge the layout the prompt specifies: the number of each object, their colours, sizes and attributes, and their spatial relations (left/right, above/below, in front/behind).",
		"- a wrong count of any object: 4-6 points\n- a wrong colour, size or attribute of an object: 3-5 points\n- a wrong spatial relation (for example left and right swapped): 4-6 points\n- a requested object missing entirely: 6-8 points\n"},
	"long_text": {"The prompt is long and dense. Judge how many of its details are present and correct in the image: subjects, attributes, relations, setting, lighting, style and mood.",
		"- the main subject or scene differs from the prompt: 6-8 points\n- each important detail that is missing or wrong: 1-2 points (at most 6 in all)\n- details present but contradicting each other or the prompt: 2-4 points\n"},
}

// Builtin returns loupe's own rubric set ("loupe-v1").
func Builtin() RubricSet {
	set := RubricSet{Name: "loupe-v1", Alignment: map[string]Rubric{}}
	for track, f := range trackFocus {
		set.Alignment[track] = Rubric{Track: track, Kind: "alignment", Template: rubric(f[0], f[1])}
	}
	set.Aesthetics = Rubric{Kind: "aesthetics", Template: rubric(
		"Judge the image as an image, whatever it depicts: physical, anatomical and logical coherence, artifacts, texture and sharpness. Read the prompt only to know what was intended.",
		"- critical failures (malformed bodies or faces, impossible structures, large artifacts): 7-9 points\n- significant problems (distortions, inconsistent lighting or perspective, smeared regions): 4-6 points\n- minor problems (slight blur, small artifacts, unnatural textures): 1-3 points\n")}
	return set
}

func rubric(focus, deductions string) string {
	return strings.Replace(strings.Replace(rubricHead, "%s", focus, 1), "%s", deductions, 1)
}

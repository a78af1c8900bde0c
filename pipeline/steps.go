// Package pipeline defines the LLM/VLM steps of a FLUX-Reason-6M style curation pipeline: our own
// prompt wording, a strict JSON schema for each answer, the request builder (on vlm.Backend) and a
// tolerant answer parser. Every output is stored with its step's Version.
package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/loupe-dev/loupe/vlm"
)

// Step is one pipeline step: for the LLM/VLM steps, our own versioned prompt wording and a JSON schema
// for the answer; for generate, the text-to-image model (no prompt, no schema, no version). Steps
// lists them all in pipeline order.
type Step struct {
	Name        string // expand, rewrite, generate, quality, traits, mine-text, typography, captions, gcot, align-original, translate
	Version     string // e.g. "rewrite-v1": stored with every output ("" for generate)
	Generates   bool   // generate: a generator backend makes the picture; no LLM request
	OnPrompts   bool   // expand: works on seed prompts before items exist, so it cannot run on one item
	NeedsImage  bool
	Temperature float64        // expand: 0.9; others 0
	Schema      map[string]any // JSON schema (strict-mode compatible: all properties required, additionalProperties false)
	System      string
	MaxTokens   int // output budget used when the backend sets none; also the output estimate

	// ImageOptional: the step reads the picture when the item has one and goes without it otherwise
	// (rewrite: a prompt run has no source picture yet, so the caption alone is rewritten).
	ImageOptional bool

	needs    []string // inputs that must be non-empty: prompt, caption, captions, text
	template string   // user text with {prompt} {caption} {captions} {text} {trait} {ocr} {render} {format}
	check    func(Output) error
	prepare  prepareFunc // Prepare's step-specific part (nil: always Run)
	apply    applyFunc   // Apply's step-specific part (nil: stores nothing)
}

// Input is what a step sees for one item.
type Input struct {
	Prompt   string
	Caption  string
	Captions map[string]string // trait kind -> EN caption
	Text     string            // text to render
	Trait    string            // captions: the trait kinds the image qualifies for (comma separated; "" = decide)
	OCR      string            // typography: what OCR read (optional)
}

// Output is a parsed answer.
type Output struct {
	Scores  map[string]float64 // quality: clarity, structure; traits: imagination, entity, text, style, affection, composition; align-original: original_alignment; typography: legibility, correctness
	Texts   map[string]string  // rewrite: prompt; captions: kind -> caption (non-empty only); gcot: detail; translate: kind -> zh; mine-text: text; also "analysis", typography "rendered_text"
	Prompts []string           // expand
	HasText *bool              // mine-text
}

// TraitKeys are the six trait score keys of the traits step, in schema order.
var TraitKeys = []string{"imagination", "entity", "text", "style", "affection", "composition"}

// CaptionKinds are the category caption kinds of the captions step (review.CaptionKinds[:6], in order).
var CaptionKinds = []string{"composition", "entity", "text", "imaginative", "style", "abstract"}

// TranslateKinds are the caption kinds the translate step accepts: the six category kinds, the GCoT
// "detail" caption and the kept "original" caption.
var TranslateKinds = []string{"composition", "entity", "text", "imaginative", "style", "abstract", "original", "detail"}

// ExpandCount is how many new prompts the expand step asks for.
const ExpandCount = 4

// Order is every step's name in pipeline order (Steps' order).
var Order = []string{"expand", "rewrite", "generate", "quality", "traits", "mine-text", "typography", "captions", "gcot", "align-original", "translate"}

// Property is one named property of an object schema; Properties keep their order when marshalled,
// so a model decoding under the schema writes its analysis before its scores.
type Property struct {
	Name   string
	Schema map[string]any
}

// Properties is an ordered "properties" object.
type Properties []Property

// MarshalJSON writes the properties as a JSON object in their order.
func (ps Properties) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(p.Name)
		buf.Write(k)
		buf.WriteByte(':')
		v, err := json.Marshal(p.Schema)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func object(props ...Property) map[string]any {
	req := make([]string, len(props))
	for i, p := range props {
		req[i] = p.Name
	}
	return map[string]any{"type": "object", "properties": Properties(props), "required": req, "additionalProperties": false}
}

func prop(name string, s map[string]any) Property { return Property{Name: name, Schema: s} }

func str(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }

func boolean(desc string) map[string]any {
	return map[string]any{"type": "boolean", "description": desc}
}

func arrayOf(items map[string]any, desc string) map[string]any {
	return map[string]any{"type": "array", "items": items, "description": desc}
}

var scoreEnum = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}

func score(desc string) map[string]any {
	return map[string]any{"type": "integer", "enum": scoreEnum, "description": desc}
}

func isScore(s map[string]any) bool { return s["type"] == "integer" && s["enum"] != nil }

const baseSystem = "You are a meticulous annotator for a text-to-image training dataset. You follow the instructions exactly and answer with one JSON object and nothing else."

// byName holds every step by name; registry holds them in Order. Both are filled once by init and
// never changed.
var (
	byName   = map[string]*Step{}
	registry []*Step
)

// Steps returns every step in pipeline order, generate included: the one registry the pipeline
// command, the workspace's runner and the review screen's P list read. The slice is the caller's; the
// steps are shared and must not be changed.
func Steps() []*Step { return slices.Clone(registry) }

// Lookup returns the step named name.
func Lookup(name string) (*Step, bool) {
	s, ok := byName[name]
	return s, ok
}

// ItemSteps returns the names of the steps that can run on one existing item, in pipeline order (every
// step but expand): what the review screen offers to rerun.
func ItemSteps() []string {
	var out []string
	for _, s := range registry {
		if !s.OnPrompts {
			out = append(out, s.Name)
		}
	}
	return out
}

func init() {
	for _, s := range []*Step{
		{
			Name: "expand", Version: "expand-v1", OnPrompts: true, Temperature: 0.9, MaxTokens: 1200,
			needs:  []string{"prompt"},
			System: baseSystem + " You write inventive, vivid prompts for an image generator.",
			Schema: object(prop("prompts", arrayOf(str("one self-contained image prompt"), fmt.Sprintf("exactly %d new prompts", ExpandCount)))),
			template: "Here is a seed prompt for an image generator:\n<prompt>\n{prompt}\n</prompt>\n\n" +
				fmt.Sprintf("Write %d new prompts that take the seed somewhere imaginative: surreal or fantastical scenes, impossible physics, unexpected combinations of things, dreamlike settings. ", ExpandCount) +
				"Each prompt must stand on its own, describe one concrete picture in one to three sentences (subjects, setting, lighting, style), and differ clearly from the others. Do not number them or refer to the seed.\n\n{format}",
			check: func(o Output) error {
				if len(o.Prompts) == 0 {
					return fmt.Errorf("prompts: empty list")
				}
				for i, p := range o.Prompts {
					if strings.TrimSpace(p) == "" {
						return fmt.Errorf("prompts[%d]: empty prompt", i)
					}
				}
				return nil
			},
		},
		{
			Name: "rewrite", Version: "rewrite-v1", NeedsImage: true, ImageOptional: true, MaxTokens: 600,
			needs:  []string{"caption"},
			System: baseSystem,
			Schema: object(prop("prompt", str("the rewritten prompt"))),
			template: "The picture comes from a web image dataset; its alt-text caption is:\n<caption>\n{caption}\n</caption>\n\n" +
				"Rewrite the caption into a clear, detailed prompt that an image generator could use to recreate this picture. Describe what is actually visible: the main subjects and their attributes, actions, the setting, spatial layout, lighting, colours and the style or medium. " +
				"Keep facts from the caption only when the picture confirms them; drop file names, shop talk, SEO words and watermarks. If legible text appears in the picture, quote it exactly in double quotes. Write one paragraph of 40 to 120 words.\n\n{format}",
			check: nonEmpty("prompt"),
		},
		{
			Name: "quality", Version: "quality-v1", NeedsImage: true, MaxTokens: 400,
			needs:  []string{"prompt"},
			System: baseSystem + " You inspect generated images for technical defects.",
			Schema: object(
				prop("analysis", str("two or three sentences on the defects you see, if any")),
				prop("clarity", score("sharpness and cleanliness: 0 blurry, noisy or corrupted; 10 crisp and clean")),
				prop("structure", score("structural consistency: 0 malformed anatomy, broken objects or impossible geometry; 10 fully coherent")),
			),
			template: "The picture was generated from this prompt:\n<prompt>\n{prompt}\n</prompt>\n\n" +
				"Judge the picture's technical quality only, not its beauty or how well it follows the prompt.\n" +
				"- clarity (0-10): is it sharp and clean, or blurry, noisy, over-smoothed, with artifacts or corrupted regions?\n" +
				"- structure (0-10): are bodies, hands, faces, objects and architecture structurally sound, or are there extra or fused limbs, melted shapes, broken perspective?\n" +
				"Use the whole scale; 7 means minor flaws a careful viewer notices.\n\n{format}",
		},
		{
			Name: "traits", Version: "traits-v1", NeedsImage: true, MaxTokens: 500,
			needs:  []string{"prompt"},
			System: baseSystem + " You classify images by the reasoning skills they exercise.",
			Schema: object(
				prop("analysis", str("two or three sentences on which traits the picture shows and why")),
				prop("imagination", score("surreal, fantastical or impossible content")),
				prop("entity", score("specific real-world entities: named landmarks, species, brands, people, artworks")),
				prop("text", score("legible text rendered in the picture as an essential element")),
				prop("style", score("a distinct, recognisable artistic style, medium or technique")),
				prop("affection", score("a clear mood, emotion or atmosphere conveyed")),
				prop("composition", score("a deliberate arrangement of several objects with spatial relations")),
			),
			template: "The picture was generated from this prompt:\n<prompt>\n{prompt}\n</prompt>\n\n" +
				"Rate how strongly the picture exhibits each of six traits, from 0 (absent) to 10 (defining feature):\n" +
				"- imagination: surreal, fantastical or physically impossible scenes and creative combinations;\n" +
				"- entity: specific, identifiable real-world things (landmarks, species, products, artworks, public figures);\n" +
				"- text: legible text in the picture that matters to it (signs, titles, labels, typography);\n" +
				"- style: a distinctive artistic style, medium or technique (e.g. ukiyo-e, oil painting, pixel art);\n" +
				"- affection: an evident mood, emotion or atmosphere;\n" +
				"- composition: several objects deliberately arranged, with clear spatial relations between them.\n" +
				"Judge the picture, using the prompt only to understand the intent. A picture can score high on several traits.\n\n{format}",
		},
		{
			Name: "mine-text", Version: "mine-text-v1", NeedsImage: true, MaxTokens: 400,
			System: baseSystem + " You read text in images.",
			Schema: object(
				prop("text", str("the legible text, exactly as written, lines separated by \\n; empty when none")),
				prop("has_text", boolean("true when the picture has prominent, legible text that is an essential element of it")),
			),
			template: "Does this picture contain prominent, legible text that is an essential element of the picture (a sign, a title, a poster headline, a label, a logo word)? " +
				"Ignore watermarks, tiny illegible print, text in the margins added by a website, and text that is cut off or blurred beyond reading.\n" +
				"Transcribe the essential text exactly as written (same spelling, case and punctuation) into text, then set has_text.\n\n{format}",
			check: func(o Output) error {
				if o.HasText != nil && *o.HasText && strings.TrimSpace(o.Texts["text"]) == "" {
					return fmt.Errorf("has_text is true but text is empty")
				}
				return nil
			},
		},
		{
			Name: "typography", Version: "typography-v1", NeedsImage: true, MaxTokens: 500,
			needs:  []string{"text"},
			System: baseSystem + " You check text rendered in generated images.",
			Schema: object(
				prop("rendered_text", str("the text as it actually appears in the picture, exactly")),
				prop("analysis", str("one or two sentences on the text's quality")),
				prop("legibility", score("0 unreadable (low contrast, distorted, broken glyphs); 10 crisp and clearly readable")),
				prop("correctness", score("0 nonsensical or wrong text; 10 exactly the intended text")),
			),
			template: "The picture was generated to show this text:\n<text>\n{text}\n</text>\n{ocr}\n" +
				"Read the text that actually appears in the picture and judge it.\n" +
				"- legibility (0-10): contrast with the background, sharpness, undistorted and complete glyphs;\n" +
				"- correctness (0-10): does it say exactly the intended text (spelling, letters, words, order), with no gibberish or extra letters? Case differences count as small errors.\n\n{format}",
		},
		{
			Name: "captions", Version: "captions-v1", NeedsImage: true, MaxTokens: 1500,
			needs:  []string{"prompt"},
			System: baseSystem + " You write dense, accurate image captions.",
			Schema: object(
				prop("composition", str("layout and spatial relations of the objects; empty if not applicable")),
				prop("entity", str("the specific entities and their identifying details; empty if not applicable")),
				prop("text", str("the text in the picture, quoted exactly, and how it is rendered; empty if none")),
				prop("imaginative", str("the surreal or fantastical elements and how they combine; empty if not applicable")),
				prop("style", str("the artistic style, medium, technique, palette and lighting; empty if not applicable")),
				prop("abstract", str("the mood, emotion and atmosphere; empty if not applicable")),
			),
			template: "The picture was generated from this prompt:\n<prompt>\n{prompt}\n</prompt>\n{trait}\n" +
				"Write one dense caption of 50 to 150 words for each category the picture belongs to, each focused on that category:\n" +
				"- composition: the objects, their positions, sizes and spatial relations;\n" +
				"- entity: the specific real-world entities and the details that identify them;\n" +
				"- text: every piece of legible text, quoted exactly as written in double quotes, with its font, colour and placement;\n" +
				"- imaginative: the surreal or fantastical elements and how they fit together;\n" +
				"- style: the artistic style, medium, technique, colour palette and lighting;\n" +
				"- abstract: the mood, emotion and atmosphere, and what in the picture creates it.\n" +
				"Describe the picture itself, not the prompt. Leave a category as an empty string when the picture does not belong to it.\n\n{format}",
			check: func(o Output) error {
				if len(o.Texts) == 0 {
					return fmt.Errorf("captions: every caption is empty")
				}
				return nil
			},
		},
		{
			Name: "gcot", Version: "gcot-v1", NeedsImage: true, MaxTokens: 2000,
			needs:  []string{"prompt", "captions"},
			System: baseSystem + " You explain, step by step, how an image is built.",
			Schema: object(prop("detail", str("the generation chain-of-thought caption"))),
			template: "The picture was generated from this prompt:\n<prompt>\n{prompt}\n</prompt>\n\nCategory captions of the picture:\n{captions}\n\n" +
				"Write a generation chain-of-thought caption: one flowing text of 150 to 400 words that explains how the picture is constructed, step by step, the way a painter would plan it. " +
				"Start from the overall scene and composition, then place each element and explain why it sits where it does, relate the elements to each other, then cover style, lighting and colour, quote any rendered text exactly in double quotes, and end with the mood the whole creates. " +
				"Combine the category captions into one account; state only what the picture shows.\n\n{format}",
			check: nonEmpty("detail"),
		},
		{
			Name: "align-original", Version: "align-original-v1", NeedsImage: true, MaxTokens: 400,
			needs:  []string{"caption"},
			System: baseSystem,
			Schema: object(
				prop("analysis", str("one or two sentences on what the caption gets right and wrong")),
				prop("original_alignment", score("0 the caption does not describe this picture; 10 every statement holds")),
			),
			template: "Here is the original web caption of an image:\n<caption>\n{caption}\n</caption>\n\n" +
				"How well does the caption describe this picture? Check each statement in the caption against the picture: subjects, counts, attributes, actions, setting and any quoted text. " +
				"Score 0 when the caption is unrelated or mostly spam, 5 when it is partly right, 10 when everything it says holds (it need not describe everything).\n\n{format}",
		},
		{
			Name: "translate", Version: "translate-v1", MaxTokens: 3000,
			needs:  []string{"captions"},
			System: baseSystem + " You are a professional English to Simplified Chinese translator.",
			Schema: object(prop("translations", arrayOf(object(
				prop("kind", map[string]any{"type": "string", "enum": TranslateKinds, "description": "the caption kind"}),
				prop("zh", str("the Simplified Chinese translation")),
			), "one translation per caption, in the given order"))),
			template: "Translate each English image caption below into fluent Simplified Chinese.\n{captions}\n\n" +
				"The text the picture shows must stay exactly as written: every string in quotation marks is text rendered in the image. Keep it in its original language, byte for byte (same letters, case, spaces and punctuation), and wrap it in Chinese quotation marks “”. Do not translate, transliterate or explain it.{render}\n" +
				"Translate everything else naturally; keep the kind of each caption.\n\n{format}",
			check: func(o Output) error {
				if len(o.Texts) == 0 {
					return fmt.Errorf("translations: empty list")
				}
				return nil
			},
		},
		{Name: "generate", Generates: true},
	} {
		byName[s.Name] = s
	}
	for _, n := range Order {
		s, ok := byName[n]
		if !ok {
			panic("pipeline: step " + n + " is in Order but not defined")
		}
		registry = append(registry, s)
	}
	if len(registry) != len(byName) {
		panic("pipeline: a defined step is missing from Order")
	}
	for n, h := range stepHooks {
		s, ok := byName[n]
		if !ok {
			panic("pipeline: hooks for unknown step " + n)
		}
		s.prepare, s.apply = h.prepare, h.apply
	}
}

func nonEmpty(field string) func(Output) error {
	return func(o Output) error {
		if strings.TrimSpace(o.Texts[field]) == "" {
			return fmt.Errorf("%s: empty", field)
		}
		return nil
	}
}

// captionBlock renders captions as tagged blocks in TranslateKinds order (unknown kinds last, sorted).
func captionBlock(c map[string]string) string {
	var keys []string
	for _, k := range TranslateKinds {
		if strings.TrimSpace(c[k]) != "" {
			keys = append(keys, k)
		}
	}
	var extra []string
	for k, v := range c {
		if !slices.Contains(TranslateKinds, k) && strings.TrimSpace(v) != "" {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	var b strings.Builder
	for _, k := range append(keys, extra...) {
		fmt.Fprintf(&b, "<caption kind=%q>\n%s\n</caption>\n", k, strings.TrimSpace(c[k]))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// formatText describes the answer's fields from the schema, so json_object and unstructured backends
// get the same shape.
func formatText(schema map[string]any) string {
	var b strings.Builder
	b.WriteString("Answer with one JSON object with exactly these fields, in this order:\n")
	props, _ := schema["properties"].(Properties)
	for _, p := range props {
		fmt.Fprintf(&b, "- %q: %s\n", p.Name, describe(p.Schema))
	}
	b.WriteString("No other text.")
	return b.String()
}

func describe(s map[string]any) string {
	desc, _ := s["description"].(string)
	switch {
	case isScore(s):
		return "an integer from 0 to 10, " + desc
	case s["type"] == "boolean":
		return "true or false, " + desc
	case s["type"] == "array":
		items, _ := s["items"].(map[string]any)
		if items["type"] == "object" {
			var fields []string
			for _, p := range items["properties"].(Properties) {
				fields = append(fields, fmt.Sprintf("%q (%s)", p.Name, describe(p.Schema)))
			}
			return "an array (" + desc + ") of objects with " + strings.Join(fields, " and ")
		}
		return "an array of strings, " + desc
	case s["enum"] != nil:
		return "one of the listed values, " + desc
	}
	return "a string, " + desc
}

// Text is the user message text for one item: the step's wording with the inputs filled in.
func (s *Step) Text(in Input) (string, error) {
	for _, n := range s.needs {
		empty := false
		switch n {
		case "prompt":
			empty = strings.TrimSpace(in.Prompt) == ""
		case "caption":
			empty = strings.TrimSpace(in.Caption) == ""
		case "text":
			empty = strings.TrimSpace(in.Text) == ""
		case "captions":
			empty = captionBlock(in.Captions) == ""
		}
		if empty {
			return "", fmt.Errorf("step %s: input %q is empty", s.Name, n)
		}
	}
	ocr := ""
	if strings.TrimSpace(in.OCR) != "" {
		ocr = "An OCR engine read this from the picture (it may be wrong):\n<ocr>\n" + strings.TrimSpace(in.OCR) + "\n</ocr>\n"
	}
	trait := ""
	if strings.TrimSpace(in.Trait) != "" {
		trait = "The picture was classified into these categories: " + strings.TrimSpace(in.Trait) + ". Write captions for these categories and leave the others empty.\n"
	}
	render := ""
	if s.Name == "translate" {
		var all []string
		for _, c := range taggedCaptions(captionBlock(in.Captions)) {
			all = append(all, RenderStrings(c[1])...)
		}
		if len(all) > 0 {
			q := make([]string, 0, len(all))
			for _, r := range dedupe(all) {
				q = append(q, "“"+r+"”")
			}
			render = " These strings must appear unchanged: " + strings.Join(q, ", ") + "."
		}
	}
	r := strings.NewReplacer(
		"{prompt}", strings.TrimSpace(in.Prompt),
		"{caption}", strings.TrimSpace(in.Caption),
		"{captions}", captionBlock(in.Captions),
		"{text}", strings.TrimSpace(in.Text),
		"{ocr}", ocr,
		"{trait}", trait,
		"{render}", render,
		"{format}", formatText(s.Schema),
	)
	return r.Replace(s.template), nil
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

var trailingComma = regexp.MustCompile(`,\s*([}\]])`)

// decodeObject reads an answer as PRISM-Bench's verdict parser does: strip, drop ```json fences,
// strict JSON, then with trailing commas removed; an object embedded in prose is taken as a last resort.
func decodeObject(content string) (map[string]any, error) {
	s := strings.TrimSpace(content)
	s = strings.TrimPrefix(s, "```json")
	s = strings.TrimPrefix(s, "```JSON")
	s = strings.TrimPrefix(s, "```")
	s = strings.TrimSuffix(s, "```")
	s = strings.TrimSpace(s)
	try := func(t string) (map[string]any, error) {
		var obj map[string]any
		dec := json.NewDecoder(strings.NewReader(t))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, err
		}
		if dec.More() {
			return nil, fmt.Errorf("trailing data after the JSON object")
		}
		if obj == nil {
			return nil, fmt.Errorf("null instead of an object")
		}
		return obj, nil
	}
	obj, err := try(s)
	if err == nil {
		return obj, nil
	}
	if o, e := try(trailingComma.ReplaceAllString(s, "$1")); e == nil {
		return o, nil
	}
	if i, j := strings.Index(s, "{"), strings.LastIndex(s, "}"); i >= 0 && j > i {
		inner := s[i : j+1]
		if o, e := try(inner); e == nil {
			return o, nil
		}
		if o, e := try(trailingComma.ReplaceAllString(inner, "$1")); e == nil {
			return o, nil
		}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return nil, fmt.Errorf("not a JSON object: %v (at byte %d)", se, se.Offset)
	}
	return nil, fmt.Errorf("not a JSON object: %v", err)
}

// validate checks v against the schema: required fields present, types, score range, enums.
// Unknown fields are ignored (tolerant); path names the offending field.
func validate(path string, schema map[string]any, v any) error {
	name := path
	if name == "" {
		name = "answer"
	}
	switch schema["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %s is not an object", name, kindOf(v))
		}
		props, _ := schema["properties"].(Properties)
		for _, p := range props {
			sub := p.Name
			if path != "" {
				sub = path + "." + p.Name
			}
			fv, ok := obj[p.Name]
			if !ok {
				return fmt.Errorf("missing field %q", sub)
			}
			if err := validate(sub, p.Schema, fv); err != nil {
				return err
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %s is not an array", name, kindOf(v))
		}
		items, _ := schema["items"].(map[string]any)
		for i, x := range arr {
			if err := validate(fmt.Sprintf("%s[%d]", name, i), items, x); err != nil {
				return err
			}
		}
	case "string":
		sv, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: %s is not a string", name, kindOf(v))
		}
		if enum, ok := schema["enum"].([]string); ok && !slices.Contains(enum, sv) {
			return fmt.Errorf("%s: %q is not one of %s", name, sv, strings.Join(enum, ", "))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %s is not true or false", name, kindOf(v))
		}
	case "integer", "number":
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("%s: %s is not a JSON number", name, kindOf(v))
		}
		f, err := n.Float64()
		if err != nil {
			return fmt.Errorf("%s: %s is not a number", name, n)
		}
		if isScore(schema) && (f < 0 || f > 10) {
			return fmt.Errorf("%s: score %v is outside 0-10", name, f)
		}
	}
	return nil
}

func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return fmt.Sprintf("string %q", x)
	case json.Number:
		return "number " + x.String()
	case bool:
		return fmt.Sprint(x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Parse reads a model's answer: tolerant of ```json fences and trailing commas, then strict JSON,
// then checked against the step's schema (required fields, types, scores within 0-10) and the step's
// own rules. Errors say what is wrong.
func (s *Step) Parse(content string) (Output, error) {
	obj, err := decodeObject(content)
	if err != nil {
		return Output{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	if err := validate("", s.Schema, obj); err != nil {
		return Output{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	var o Output
	for _, p := range s.Schema["properties"].(Properties) {
		switch v := obj[p.Name].(type) {
		case json.Number:
			f, _ := v.Float64()
			if o.Scores == nil {
				o.Scores = map[string]float64{}
			}
			o.Scores[p.Name] = f
		case string:
			if strings.TrimSpace(v) == "" && s.Name == "captions" {
				continue
			}
			if o.Texts == nil {
				o.Texts = map[string]string{}
			}
			o.Texts[p.Name] = v
		case bool:
			o.HasText = &v
		case []any:
			for _, x := range v {
				switch x := x.(type) {
				case string:
					o.Prompts = append(o.Prompts, x)
				case map[string]any: // translate
					kind, zh := x["kind"].(string), x["zh"].(string)
					if o.Texts == nil {
						o.Texts = map[string]string{}
					}
					if _, dup := o.Texts[kind]; dup {
						return Output{}, fmt.Errorf("%s: kind %q translated twice", s.Name, kind)
					}
					if strings.TrimSpace(zh) == "" {
						return Output{}, fmt.Errorf("%s: empty translation for %q", s.Name, kind)
					}
					o.Texts[kind] = zh
				}
			}
		}
	}
	if s.check != nil {
		if err := s.check(o); err != nil {
			return Output{}, fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	return o, nil
}

// Request builds the chat-completions body for one item, with the backend's profile settings as
// vlm.Backend.Prepare applies them (qwen: image first, repetition penalty, pixel bounds; gpt: text
// first, top_p 1, seed 42 except for Gemini), the step's system message and temperature, the
// backend's token field and limit (the step's MaxTokens when the backend sets none), the step's schema
// as response_format (json_schema) or json_object, and the backend's extra fields merged last. The
// picture is prepared with vlm.Backend.PreparePicture and spliced in as a data URL.
func (s *Step) Request(b *vlm.Backend, in Input, picture []byte) (vlm.Prepared, error) {
	text, err := s.Text(in)
	if err != nil {
		return vlm.Prepared{}, err
	}
	var pic vlm.Picture
	if s.NeedsImage {
		if len(picture) == 0 {
			return vlm.Prepared{}, fmt.Errorf("step %s: needs a picture", s.Name)
		}
		if pic, err = b.PreparePicture(picture); err != nil {
			return vlm.Prepared{}, fmt.Errorf("step %s: %w", s.Name, err)
		}
	}
	maxTokens := b.MaxTokens
	if maxTokens <= 0 {
		maxTokens = s.MaxTokens
	}
	c := vlm.Chat{System: s.System, Text: text, Temperature: s.Temperature, MaxTokens: s.MaxTokens,
		Schema: vlm.Schema{Name: strings.ReplaceAll(s.Name, "-", "_"), Schema: s.Schema}, What: "step " + s.Name,
		EstOutput: min(s.MaxTokens/2, maxTokens), EstText: s.System + text}
	if s.NeedsImage {
		c.Picture = &pic
	}
	return b.Chat(c)
}

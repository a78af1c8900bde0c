package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/vlm"
)

func sampleInput() Input {
	return Input{
		Prompt:  `A neon sign reading "OPEN 24 HOURS" above a rainy diner door at night`,
		Caption: "diner-night-1234.jpg Best diner in town! neon sign",
		Captions: map[string]string{
			"composition": "A diner door sits centred under a glowing sign.",
			"text":        `The sign reads "OPEN 24 HOURS" in red neon, with 「Joe's」 painted below.`,
			"style":       "Moody night photography with wet reflections.",
			"detail":      `The scene starts with the door; the sign "OPEN 24 HOURS" glows above.`,
		},
		Text:  "OPEN 24 HOURS",
		Trait: "composition, text, style",
		OCR:   "OPEN 24 H0URS",
	}
}

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOrderAndSteps(t *testing.T) {
	for _, n := range Order {
		s, ok := Lookup(n)
		if n == "generate" {
			if !ok || !s.Generates || s.Schema != nil || s.Version != "" {
				t.Errorf("generate: %+v", s)
			}
			continue
		}
		if !ok {
			t.Fatalf("step %s missing", n)
		}
		if s.Name != n || s.Version != n+"-v1" {
			t.Errorf("step %s: name %q version %q", n, s.Name, s.Version)
		}
		if (s.Temperature != 0) != (n == "expand") {
			t.Errorf("step %s: temperature %v", n, s.Temperature)
		}
	}
	var names []string
	for _, s := range Steps() {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, Order) {
		t.Errorf("Steps() in order %v, want %v", names, Order)
	}
	if got := ItemSteps(); len(got) != len(Order)-1 || slices.Contains(got, "expand") || got[0] != "rewrite" {
		t.Errorf("ItemSteps() = %v", got)
	}
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

func TestTextRenders(t *testing.T) {
	in := sampleInput()
	for _, n := range Order {
		s := byName[n]
		if s.Generates {
			continue
		}
		text, err := s.Text(in)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if m := placeholder.FindString(text); m != "" {
			t.Errorf("%s: unreplaced placeholder %s in\n%s", n, m, text)
		}
		for _, p := range s.Schema["properties"].(Properties) {
			if !strings.Contains(text, `"`+p.Name+`"`) {
				t.Errorf("%s: text does not name field %q", n, p.Name)
			}
		}
	}
	// Inputs that contain placeholder syntax are not re-expanded.
	in.Prompt = "a sign saying {format}"
	text, _ := byName["quality"].Text(in)
	if !strings.Contains(text, "a sign saying {format}") {
		t.Error("prompt text was expanded")
	}
	// Missing required inputs are errors naming the input.
	if _, err := byName["rewrite"].Text(Input{}); err == nil || !strings.Contains(err.Error(), "caption") {
		t.Errorf("rewrite without caption: %v", err)
	}
	if _, err := byName["translate"].Text(Input{Captions: map[string]string{"text": "  "}}); err == nil {
		t.Error("translate without captions accepted")
	}
	tr, _ := byName["translate"].Text(sampleInput())
	for _, want := range []string{"“OPEN 24 HOURS”", "“Joe's”", `<caption kind="detail">`} {
		if !strings.Contains(tr, want) {
			t.Errorf("translate text lacks %s:\n%s", want, tr)
		}
	}
	for _, kind := range []string{"“composition”", "“text”", "“detail”"} {
		if strings.Contains(tr, kind) {
			t.Errorf("translate text lists the caption kind %s as a render string", kind)
		}
	}
	if strings.Count(tr, "“OPEN 24 HOURS”") != 1 {
		t.Error("render strings not deduplicated")
	}
}

// checkStrict walks a schema as OpenAI strict mode does.
func checkStrict(t *testing.T, path string, s map[string]any) {
	t.Helper()
	switch s["type"] {
	case "object":
		if s["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties is not false", path)
		}
		req, _ := s["required"].([]string)
		var names []string
		switch ps := s["properties"].(type) {
		case Properties:
			for _, p := range ps {
				names = append(names, p.Name)
				checkStrict(t, path+"."+p.Name, p.Schema)
			}
		case map[string]any:
			for k, v := range ps {
				names = append(names, k)
				checkStrict(t, path+"."+k, v.(map[string]any))
			}
		default:
			t.Errorf("%s: no properties", path)
		}
		if len(names) == 0 || len(req) != len(names) {
			t.Errorf("%s: required %v, properties %v", path, req, names)
		}
		for _, n := range names {
			if !slices.Contains(req, n) {
				t.Errorf("%s: %s not required", path, n)
			}
		}
	case "array":
		items, ok := s["items"].(map[string]any)
		if !ok {
			t.Errorf("%s: array without items", path)
			return
		}
		checkStrict(t, path+"[]", items)
	case "string", "integer", "number", "boolean":
	default:
		t.Errorf("%s: type %v", path, s["type"])
	}
}

func TestSchemasStrict(t *testing.T) {
	for n, s := range byName {
		if s.Generates {
			continue
		}
		if s.Schema["type"] != "object" {
			t.Errorf("%s: top level is not an object", n)
		}
		checkStrict(t, n, s.Schema)
		// The marshalled schema is valid JSON with properties in order.
		b, err := json.Marshal(s.Schema)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		var back map[string]any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	b, _ := json.Marshal(byName["quality"].Schema)
	if a, c := bytes.Index(b, []byte(`"analysis"`)), bytes.Index(b, []byte(`"clarity"`)); a < 0 || a > c {
		t.Errorf("analysis does not come before the scores: %s", b)
	}
}

func TestParseRoundTrip(t *testing.T) {
	inputs := []Input{sampleInput(), {
		Prompt: "a fox in a misty forest", Caption: "fox.jpg", Text: "Hello World",
		Captions: map[string]string{"entity": "A red fox stands among ferns.", "abstract": "Quiet, misty calm."},
	}}
	for i := 0; i < 40; i++ {
		in := sampleInput()
		in.Prompt += fmt.Sprintf(" variant %d", i)
		in.Caption += fmt.Sprint(i)
		in.Text += fmt.Sprint(i)
		in.Captions = map[string]string{"text": fmt.Sprintf(`A banner reading 'Sale %d' and «Nº%d».`, i, i), "style": fmt.Sprint("Flat vector art ", i)}
		inputs = append(inputs, in)
	}
	messy := map[string]int{}
	for n, s := range byName {
		if s.Generates {
			continue
		}
		for _, in := range inputs {
			text, err := s.Text(in)
			if err != nil {
				t.Fatal(err)
			}
			ans := Answer(n, text, s.NeedsImage)
			if strings.HasPrefix(ans, "```") {
				messy["fence"]++
			}
			if regexp.MustCompile(`,\s*[}\]]`).MatchString(ans) {
				messy["comma"]++
			}
			if Answer(n, text, s.NeedsImage) != ans {
				t.Fatalf("%s: answer not deterministic", n)
			}
			o, err := s.Parse(ans)
			if err != nil {
				t.Fatalf("%s: %v\n%s", n, err, ans)
			}
			switch n {
			case "quality":
				if len(o.Scores) != 2 {
					t.Errorf("quality scores %v", o.Scores)
				}
			case "traits":
				for _, k := range TraitKeys {
					if _, ok := o.Scores[k]; !ok {
						t.Errorf("traits: no %s", k)
					}
				}
			case "align-original":
				if _, ok := o.Scores["original_alignment"]; !ok {
					t.Error("no original_alignment")
				}
			case "typography":
				if _, ok := o.Scores["legibility"]; !ok {
					t.Error("no legibility")
				}
			case "expand":
				if len(o.Prompts) != ExpandCount {
					t.Errorf("expand: %d prompts", len(o.Prompts))
				}
			case "mine-text":
				if o.HasText == nil {
					t.Error("mine-text: no has_text")
				}
			case "rewrite":
				if o.Texts["prompt"] == "" {
					t.Error("rewrite: no prompt")
				}
			case "gcot":
				if o.Texts["detail"] == "" {
					t.Error("gcot: no detail")
				}
			case "captions":
				for k := range o.Texts {
					if !slices.Contains(CaptionKinds, k) {
						t.Errorf("captions: kind %q", k)
					}
				}
			case "translate":
				if len(o.Texts) != len(nonEmptyKinds(in.Captions)) {
					t.Errorf("translate: %v for %v", o.Texts, in.Captions)
				}
				for k, zh := range o.Texts {
					if err := CheckTranslation(in.Captions[k], zh); err != nil {
						t.Errorf("translate %s: %v", k, err)
					}
				}
			}
		}
	}
	if messy["fence"] == 0 || messy["comma"] == 0 {
		t.Errorf("answers are never messy: %v", messy)
	}
}

func nonEmptyKinds(c map[string]string) []string {
	var out []string
	for k, v := range c {
		if strings.TrimSpace(v) != "" {
			out = append(out, k)
		}
	}
	return out
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		step, content, want string
	}{
		{"quality", `{"analysis": "ok", "clarity": 8}`, `missing field "structure"`},
		{"quality", `{"analysis": "ok", "clarity": 11, "structure": 5}`, "outside 0-10"},
		{"quality", `{"analysis": "ok", "clarity": -1, "structure": 5}`, "outside 0-10"},
		{"quality", `{"analysis": "ok", "clarity": "8", "structure": 5}`, "not a JSON number"},
		{"traits", `The picture is imaginative and has text. I would give it 8/10.`, "not a JSON object"},
		{"traits", ``, "not a JSON object"},
		{"traits", `[1, 2]`, "not a JSON object"},
		{"rewrite", `{"prompt": 5}`, "not a string"},
		{"rewrite", `{"prompt": "  "}`, "empty"},
		{"mine-text", `{"text": "", "has_text": "yes"}`, "not true or false"},
		{"mine-text", `{"text": "", "has_text": true}`, "text is empty"},
		{"expand", `{"prompts": []}`, "empty list"},
		{"expand", `{"prompts": "a cat"}`, "not an array"},
		{"expand", `{"prompts": ["a cat", 3]}`, "prompts[1]"},
		{"translate", `{"translations": [{"kind": "poem", "zh": "诗"}]}`, "not one of"},
		{"translate", `{"translations": [{"kind": "text", "zh": "a"}, {"kind": "text", "zh": "b"}]}`, "twice"},
		{"translate", `{"translations": [{"kind": "text"}]}`, `missing field "translations[0].zh"`},
		{"captions", `{"composition": "", "entity": "", "text": "", "imaginative": "", "style": "", "abstract": ""}`, "every caption is empty"},
		{"align-original", `{"analysis": "x", "original_alignment": null}`, "null is not a JSON number"},
	}
	for _, c := range cases {
		_, err := byName[c.step].Parse(c.content)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: err %v, want %q", c.step, c.content, err, c.want)
		}
	}
	// Tolerated forms.
	ok := []string{
		"```json\n{\"analysis\": \"fine\", \"clarity\": 7, \"structure\": 9,}\n```",
		"Sure! Here it is:\n{\"analysis\": \"fine\", \"clarity\": 7.5, \"structure\": 9, \"extra\": 1}",
		"```\n{\"analysis\": \"fine\", \"clarity\": 0, \"structure\": 10}\n```",
	}
	for _, c := range ok {
		o, err := byName["quality"].Parse(c)
		if err != nil {
			t.Errorf("%q: %v", c, err)
		} else if o.Scores["structure"] < 9 {
			t.Errorf("%q: %v", c, o.Scores)
		}
	}
}

func decodeBody(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	return m
}

func TestRequest(t *testing.T) {
	pic := pngBytes(t, 64, 48)
	for _, profile := range []string{"gpt", "qwen"} {
		b := &vlm.Backend{Name: "b", Kind: vlm.KindVLLM, Model: "m", Profile: profile, MaxTokens: 777,
			TokenField: "max_completion_tokens", Structured: "json_schema", Detail: "high", MaxSide: 2048,
			Formats: []string{"image/png"}, Extra: map[string]any{"top_k": 20}}
		for n, s := range byName {
			if s.Generates {
				continue
			}
			p, err := s.Request(b, sampleInput(), pic)
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			if p.Key != vlm.RequestKey("b", "m", p.Body) || p.EstInput <= 0 || p.EstOutput <= 0 {
				t.Errorf("%s: key/estimates %+v", n, p.Key)
			}
			m := decodeBody(t, p.Body)
			if m["model"] != "m" || m["max_completion_tokens"] != 777.0 || m["top_k"] != 20.0 || m["temperature"] != s.Temperature {
				t.Errorf("%s: settings %v %v %v %v", n, m["model"], m["max_completion_tokens"], m["top_k"], m["temperature"])
			}
			rf := m["response_format"].(map[string]any)
			js := rf["json_schema"].(map[string]any)
			if rf["type"] != "json_schema" || js["strict"] != true {
				t.Errorf("%s: response_format %v", n, rf)
			}
			want, _ := json.Marshal(s.Schema)
			got, _ := json.Marshal(js["schema"])
			var w, g any
			json.Unmarshal(want, &w)
			json.Unmarshal(got, &g)
			if fmt.Sprint(w) != fmt.Sprint(g) {
				t.Errorf("%s: schema\n%s\nwant\n%s", n, got, want)
			}
			msgs := m["messages"].([]any)
			if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" || msgs[0].(map[string]any)["content"] != s.System {
				t.Fatalf("%s: messages %v", n, msgs)
			}
			parts := msgs[1].(map[string]any)["content"].([]any)
			var img, text string
			for i, part := range parts {
				pm := part.(map[string]any)
				switch pm["type"] {
				case "image_url":
					img = pm["image_url"].(map[string]any)["url"].(string)
					if (profile == "qwen") != (i == 0) {
						t.Errorf("%s %s: image at %d", n, profile, i)
					}
				case "text":
					text = pm["text"].(string)
				}
			}
			want2, _ := s.Text(sampleInput())
			if text != want2 {
				t.Errorf("%s: text part differs", n)
			}
			if s.NeedsImage {
				if img == "" || !strings.HasPrefix(img, "data:image/png;base64,") {
					t.Errorf("%s: image part %.40q", n, img)
				}
				if profile == "qwen" && m["mm_processor_kwargs"] == nil {
					t.Errorf("%s: no mm_processor_kwargs", n)
				}
			} else if img != "" || len(parts) != 1 {
				t.Errorf("%s: image part without NeedsImage", n)
			}
			if bytes.Contains(p.Body, []byte(vlm.ImagePlaceholder)) {
				t.Errorf("%s: placeholder left in the body", n)
			}
		}
	}
	// The schema keeps its property order through the SDK's marshalling.
	qb := &vlm.Backend{Name: "q", Kind: vlm.KindVLLM, Model: "m", Profile: "gpt", MaxTokens: 100, Structured: "json_schema", Formats: []string{"image/png"}}
	qp, err := byName["quality"].Request(qb, sampleInput(), pic)
	if err != nil {
		t.Fatal(err)
	}
	rf := qp.Body[bytes.Index(qp.Body, []byte(`"response_format"`)):]
	if a, c := bytes.Index(rf, []byte(`"analysis"`)), bytes.Index(rf, []byte(`"clarity"`)); a < 0 || c < 0 || a > c {
		t.Errorf("schema order lost: %s", rf[:min(len(rf), 300)])
	}
	// json_object, max_tokens and the picture requirement.
	b := &vlm.Backend{Name: "o", Kind: vlm.KindOpenAI, Model: "gpt-4.1", Profile: "gpt", TokenField: "max_tokens", Structured: "json_object", Detail: "low", Formats: []string{"image/jpeg"}}
	p, err := byName["gcot"].Request(b, sampleInput(), pic)
	if err != nil {
		t.Fatal(err)
	}
	m := decodeBody(t, p.Body)
	if m["response_format"].(map[string]any)["type"] != "json_object" || m["max_tokens"] != float64(byName["gcot"].MaxTokens) || m["seed"] != 42.0 {
		t.Errorf("json_object body: %v %v %v", m["response_format"], m["max_tokens"], m["seed"])
	}
	if !bytes.Contains(p.Body, []byte(`data:image/jpeg;base64,`)) {
		t.Error("png not re-encoded for a jpeg-only backend")
	}
	if _, err := byName["quality"].Request(b, sampleInput(), nil); err == nil {
		t.Error("quality without a picture accepted")
	}
	b.Structured = "none"
	p, _ = byName["translate"].Request(b, sampleInput(), nil)
	if m := decodeBody(t, p.Body); m["response_format"] != nil {
		t.Error("response_format with structured none")
	}
}

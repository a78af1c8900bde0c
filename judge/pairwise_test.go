package judge

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/vlm"
)

// TestPairRubrics: every PRISM-Bench track has its own pairwise alignment rubric, there is a general one
// and an aesthetics one; each fills, names Image 1 and Image 2 and the JSON answer, ends with the
// prompt, and has a hash of its own (different from the single-image rubric of the same track).
func TestPairRubrics(t *testing.T) {
	set, single := BuiltinPairs(), Builtin()
	if set.Name != "loupe-pair-v1" {
		t.Errorf("name %q", set.Name)
	}
	hashes := map[string]string{}
	check := func(what string, r Rubric) {
		t.Helper()
		text, err := r.Fill(`A red "STOP" sign {with braces}`)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for _, want := range []string{"Image 1 is the first image", "Image 2 is the second", `{"justification": "<one sentence`,
			`"winner": "<1, 2 or tie>"}`, "Answer \"tie\" only when", "compare them on one criterion"} {
			if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
				t.Errorf("%s: no %q in\n%s", what, want, text)
			}
		}
		if !strings.HasSuffix(text, "\n\ntext prompt: A red \"STOP\" sign {with braces}") {
			t.Errorf("%s: the prompt is not last: %q", what, text[max(0, len(text)-80):])
		}
		if strings.Contains(text, "%s") || strings.Contains(text, "{{") {
			t.Errorf("%s: unfilled template:\n%s", what, text)
		}
		if other, dup := hashes[r.Hash()]; dup {
			t.Errorf("%s and %s share hash %s", what, other, r.Hash())
		}
		hashes[r.Hash()] = what
	}
	for track := range single.Alignment {
		r, err := set.For("alignment", track)
		if err != nil || r.Track != track || r.Kind != "alignment" {
			t.Fatalf("alignment %s: %+v %v", track, r, err)
		}
		if sr := single.Alignment[track]; sr.Hash() == r.Hash() {
			t.Errorf("%s: pair rubric hash equals the single rubric's", track)
		}
		focus := trackFocus[track][0]
		if !strings.Contains(r.Template, focus[1:]) {
			t.Errorf("%s: the track's focus is not in the pair rubric", track)
		}
		check("alignment/"+track, r)
	}
	gen, err := set.For("alignment", "my_dataset_track")
	if err != nil || gen.Track != "" || gen.Hash() != set.Alignment[""].Hash() {
		t.Errorf("unknown track: %+v %v (want the general rubric)", gen, err)
	}
	check("alignment/general", gen)
	aes, err := set.For("aesthetics", "style")
	if err != nil || aes.Kind != "aesthetics" || !strings.Contains(aes.Template, "artifacts, texture and sharpness") {
		t.Fatalf("aesthetics %+v %v", aes, err)
	}
	check("aesthetics", aes)
	if _, err := set.For("beauty", ""); err == nil {
		t.Error("an unknown kind gave a rubric")
	}
	// the hash is stable: a change of wording must be deliberate (it separates verdicts in reports)
	if h := BuiltinPairs().Alignment["text_rendering"].Hash(); h != set.Alignment["text_rendering"].Hash() || len(h) != 16 {
		t.Errorf("hash %q not stable", h)
	}
}

// pairBody is what a pair request carries: its text and its image parts, in order.
type pairBody struct {
	System string
	Text   string
	Images []judgetest.Image
	First  bool // the images came before the text
	Fields map[string]json.RawMessage
}

func readPairBody(t *testing.T, body []byte) pairBody {
	t.Helper()
	r := judgetest.Request{Body: body}
	imgs, err := r.Images()
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	out := pairBody{Images: imgs}
	if err := json.Unmarshal(body, &out.Fields); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	for _, m := range req.Messages {
		var s string
		if json.Unmarshal(m.Content, &s) == nil {
			out.System = s
			continue
		}
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(m.Content, &parts); err != nil {
			t.Fatal(err)
		}
		out.First = len(parts) > 0 && parts[0].Type == "image_url"
		for _, p := range parts {
			if p.Type == "text" {
				out.Text += p.Text
			}
		}
	}
	return out
}

// TestBuildPairGPT: the gpt profile sends the system message, the filled rubric text, then Image 1 and
// Image 2 in that order (the original bytes, their own MIME types, detail high), with the single-image
// settings and the pairwise verdict schema; the request arrives intact at a real HTTP server.
func TestBuildPairGPT(t *testing.T) {
	srv := judgetest.New(judgetest.OpenAI)
	defer srv.Close()
	srv.KeepBodies = true
	srv.SetAnswer(judgetest.AlwaysPick("2"))
	t.Setenv("LOUPE_TEST_KEY", "sk-test-0123456789")
	c, _ := testClient(t, srv, vlm.KindOpenAI, func(b *vlm.Backend) { b.APIKeyEnv = "LOUPE_TEST_KEY" })
	r, _ := BuiltinPairs().For("alignment", "text_rendering")
	first, second := judgetest.PNG(t, 64, 48), judgetest.JPEG(t, 40, 30)
	p, err := BuildPair(c.B, r, `A shop sign reading "OPEN LATE"`, first, second)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(p.Body) {
		t.Fatalf("body is not JSON: %s", p.Body)
	}
	if p.Key != vlm.RequestKey(c.B.Name, c.B.Model, p.Body) || p.ImageMIME != "image/png" {
		t.Errorf("key %s mime %s", p.Key, p.ImageMIME)
	}
	if want := c.B.ImageTokens(64, 48) + c.B.ImageTokens(40, 30); p.EstInput < want {
		t.Errorf("estimate %d does not count both images (%d)", p.EstInput, want)
	}
	v, err := SendPair(context.Background(), c, p)
	if err != nil || v.Error != "" || v.Pick != PickSecond || v.Key != p.Key || v.Response == nil {
		t.Fatalf("verdict %+v %v", v, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || !bytes.Equal(reqs[0].Body, p.Body) {
		t.Fatalf("%d requests; the body sent differs from the prepared one", len(reqs))
	}
	got := readPairBody(t, reqs[0].Body)
	text, _ := r.Fill(`A shop sign reading "OPEN LATE"`)
	if got.System != "You are a helpful assistant." || got.Text != text || got.First {
		t.Errorf("system %q, images first %v, text:\n%s", got.System, got.First, got.Text)
	}
	if len(got.Images) != 2 {
		t.Fatalf("%d images", len(got.Images))
	}
	if !bytes.Equal(got.Images[0].Data, first) || got.Images[0].MIME != "image/png" ||
		!bytes.Equal(got.Images[1].Data, second) || got.Images[1].MIME != "image/jpeg" {
		t.Errorf("images not in order or not intact: %s %d bytes, %s %d bytes", got.Images[0].MIME, len(got.Images[0].Data),
			got.Images[1].MIME, len(got.Images[1].Data))
	}
	for i, im := range got.Images {
		if im.Detail != "high" || !im.AfterText {
			t.Errorf("image %d: detail %q after text %v", i+1, im.Detail, im.AfterText)
		}
	}
	for k, want := range map[string]string{"temperature": "0", "top_p": "1", "seed": "42", "max_tokens": "4096"} {
		if g := string(got.Fields[k]); g != want {
			t.Errorf("%s = %s, want %s", k, g, want)
		}
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema struct {
			Name   string         `json:"name"`
			Strict bool           `json:"strict"`
			Schema map[string]any `json:"schema"`
		} `json:"json_schema"`
	}
	if err := json.Unmarshal(got.Fields["response_format"], &rf); err != nil {
		t.Fatal(err)
	}
	enum, _ := json.Marshal(rf.JSONSchema.Schema["properties"].(map[string]any)["winner"])
	if rf.Type != "json_schema" || rf.JSONSchema.Name != "pair_verdict" || !rf.JSONSchema.Strict ||
		string(enum) != `{"enum":["1","2","tie"],"type":"string"}` {
		t.Errorf("response_format %s", got.Fields["response_format"])
	}
	if strings.Contains(string(reqs[0].Body), "loupe-image-placeholder") || strings.Contains(string(reqs[0].Body), pairSlotMIME) {
		t.Error("a slot marker left in the body")
	}
}

// TestBuildPairQwen: the qwen profile on vLLM puts both images first (in order), then the text, with
// no system message, the repetition penalty and the pixel bounds; max_image_side and image_formats
// apply to each picture (a large PNG is scaled and sent as JPEG).
func TestBuildPairQwen(t *testing.T) {
	b := &vlm.Backend{Name: "qwen", Kind: vlm.KindVLLM, BaseURL: "http://127.0.0.1:1/v1", Model: "Qwen/Qwen2.5-VL-72B-Instruct",
		MaxSide: 100, Formats: []string{"image/jpeg"}}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	r, _ := BuiltinPairs().For("aesthetics", "")
	small := judgetest.JPEG(t, 50, 40)
	p, err := BuildPair(b, r, "a cat", judgetest.PNG(t, 300, 150), small)
	if err != nil {
		t.Fatal(err)
	}
	got := readPairBody(t, p.Body)
	if !got.First || got.System != "" || !strings.Contains(got.Text, "text prompt: a cat") || len(got.Images) != 2 {
		t.Fatalf("images first %v, system %q, %d images, text %q", got.First, got.System, len(got.Images), got.Text)
	}
	if got.Images[0].AfterText || got.Images[1].AfterText {
		t.Error("an image after the text")
	}
	if got.Images[0].MIME != "image/jpeg" || bytes.Equal(got.Images[0].Data, judgetest.PNG(t, 300, 150)) {
		t.Errorf("Image 1 (a 300x150 PNG, max side 100, JPEG only) sent as %s unchanged", got.Images[0].MIME)
	}
	if !bytes.Equal(got.Images[1].Data, small) {
		t.Error("Image 2 (a small JPEG) was not sent as it is")
	}
	if string(got.Fields["repetition_penalty"]) != "1.05" || !strings.Contains(string(got.Fields["mm_processor_kwargs"]), `"max_pixels":1003520`) {
		t.Errorf("qwen settings: %s %s", got.Fields["repetition_penalty"], got.Fields["mm_processor_kwargs"])
	}
}

// TestBuildPairStructuredSettings: json_object asks for a JSON object, none asks for nothing; a picture
// that is not an image fails with the position it was in.
func TestBuildPairStructuredSettings(t *testing.T) {
	r, _ := BuiltinPairs().For("alignment", "style")
	img := judgetest.PNG(t, 32, 32)
	for structured, want := range map[string]string{"json_object": `{"type":"json_object"}`, "none": ""} {
		b := &vlm.Backend{Name: "x", Kind: vlm.KindOllama, Model: "llava", Structured: structured}
		if err := b.Normalize(); err != nil {
			t.Fatal(err)
		}
		p, err := BuildPair(b, r, "x", img, img)
		if err != nil {
			t.Fatal(err)
		}
		got := readPairBody(t, p.Body)
		if string(got.Fields["response_format"]) != want || len(got.Images) != 2 {
			t.Errorf("%s: response_format %s, %d images", structured, got.Fields["response_format"], len(got.Images))
		}
	}
	b := &vlm.Backend{Name: "x", Kind: vlm.KindOllama, Model: "llava"}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	if _, err := BuildPair(b, r, "x", img, []byte("not an image")); err == nil || !strings.HasPrefix(err.Error(), "image 2 (shown second):") {
		t.Errorf("error %v", err)
	}
	if _, err := BuildPairBoth(b, r, Pair{Prompt: "x", ModelA: "flux", ModelB: "sdxl", ImageA: []byte("nope"), ImageB: img}); err == nil ||
		!strings.Contains(err.Error(), `"flux"`) {
		t.Errorf("error %v", err)
	}
	if _, err := BuildPair(b, Rubric{Template: "bad {brace}"}, "x", img, img); err == nil {
		t.Error("a bad template built")
	}
}

// judgeBothOrders sends both orders of a pair through the real client to the emulator and combines
// the verdicts.
func judgeBothOrders(t *testing.T, c *vlm.Client, p Pair) ([2]PairRequest, [2]PairVerdict, PairOutcome) {
	t.Helper()
	r, _ := BuiltinPairs().For("alignment", "composition")
	reqs, err := BuildPairBoth(c.B, r, p)
	if err != nil {
		t.Fatal(err)
	}
	var vs [2]PairVerdict
	for i, rq := range reqs {
		if vs[i], err = SendPair(context.Background(), c, rq.P); err != nil || vs[i].Error != "" {
			t.Fatalf("order %s: %+v %v", rq.Order, vs[i], err)
		}
	}
	o, err := CombineOrders(reqs, vs)
	if err != nil {
		t.Fatal(err)
	}
	return reqs, vs, o
}

// TestPairBothOrders: both orders go through the real vlm client to the emulated server, which sees
// the pictures swapped between them, and the combined outcome is per model: a judge that prefers one
// model's picture names that model in both orders (A or B wins, Winner gives its name); a judge that
// always answers "1" (or "2") is inconsistent by position; one that always says tie gives a tie; one
// that prefers A in one order and calls a tie in the other gives a tie.
func TestPairBothOrders(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	srv.KeepBodies = true
	c, _ := testClient(t, srv, vlm.KindVLLM, nil)
	imgA, imgB := judgetest.PNG(t, 64, 48), judgetest.PNG(t, 48, 64)
	pair := Pair{Prompt: "two red cubes left of a blue sphere", ModelA: "flux-dev", ModelB: "sdxl", ImageA: imgA, ImageB: imgB}
	prefer := func(img []byte, spell [3]string) func([]judgetest.Image) string {
		return func(imgs []judgetest.Image) string {
			if len(imgs) != 2 {
				return "no pair"
			}
			switch {
			case bytes.Equal(imgs[0].Data, img):
				return spell[0]
			case bytes.Equal(imgs[1].Data, img):
				return spell[1]
			}
			return spell[2]
		}
	}
	cases := []struct {
		name   string
		answer func(*judgetest.Request) string
		want   PairOutcome
		picks  [2]Pick
		winner string
	}{
		{"consistent judge prefers A", judgetest.PairByImages(prefer(imgA, [3]string{"1", "2", "tie"})), OutcomeA, [2]Pick{PickFirst, PickSecond}, "flux-dev"},
		{"consistent judge prefers B, says left/right", judgetest.PairByImages(prefer(imgB, [3]string{"left", "right", "tie"})), OutcomeB, [2]Pick{PickSecond, PickFirst}, "sdxl"},
		{"consistent judge prefers B, says A/B", judgetest.PairByImages(prefer(imgB, [3]string{"A", "B", "tie"})), OutcomeB, [2]Pick{PickSecond, PickFirst}, "sdxl"},
		{"always 1: first-position bias", judgetest.AlwaysPick("1"), OutcomeInconsistent, [2]Pick{PickFirst, PickFirst}, ""},
		{"always Image 2: second-position bias", judgetest.AlwaysPick("Image 2"), OutcomeInconsistent, [2]Pick{PickSecond, PickSecond}, ""},
		{"always tie", judgetest.AlwaysPick("tie"), OutcomeTie, [2]Pick{PickTie, PickTie}, ""},
		{"A when first, tie when second", judgetest.PairByImages(prefer(imgA, [3]string{"1", "tie", "2"})), OutcomeTie, [2]Pick{PickFirst, PickTie}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.SetAnswer(tc.answer)
			before := len(srv.Requests())
			reqs, vs, o := judgeBothOrders(t, c, pair)
			if o != tc.want || o.Winner(pair.ModelA, pair.ModelB) != tc.winner {
				t.Errorf("outcome %s (winner %q), want %s (%q)", o, o.Winner(pair.ModelA, pair.ModelB), tc.want, tc.winner)
			}
			if vs[0].Pick != tc.picks[0] || vs[1].Pick != tc.picks[1] {
				t.Errorf("picks %s %s, want %s %s", vs[0].Pick, vs[1].Pick, tc.picks[0], tc.picks[1])
			}
			// what the server saw: A's picture first, then B's first
			sent := srv.Requests()[before:]
			if len(sent) != 2 {
				t.Fatalf("%d requests", len(sent))
			}
			for i, want := range [2][2][]byte{{imgA, imgB}, {imgB, imgA}} {
				imgs, err := sent[i].Images()
				if err != nil || len(imgs) != 2 || !bytes.Equal(imgs[0].Data, want[0]) || !bytes.Equal(imgs[1].Data, want[1]) {
					t.Errorf("request %d (%s): images not in the order's positions (%v)", i, reqs[i].Order, err)
				}
				if !strings.Contains(sent[i].Text, "text prompt: two red cubes left of a blue sphere") || !strings.Contains(sent[i].Text, "Image 1 is the first image") {
					t.Errorf("request %d: rubric text missing: %q", i, sent[i].Text)
				}
			}
			if reqs[0].Order != OrderAB || reqs[0].First != "flux-dev" || reqs[1].Order != OrderBA || reqs[1].First != "sdxl" {
				t.Errorf("orders %+v %+v", reqs[0], reqs[1])
			}
			if reqs[0].P.Key == reqs[1].P.Key {
				t.Error("both orders have the same request key")
			}
			if m := reqs[1].Model(vs[1].Pick); vs[1].Pick != PickTie && m != map[Pick]string{PickFirst: "sdxl", PickSecond: "flux-dev"}[vs[1].Pick] {
				t.Errorf("Model(%s) in order BA = %q", vs[1].Pick, m)
			}
		})
	}
}

// TestCombinePair: every combination of the two orders' picks, and failed verdicts.
func TestCombinePair(t *testing.T) {
	// rows: pick with A first; columns: pick with B first (1, 2, tie)
	want := map[[2]Pick]PairOutcome{
		{PickFirst, PickFirst}: OutcomeInconsistent, {PickFirst, PickSecond}: OutcomeA, {PickFirst, PickTie}: OutcomeTie,
		{PickSecond, PickFirst}: OutcomeB, {PickSecond, PickSecond}: OutcomeInconsistent, {PickSecond, PickTie}: OutcomeTie,
		{PickTie, PickFirst}: OutcomeTie, {PickTie, PickSecond}: OutcomeTie, {PickTie, PickTie}: OutcomeTie,
	}
	for in, w := range want {
		if got, err := CombinePair(in[0], in[1]); err != nil || got != w {
			t.Errorf("CombinePair(%s, %s) = %s %v, want %s", in[0], in[1], got, err, w)
		}
	}
	for _, in := range [][2]Pick{{"", PickFirst}, {PickTie, "left"}, {"3", "2"}} {
		if o, err := CombinePair(in[0], in[1]); err == nil {
			t.Errorf("CombinePair(%q, %q) = %s, want an error", in[0], in[1], o)
		}
	}
	reqs := [2]PairRequest{{Order: OrderBA}, {Order: OrderAB}}
	if o, err := CombineOrders(reqs, [2]PairVerdict{{Pick: PickFirst}, {Pick: PickSecond}}); err != nil || o != OutcomeB {
		t.Errorf("orders given BA first: %s %v", o, err)
	}
	if _, err := CombineOrders(reqs, [2]PairVerdict{{Error: "refused: no"}, {Pick: PickSecond}}); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("failed verdict: %v", err)
	}
	if _, err := CombineOrders([2]PairRequest{{Order: OrderAB}, {Order: OrderAB}}, [2]PairVerdict{{Pick: PickFirst}, {Pick: PickFirst}}); err == nil {
		t.Error("two AB requests combined")
	}
}

// TestParsePairVerdict: strict JSON, the spellings judges use, the reference parser's leniency, JSON in
// prose, bare answers, and malformed answers with errors that say what was wrong.
func TestParsePairVerdict(t *testing.T) {
	ok := []struct {
		raw   string
		pick  Pick
		just  string
		parse string
	}{
		{`{"justification": "Image 1 spells OPEN LATE.", "winner": "1"}`, PickFirst, "Image 1 spells OPEN LATE.", ""},
		{`{"justification": "x", "winner": "2"}`, PickSecond, "x", ""},
		{`{"justification": "equal", "winner": "tie"}`, PickTie, "equal", ""},
		{`{"winner": 1, "justification": "number"}`, PickFirst, "number", ""},
		{`{"winner": 2.0}`, PickSecond, "", ""},
		{`{"winner": "Image 1"}`, PickFirst, "", ""},
		{`{"winner": "image_2"}`, PickSecond, "", ""},
		{`{"winner": "Image B"}`, PickSecond, "", ""},
		{`{"winner": "left"}`, PickFirst, "", ""},
		{`{"winner": "Right image"}`, PickSecond, "", ""},
		{`{"winner": "first"}`, PickFirst, "", ""},
		{`{"winner": "The second one"}`, PickSecond, "", ""},
		{`{"winner": "A"}`, PickFirst, "", ""},
		{`{"winner": "b"}`, PickSecond, "", ""},
		{`{"winner": "TIE"}`, PickTie, "", ""},
		{`{"winner": "draw"}`, PickTie, "", ""},
		{`{"winner": "Equal"}`, PickTie, "", ""},
		{`{"winner": "neither"}`, PickTie, "", ""},
		{`{"Winner": "2", "Justification": "caps"}`, PickSecond, "caps", ""},
		{`{"winner": "1", "Winner": "2"}`, PickFirst, "", ""},
		{`{"better_image": "2", "reason": "sharper"}`, PickSecond, "sharper", ""},
		{`{"preferred": "left", "explanation": "e"}`, PickFirst, "e", ""},
		{`{"choice": "1st"}`, PickFirst, "", ""},
		{"```json\n{\"justification\": \"fenced\", \"winner\": \"2\"}\n```", PickSecond, "fenced", ""},
		{"{\"justification\": \"comma\", \"winner\": \"1\",}", PickFirst, "comma", ""},
		{`{'justification': 'single', 'winner': 'tie'}`, PickTie, "single", ""},
		{`{justification: "bare", winner: "2"}`, PickSecond, "bare", ""},
		{"Comparing the two: {\"justification\": \"prose\", \"winner\": \"1\"} That is my answer.", PickFirst, "prose", ParseExtract},
		{"Sure! ```json\n{'winner': 'B', 'justification': 'sharper'}\n```", PickSecond, "sharper", ParseExtract},
		{"First {\"winner\": \"1\"} and an aside {not json}", PickFirst, "", ParseExtract},
		{"2", PickSecond, "", ParseExtract},
		{"Image 1.", PickFirst, "", ParseExtract},
		{"**Tie**", PickTie, "", ParseExtract},
		{`"left"`, PickFirst, "", ParseExtract},
		{`["1"]`, PickFirst, "", ParseExtract},
	}
	for _, tc := range ok {
		p, j, mode, err := parsePair(tc.raw)
		if err != nil || p != tc.pick || j != tc.just || mode != tc.parse {
			t.Errorf("%q: %q %q %q %v, want %q %q %q", tc.raw, p, j, mode, err, tc.pick, tc.just, tc.parse)
		}
		if p2, j2, err2 := ParsePairVerdict(tc.raw); p2 != p || j2 != j || (err2 == nil) != (err == nil) {
			t.Errorf("%q: ParsePairVerdict disagrees with parsePair", tc.raw)
		}
	}
	bad := []struct{ raw, err string }{
		{``, "not a JSON object"},
		{`I prefer the first image because it is sharper.`, "not a JSON object"},
		{`{"justification": "x", "winner": "1"`, "not a JSON object"},
		{`{"justification": "x", "score": 8}`, `no "winner" field (fields: justification, score)`},
		{`{}`, `no "winner" field (the object is empty)`},
		{`{"winner": "3"}`, `winner "3" is not 1, 2 or tie`},
		{`{"winner": "both are bad"}`, `winner "both are bad" is not 1, 2 or tie`},
		{`{"winner": "1 and 2"}`, `is not 1, 2 or tie`},
		{`{"winner": 0}`, `winner 0 is not 1, 2 or tie`},
		{`{"winner": 1.5}`, `winner 1.5 is not 1, 2 or tie`},
		{`{"winner": null}`, `winner is null`},
		{`{"winner": true}`, `winner is a JSON boolean`},
		{`{"winner": ["1"]}`, `winner is a JSON array`},
		{`{"winner": {"image": 1}}`, `winner is a JSON object`},
		{`{"justification": "x", "winner": "1"} {"winner": "2"}`, "more than one answer"},
		{`I first thought {"winner": "1"} but then {'winner': 'tie'}`, "more than one answer"},
		{`["1", "2"]`, "not a JSON object"},
		{`null`, "not a JSON object"},
		{"```json\n{\"justification\": \"The first image shows the sign but", "not a JSON object"},
	}
	for _, tc := range bad {
		p, j, err := ParsePairVerdict(tc.raw)
		if err == nil || p != "" || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: pick %q (%q) error %v, want an error with %q", tc.raw, p, j, err, tc.err)
		}
	}
	if _, j, _ := ParsePairVerdict(`{"justification": "kept", "winner": "5"}`); j != "kept" {
		t.Errorf("the justification of a bad winner is lost: %q", j)
	}
}

// TestInterpretPair: a completion body read as a pairwise verdict - refusals and content filters are
// failed verdicts, a truncated answer fails only when it does not parse, token counts are kept.
func TestInterpretPair(t *testing.T) {
	body := func(content, refusal, finish string) []byte {
		msg := map[string]any{"role": "assistant", "content": content}
		if refusal != "" {
			msg["content"], msg["refusal"] = nil, refusal
		}
		b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"message": msg, "finish_reason": finish}},
			"usage": map[string]any{"prompt_tokens": 1700, "completion_tokens": 30}})
		return b
	}
	v := InterpretPair(body(`{"justification": "j", "winner": "2"}`, "", "stop"))
	if v.Pick != PickSecond || v.Justification != "j" || v.Error != "" || v.InputTokens != 1700 || v.OutputTokens != 30 || v.Parse != "" {
		t.Errorf("%+v", v)
	}
	if v := InterpretPair(body("Answer: {\"winner\": \"1\"}", "", "stop")); v.Pick != PickFirst || v.Parse != ParseExtract {
		t.Errorf("prose: %+v", v)
	}
	if v := InterpretPair(body("", "I can't compare these.", "stop")); v.Pick != "" || !strings.HasPrefix(v.Error, "refused: I can't") || v.Raw != "I can't compare these." {
		t.Errorf("refusal: %+v", v)
	}
	if v := InterpretPair(body("", "", "content_filter")); v.Pick != "" || !strings.Contains(v.Error, "content filter") {
		t.Errorf("filter: %+v", v)
	}
	if v := InterpretPair(body(`{"justification": "The first image`, "", "length")); v.Pick != "" || !strings.HasPrefix(v.Error, "truncated at the token limit: not a JSON object") {
		t.Errorf("truncated: %+v", v)
	}
	if v := InterpretPair(body(`{"justification": "short", "winner": "tie"}`, "", "length")); v.Pick != PickTie || v.Error != "" {
		t.Errorf("truncated but whole: %+v", v)
	}
	if v := InterpretPair([]byte("<html>bad gateway</html>")); v.Pick != "" || !strings.Contains(v.Error, "not a chat completion") {
		t.Errorf("not a completion: %+v", v)
	}
}

// TestSendPairFailures: a request the server rejects (400) is a failed verdict, not an error; the API
// key never appears in what comes back.
func TestSendPairFailures(t *testing.T) {
	srv := judgetest.New(judgetest.OpenAI)
	defer srv.Close()
	t.Setenv("LOUPE_TEST_KEY", "sk-test-secret-0123456789")
	srv.SetScript(func(n int, r *judgetest.Request) *judgetest.Reply {
		return &judgetest.Reply{Status: 400, ErrMessage: "bad key sk-test-secret-0123456789 in a multi-image request", ErrType: "invalid_request_error"}
	})
	c, _ := testClient(t, srv, vlm.KindOpenAI, func(b *vlm.Backend) { b.APIKeyEnv = "LOUPE_TEST_KEY" })
	r, _ := BuiltinPairs().For("aesthetics", "")
	img := judgetest.PNG(t, 16, 16)
	p, err := BuildPair(c.B, r, "x", img, img)
	if err != nil {
		t.Fatal(err)
	}
	v, err := SendPair(context.Background(), c, p)
	if err != nil || v.Pick != "" || !strings.Contains(v.Error, "bad_request") || strings.Contains(v.Error, "sk-test-secret") || v.Key != p.Key {
		t.Errorf("verdict %+v err %v", v, err)
	}
	srv.SetScript(nil)
	srv.SetAnswer(func(*judgetest.Request) string {
		return judgetest.PairAnswer("1", "the key sk-test-secret-0123456789 leaked")
	})
	v, err = SendPair(context.Background(), c, p)
	if err != nil || v.Pick != PickFirst || strings.Contains(v.Justification+v.Raw+string(v.Response), "sk-test-secret") {
		t.Errorf("redaction: %+v %v", v, err)
	}
}

// TestScorePreference: the higher absolute score wins; equal scores (within the margin) tie; bad input
// is an error.
func TestScorePreference(t *testing.T) {
	cases := []struct {
		a, b, eps float64
		want      PairOutcome
	}{
		{8, 6, ScoreTieEpsilon, OutcomeA},
		{3, 9, ScoreTieEpsilon, OutcomeB},
		{7, 7, ScoreTieEpsilon, OutcomeTie},
		{0, 0, ScoreTieEpsilon, OutcomeTie},
		{10, 0, ScoreTieEpsilon, OutcomeA},
		{0.1 + 0.2, 0.3, ScoreTieEpsilon, OutcomeTie}, // floating-point noise is a tie
		{7.5, 7, ScoreTieEpsilon, OutcomeA},
		{7.5, 7, 0.5, OutcomeTie}, // within a wider margin
		{7.6, 7, 0.5, OutcomeA},
		{6.4, 7, 0.5, OutcomeB},
		{5, 5, 0, OutcomeTie},
	}
	for _, tc := range cases {
		if got, err := ScorePreference(tc.a, tc.b, tc.eps); err != nil || got != tc.want {
			t.Errorf("ScorePreference(%v, %v, %v) = %s %v, want %s", tc.a, tc.b, tc.eps, got, err, tc.want)
		}
	}
	for _, in := range [][3]float64{{math.NaN(), 5, 0}, {5, 11, 0}, {-1, 5, 0}, {5, 5, -0.1}, {5, 5, math.NaN()}, {math.Inf(1), 5, 0}} {
		if got, err := ScorePreference(in[0], in[1], in[2]); err == nil {
			t.Errorf("ScorePreference(%v) = %s, want an error", in, got)
		}
	}
}

// TestParsePick: the spellings, and what is not a pick.
func TestParsePick(t *testing.T) {
	for s, want := range map[string]Pick{"1": PickFirst, " Image 1 ": PickFirst, "picture-1": PickFirst, "img1": PickFirst,
		"LEFT": PickFirst, "option A": PickFirst, "[2]": PickSecond, "image two": PickSecond, "2nd image": PickSecond,
		"Image 2 is better": PickSecond, "tie.": PickTie, "Both": PickTie, "'same'": PickTie} {
		if got, ok := ParsePick(s); !ok || got != want {
			t.Errorf("ParsePick(%q) = %q %v, want %q", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "3", "image", "up", "1 or 2", "first and second", "none", strings.Repeat("1", 100)} {
		if got, ok := ParsePick(s); ok {
			t.Errorf("ParsePick(%q) = %q, want no pick", s, got)
		}
	}
	for _, p := range []Pick{PickFirst, PickSecond, PickTie} {
		if got, ok := ParsePick(string(p)); !ok || got != p || !p.Valid() {
			t.Errorf("%q does not read back", p)
		}
	}
}

// TestBuildPairPromptWithMarkers: a prompt that holds the image placeholder and the pair slot's data URL
// word for word is sent as text, and the two pictures still go in the two image parts.
func TestBuildPairPromptWithMarkers(t *testing.T) {
	b := &vlm.Backend{Name: "x", Kind: vlm.KindOpenAI, Model: "gpt-4.1"}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	r, _ := BuiltinPairs().For("alignment", "")
	prompt := `a sign "` + vlm.ImagePlaceholder + `" and "data:` + pairSlotMIME + `;base64,"`
	first, second := judgetest.PNG(t, 20, 10), judgetest.PNG(t, 10, 20)
	p, err := BuildPair(b, r, prompt, first, second)
	if err != nil {
		t.Fatal(err)
	}
	got := readPairBody(t, p.Body)
	if !strings.HasSuffix(got.Text, "text prompt: "+prompt) || len(got.Images) != 2 ||
		!bytes.Equal(got.Images[0].Data, first) || !bytes.Equal(got.Images[1].Data, second) {
		t.Errorf("%d images, text ends %q", len(got.Images), got.Text[max(0, len(got.Text)-120):])
	}
}

package vlm

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
)

// ProbeResult is one capability check of a backend.
type ProbeResult struct {
	Check   string        `json:"check"`
	OK      bool          `json:"ok"`
	Detail  string        `json:"detail"`
	Latency time.Duration `json:"latency_ns"`
}

// probePicture is a small red square: a model that sees images names its colour.
func probePicture() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		if i%4 == 0 || i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// Probe sends three tiny requests - text only, an image, and a JSON-schema verdict - and reports what
// works: the connection and model, image input, structured output. It stops after a fatal error.
func (c *Client) Probe(ctx context.Context) []ProbeResult {
	var out []ProbeResult
	send := func(check string, p openai.ChatCompletionNewParams, judgeAnswer func(Completion) (bool, string)) bool {
		if c.B.TokenField == "max_completion_tokens" {
			p.MaxCompletionTokens = openai.Int(p.MaxTokens.Value)
			p.MaxTokens = openai.ChatCompletionNewParams{}.MaxTokens
		}
		body, err := json.Marshal(p)
		if err != nil {
			out = append(out, ProbeResult{Check: check, Detail: err.Error()})
			return false
		}
		start := time.Now()
		raw, err := c.Send(ctx, Prepared{Body: body, EstInput: 200, EstOutput: 50})
		r := ProbeResult{Check: check, Latency: time.Since(start)}
		if err != nil {
			r.Detail = err.Error()
			out = append(out, r)
			if ce, ok := err.(*CallError); ok && ce.Fatal() {
				return false
			}
			return true
		}
		comp, err := ParseCompletion(raw)
		if err != nil {
			r.Detail = err.Error()
		} else {
			r.OK, r.Detail = judgeAnswer(comp)
		}
		r.Detail = c.Redact(r.Detail)
		out = append(out, r)
		return true
	}
	model := c.B.Model
	text := openai.ChatCompletionNewParams{Model: model, Temperature: openai.Float(0), MaxTokens: openai.Int(16),
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Reply with the single word OK.")}}
	if !send("text", text, func(c Completion) (bool, string) {
		return strings.TrimSpace(c.Content) != "", "answered " + quoteShort(c.Content)
	}) {
		return out
	}
	pic, _ := c.B.PreparePicture(probePicture())
	imgPart := openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{
		URL: "data:" + pic.MIME + ";base64," + b64(pic.Data), Detail: c.B.Detail})
	img := openai.ChatCompletionNewParams{Model: model, Temperature: openai.Float(0), MaxTokens: openai.Int(16),
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage([]openai.ChatCompletionContentPartUnionParam{
			imgPart, openai.TextContentPart("What colour is this image? Answer with one word.")})}}
	send("image input", img, func(c Completion) (bool, string) {
		ok := strings.Contains(strings.ToLower(c.Content), "red")
		d := "answered " + quoteShort(c.Content)
		if !ok {
			d += " (expected red: the model may not see images)"
		}
		return ok, d
	})
	js := openai.ChatCompletionNewParams{Model: model, Temperature: openai.Float(0), MaxTokens: openai.Int(200),
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(
			`Rate how well the word "apple" matches the prompt "a red apple" from 0 to 10. Answer as JSON {"justification": ..., "score": ...}.`)},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &openai.ResponseFormatJSONSchemaParam{
			JSONSchema: openai.ResponseFormatJSONSchemaJSONSchemaParam{Name: "verdict", Strict: openai.Bool(true), Schema: probeSchema}}}}
	send("json schema", js, func(c Completion) (bool, string) {
		var v struct {
			Justification *string  `json:"justification"`
			Score         *float64 `json:"score"`
		}
		if err := json.Unmarshal([]byte(c.Content), &v); err != nil || v.Score == nil || v.Justification == nil {
			return false, "the answer is not the schema's JSON: " + quoteShort(c.Content) + " (set structured = \"none\" or \"json_object\")"
		}
		return true, "answered " + quoteShort(c.Content)
	})
	return out
}

// probeSchema is the schema of the structured-output check: a verdict's shape (justification first,
// an integer score 0-10 as an enum).
var probeSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"justification": map[string]any{"type": "string"},
		"score":         map[string]any{"type": "integer", "enum": []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
	},
	"required":             []string{"justification", "score"},
	"additionalProperties": false,
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func quoteShort(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 80 {
		cut := 80
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "..."
	}
	b, _ := json.Marshal(s)
	return string(b)
}

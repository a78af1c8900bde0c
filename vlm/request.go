package vlm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/loupe-dev/loupe/internal/imagesafe"
	"github.com/openai/openai-go/v3"
	xdraw "golang.org/x/image/draw"
)

// Qwen2.5-VL pixel bounds of the official evaluation (min 256 and max 1280 blocks of 28x28).
const (
	QwenMinPixels = 256 * 28 * 28
	QwenMaxPixels = 1280 * 28 * 28
)

// systemPrompt is the official GPT-4.1 path's system message.
const systemPrompt = "You are a helpful assistant."

// Schema is a strict JSON schema an answer must follow (response_format json_schema), under a name.
type Schema struct {
	Name   string
	Schema map[string]any
}

// Prepared is a request ready to send: the exact body, its content address and a token estimate.
type Prepared struct {
	Body      []byte // the JSON body, byte for byte what is sent
	Key       string // sha256 of backend name, model and body: the cache key and batch custom_id
	EstInput  int    // estimated input tokens (text and image)
	EstOutput int    // expected output tokens (for budgets)
	ImageMIME string
}

// Picture is an encoded image ready for a data URL.
type Picture struct {
	Data []byte
	MIME string
	W, H int
}

// PreparePicture sniffs the picture's format and sends the original bytes when the backend accepts that
// format and the size is within bounds; otherwise it scales it down (to max_image_side, and for the qwen
// profile on servers that cannot take mm_processor_kwargs, to the official pixel bound) and re-encodes
// it as JPEG (quality 90). Every picture passes the shared decode guard (package imagesafe) first, so a
// decompression bomb or a picture over its limits is refused, with the guard's error, before anything
// is decoded or sent; a decode waits for the program's decode budget.
func (b *Backend) PreparePicture(data []byte) (Picture, error) {
	mime := http.DetectContentType(data)
	cfg, _, err := imagesafe.Check(data)
	if err != nil {
		return Picture{}, err
	}
	p := Picture{Data: data, MIME: mime, W: cfg.Width, H: cfg.Height}
	maxPixels := 0
	if b.Profile == "qwen" && !b.passesProcessorKwargs() {
		maxPixels = QwenMaxPixels
	}
	w, h := fitWithin(cfg.Width, cfg.Height, b.MaxSide, maxPixels)
	if slices.Contains(b.Formats, mime) && w == cfg.Width && h == cfg.Height {
		return p, nil
	}
	var buf bytes.Buffer
	err = imagesafe.Use(context.Background(), data, func(img image.Image, _ string) error {
		if w != cfg.Width || h != cfg.Height {
			dst := image.NewRGBA(image.Rect(0, 0, w, h))
			xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), xdraw.Src, nil)
			img = dst
		}
		return jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	})
	if err != nil {
		return Picture{}, err
	}
	return Picture{Data: buf.Bytes(), MIME: "image/jpeg", W: w, H: h}, nil
}

// fitWithin returns the largest size with the same aspect within maxSide and maxPixels (0: no bound).
func fitWithin(w, h, maxSide, maxPixels int) (int, int) {
	s := 1.0
	if maxSide > 0 && max(w, h) > maxSide {
		s = float64(maxSide) / float64(max(w, h))
	}
	if maxPixels > 0 && float64(w)*float64(h)*s*s > float64(maxPixels) {
		s = math.Sqrt(float64(maxPixels) / (float64(w) * float64(h)))
	}
	if s >= 1 {
		return w, h
	}
	return max(1, int(float64(w)*s)), max(1, int(float64(h)*s))
}

// passesProcessorKwargs: vLLM and SGLang take mm_processor_kwargs per request, so the Qwen processor
// itself applies the official pixel bounds.
func (b *Backend) passesProcessorKwargs() bool {
	return b.Kind == KindVLLM || b.Kind == KindSGLang
}

// Prepare builds the chat-completions body for one question about a picture (a judge's filled rubric):
// the text and the picture, in the order and with the settings of the backend's profile, asking for an
// answer that follows schema when the backend's structured setting is json_schema.
//
//   - gpt: system "You are a helpful assistant.", user turn with the text first and the image second,
//     temperature 0, top_p 1, seed 42 (left out for Gemini models), max tokens 4096;
//   - qwen: one user turn with the image first, then the text, greedy (temperature 0), repetition
//     penalty 1.05, pixel bounds 200,704-1,003,520 (as mm_processor_kwargs on vLLM/SGLang), 1024 tokens.
//
// Extra fields from the configuration are merged last.
func (b *Backend) Prepare(text string, pic Picture, schema Schema) (Prepared, error) {
	sys := systemPrompt
	if b.Profile == "qwen" {
		sys = ""
	}
	return b.Chat(Chat{System: sys, Text: text, Picture: &pic, Schema: schema, EstOutput: 120})
}

// Chat is one request to build: what Prepare sends for a judge, and what a pipeline step sends.
type Chat struct {
	System      string   // system message ("" none)
	Text        string   // the user turn's text
	Picture     *Picture // the picture (nil: a text-only request)
	Temperature float64
	MaxTokens   int    // the answer's token limit when the backend sets none
	Schema      Schema // response_format when the backend's structured setting is json_schema
	What        string // names the request in errors ("step captions"); "" for a judge's
	EstOutput   int    // expected answer tokens, for the rate limiter
	EstText     string // the text the input estimate counts ("": Text)
}

// Chat builds a chat-completions body with the backend's profile settings - the one builder of
// requests: qwen puts the image before the text, adds repetition penalty 1.05 (not on OpenAI) and the
// pixel bounds as mm_processor_kwargs (vLLM, SGLang); gpt puts the text first, with top_p 1 and seed 42
// (left out for Gemini models). The backend's token field, structured output setting and extra fields
// (merged last) apply to every request.
func (b *Backend) Chat(c Chat) (Prepared, error) {
	where := ""
	if c.What != "" {
		where = " " + c.What + ":"
	}
	// The SDK re-encodes a nested string at every level of the message; a 1 MB data URL would be copied
	// a dozen times. The body is marshalled with a placeholder and the data URL spliced in once.
	txt := openai.TextContentPart(c.Text)
	parts := []openai.ChatCompletionContentPartUnionParam{txt}
	if c.Picture != nil {
		img := openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: ImagePlaceholder, Detail: b.Detail})
		if b.Profile == "qwen" {
			parts = []openai.ChatCompletionContentPartUnionParam{img, txt}
		} else {
			parts = append(parts, img)
		}
	}
	p := openai.ChatCompletionNewParams{Model: b.Model, Temperature: openai.Float(c.Temperature)}
	if c.System != "" {
		p.Messages = append(p.Messages, openai.SystemMessage(c.System))
	}
	p.Messages = append(p.Messages, openai.UserMessage(parts))
	extra := map[string]any{}
	switch b.Profile {
	case "qwen":
		if b.Kind != KindOpenAI {
			extra["repetition_penalty"] = 1.05
		}
		if c.Picture != nil && b.passesProcessorKwargs() {
			extra["mm_processor_kwargs"] = map[string]any{"min_pixels": QwenMinPixels, "max_pixels": QwenMaxPixels}
		}
	default:
		p.TopP = openai.Float(1)
		if !strings.Contains(strings.ToLower(b.Model), "gemini") {
			p.Seed = openai.Int(42)
		}
	}
	maxTokens := b.MaxTokens
	if maxTokens <= 0 {
		maxTokens = c.MaxTokens
	}
	if b.TokenField == "max_completion_tokens" {
		p.MaxCompletionTokens = openai.Int(int64(maxTokens))
	} else {
		p.MaxTokens = openai.Int(int64(maxTokens))
	}
	switch b.Structured {
	case "json_schema":
		p.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &openai.ResponseFormatJSONSchemaParam{
			JSONSchema: openai.ResponseFormatJSONSchemaJSONSchemaParam{Name: c.Schema.Name, Strict: openai.Bool(true), Schema: c.Schema.Schema},
		}}
	case "json_object":
		p.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &openai.ResponseFormatJSONObjectParam{}}
	}
	for k, v := range b.Extra {
		extra[k] = v
	}
	if len(extra) > 0 {
		p.SetExtraFields(extra)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return Prepared{}, fmt.Errorf("backend %q:%s building the request: %w", b.Name, where, err)
	}
	var pic Picture
	if c.Picture != nil {
		pic = *c.Picture
		if body, err = SpliceImage(body, pic); err != nil {
			return Prepared{}, fmt.Errorf("backend %q:%s %w", b.Name, where, err)
		}
	}
	est := c.EstText
	if est == "" {
		est = c.Text
	}
	return Prepared{
		Body:      body,
		Key:       RequestKey(b.Name, b.Model, body),
		EstInput:  utf8.RuneCountInString(est)/4 + 12 + b.ImageTokens(pic.W, pic.H),
		EstOutput: c.EstOutput,
		ImageMIME: pic.MIME,
	}, nil
}

// ImagePlaceholder stands for the data URL while a body is marshalled (JSON-safe: no escapes); a
// builder puts it as the image part's URL and calls SpliceImage on the marshalled body.
const ImagePlaceholder = "loupe-image-placeholder-6c6f757065"

// SpliceImage puts the picture's data URL where the placeholder is, base64-encoding straight into the
// body (the data URL's characters need no JSON escaping).
func SpliceImage(body []byte, pic Picture) ([]byte, error) {
	ph := []byte(`"` + ImagePlaceholder + `"`)
	i := bytes.Index(body, ph)
	if i < 0 {
		return nil, fmt.Errorf("building the request: no image slot")
	}
	prefix := `"data:` + pic.MIME + `;base64,`
	n := base64.StdEncoding.EncodedLen(len(pic.Data))
	out := make([]byte, 0, len(body)-len(ph)+len(prefix)+n+1)
	out = append(out, body[:i]...)
	out = append(out, prefix...)
	out = out[:len(out)+n]
	base64.StdEncoding.Encode(out[len(out)-n:], pic.Data)
	out = append(out, '"')
	return append(out, body[i+len(ph):]...), nil
}

// RequestKey is the content address of a request: sha256 over the backend's name, the model and the
// exact body (the image included), hex.
func RequestKey(backend, model string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", backend, model)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// ImageTokens estimates the input tokens of one image: OpenAI's tile method (85 + 170 per 512 px tile
// after fitting in 2048 and scaling the short side to 768; 85 at low detail), or one token per 28x28
// block within the Qwen pixel bounds for everything else.
func (b *Backend) ImageTokens(w, h int) int {
	if w <= 0 || h <= 0 {
		return 0
	}
	if b.Kind == KindOpenAI {
		if b.Detail == "low" {
			return 85
		}
		fw, fh := fitWithin(w, h, 2048, 0)
		s := 768 / float64(min(fw, fh))
		if s < 1 {
			fw, fh = int(float64(fw)*s), int(float64(fh)*s)
		}
		tiles := ((fw + 511) / 512) * ((fh + 511) / 512)
		return 85 + 170*tiles
	}
	px := float64(w) * float64(h)
	px = math.Min(math.Max(px, QwenMinPixels), QwenMaxPixels)
	return int(px / (28 * 28))
}

package vlm

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// Backend kinds. The HTTP ones all speak OpenAI-compatible chat completions; they differ in what they
// accept (Ollama: data URLs and max_tokens only), which the client adapts to.
const (
	KindOpenAI   = "openai"
	KindVLLM     = "vllm"
	KindSGLang   = "sglang"
	KindOllama   = "ollama"
	KindLlamaCpp = "llamacpp"
	KindLMStudio = "lmstudio"
	KindOCR      = "ocr"   // offline: tesseract
	KindRules    = "rules" // offline: colour/count/position checks
)

// Kinds lists every backend kind.
var Kinds = []string{KindOpenAI, KindVLLM, KindSGLang, KindOllama, KindLlamaCpp, KindLMStudio, KindOCR, KindRules}

// Duration is a time.Duration written as "30s" or "2m" in the configuration file.
type Duration struct{ time.Duration }

// UnmarshalText reads "30s", "1m30s" or a bare number of seconds.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if v, err := time.ParseDuration(s); err == nil {
		d.Duration = v
		return nil
	}
	var secs float64
	if _, err := fmt.Sscanf(s, "%g", &secs); err != nil {
		return fmt.Errorf("%q is not a duration (write e.g. \"30s\" or \"2m\")", s)
	}
	d.Duration = time.Duration(secs * float64(time.Second))
	return nil
}

// MarshalText writes the duration as Go does ("1m30s").
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Backend is one named judge (or pipeline model) as the configuration file describes it:
//
//	[backends.gpt41]
//	kind = "openai"
//	model = "gpt-4.1-2025-04-14"
//	api_key_env = "OPENAI_API_KEY"   # the NAME of the variable; the key itself is never stored
//	concurrency = 16
//	rpm = 500
//	tpm = 200000
//	timeout = "60s"
//
//	[backends.qwen]
//	kind = "vllm"
//	base_url = "http://gpu1:8000/v1"
//	model = "Qwen/Qwen2.5-VL-72B-Instruct"
//	profile = "qwen"
//	[backends.qwen.extra]
//	mm_processor_kwargs = { min_pixels = 200704, max_pixels = 1003520 }
//
//	[backends.qwen-fleet]            # one model served by several servers
//	kind = "vllm"
//	base_urls = ["http://gpu1:8000/v1", "http://gpu2:8000/v1"]
//	concurrency = 64                 # per server: 128 in flight in all
//	model = "Qwen/Qwen2.5-VL-72B-Instruct"
type Backend struct {
	Name        string         `toml:"-" json:"name"`
	Kind        string         `toml:"kind" json:"kind"`
	BaseURL     string         `toml:"base_url" json:"base_url,omitempty"`   // one server
	BaseURLs    []string       `toml:"base_urls" json:"base_urls,omitempty"` // a pool of servers (base_url joins it)
	Model       string         `toml:"model" json:"model,omitempty"`
	APIKeyEnv   string         `toml:"api_key_env" json:"api_key_env,omitempty"`
	Profile     string         `toml:"profile" json:"profile,omitempty"`         // "gpt" or "qwen" (PRISM-Bench request settings)
	Concurrency int            `toml:"concurrency" json:"concurrency,omitempty"` // requests in flight per server
	RPM         float64        `toml:"rpm" json:"rpm,omitempty"`                 // requests per minute (0: unlimited until headers say otherwise)
	TPM         float64        `toml:"tpm" json:"tpm,omitempty"`                 // tokens per minute
	Timeout     Duration       `toml:"timeout" json:"timeout,omitempty"`
	MaxRetries  *int           `toml:"max_retries" json:"max_retries,omitempty"`
	MaxTokens   int            `toml:"max_tokens" json:"max_tokens,omitempty"`
	TokenField  string         `toml:"token_field" json:"token_field,omitempty"` // "max_tokens" or "max_completion_tokens"
	Structured  string         `toml:"structured" json:"structured,omitempty"`   // "json_schema", "json_object" or "none"
	Detail      string         `toml:"detail" json:"detail,omitempty"`           // image detail: auto, low, high
	MaxSide     int            `toml:"max_image_side" json:"max_image_side,omitempty"`
	Formats     []string       `toml:"image_formats" json:"image_formats,omitempty"` // MIME types sent as they are
	PriceIn     *float64       `toml:"price_input" json:"price_input,omitempty"`     // USD per million input tokens
	PriceOut    *float64       `toml:"price_output" json:"price_output,omitempty"`   // USD per million output tokens
	Extra       map[string]any `toml:"extra" json:"extra,omitempty"`
	Lang        string         `toml:"lang" json:"lang,omitempty"` // ocr: tesseract languages
	// Parse is how a judge's answer is read: "" (official, PRISM-Bench's parse) or "extract" (also the
	// first balanced JSON object out of prose around it; --parse extract)
	Parse string `toml:"parse" json:"parse,omitempty"`
}

// VerdictSettings lists, as "key=value, ...", the settings of the backend that change what a judge
// answers and that differ from the defaults for its kind and model: the request profile, image detail,
// largest side and formats sent as they are, structured output, the token limit, extra request fields
// and the parse mode. "" when every one is the default. Servers, concurrency, rate limits, timeouts and
// prices change no verdict and are not listed. A judge rater's identity includes it, so two backends
// with the same model but other image settings are two raters.
func (b *Backend) VerdictSettings() string {
	d := &Backend{Name: b.Name, Kind: b.Kind, Model: b.Model, BaseURL: b.BaseURL, BaseURLs: b.BaseURLs}
	if d.Normalize() != nil {
		return ""
	}
	var parts []string
	add := func(k string, v, def any) {
		if fmt.Sprint(v) != fmt.Sprint(def) {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	add("profile", b.Profile, d.Profile)
	add("detail", b.Detail, d.Detail)
	add("max_image_side", b.MaxSide, d.MaxSide)
	add("image_formats", strings.Join(b.Formats, "+"), strings.Join(d.Formats, "+"))
	add("structured", b.Structured, d.Structured)
	add("max_tokens", b.MaxTokens, d.MaxTokens)
	if len(b.Extra) > 0 {
		x, _ := json.Marshal(b.Extra) // map keys sorted: the same extra, the same text
		parts = append(parts, "extra="+string(x))
	}
	add("parse", b.Parse, "")
	return strings.Join(parts, ", ")
}

// URLs lists the backend's servers: base_urls, or base_url alone.
func (b *Backend) URLs() []string {
	if len(b.BaseURLs) > 0 {
		return b.BaseURLs
	}
	return []string{b.BaseURL}
}

// Workers is how many requests the backend takes in flight in all: concurrency per server.
func (b *Backend) Workers() int { return max(1, b.Concurrency) * len(b.URLs()) }

// Offline reports whether the backend needs no network (ocr, rules).
func (b *Backend) Offline() bool { return b.Kind == KindOCR || b.Kind == KindRules }

// Normalize fills defaults by kind and checks the settings; errors name the backend and the setting.
func (b *Backend) Normalize() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("backend %q: %s: %s", b.Name, field, fmt.Sprintf(format, args...))
	}
	if b.Kind == "" {
		return bad("kind", "missing (one of %s)", strings.Join(Kinds, ", "))
	}
	if !slices.Contains(Kinds, b.Kind) {
		return bad("kind", "%q is not one of %s", b.Kind, strings.Join(Kinds, ", "))
	}
	if b.Offline() {
		if b.Model == "" {
			b.Model = b.Kind
		}
		if b.Concurrency <= 0 {
			b.Concurrency = 2
		}
		return nil
	}
	var urls []string
	for _, u := range append(slices.Clone(b.BaseURLs), b.BaseURL) {
		u = strings.TrimSpace(u)
		if u != "" && !slices.ContainsFunc(urls, func(v string) bool { return strings.TrimRight(v, "/") == strings.TrimRight(u, "/") }) {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		switch b.Kind {
		case KindOpenAI:
			urls = []string{"https://api.openai.com/v1"}
		case KindOllama:
			urls = []string{"http://localhost:11434/v1"}
		case KindLMStudio:
			urls = []string{"http://localhost:1234/v1"}
		case KindLlamaCpp:
			urls = []string{"http://localhost:8080/v1"}
		case KindSGLang:
			urls = []string{"http://localhost:30000/v1"}
		default:
			urls = []string{"http://localhost:8000/v1"}
		}
	}
	field := "base_url"
	if len(b.BaseURLs) > 0 {
		field = "base_urls"
	}
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad(field, "%q is not an http(s) URL", s)
		}
		if u.User != nil {
			return bad(field, "must not hold credentials: name an environment variable in api_key_env")
		}
	}
	b.BaseURL = urls[0]
	b.BaseURLs = nil
	if len(urls) > 1 {
		b.BaseURLs = urls
	}
	if b.Model == "" {
		return bad("model", "missing")
	}
	if b.APIKeyEnv == "" && b.Kind == KindOpenAI {
		b.APIKeyEnv = "OPENAI_API_KEY"
	}
	if b.Profile == "" {
		b.Profile = "gpt"
		if strings.Contains(strings.ToLower(b.Model), "qwen") && b.Kind != KindOpenAI {
			b.Profile = "qwen"
		}
	}
	if b.Profile != "gpt" && b.Profile != "qwen" {
		return bad("profile", "%q is not gpt or qwen", b.Profile)
	}
	if b.Concurrency <= 0 {
		b.Concurrency = 16
	}
	if b.Concurrency > 1024 {
		return bad("concurrency", "%d is more than 1024", b.Concurrency)
	}
	if b.RPM < 0 || b.TPM < 0 {
		return bad("rpm/tpm", "must not be negative")
	}
	if b.Timeout.Duration <= 0 {
		b.Timeout.Duration = 120 * time.Second
	}
	if b.MaxRetries == nil {
		n := 6
		b.MaxRetries = &n
	}
	if b.MaxTokens <= 0 {
		b.MaxTokens = 4096
		if b.Profile == "qwen" {
			b.MaxTokens = 1024
		}
	}
	if b.TokenField == "" {
		// OpenAI itself takes both; Ollama and several local servers ignore max_completion_tokens.
		b.TokenField = "max_tokens"
	}
	if b.TokenField != "max_tokens" && b.TokenField != "max_completion_tokens" {
		return bad("token_field", "%q is not max_tokens or max_completion_tokens", b.TokenField)
	}
	if b.Structured == "" {
		b.Structured = "json_schema"
	}
	if !slices.Contains([]string{"json_schema", "json_object", "none"}, b.Structured) {
		return bad("structured", "%q is not json_schema, json_object or none", b.Structured)
	}
	if b.Detail == "" {
		b.Detail = "high"
	}
	if !slices.Contains([]string{"auto", "low", "high", "original"}, b.Detail) {
		return bad("detail", "%q is not auto, low, high or original", b.Detail)
	}
	if b.MaxSide <= 0 {
		b.MaxSide = 2048
	}
	if len(b.Formats) == 0 {
		b.Formats = []string{"image/png", "image/jpeg", "image/webp", "image/gif"}
	}
	if b.Parse == "official" {
		b.Parse = ""
	}
	if b.Parse != "" && b.Parse != "extract" {
		return bad("parse", "%q is not official or extract", b.Parse)
	}
	for k := range b.Extra {
		if k == "model" || k == "messages" {
			return bad("extra."+k, "would replace the request's %s", k)
		}
	}
	return nil
}

// APIKey reads the key from the environment variable the backend names ("" when none is named). The
// error names the variable, never a value.
func (b *Backend) APIKey() (string, error) {
	if b.APIKeyEnv == "" {
		return "", nil
	}
	k := os.Getenv(b.APIKeyEnv)
	if k == "" {
		return "", fmt.Errorf("backend %q: the environment variable %s (api_key_env) is not set", b.Name, b.APIKeyEnv)
	}
	return k, nil
}

// Prices returns the input and output price, USD per million tokens: the configured ones, else the
// published list price for known OpenAI models, else 0 (self-hosted).
func (b *Backend) Prices() (in, out float64, known bool) {
	if b.PriceIn != nil || b.PriceOut != nil {
		if b.PriceIn != nil {
			in = *b.PriceIn
		}
		if b.PriceOut != nil {
			out = *b.PriceOut
		}
		return in, out, true
	}
	if b.Kind != KindOpenAI {
		return 0, 0, true
	}
	m := strings.ToLower(b.Model)
	switch {
	case strings.HasPrefix(m, "gpt-4.1-nano"):
		return 0.10, 0.40, true
	case strings.HasPrefix(m, "gpt-4.1-mini"):
		return 0.40, 1.60, true
	case strings.HasPrefix(m, "gpt-4.1"):
		return 2, 8, true
	case strings.HasPrefix(m, "gpt-4o-mini"):
		return 0.15, 0.60, true
	case strings.HasPrefix(m, "gpt-4o"):
		return 2.50, 10, true
	}
	return 0, 0, false
}

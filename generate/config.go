// Package generate produces images from prompts through image-generation
// backends: OpenAI-compatible /v1/images/generations servers, ComfyUI
// (/prompt, /history, /view) and an offline procedural renderer.
package generate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/loupe-dev/loupe/vlm"
)

// Generator kinds.
const (
	KindOpenAI     = "openai"     // OpenAI-compatible POST /v1/images/generations
	KindComfyUI    = "comfyui"    // ComfyUI /prompt + /history + /view
	KindProcedural = "procedural" // offline, deterministic (dataset/synth)
)

// Kinds lists every generator kind.
var Kinds = []string{KindOpenAI, KindComfyUI, KindProcedural}

// Config is one generator backend from the configuration file ([generators.NAME]):
//
//	[generators.flux]
//	kind = "openai"
//	base_urls = ["http://gpu1:8000/v1", "http://gpu2:8000/v1"]
//	model = "black-forest-labs/FLUX.1-dev"
//	size = "1024x1024"
//	steps = 28
//	guidance = 3.5
//
//	[generators.comfy]
//	kind = "comfyui"
//	base_url = "http://gpu1:8188"
//	workflow = "flux_dev_api.json"
//	nodes = { prompt = "6", seed = "25", size = "27", steps = "17", output = "9" }
type Config struct {
	Name        string         `toml:"-" json:"name"`
	Kind        string         `toml:"kind" json:"kind"`
	BaseURLs    []string       `toml:"base_urls" json:"base_urls,omitempty"` // a pool of servers
	BaseURL     string         `toml:"base_url" json:"base_url,omitempty"`   // one server (joined to BaseURLs)
	Model       string         `toml:"model" json:"model,omitempty"`
	APIKeyEnv   string         `toml:"api_key_env" json:"api_key_env,omitempty"` // the NAME of the environment variable
	Size        string         `toml:"size" json:"size,omitempty"`               // "1024x1024"
	Steps       int            `toml:"steps" json:"steps,omitempty"`
	Guidance    float64        `toml:"guidance" json:"guidance,omitempty"`
	Timeout     vlm.Duration   `toml:"timeout" json:"timeout,omitempty"`
	Concurrency int            `toml:"concurrency" json:"concurrency,omitempty"` // requests in flight per server of the pool
	Workflow    string         `toml:"workflow" json:"workflow,omitempty"`       // comfyui: API-format workflow JSON
	Nodes       ComfyNodes     `toml:"nodes" json:"nodes,omitempty"`             // comfyui: node ids to patch
	Extra       map[string]any `toml:"extra" json:"extra,omitempty"`             // openai: extra body fields
	// Notify, when set, is told when a server of the pool goes down or comes back (for the run's log).
	Notify func(msg string) `toml:"-" json:"-"`
}

// ComfyNodes names the workflow nodes whose inputs a request patches.
type ComfyNodes struct {
	Prompt string `toml:"prompt" json:"prompt,omitempty"` // inputs.text
	Seed   string `toml:"seed" json:"seed,omitempty"`     // inputs.seed or inputs.noise_seed
	Size   string `toml:"size" json:"size,omitempty"`     // inputs.width and inputs.height
	Steps  string `toml:"steps" json:"steps,omitempty"`   // inputs.steps
	Output string `toml:"output" json:"output,omitempty"` // the node whose images are the result (default: any)
}

// Normalize fills in defaults and checks the configuration. Errors name the
// generator and the field.
func (c *Config) Normalize() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("generator %q: %s: %s", c.Name, field, fmt.Sprintf(format, args...))
	}
	if c.Kind == "" {
		return bad("kind", "missing (one of %s)", strings.Join(Kinds, ", "))
	}
	if !slices.Contains(Kinds, c.Kind) {
		return bad("kind", "%q is not one of %s", c.Kind, strings.Join(Kinds, ", "))
	}
	if c.Size == "" {
		c.Size = "1024x1024"
		if c.Kind == KindProcedural {
			c.Size = "512x512"
		}
	}
	if _, _, err := ParseSize(c.Size); err != nil {
		return bad("size", "%v", err)
	}
	if c.Steps < 0 {
		return bad("steps", "%d is negative", c.Steps)
	}
	if c.Guidance < 0 {
		return bad("guidance", "%g is negative", c.Guidance)
	}
	if c.Timeout.Duration < 0 {
		return bad("timeout", "%s is negative", c.Timeout.Duration)
	}
	if c.Timeout.Duration == 0 {
		c.Timeout.Duration = 10 * time.Minute
		if c.Kind == KindOpenAI {
			c.Timeout.Duration = 5 * time.Minute
		}
	}
	if c.Concurrency < 0 || c.Concurrency > 1024 {
		return bad("concurrency", "%d is not between 1 and 1024", c.Concurrency)
	}
	if c.Kind == KindProcedural {
		if c.Concurrency == 0 {
			c.Concurrency = max(1, runtime.NumCPU())
		}
		if c.Model == "" {
			c.Model = KindProcedural
		}
		return nil
	}
	// Network kinds: a pool of servers.
	var urls []string
	for _, u := range append(slices.Clone(c.BaseURLs), c.BaseURL) {
		u = strings.TrimRight(strings.TrimSpace(u), "/")
		if u != "" && !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		switch c.Kind {
		case KindOpenAI:
			urls = []string{"https://api.openai.com/v1"}
		case KindComfyUI:
			urls = []string{"http://localhost:8188"}
		}
	}
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("base_urls", "%q is not an http(s) URL", s)
		}
		if u.User != nil {
			return bad("base_urls", "%q must not hold credentials: name an environment variable in api_key_env", s)
		}
	}
	c.BaseURLs, c.BaseURL = urls, urls[0]
	if c.Concurrency == 0 {
		c.Concurrency = 4
	}
	switch c.Kind {
	case KindOpenAI:
		if c.Model == "" {
			return bad("model", "missing")
		}
		if c.APIKeyEnv == "" && strings.Contains(c.BaseURL, "api.openai.com") {
			c.APIKeyEnv = "OPENAI_API_KEY"
		}
	case KindComfyUI:
		if c.Workflow == "" {
			return bad("workflow", "missing: the path of an API-format workflow JSON (ComfyUI: Export (API))")
		}
		if c.Nodes.Prompt == "" {
			return bad("nodes.prompt", "missing: the id of the node whose inputs.text is the prompt")
		}
		if c.Model == "" {
			c.Model = KindComfyUI
		}
	}
	return nil
}

// ParseSize reads "WIDTHxHEIGHT".
func ParseSize(s string) (w, h int, err error) {
	a, b, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "x")
	if ok {
		w, err = strconv.Atoi(strings.TrimSpace(a))
		if err == nil {
			h, err = strconv.Atoi(strings.TrimSpace(b))
		}
	}
	if !ok || err != nil || w <= 0 || h <= 0 || w > 16384 || h > 16384 {
		return 0, 0, fmt.Errorf("%q is not WIDTHxHEIGHT (e.g. \"1024x1024\")", s)
	}
	return w, h, nil
}

// Request is one image to generate. Zero Width, Height, Steps and Guidance
// take the generator's configured values.
type Request struct {
	Prompt        string
	Seed          int64
	Width, Height int
	Steps         int
	Guidance      float64
}

// Image is a generated image.
type Image struct {
	Bytes         []byte
	MIME          string // "image/png", "image/jpeg", "image/webp", ...
	Seed          int64
	Server        string // the base URL that served it ("" for procedural)
	RevisedPrompt string // the prompt the server says it used, when it rewrote it
}

// Generator produces images. Implementations are safe for concurrent use and
// limit themselves to the configured concurrency.
type Generator interface {
	Generate(ctx context.Context, r Request) (Image, error)
}

// ErrRefused marks a request the server refused on content-policy grounds
// (OpenAI content_policy_violation / moderation_blocked). It is a terminal
// outcome for the prompt, not a transient failure: test with errors.Is.
var ErrRefused = errors.New("refused by content policy")

// RefusedError is the error a refused request returns; it wraps ErrRefused.
type RefusedError struct {
	Server  string
	Code    string
	Message string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused by content policy (%s): %s", e.Code, e.Message)
}

// Unwrap returns ErrRefused.
func (e *RefusedError) Unwrap() error { return ErrRefused }

// ErrQuota marks a request refused because the account's quota or credit is spent (OpenAI
// insufficient_quota): waiting does not cure it, so it is not retried and ends a run.
var ErrQuota = errors.New("quota exhausted")

// QuotaError is the error a quota refusal returns; it wraps ErrQuota.
type QuotaError struct {
	Server  string
	Message string
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("quota exhausted (insufficient_quota): %s: check the plan and billing of the account", e.Message)
}

// Unwrap returns ErrQuota.
func (e *QuotaError) Unwrap() error { return ErrQuota }

// StatusError is an answer with an HTTP error status and what the server said about it.
type StatusError struct {
	Status int
	Msg    string
}

func (e *StatusError) Error() string { return e.Msg }

// Lasting reports whether err is an answer about the prompt itself that asking again will not change:
// a content-policy refusal, or a 4xx such as a prompt over the context length. A run records it as the
// prompt's failure and goes on.
func Lasting(err error) bool {
	if errors.Is(err, ErrRefused) {
		return true
	}
	var se *StatusError
	if !errors.As(err, &se) || se.Status < 400 || se.Status >= 500 {
		return false
	}
	switch se.Status {
	case 401, 403, 404, 408, 409, 429:
		return false
	}
	return true
}

// Fatal reports whether err stops every request, not just this prompt's: quota spent, no server
// reachable, a key refused (401, 403) or a wrong URL or model (404). A run stops on it.
func Fatal(err error) bool {
	if errors.Is(err, ErrQuota) || errors.Is(err, ErrUnreachable) {
		return true
	}
	var se *StatusError
	return errors.As(err, &se) && (se.Status == 401 || se.Status == 403 || se.Status == 404)
}

// New returns the generator c describes. c is normalized first.
func New(c *Config) (Generator, error) {
	if err := c.Normalize(); err != nil {
		return nil, err
	}
	var g Generator
	var err error
	switch c.Kind {
	case KindOpenAI:
		g, err = newOpenAI(c)
	case KindComfyUI:
		g, err = newComfy(c)
	case KindProcedural:
		g = newProcedural(c)
	}
	if err != nil {
		return nil, err
	}
	return &limited{g: g, sem: make(chan struct{}, c.InFlight())}, nil
}

// InFlight is how many requests the generator holds at once: concurrency per server of the pool
// (procedural: concurrency).
func (c *Config) InFlight() int {
	return max(1, c.Concurrency) * max(1, len(c.BaseURLs))
}

// Workers is how many Generate calls g serves at once (a caller runs that many workers to keep every
// server of a pool busy); 1 for a generator that does not say.
func Workers(g Generator) int {
	if l, ok := g.(*limited); ok {
		return cap(l.sem)
	}
	return 1
}

// httpClient is the client of a network generator: it keeps an idle connection for every request the
// pool holds at once (the default keeps 2 per host, so a busier server would open a new connection for
// most requests).
func (c *Config) httpClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = c.InFlight()
	t.MaxIdleConnsPerHost = max(1, c.Concurrency)
	return &http.Client{Transport: t}
}

// limited caps the number of concurrent Generate calls.
type limited struct {
	g     Generator
	sem   chan struct{}
	fatal atomic.Pointer[error] // the first fatal error: every later request gets it unsent
}

func (l *limited) Generate(ctx context.Context, r Request) (Image, error) {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return Image{}, ctx.Err()
	}
	defer func() { <-l.sem }()
	// checked after the slot is taken: a caller waiting for it while another met a spent quota must
	// not send one more request before the run stops
	if err := l.fatal.Load(); err != nil {
		return Image{}, *err
	}
	img, err := l.g.Generate(ctx, r)
	if err != nil && Fatal(err) {
		l.fatal.CompareAndSwap(nil, &err)
	}
	return img, err
}

// fill applies the configured defaults to r.
func (c *Config) fill(r Request) Request {
	if r.Width <= 0 || r.Height <= 0 {
		r.Width, r.Height, _ = ParseSize(c.Size)
	}
	if r.Steps <= 0 {
		r.Steps = c.Steps
	}
	if r.Guidance <= 0 {
		r.Guidance = c.Guidance
	}
	return r
}

// retry backoff: attempts and the first delay (doubled each time).
const maxAttempts = 4

var firstBackoff = 500 * time.Millisecond

// backoff returns the wait before attempt i+1 (i counts from 0), honouring a
// server's Retry-After when given.
func backoff(i int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, 60*time.Second)
	}
	return min(firstBackoff<<i, 30*time.Second)
}

// parseRetryAfter reads a Retry-After header (seconds or an HTTP date).
func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := time.Parse(time.RFC1123, v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

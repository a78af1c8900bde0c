package generate

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/internal/redact"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// openaiGen talks to OpenAI-compatible /v1/images/generations servers.
type openaiGen struct {
	cfg      *Config
	pool     *pool
	services []openai.ImageService
	key      string // the API key, redacted from every text a server answers
}

func newOpenAI(c *Config) (*openaiGen, error) {
	key := ""
	if c.APIKeyEnv != "" {
		key = os.Getenv(c.APIKeyEnv)
	}
	g := &openaiGen{cfg: c, pool: newPool(c.BaseURLs, c.Concurrency, c.Name, c.Notify), key: key}
	hc := c.httpClient()
	for _, base := range c.BaseURLs {
		// A bare host ("http://gpu1:8000") means the usual /v1 prefix.
		if u, err := url.Parse(base); err == nil && (u.Path == "" || u.Path == "/") {
			base = strings.TrimRight(base, "/") + "/v1"
		}
		opts := []option.RequestOption{
			option.WithBaseURL(base),
			option.WithMaxRetries(0), // our own loop retries, across the pool
			option.WithHTTPClient(hc),
		}
		if key != "" {
			opts = append(opts, option.WithAPIKey(key))
		}
		g.services = append(g.services, openai.NewImageService(opts...))
	}
	return g, nil
}

func (g *openaiGen) params(r Request) openai.ImageGenerateParams {
	p := openai.ImageGenerateParams{
		Model:  g.cfg.Model,
		Prompt: r.Prompt,
		Size:   openai.ImageGenerateParamsSize(fmt.Sprintf("%dx%d", r.Width, r.Height)),
		N:      openai.Int(1),
	}
	// gpt-image models always answer b64_json and reject response_format.
	if !strings.HasPrefix(strings.ToLower(g.cfg.Model), "gpt-image") {
		p.ResponseFormat = openai.ImageGenerateParamsResponseFormatB64JSON
	}
	extra := map[string]any{"seed": r.Seed}
	if r.Steps > 0 {
		extra["num_inference_steps"] = r.Steps
	}
	if r.Guidance > 0 {
		extra["guidance_scale"] = r.Guidance
	}
	maps.Copy(extra, g.cfg.Extra)
	p.SetExtraFields(extra)
	return p
}

func (g *openaiGen) Generate(ctx context.Context, r Request) (Image, error) {
	r = g.cfg.fill(r)
	params := g.params(r)
	var last *attemptError
	attempts, downs := 0, 0
	for {
		if last != nil && last.down == "" {
			if err := sleep(ctx, last.wait(attempts-1)); err != nil {
				return Image{}, fmt.Errorf("generator %q: %w (after %s: %v)", g.cfg.Name, err, last.server, last)
			}
		}
		i, err := g.pool.acquire(ctx)
		if err != nil {
			return Image{}, fmt.Errorf("generator %q: %w", g.cfg.Name, err)
		}
		server := g.cfg.BaseURLs[i]
		img, err := g.once(ctx, i, params)
		g.pool.release(i)
		if err == nil {
			g.pool.ok(i)
			img.Seed, img.Server = r.Seed, server
			return img, nil
		}
		var ae *attemptError
		if !errors.As(err, &ae) || !ae.retry || ctx.Err() != nil {
			if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
				err = fmt.Errorf("%w (%v)", ctx.Err(), err)
			}
			return Image{}, fmt.Errorf("generator %q: %s: %w", g.cfg.Name, server, err)
		}
		last = ae
		if ae.down != "" {
			// the server is not there: its circuit opens and the request moves to another server (or
			// waits for a probe); this is no attempt of the prompt's
			g.pool.setDown(i, ae.down)
			if downs++; downs <= 2*len(g.cfg.BaseURLs)+2 {
				continue
			}
		}
		if ae.unhealthy {
			g.pool.fail(i)
		}
		if attempts++; attempts >= maxAttempts {
			return Image{}, fmt.Errorf("generator %q: giving up after %d attempts: %s: %w", g.cfg.Name, attempts, ae.server, ae)
		}
	}
}

// attemptError is one failed attempt and whether to try again.
type attemptError struct {
	err        error
	server     string
	retry      bool
	unhealthy  bool   // connection error or 5xx: skip the server for a while
	down       string // connection refused or DNS failure: why the server is not there
	retryAfter string
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }
func (e *attemptError) wait(i int) time.Duration {
	return backoff(i, parseRetryAfter(e.retryAfter))
}

func (g *openaiGen) once(ctx context.Context, i int, params openai.ImageGenerateParams) (Image, error) {
	server := g.cfg.BaseURLs[i]
	actx, cancel := context.WithTimeout(ctx, g.cfg.Timeout.Duration)
	defer cancel()
	res, err := g.services[i].Generate(actx, params)
	if err != nil {
		var apiErr *openai.Error
		if errors.As(err, &apiErr) {
			code := apiErr.Code
			if apiErr.StatusCode == http.StatusBadRequest && (code == "content_policy_violation" || code == "moderation_blocked" ||
				strings.Contains(apiErr.Type, "content_policy") || apiErr.Type == "image_generation_user_error" && strings.Contains(strings.ToLower(apiErr.Message), "safety")) {
				if code == "" {
					code = apiErr.Type
				}
				return Image{}, &RefusedError{Server: server, Code: redact.String(code, g.key), Message: redact.Message(apiErr.Message, g.key)}
			}
			if isQuota(apiErr) {
				return Image{}, &QuotaError{Server: server, Message: redact.Message(describe(apiErr).Error(), g.key)}
			}
			// servers echo (parts of) a wrong key: never let it reach the workspace or a log
			ae := &attemptError{err: &StatusError{Status: apiErr.StatusCode, Msg: redact.Message(describe(apiErr).Error(), g.key)}, server: server}
			if apiErr.Response != nil {
				ae.retryAfter = apiErr.Response.Header.Get("Retry-After")
			}
			switch {
			case apiErr.StatusCode == http.StatusTooManyRequests, apiErr.StatusCode == http.StatusRequestTimeout:
				ae.retry = true
			case apiErr.StatusCode >= 500:
				ae.retry, ae.unhealthy = true, true
			}
			return Image{}, ae
		}
		if ctx.Err() != nil {
			return Image{}, ctx.Err()
		}
		// Connection refused/reset, a name that does not resolve, or this attempt's timeout.
		return Image{}, &attemptError{err: err, server: server, retry: true, unhealthy: true, down: downReason(err)}
	}
	if len(res.Data) == 0 {
		return Image{}, fmt.Errorf("%s: the response holds no image", server)
	}
	d := res.Data[0]
	if d.B64JSON == "" {
		if d.URL != "" {
			return Image{}, fmt.Errorf("%s: the server answered a URL, not b64_json (set extra.response_format = \"b64_json\" or use a server that returns base64)", server)
		}
		return Image{}, fmt.Errorf("%s: the response holds no b64_json", server)
	}
	b, err := base64.StdEncoding.DecodeString(d.B64JSON)
	if err != nil {
		return Image{}, fmt.Errorf("%s: b64_json: %w", server, err)
	}
	return Image{Bytes: b, MIME: sniffMIME(b), RevisedPrompt: redact.String(d.RevisedPrompt, g.key)}, nil
}

// sniffMIME detects an image type from its first bytes.
func sniffMIME(b []byte) string {
	t := http.DetectContentType(b)
	if strings.HasPrefix(t, "image/") {
		return t
	}
	if len(b) > 12 && string(b[4:8]) == "ftyp" && (string(b[8:12]) == "avif" || string(b[8:12]) == "avis") {
		return "image/avif"
	}
	return "application/octet-stream"
}

// isQuota reports whether an API error says the account's quota or credit is spent.
func isQuota(e *openai.Error) bool {
	if e.StatusCode != http.StatusTooManyRequests && e.StatusCode != http.StatusPaymentRequired && e.StatusCode != http.StatusForbidden {
		return false
	}
	switch e.Code {
	case "insufficient_quota", "billing_hard_limit_reached", "billing_not_active":
		return true
	}
	low := strings.ToLower(e.Message)
	return e.Type == "insufficient_quota" || strings.Contains(low, "exceeded your current quota")
}

// describe turns an API error into "429 Too Many Requests: rate_limit_exceeded: message".
func describe(e *openai.Error) error {
	s := fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if c := cmp(e.Code, e.Type); c != "" {
		s += ": " + c
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return errors.New(s)
}

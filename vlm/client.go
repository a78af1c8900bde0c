package vlm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Class says what a failed call means for the run.
type Class string

// Failure classes. Transient ones were retried until the attempts ran out; terminal ones end the
// verdict (stored as failed); fatal ones stop the whole run because every further call would fail too.
const (
	ClassTransient     Class = "transient"      // 408/409/429/5xx, connection errors, timeouts: retried
	ClassContextLength Class = "context_length" // terminal: shrink the image or the prompt
	ClassRefused       Class = "refused"        // terminal: content policy
	ClassBadRequest    Class = "bad_request"    // terminal: the server rejected this request
	ClassQuota         Class = "quota"          // fatal: insufficient_quota
	ClassAuth          Class = "auth"           // fatal: 401/403
	ClassNotFound      Class = "not_found"      // fatal: no such model or endpoint
	ClassUnreachable   Class = "unreachable"    // fatal: no server of the backend accepts connections
)

// CallError is a call that did not produce a completion. Its message never holds the API key.
type CallError struct {
	Class    Class
	Status   int // HTTP status, 0 for connection errors and timeouts
	Code     string
	Type     string
	Message  string
	Attempts int
}

func (e *CallError) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Class))
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			b.WriteString(", " + e.Code)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// Fatal reports whether the error stops the whole run.
func (e *CallError) Fatal() bool {
	return e.Class == ClassQuota || e.Class == ClassAuth || e.Class == ClassNotFound || e.Class == ClassUnreachable
}

// Terminal reports whether the error is this request's final outcome (retrying cannot help).
func (e *CallError) Terminal() bool {
	return e.Class == ClassContextLength || e.Class == ClassRefused || e.Class == ClassBadRequest
}

// Completion is the part of a chat completion a judge reads.
type Completion struct {
	Content      string
	Refusal      string
	FinishReason string
	InputTokens  int
	OutputTokens int
}

// ParseCompletion reads a chat-completion body (OpenAI's shape; very old vLLM batch outputs put the same
// object inside "response" directly, which the batch reader unwraps first).
func ParseCompletion(body []byte) (Completion, error) {
	var r struct {
		Choices []struct {
			FinishReason string `json:"finish_reason"`
			Message      struct {
				Content *string `json:"content"`
				Refusal *string `json:"refusal"`
			} `json:"message"`
		} `json:"choices"`
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return Completion{}, fmt.Errorf("the response is not a chat completion: %v", err)
	}
	if len(r.Choices) == 0 {
		return Completion{}, errors.New("the response has no choices")
	}
	c := Completion{FinishReason: r.Choices[0].FinishReason, InputTokens: r.Usage.PromptTokens, OutputTokens: r.Usage.CompletionTokens}
	if m := r.Choices[0].Message; m.Content != nil {
		c.Content = *m.Content
	}
	if m := r.Choices[0].Message; m.Refusal != nil {
		c.Refusal = *m.Refusal
	}
	return c, nil
}

// Client sends prepared requests to one OpenAI-compatible backend through openai-go, with bounded
// concurrency, the rate limiter, and its own retries (the SDK's are off: it does not retry timeouts and
// gives up on long Retry-After values). A backend with several base_urls is a pool: each attempt goes to
// the least-loaded reachable server, a server that refuses connections is left alone until a probe
// reaches it, and one that keeps failing is drained for a while (see pool.go).
type Client struct {
	B       *Backend
	Limiter *Limiter
	// DownGrace is how long calls wait for a down backend (every server refusing connections) to come
	// back before they fail with ClassUnreachable; DefaultDownGrace unless set. 0: fail at once.
	DownGrace time.Duration
	pool      *pool
	sem       chan struct{}
	sleep     func(ctx context.Context, d time.Duration) error
	rnd       func() float64
	key       string

	Calls    atomic.Int64 // HTTP attempts made
	Retries  atomic.Int64
	InFlight atomic.Int64
	Conns    atomic.Int64 // connections opened (with the default transport)
}

// NewClient makes a client for an HTTP backend. hc may be nil: a transport whose idle pool holds a
// connection for every request in flight, so a busy run reuses its connections instead of opening new
// ones (and, over TLS, paying a handshake each). Every option is passed explicitly: the SDK's
// environment defaults (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_ORG_ID...) are overridden, never
// silently used.
func NewClient(b *Backend, hc *http.Client) (*Client, error) {
	if b.Offline() {
		return nil, fmt.Errorf("backend %q is an offline judge (%s), not an HTTP backend", b.Name, b.Kind)
	}
	key, err := b.APIKey()
	if err != nil {
		return nil, err
	}
	urls := b.URLs()
	c := &Client{
		B:         b,
		Limiter:   NewLimiter(b.RPM, b.TPM),
		DownGrace: DefaultDownGrace,
		sem:       make(chan struct{}, b.Workers()),
		sleep:     sleepCtx,
		rnd:       rand.Float64,
		key:       key,
	}
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err == nil {
			c.Conns.Add(1)
		}
		return conn, err
	}
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = dial
		// the default keeps 100 idle connections in all: at more in flight, each wave of answers closed
		// the surplus and the next wave dialled again
		perHost := map[string]int{}
		for _, s := range urls {
			if u, err := url.Parse(s); err == nil {
				perHost[u.Host] += b.Concurrency
			}
		}
		tr.MaxIdleConns = b.Workers()
		tr.MaxIdleConnsPerHost = 0
		for _, n := range perHost {
			tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, n)
		}
		// a request that finds every connection busy only because the previous answer's connection is
		// not back in the idle pool yet waits for it rather than dialling one more
		tr.MaxConnsPerHost = tr.MaxIdleConnsPerHost
		hc = &http.Client{Transport: tr}
	}
	c.pool = newPool(urls, b.Concurrency, dialer.DialContext)
	for _, s := range c.pool.servers {
		opts := []option.RequestOption{
			option.WithHTTPClient(hc),
			option.WithBaseURL(strings.TrimRight(s.url, "/") + "/"),
			option.WithAPIKey(key),
			option.WithMaxRetries(0),
			option.WithHeaderDel("OpenAI-Organization"),
			option.WithHeaderDel("OpenAI-Project"),
		}
		if key == "" {
			opts = append(opts, option.WithHeaderDel("Authorization"))
		}
		s.chat = openai.NewChatCompletionService(opts...)
	}
	return c, nil
}

// Servers reports what each server of the backend did so far: requests, failures, mean latency, and
// whether it is down now.
func (c *Client) Servers() []ServerStats { return c.pool.stats() }

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff is the delay before retry n (1-based): 0.5 s x 2^(n-1), capped at 30 s, minus up to 25%
// jitter so that many workers do not retry in step.
func Backoff(n int, jitter float64) time.Duration {
	d := 500 * time.Millisecond << min(n-1, 10)
	d = min(d, 30*time.Second)
	return time.Duration(float64(d) * (1 - 0.25*jitter))
}

// maxServerDelay bounds a Retry-After the client will honour; a longer one ends the call as transient.
const maxServerDelay = 10 * time.Minute

// Send posts the prepared body and returns the raw 200 body, with the API key redacted from it. It waits
// for a concurrency slot and the rate limiter, retries transient failures with backoff (honouring
// Retry-After and x-should-retry) and per-attempt timeouts, and classifies what it cannot retry. A
// connection that cannot be made takes its server down and is tried again at once on another server;
// when none is left the call fails with ClassUnreachable (after DownGrace).
func (c *Client) Send(ctx context.Context, p Prepared) ([]byte, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	c.InFlight.Add(1)
	defer c.InFlight.Add(-1)
	attempts := 1 + *c.B.MaxRetries
	// refused connections move the call to another server without using an attempt; bounded, in case
	// servers keep coming back and going away
	redials := 2*len(c.pool.servers) + 2
	var last *CallError
	for n := 1; n <= attempts; n++ {
		if err := c.Limiter.Wait(ctx, p.EstInput+p.EstOutput); err != nil {
			return nil, err
		}
		s, err := c.pool.acquire(ctx, c.DownGrace)
		if err != nil {
			var ce *CallError
			if errors.As(err, &ce) && last != nil {
				ce.Attempts = last.Attempts
			}
			return nil, err
		}
		c.Calls.Add(1)
		start := time.Now()
		body, hdr, cerr, dialErr := c.attempt(ctx, s, p)
		c.pool.release(s, time.Since(start), cerr, dialErr)
		c.Limiter.Observe(hdr)
		if cerr == nil {
			// a server may echo the Authorization header in a successful answer too: what is cached,
			// stored and printed never holds the key, in any spelling
			return c.RedactBody(body), nil
		}
		// servers echo (parts of) a wrong key; never let it reach logs or the workspace
		redactCallError(cerr, c.key)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		cerr.Attempts = n
		last = cerr
		if dialErr != nil && redials > 0 {
			redials--
			n--
			continue
		}
		retry := cerr.Class == ClassTransient
		switch hdr.Get("x-should-retry") {
		case "true":
			retry = !cerr.Fatal()
		case "false":
			retry = false
		}
		if !retry || n == attempts {
			break
		}
		delay := Backoff(n, c.rnd())
		if ra, ok := RetryAfter(hdr, time.Now()); ok {
			if ra > maxServerDelay {
				cerr.Message += fmt.Sprintf(" (the server asks to wait %s)", ra.Round(time.Second))
				return nil, cerr
			}
			delay = ra
			if cerr.Status == http.StatusTooManyRequests {
				c.Limiter.Pause(ra) // the whole backend waits, not only this worker
			}
		}
		c.Retries.Add(1)
		if err := c.sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
	return nil, last
}

// attempt makes one HTTP attempt to server s under the per-attempt timeout. dialErr is set when no
// connection could be made.
func (c *Client) attempt(ctx context.Context, s *server, p Prepared) ([]byte, http.Header, *CallError, error) {
	actx, cancel := context.WithTimeout(ctx, c.B.Timeout.Duration)
	defer cancel()
	var resp *http.Response
	var raw []byte
	capture := option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		r, err := next(req)
		if err == nil && r != nil && r.Body != nil {
			raw, err = io.ReadAll(io.LimitReader(r.Body, 64<<20))
			r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(raw))
		}
		return r, err
	})
	var sink json.RawMessage
	_, err := s.chat.New(actx, openai.ChatCompletionNewParams{}, option.WithRequestBody("application/json", p.Body),
		capture, option.WithResponseInto(&resp), option.WithResponseBodyInto(&sink))
	var hdr http.Header
	status := 0
	if resp != nil {
		hdr, status = resp.Header, resp.StatusCode
	}
	if err == nil && status/100 == 2 {
		return raw, hdr, nil, nil
	}
	if status == 0 {
		msg := "connection failed"
		var dialErr error
		switch {
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			msg = fmt.Sprintf("no answer within %s", c.B.Timeout.Duration)
		case err != nil:
			msg = connMessage(err)
			if ctx.Err() == nil {
				dialErr = dialError(err)
			}
		}
		return nil, hdr, &CallError{Class: ClassTransient, Message: msg}, dialErr
	}
	e := classify(status, raw)
	e.Message = joinHint(e.Message, c.hint(e, s.url))
	return nil, hdr, e, nil
}

// hint says what to fix for an error whose cause lies in the configuration: the variable a rejected key
// is read from (or that none is named), or the /v1 a base URL probably lacks.
func (c *Client) hint(e *CallError, url string) string {
	switch e.Class {
	case ClassAuth:
		if c.B.APIKeyEnv == "" {
			return fmt.Sprintf("backend %q sends no API key: name the environment variable that holds it with api_key_env", c.B.Name)
		}
		return fmt.Sprintf("check the key in $%s (backend %q, api_key_env)", c.B.APIKeyEnv, c.B.Name)
	case ClassNotFound:
		if u := strings.TrimRight(url, "/"); !strings.HasSuffix(u, "/v1") && !strings.Contains(strings.ToLower(e.Message), "model") {
			return fmt.Sprintf("did you mean %s/v1? (base_url of backend %q)", u, c.B.Name)
		}
	}
	return ""
}

func joinHint(msg, hint string) string {
	switch {
	case hint == "":
		return msg
	case msg == "":
		return hint
	}
	return msg + "; " + hint
}

// connMessage describes a transport failure without the request URL's query or any header.
func connMessage(err error) string {
	var ne *net.OpError
	if errors.As(err, &ne) {
		return "connection failed: " + ne.Err.Error()
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the server closed the connection"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return "connection failed: " + s
}

// ErrorBody reads an error body in any of the shapes servers send: OpenAI's {"error":{message, type,
// code}} (also Ollama's /v1 and llama.cpp's, where code is a number), the flat {"object":"error",
// "message"...} of older vLLM, Ollama's native {"error":"text"}, or plain text.
func ErrorBody(raw []byte) (code, typ, msg string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		s := strings.TrimSpace(string(raw))
		if len(s) > 300 {
			s = s[:300] + "..."
		}
		return "", "", s
	}
	str := func(m map[string]json.RawMessage, k string) string {
		v, ok := m[k]
		if !ok {
			return ""
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		var n json.Number
		if json.Unmarshal(v, &n) == nil {
			return n.String()
		}
		return ""
	}
	if e, ok := obj["error"]; ok {
		var inner map[string]json.RawMessage
		if json.Unmarshal(e, &inner) == nil {
			return str(inner, "code"), str(inner, "type"), str(inner, "message")
		}
		return "", "", str(obj, "error")
	}
	return str(obj, "code"), str(obj, "type"), str(obj, "message")
}

// classify turns a non-2xx answer into a CallError.
func classify(status int, raw []byte) *CallError {
	code, typ, msg := ErrorBody(raw)
	e := &CallError{Status: status, Code: code, Type: typ, Message: msg}
	low := strings.ToLower(code + " " + typ + " " + msg)
	switch {
	case strings.Contains(low, "insufficient_quota"):
		e.Class = ClassQuota
	case strings.Contains(low, "context_length_exceeded") || strings.Contains(low, "exceed_context_size") ||
		strings.Contains(low, "maximum context length") || strings.Contains(low, "context length"):
		e.Class = ClassContextLength
	case strings.Contains(low, "content_policy") || strings.Contains(low, "moderation_blocked") || strings.Contains(low, "content_filter"):
		e.Class = ClassRefused
	case status == 408 || status == 409 || status == 429 || status >= 500:
		e.Class = ClassTransient
	case status == 401 || status == 403:
		e.Class = ClassAuth
	case status == 404:
		e.Class = ClassNotFound
	default:
		e.Class = ClassBadRequest
	}
	return e
}

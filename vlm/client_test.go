package vlm

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/judge/judgetest"
)

// testBackend makes a normalised backend pointed at the emulator; sleeps are recorded, not slept.
func testClient(t testing.TB, srv *judgetest.Server, kind string, edit func(*Backend)) (*Client, *[]time.Duration) {
	t.Helper()
	b := &Backend{Name: "test-" + kind, Kind: kind, BaseURL: srv.BaseURL(), Model: "gpt-4.1-2025-04-14", Timeout: Duration{2 * time.Second}}
	if edit != nil {
		edit(b)
	}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	slept := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*slept = append(*slept, d)
		mu.Unlock()
		return ctx.Err()
	}
	c.rnd = func() float64 { return 0 }
	return c, slept
}

func TestMissingKeyNamesVariable(t *testing.T) {
	b := &Backend{Name: "g", Kind: KindOpenAI, Model: "gpt-4.1", APIKeyEnv: "LOUPE_TEST_UNSET_KEY"}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	_, err := NewClient(b, nil)
	if err == nil || !strings.Contains(err.Error(), "LOUPE_TEST_UNSET_KEY") {
		t.Fatalf("err %v", err)
	}
}

func TestGeminiHasNoSeed(t *testing.T) {
	b := &Backend{Name: "g", Kind: KindVLLM, BaseURL: "http://x/v1", Model: "gemini-2.5-flash", Profile: "gpt"}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	p, err := b.Prepare("hello", Picture{Data: []byte{1}, MIME: "image/png", W: 10, H: 10}, testSchema)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.Body, []byte(`"seed"`)) {
		t.Errorf("seed sent to a Gemini model: %s", p.Body)
	}
}

func TestPictureDownscaleAndFormats(t *testing.T) {
	b := &Backend{Name: "x", Kind: KindOllama, Model: "m", MaxSide: 256}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	src := judgetest.PNG(t, 1000, 500)
	p, err := b.PreparePicture(src)
	if err != nil {
		t.Fatal(err)
	}
	if p.W != 256 || p.H != 128 || p.MIME != "image/jpeg" {
		t.Errorf("got %dx%d %s", p.W, p.H, p.MIME)
	}
	small := judgetest.PNG(t, 100, 50)
	p, _ = b.PreparePicture(small)
	if !bytes.Equal(p.Data, small) || p.MIME != "image/png" {
		t.Error("a picture within bounds must be sent as it is")
	}
	b.Formats = []string{"image/jpeg"}
	p, _ = b.PreparePicture(small)
	if p.MIME != "image/jpeg" || p.W != 100 {
		t.Errorf("an unaccepted format must be re-encoded: %s %d", p.MIME, p.W)
	}
	if _, err := b.PreparePicture([]byte("not an image")); err == nil {
		t.Error("garbage accepted")
	}
}

func TestRetriesAndClassification(t *testing.T) {
	quota := &judgetest.Reply{Status: 429, ErrMessage: "You exceeded your current quota", ErrType: "insufficient_quota", ErrCode: "insufficient_quota"}
	cases := []struct {
		name     string
		flavor   judgetest.Flavor
		script   []*judgetest.Reply // by arrival; beyond the end: normal replies
		calls    int
		class    Class // "" = success
		msg      string
		sleepsGE []time.Duration
	}{
		{name: "429 Retry-After", flavor: judgetest.OpenAI, script: []*judgetest.Reply{{Status: 429, Header: map[string]string{"Retry-After": "1"}, ErrCode: "rate_limit_exceeded", ErrType: "requests"}},
			calls: 2, sleepsGE: []time.Duration{time.Second}},
		{name: "Retry-After-Ms wins", flavor: judgetest.OpenAI, script: []*judgetest.Reply{{Status: 429, Header: map[string]string{"Retry-After": "9", "Retry-After-Ms": "250"}}},
			calls: 2, sleepsGE: []time.Duration{250 * time.Millisecond}},
		{name: "500 then ok", flavor: judgetest.VLLM, script: []*judgetest.Reply{{Status: 500}}, calls: 2, sleepsGE: []time.Duration{500 * time.Millisecond}},
		{name: "503 loading twice", flavor: judgetest.LlamaCpp, script: []*judgetest.Reply{{Status: 503, ErrMessage: "Loading model", ErrType: "unavailable_error"}, {Status: 503, ErrMessage: "Loading model"}},
			calls: 3, sleepsGE: []time.Duration{500 * time.Millisecond, time.Second}},
		{name: "dropped connection", flavor: judgetest.OpenAI, script: []*judgetest.Reply{{Drop: true}}, calls: 2},
		{name: "timeout retried", flavor: judgetest.OpenAI, script: []*judgetest.Reply{{Hang: true}}, calls: 2},
		{name: "x-should-retry false", flavor: judgetest.OpenAI, script: []*judgetest.Reply{{Status: 500, Header: map[string]string{"x-should-retry": "false"}}}, calls: 1, class: ClassTransient},
		{name: "quota is fatal", flavor: judgetest.OpenAI, script: []*judgetest.Reply{quota}, calls: 1, class: ClassQuota, msg: "exceeded your current quota"},
		{name: "openai context length", flavor: judgetest.OpenAI, script: []*judgetest.Reply{{Status: 400, ErrCode: "context_length_exceeded", ErrMessage: "This model's maximum context length is 128000 tokens."}},
			calls: 1, class: ClassContextLength},
		{name: "vllm flat context body", flavor: judgetest.VLLM, script: []*judgetest.Reply{{Status: 400, Body: judgetest.VLLMFlatError}}, calls: 1, class: ClassContextLength, msg: "maximum context length is 32768"},
		{name: "llama.cpp exceed_context_size_error", flavor: judgetest.LlamaCpp, script: []*judgetest.Reply{{Status: 400, ErrType: "exceed_context_size_error", ErrMessage: "the request exceeds the available context size"}},
			calls: 1, class: ClassContextLength},
		{name: "ollama native error body", flavor: judgetest.Ollama, script: []*judgetest.Reply{{Status: 400, Body: judgetest.OllamaNativeError}}, calls: 1, class: ClassBadRequest, msg: "more system memory"},
		{name: "ollama queue full 503", flavor: judgetest.Ollama, script: []*judgetest.Reply{{Status: 503, ErrMessage: "server busy, please try again.  maximum pending requests exceeded"}}, calls: 2},
		{name: "image policy", flavor: judgetest.OpenAI, script: []*judgetest.Reply{{Status: 400, ErrCode: "content_policy_violation", ErrMessage: "rejected by the safety system"}}, calls: 1, class: ClassRefused},
		{name: "auth", flavor: judgetest.OpenAI, script: []*judgetest.Reply{{Status: 401, ErrCode: "invalid_api_key", ErrMessage: "Incorrect API key provided: sk-test-0123456789. You can find your API key at ..."}},
			calls: 1, class: ClassAuth},
		{name: "unknown model", flavor: judgetest.OpenAI, script: []*judgetest.Reply{{Status: 404, ErrCode: "model_not_found", ErrMessage: "The model `gpt-5` does not exist"}}, calls: 1, class: ClassNotFound},
		{name: "retries exhausted", flavor: judgetest.VLLM, script: []*judgetest.Reply{{Status: 502}, {Status: 502}, {Status: 502}, {Status: 502}}, calls: 3, class: ClassTransient},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := judgetest.New(tc.flavor)
			defer srv.Close()
			srv.Script = func(n int, _ *judgetest.Request) *judgetest.Reply {
				if n <= len(tc.script) {
					return tc.script[n-1]
				}
				return nil
			}
			t.Setenv("LOUPE_TEST_KEY", "sk-test-0123456789")
			c, slept := testClient(t, srv, KindOpenAI, func(b *Backend) {
				b.APIKeyEnv = "LOUPE_TEST_KEY"
				b.Timeout = Duration{300 * time.Millisecond}
				two := 2
				b.MaxRetries = &two
			})
			p := testRequest(t, c)
			_, err := c.Send(context.Background(), p)
			if got := len(srv.Requests()); got != tc.calls {
				t.Errorf("%d calls, want %d", got, tc.calls)
			}
			var got Class
			var msg string
			var ce *CallError
			switch {
			case err != nil && errors.As(err, &ce):
				got, msg = ce.Class, ce.Error()
				if ce.Fatal() != (tc.class == ClassQuota || tc.class == ClassAuth || tc.class == ClassNotFound) {
					t.Errorf("fatal = %v", ce.Fatal())
				}
				if ce.Terminal() != (tc.class == ClassContextLength || tc.class == ClassRefused || tc.class == ClassBadRequest) {
					t.Errorf("terminal = %v", ce.Terminal())
				}
			case err != nil:
				t.Fatalf("unclassified error %v", err)
			}
			if got != tc.class {
				t.Errorf("class %q (%s), want %q", got, msg, tc.class)
			}
			if tc.msg != "" && !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q lacks %q", msg, tc.msg)
			}
			if strings.Contains(msg, "sk-test-0123456789") || strings.Contains(msg, "sk-test-") {
				t.Errorf("the API key leaked into %q", msg)
			}
			if tc.class == "" && err != nil {
				t.Errorf("no answer: %v", err)
			}
			for i, d := range tc.sleepsGE {
				if i >= len(*slept) || (*slept)[i] < d {
					t.Errorf("sleeps %v, want at least %v at %d", *slept, d, i)
				}
			}
		})
	}
}

func TestLimiterFollowsHeaders(t *testing.T) {
	l := NewLimiter(0, 0)
	h := http.Header{}
	set := h.Set
	set("x-ratelimit-limit-requests", "600")
	set("x-ratelimit-remaining-requests", "0")
	set("x-ratelimit-reset-requests", "300ms")
	l.Observe(h)
	start := time.Now()
	if err := l.Wait(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("waited %v after remaining-requests 0 with a 300ms reset", d)
	}
	// a configured rpm paces requests: 1200/min = one per 50 ms once the burst is spent
	l = NewLimiter(1200, 0)
	l.req.avail = 0
	start = time.Now()
	for range 4 {
		if err := l.Wait(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("4 requests at 1200 rpm from an empty bucket took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l.Pause(time.Hour)
	if err := l.Wait(ctx, 1); err == nil {
		t.Error("a cancelled wait returned nil")
	}
}

func TestBackendConfigErrors(t *testing.T) {
	cases := []struct {
		b    Backend
		want string
	}{
		{Backend{Name: "a"}, "kind: missing"},
		{Backend{Name: "a", Kind: "gpt"}, `kind: "gpt" is not one of`},
		{Backend{Name: "a", Kind: KindVLLM, Model: "m", BaseURL: "ftp://x"}, "base_url"},
		{Backend{Name: "a", Kind: KindVLLM, Model: "m", BaseURL: "http://user:pw@x/v1"}, "credentials"},
		{Backend{Name: "a", Kind: KindVLLM}, "model: missing"},
		{Backend{Name: "a", Kind: KindVLLM, Model: "m", Profile: "claude"}, "profile"},
		{Backend{Name: "a", Kind: KindVLLM, Model: "m", Extra: map[string]any{"messages": 1}}, "extra.messages"},
	}
	for _, tc := range cases {
		err := tc.b.Normalize()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `backend "a"`) {
			t.Errorf("%+v: %v, want %q", tc.b, err, tc.want)
		}
	}
}

func TestImageTokens(t *testing.T) {
	b := &Backend{Kind: KindOpenAI, Detail: "high"}
	if got := b.ImageTokens(1024, 1024); got != 765 {
		t.Errorf("1024x1024 high = %d tokens, want 765 (85 + 4 tiles x 170)", got)
	}
	b.Detail = "low"
	if got := b.ImageTokens(1024, 1024); got != 85 {
		t.Errorf("low detail = %d", got)
	}
	q := &Backend{Kind: KindVLLM}
	if got := q.ImageTokens(1024, 1024); got != 1280 {
		t.Errorf("qwen 1024x1024 = %d, want 1280 (capped at max_pixels)", got)
	}
}

// testSchema is a verdict-shaped answer schema for request tests.
var testSchema = Schema{Name: "verdict", Schema: probeSchema}

// testRequest prepares a one-picture request for the client's backend.
func testRequest(t testing.TB, c *Client) Prepared {
	t.Helper()
	pic, err := c.B.PreparePicture(judgetest.PNG(t, 16, 16))
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.B.Prepare("Rate the picture.", pic, testSchema)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

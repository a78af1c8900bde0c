package generate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/generate/gentest"
	"github.com/loupe-dev/loupe/vlm"
)

func init() { firstBackoff = 10 * time.Millisecond }

func num(t *testing.T, v any) float64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	f, _ := n.Float64()
	return f
}

func newGen(t *testing.T, c *Config) Generator {
	t.Helper()
	g, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestOpenAISuccess(t *testing.T) {
	s := gentest.NewOpenAI()
	defer s.Close()
	t.Setenv("LOUPE_TEST_IMG_KEY", "sk-test")
	g := newGen(t, &Config{Name: "flux", Kind: "openai", BaseURL: s.URL + "/v1", Model: "flux-dev",
		APIKeyEnv: "LOUPE_TEST_IMG_KEY", Size: "512x768", Steps: 28, Guidance: 3.5, Extra: map[string]any{"negative_prompt": "blurry"}})
	img, err := g.Generate(context.Background(), Request{Prompt: "a red fox", Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img.Bytes, gentest.ImageFor("a red fox", 42)) || img.MIME != "image/png" || img.Seed != 42 ||
		img.Server != s.URL+"/v1" || img.RevisedPrompt != "revised: a red fox" {
		t.Fatalf("image: mime %s seed %d server %s revised %q", img.MIME, img.Seed, img.Server, img.RevisedPrompt)
	}
	b := s.Requests()[0]
	if b["model"] != "flux-dev" || b["prompt"] != "a red fox" || b["size"] != "512x768" || b["response_format"] != "b64_json" ||
		num(t, b["n"]) != 1 || num(t, b["seed"]) != 42 || num(t, b["num_inference_steps"]) != 28 ||
		num(t, b["guidance_scale"]) != 3.5 || b["negative_prompt"] != "blurry" {
		t.Fatalf("request body %v", b)
	}
	if a := s.Auth()[0]; a != "Bearer sk-test" {
		t.Fatalf("auth %q", a)
	}
	// Per-request overrides.
	if _, err := g.Generate(context.Background(), Request{Prompt: "x", Seed: 7, Steps: 4, Width: 256, Height: 256}); err != nil {
		t.Fatal(err)
	}
	b = s.Requests()[1]
	if num(t, b["num_inference_steps"]) != 4 || b["size"] != "256x256" || num(t, b["seed"]) != 7 {
		t.Fatalf("request body %v", b)
	}
}

func TestOpenAIBareHostGetsV1(t *testing.T) {
	s := gentest.NewOpenAI()
	defer s.Close()
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURL: s.URL, Model: "m"})
	if _, err := g.Generate(context.Background(), Request{Prompt: "p"}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenAIRetries(t *testing.T) {
	s := gentest.NewOpenAI()
	defer s.Close()
	s.Fail(gentest.Fault{Status: 429, RetryAfter: "0.05"}, gentest.Fault{Status: 500})
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURL: s.URL + "/v1", Model: "m"})
	img, err := g.Generate(context.Background(), Request{Prompt: "p", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Count() != 3 || !bytes.Equal(img.Bytes, gentest.ImageFor("p", 1)) {
		t.Fatalf("count %d", s.Count())
	}
	// Four failures: give up.
	s.Fail(gentest.Fault{Status: 500}, gentest.Fault{Status: 500}, gentest.Fault{Status: 503}, gentest.Fault{Status: 500})
	if _, err := g.Generate(context.Background(), Request{Prompt: "p"}); err == nil || !strings.Contains(err.Error(), "giving up") {
		t.Fatalf("err %v", err)
	}
	if s.Count() != 7 {
		t.Fatalf("count %d", s.Count())
	}
}

func TestOpenAIRefused(t *testing.T) {
	s := gentest.NewOpenAI()
	defer s.Close()
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURL: s.URL + "/v1", Model: "m"})
	for _, f := range []gentest.Fault{gentest.ContentPolicy, {Status: 400, Code: "moderation_blocked", Message: "blocked"}} {
		s.Fail(f)
		n := s.Count()
		_, err := g.Generate(context.Background(), Request{Prompt: "bad"})
		var re *RefusedError
		if !errors.Is(err, ErrRefused) || !errors.As(err, &re) || re.Code != f.Code {
			t.Fatalf("err %v", err)
		}
		if s.Count() != n+1 {
			t.Fatal("a refusal was retried")
		}
	}
	// Other 400s are plain errors, not retried.
	s.Fail(gentest.Fault{Status: 400, Code: "invalid_size", Message: "bad size"})
	_, err := g.Generate(context.Background(), Request{Prompt: "p"})
	if err == nil || errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "bad size") {
		t.Fatalf("err %v", err)
	}
}

func TestOpenAITimeout(t *testing.T) {
	s := gentest.NewOpenAI()
	defer s.Close()
	s.Latency = 2 * time.Second
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURL: s.URL + "/v1", Model: "m"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := g.Generate(ctx, Request{Prompt: "p"}); err == nil {
		t.Fatal("no error")
	}
	if time.Since(start) > time.Second {
		t.Fatal("cancellation not honoured")
	}
}

func TestOpenAIPool(t *testing.T) {
	a, b := gentest.NewOpenAI(), gentest.NewOpenAI()
	defer a.Close()
	b.Close() // down
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURLs: []string{b.URL + "/v1", a.URL + "/v1"}, Model: "m"})
	for i := range 6 {
		img, err := g.Generate(context.Background(), Request{Prompt: "p", Seed: int64(i)})
		if err != nil {
			t.Fatal(err)
		}
		if img.Server != a.URL+"/v1" {
			t.Fatalf("served by %s", img.Server)
		}
	}
	if a.Count() != 6 {
		t.Fatalf("count %d", a.Count())
	}
}

func TestPoolRoundRobinAndRecovery(t *testing.T) {
	p := newPool([]string{"a", "b", "c"}, 2, "g", nil)
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	ctx := context.Background()
	pick := func() int {
		i, err := p.acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p.release(i)
		return i
	}
	got := []int{pick(), pick(), pick(), pick()}
	if got[0] != 0 || got[1] != 1 || got[2] != 2 || got[3] != 0 {
		t.Fatal(got)
	}
	p.fail(1)
	for range 4 {
		if pick() == 1 {
			t.Fatal("unhealthy server picked")
		}
	}
	// the least loaded first, up to 2 each; an unhealthy server only when the others are full
	var held []int
	for range 6 {
		i, _ := p.acquire(ctx)
		held = append(held, i)
	}
	if n := held[4]; n != 1 || held[5] != 1 {
		t.Fatalf("acquired %v", held)
	}
	for _, i := range held {
		p.release(i)
	}
	now = now.Add(31 * time.Second)
	seen := map[int]bool{}
	for range 3 {
		seen[pick()] = true
	}
	if len(seen) != 3 {
		t.Fatal("servers did not recover", seen)
	}
}

func writeWorkflow(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "wf.json")
	if err := os.WriteFile(p, []byte(gentest.FluxWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func comfyConfig(t *testing.T, urls ...string) *Config {
	return &Config{Name: "comfy", Kind: "comfyui", BaseURLs: urls, Workflow: writeWorkflow(t), Size: "512x512", Steps: 20,
		Timeout: vlm.Duration{Duration: 5 * time.Second},
		Nodes:   ComfyNodes{Prompt: "6", Seed: "3", Size: "5", Steps: "3", Output: "9"}}
}

func newComfyGen(t *testing.T, c *Config) *comfyGen {
	t.Helper()
	g := newGen(t, c).(*limited).g.(*comfyGen)
	g.poll = 10 * time.Millisecond
	return g
}

func TestComfySuccess(t *testing.T) {
	s := gentest.NewComfy()
	defer s.Close()
	g := newComfyGen(t, comfyConfig(t, s.URL))
	img, err := g.Generate(context.Background(), Request{Prompt: "a lighthouse", Seed: 99, Steps: 12, Width: 768, Height: 512})
	if err != nil {
		t.Fatal(err)
	}
	if img.MIME != "image/png" || img.Server != s.URL || img.Seed != 99 {
		t.Fatalf("%s %s %d", img.MIME, img.Server, img.Seed)
	}
	sub := s.Submissions()
	if len(sub) != 1 {
		t.Fatalf("%d submissions", len(sub))
	}
	graph := sub[0]["prompt"].(map[string]any)
	in := func(id string) map[string]any { return graph[id].(map[string]any)["inputs"].(map[string]any) }
	if in("6")["text"] != "a lighthouse" || num(t, in("3")["seed"]) != 99 || num(t, in("3")["steps"]) != 12 ||
		num(t, in("5")["width"]) != 768 || num(t, in("5")["height"]) != 512 {
		t.Fatalf("graph %v", graph)
	}
	if id, _ := sub[0]["prompt_id"].(string); len(id) != 36 || sub[0]["client_id"] == "" {
		t.Fatalf("ids %v %v", sub[0]["prompt_id"], sub[0]["client_id"])
	}
	var want map[string]any
	b, _ := json.Marshal(graph)
	_ = json.Unmarshal(b, &want)
	if !bytes.Equal(img.Bytes, gentest.ComfyImageFor(want)) {
		t.Fatal("image bytes differ from the served image")
	}
	if s.Count("view") != 1 {
		t.Fatal("view count", s.Count("view"))
	}
}

func TestComfyIdempotent(t *testing.T) {
	s := gentest.NewComfy()
	defer s.Close()
	g := newComfyGen(t, comfyConfig(t, s.URL))
	r := Request{Prompt: "same", Seed: 5}
	a, err := g.Generate(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.Generate(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes, b.Bytes) || s.Queued() != 1 {
		t.Fatalf("queued %d", s.Queued())
	}
	// The prompt id is a function of the patched graph: a resubmission by
	// another client is not queued twice either.
	g2 := newComfyGen(t, comfyConfig(t, s.URL))
	wf, _ := g2.patch(g2.cfg.fill(r))
	body, _ := json.Marshal(wf)
	_ = body
	if err := g2.submit(context.Background(), s.URL, s.Submissions()[0]["prompt_id"].(string), wf); err != nil {
		t.Fatal(err)
	}
	if s.Queued() != 1 {
		t.Fatalf("queued %d", s.Queued())
	}
	if _, err := g.Generate(context.Background(), Request{Prompt: "same", Seed: 6}); err != nil {
		t.Fatal(err)
	}
	if s.Queued() != 2 {
		t.Fatalf("queued %d", s.Queued())
	}
}

func TestComfyNodeError(t *testing.T) {
	s := gentest.NewComfy()
	defer s.Close()
	s.FailNode = &gentest.NodeFault{ID: "12", Message: "Value not in list", Details: "unet_name: 'flux1-dev.safetensors' not in []"}
	g := newComfyGen(t, comfyConfig(t, s.URL))
	_, err := g.Generate(context.Background(), Request{Prompt: "p"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"node 12", "UNETLoader", "Value not in list", "flux1-dev.safetensors", "Prompt outputs failed validation"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%q lacks %q", err, want)
		}
	}
	if s.Count("prompt") != 1 {
		t.Fatal("a rejected graph was resubmitted")
	}
}

func TestComfyExecutionError(t *testing.T) {
	s := gentest.NewComfy()
	defer s.Close()
	s.ExecError = "CUDA out of memory"
	g := newComfyGen(t, comfyConfig(t, s.URL))
	_, err := g.Generate(context.Background(), Request{Prompt: "p"})
	if err == nil || !strings.Contains(err.Error(), "CUDA out of memory") || !strings.Contains(err.Error(), "KSampler") {
		t.Fatalf("err %v", err)
	}
}

func TestComfySlowQueue(t *testing.T) {
	s := gentest.NewComfy()
	defer s.Close()
	s.SlowPolls = 5
	g := newComfyGen(t, comfyConfig(t, s.URL))
	if _, err := g.Generate(context.Background(), Request{Prompt: "p"}); err != nil {
		t.Fatal(err)
	}
	if h := s.Count("history"); h < 7 {
		t.Fatalf("history polled %d times", h)
	}
}

func TestComfyNeverCompletes(t *testing.T) {
	s := gentest.NewComfy()
	defer s.Close()
	s.Never = true
	c := comfyConfig(t, s.URL)
	c.Timeout.Duration = 200 * time.Millisecond
	g := newComfyGen(t, c)
	start := time.Now()
	_, err := g.Generate(context.Background(), Request{Prompt: "p"})
	if err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
}

func TestComfyPool(t *testing.T) {
	a, b := gentest.NewComfy(), gentest.NewComfy()
	defer a.Close()
	b.Close()
	g := newComfyGen(t, comfyConfig(t, b.URL, a.URL))
	for i := range 4 {
		img, err := g.Generate(context.Background(), Request{Prompt: "p", Seed: int64(i)})
		if err != nil {
			t.Fatal(err)
		}
		if img.Server != a.URL {
			t.Fatalf("served by %s", img.Server)
		}
	}
	if a.Queued() != 4 {
		t.Fatal(a.Queued())
	}
}

func TestComfyConfigErrors(t *testing.T) {
	c := comfyConfig(t, "http://localhost:1")
	c.Nodes.Seed = "77"
	if _, err := New(c); err == nil || !strings.Contains(err.Error(), `"77"`) || !strings.Contains(err.Error(), "nodes.seed") {
		t.Fatalf("err %v", err)
	}
}

func TestProcedural(t *testing.T) {
	g := newGen(t, &Config{Name: "p", Kind: "procedural", Size: "96x64"})
	gen := func(prompt string, seed int64) Image {
		img, err := g.Generate(context.Background(), Request{Prompt: prompt, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	a, b := gen("a cat on a mat", 1), gen("a cat on a mat", 1)
	if !bytes.Equal(a.Bytes, b.Bytes) || a.MIME != "image/png" || a.Seed != 1 {
		t.Fatal("not deterministic")
	}
	if bytes.Equal(a.Bytes, gen("a cat on a mat", 2).Bytes) {
		t.Fatal("seed ignored")
	}
	if bytes.Equal(a.Bytes, gen("a dog in fog", 1).Bytes) {
		t.Fatal("prompt ignored")
	}
	if !bytes.HasPrefix(gen(`a sign saying "OPEN"`, 3).Bytes, []byte("\x89PNG")) {
		t.Fatal("not a PNG")
	}
}

func TestNormalizeErrors(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{Name: "g"}, `generator "g": kind: missing`},
		{Config{Name: "g", Kind: "dalle"}, `kind: "dalle" is not one of`},
		{Config{Name: "g", Kind: "openai"}, `generator "g": model: missing`},
		{Config{Name: "g", Kind: "openai", Model: "m", Size: "big"}, `size: "big" is not WIDTHxHEIGHT`},
		{Config{Name: "g", Kind: "openai", Model: "m", BaseURL: "gpu1:8000"}, "base_urls"},
		{Config{Name: "g", Kind: "openai", Model: "m", BaseURL: "http://u:p@gpu1"}, "credentials"},
		{Config{Name: "g", Kind: "openai", Model: "m", Steps: -1}, "steps"},
		{Config{Name: "g", Kind: "comfyui"}, `generator "g": workflow: missing`},
		{Config{Name: "g", Kind: "comfyui", Workflow: "w.json"}, "nodes.prompt: missing"},
		{Config{Name: "g", Kind: "procedural", Concurrency: -2}, "concurrency"},
	} {
		err := tc.c.Normalize()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want %q", tc.c, err, tc.want)
		}
	}
	c := Config{Name: "g", Kind: "openai", Model: "m", BaseURLs: []string{"http://a/v1/", "http://b/v1"}, BaseURL: "http://a/v1"}
	if err := c.Normalize(); err != nil {
		t.Fatal(err)
	}
	if len(c.BaseURLs) != 2 || c.Size != "1024x1024" || c.Timeout.Duration <= 0 || c.Concurrency != 4 || c.InFlight() != 8 { // 4 per server
		t.Fatalf("%+v", c)
	}
	if _, err := New(&Config{Name: "g", Kind: "comfyui", Workflow: "/nonexistent.json", Nodes: ComfyNodes{Prompt: "6"}}); err == nil ||
		!strings.Contains(err.Error(), "workflow") {
		t.Fatalf("err %v", err)
	}
}

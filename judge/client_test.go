package judge

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/vlm"
)

// testClient makes a normalised backend pointed at the emulator, and its client.
func testClient(t testing.TB, srv *judgetest.Server, kind string, edit func(*vlm.Backend)) (*vlm.Client, *[]time.Duration) {
	t.Helper()
	b := &vlm.Backend{Name: "test-" + kind, Kind: kind, BaseURL: srv.BaseURL(), Model: "gpt-4.1-2025-04-14", Timeout: vlm.Duration{Duration: 2 * time.Second}}
	if edit != nil {
		edit(b)
	}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	c, err := vlm.NewClient(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, &[]time.Duration{}
}

func testTask(t testing.TB, img []byte) *Task {
	set := Builtin()
	r, err := set.For("alignment", "text_rendering")
	if err != nil {
		t.Fatal(err)
	}
	return &Task{ItemID: 1, Kind: "alignment", Track: "text_rendering", Prompt: `A shop sign reading "OPEN LATE"`, Rubric: r,
		Image: func() ([]byte, error) { return img, nil }}
}

func TestGPTProfileRequest(t *testing.T) {
	srv := judgetest.New(judgetest.OpenAI)
	defer srv.Close()
	srv.KeepBodies = true
	t.Setenv("LOUPE_TEST_KEY", "sk-test-0123456789")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1") // must be ignored: options are explicit
	t.Setenv("OPENAI_ORG_ID", "org-should-not-be-sent")
	c, _ := testClient(t, srv, vlm.KindOpenAI, func(b *vlm.Backend) { b.APIKeyEnv = "LOUPE_TEST_KEY" })
	res := HTTPJudge{c}.Run(context.Background(), testTask(t, judgetest.PNG(t, 64, 48)), nil, false)
	if res.Err != nil || res.Error != "" || res.Value == nil {
		t.Fatalf("result %+v", res)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Auth != "Bearer sk-test-0123456789" {
		t.Errorf("Authorization %q", r.Auth)
	}
	if r.System != "You are a helpful assistant." || r.ImageFirst || r.ImageMIME != "image/png" {
		t.Errorf("system %q imageFirst %v mime %q", r.System, r.ImageFirst, r.ImageMIME)
	}
	if !strings.Contains(r.Text, `text prompt: A shop sign reading "OPEN LATE"`) {
		t.Errorf("text %q", r.Text)
	}
	want := map[string]string{"temperature": "0", "top_p": "1", "seed": "42", "max_tokens": "4096"}
	for k, v := range want {
		if got := string(r.Fields[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	if _, ok := r.Fields["max_completion_tokens"]; ok {
		t.Error("max_completion_tokens sent as well")
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema struct {
			Name   string `json:"name"`
			Strict bool   `json:"strict"`
		} `json:"json_schema"`
	}
	json.Unmarshal(r.Fields["response_format"], &rf)
	if rf.Type != "json_schema" || !rf.JSONSchema.Strict {
		t.Errorf("response_format %s", r.Fields["response_format"])
	}
	if vlm.RequestKey(c.B.Name, c.B.Model, r.Body) != res.Key {
		t.Error("the key is not the hash of the body sent")
	}
}

func TestQwenProfileAndGemini(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	c, _ := testClient(t, srv, vlm.KindVLLM, func(b *vlm.Backend) { b.Model = "Qwen/Qwen2.5-VL-72B-Instruct" })
	if c.B.Profile != "qwen" {
		t.Fatalf("profile %q", c.B.Profile)
	}
	res := HTTPJudge{c}.Run(context.Background(), testTask(t, judgetest.JPEG(t, 40, 40)), nil, false)
	if res.Value == nil {
		t.Fatalf("%+v", res)
	}
	r := srv.Requests()[0]
	if !r.ImageFirst || r.System != "" || r.ImageMIME != "image/jpeg" {
		t.Errorf("imageFirst %v system %q mime %q", r.ImageFirst, r.System, r.ImageMIME)
	}
	if string(r.Fields["repetition_penalty"]) != "1.05" || string(r.Fields["max_tokens"]) != "1024" {
		t.Errorf("repetition_penalty %s max_tokens %s", r.Fields["repetition_penalty"], r.Fields["max_tokens"])
	}
	if got := string(r.Fields["mm_processor_kwargs"]); got != `{"max_pixels":1003520,"min_pixels":200704}` {
		t.Errorf("mm_processor_kwargs %s", got)
	}
	if _, ok := r.Fields["seed"]; ok {
		t.Error("the qwen profile sends no seed")
	}
}

func TestOllamaGetsMaxTokensAndDataURL(t *testing.T) {
	srv := judgetest.New(judgetest.Ollama)
	defer srv.Close()
	c, _ := testClient(t, srv, vlm.KindOllama, func(b *vlm.Backend) { b.Model = "qwen2.5vl:7b"; b.Profile = "gpt" })
	res := HTTPJudge{c}.Run(context.Background(), testTask(t, judgetest.PNG(t, 32, 32)), nil, false)
	if res.Value == nil {
		t.Fatalf("%+v", res)
	}
	r := srv.Requests()[0]
	if _, ok := r.Fields["max_tokens"]; !ok {
		t.Error("no max_tokens for Ollama")
	}
	if r.Auth != "" {
		t.Errorf("Authorization %q sent without a key", r.Auth)
	}
}

func TestVerdictContents(t *testing.T) {
	cases := []struct {
		name    string
		reply   judgetest.Reply
		score   float64 // -1 = failed
		failure string
	}{
		{"plain", judgetest.Reply{Content: `{"justification": "fine", "score": 8}`}, 8, ""},
		{"fenced", judgetest.Reply{Content: "```json\n{\"justification\": \"fine\", \"score\": 7}\n```"}, 7, ""},
		{"trailing commas", judgetest.Reply{Content: `{"justification": "fine", "score": 6,}`}, 6, ""},
		{"single quotes", judgetest.Reply{Content: `{'justification': 'ok', 'score': 5}`}, 5, ""},
		{"prose around JSON", judgetest.Reply{Content: `Here is my verdict: {"justification": "x", "score": 9} Hope it helps.`}, -1, "not a JSON object"},
		{"refusal", judgetest.Reply{Refusal: "I can't help with that."}, -1, "refused"},
		{"content filter", judgetest.Reply{Content: "", FinishReason: "content_filter"}, -1, "refused"},
		{"truncated", judgetest.Reply{Content: `{"justification": "The image shows a long`, FinishReason: "length"}, -1, "truncated"},
		{"string score", judgetest.Reply{Content: `{"justification": "x", "score": "8"}`}, -1, "not a JSON number"},
		{"out of range", judgetest.Reply{Content: `{"justification": "x", "score": 11}`}, -1, "outside 0-10"},
		{"zero is a score", judgetest.Reply{Content: `{"justification": "unrelated", "score": 0}`}, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := judgetest.New(judgetest.OpenAI)
			defer srv.Close()
			rep := tc.reply
			srv.Script = func(int, *judgetest.Request) *judgetest.Reply { return &rep }
			c, _ := testClient(t, srv, vlm.KindVLLM, nil)
			res := HTTPJudge{c}.Run(context.Background(), testTask(t, judgetest.PNG(t, 8, 8)), nil, false)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if tc.score < 0 {
				if res.Value != nil || !strings.Contains(res.Error, tc.failure) {
					t.Errorf("score %v failure %q, want failure %q", res.Value, res.Error, tc.failure)
				}
				if res.Response == nil {
					t.Error("a failed verdict keeps its response")
				}
				return
			}
			if res.Value == nil || *res.Value != tc.score {
				t.Errorf("score %v (%s), want %v", res.Value, res.Error, tc.score)
			}
		})
	}
}

// TestCallErrorsBecomeFailuresOrErrors: a terminal call error is the verdict's outcome (a failure,
// stored); a fatal one leaves the task open (Err) and stops the run.
func TestCallErrorsBecomeFailuresOrErrors(t *testing.T) {
	cases := []struct {
		name    string
		reply   judgetest.Reply
		failure bool
	}{
		{"context length is a failure", judgetest.Reply{Status: 400, ErrCode: "context_length_exceeded", ErrMessage: "maximum context length is 128000 tokens"}, true},
		{"auth is an error", judgetest.Reply{Status: 401, ErrCode: "invalid_api_key", ErrMessage: "Incorrect API key provided"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := judgetest.New(judgetest.OpenAI)
			defer srv.Close()
			rep := tc.reply
			srv.Script = func(int, *judgetest.Request) *judgetest.Reply { return &rep }
			c, _ := testClient(t, srv, vlm.KindVLLM, nil)
			res := HTTPJudge{c}.Run(context.Background(), testTask(t, judgetest.PNG(t, 8, 8)), nil, false)
			var ce *vlm.CallError
			if tc.failure && (res.Error == "" || res.Err != nil) {
				t.Errorf("want a failure, got %+v", res)
			}
			if !tc.failure && (!errors.As(res.Err, &ce) || !ce.Fatal()) {
				t.Errorf("want a fatal error, got %+v", res)
			}
		})
	}
}

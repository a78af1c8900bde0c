package judge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/vlm"
)

// mapCache is a Cache over a map (the workspace's cache is store.JudgeCache).
type mapCache map[string][]byte

func (m mapCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	b, ok := m[key]
	return b, ok, nil
}

// resultHolds reports whether any stored part of a result holds s.
func resultHolds(r Result, s string) bool {
	return strings.Contains(r.Justification, s) || strings.Contains(r.Raw, s) || strings.Contains(r.Error, s) ||
		strings.Contains(string(r.Response), s) || (r.Err != nil && strings.Contains(r.Err.Error(), s))
}

// TestSuccessfulAnswersAreRedacted: a server that echoes the Authorization header in a 200 answer (in
// the verdict's justification, in text that is no verdict, in a refusal) gives results and a body to
// cache without the key, as does a body cached before loupe redacted them.
func TestSuccessfulAnswersAreRedacted(t *testing.T) {
	const key = "sk-echo-0123456789&<>"
	t.Setenv("LOUPE_TEST_KEY", key)
	srv := judgetest.New(judgetest.OpenAI)
	defer srv.Close()
	srv.Answer = func(r *judgetest.Request) string {
		why, _ := json.Marshal("you sent " + r.Auth)
		return fmt.Sprintf(`{"justification": %s, "score": 7}`, why)
	}
	c, _ := testClient(t, srv, vlm.KindOpenAI, func(b *vlm.Backend) { b.APIKeyEnv = "LOUPE_TEST_KEY"; b.MaxRetries = new(int) })
	j := HTTPJudge{c}
	task := testTask(t, judgetest.PNG(t, 32, 32))
	res := j.Run(context.Background(), task, nil, false)
	if res.Value == nil || !strings.Contains(res.Justification, "[redacted]") {
		t.Fatalf("verdict %+v", res)
	}
	if resultHolds(res, "sk-echo-0123456789") {
		t.Errorf("the verdict holds the key: %q %q %s", res.Justification, res.Raw, res.Response)
	}
	for _, rep := range []*judgetest.Reply{
		{Content: "no verdict here: " + key},
		{Refusal: "I will not use " + key},
		{Content: `{"justification": "` + key + `", "score": 4}`, FinishReason: "length"},
	} {
		srv.SetScript(func(int, *judgetest.Request) *judgetest.Reply { return rep })
		res := j.Run(context.Background(), task, nil, false)
		if resultHolds(res, "sk-echo-0123456789") {
			t.Errorf("reply %+v: result holds the key: %+v", rep, res)
		}
	}
	// a response cached before redaction existed
	p, err := Build(c.B, task)
	if err != nil {
		t.Fatal(err)
	}
	old := fmt.Sprintf(`{"choices":[{"message":{"content":%q},"finish_reason":"stop"}]}`, `{"justification": "old `+key+`", "score": 5}`)
	res = j.Run(context.Background(), task, mapCache{p.Key: []byte(old)}, false)
	if !res.Cached || res.Value == nil || resultHolds(res, "sk-echo-0123456789") {
		t.Errorf("cached answer: %+v", res)
	}
}

// TestShortKeysAreRedactedInErrors: an error body that echoes a key of 6 or 7 characters (shorter than
// the 8 the first redaction needed) does not put it in the error.
func TestShortKeysAreRedactedInErrors(t *testing.T) {
	const key = "k3y-x7z"
	t.Setenv("LOUPE_TEST_KEY", key)
	srv := judgetest.New(judgetest.OpenAI)
	defer srv.Close()
	srv.Script = func(int, *judgetest.Request) *judgetest.Reply {
		return &judgetest.Reply{Status: 401, ErrMessage: "Incorrect API key provided: " + key}
	}
	c, _ := testClient(t, srv, vlm.KindOpenAI, func(b *vlm.Backend) { b.APIKeyEnv = "LOUPE_TEST_KEY" })
	_, err := c.Send(context.Background(), vlm.Prepared{Body: []byte(`{"model":"m","messages":[]}`)})
	var ce *vlm.CallError
	if !errors.As(err, &ce) || ce.Class != vlm.ClassAuth {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error %q", err)
	}
}

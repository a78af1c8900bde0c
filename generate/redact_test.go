package generate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/generate/gentest"
)

// TestOpenAIKeyNeverReturned: a server that echoes the key in a successful answer (the revised
// prompt), in a refusal and in error bodies gives loupe no text that holds it.
func TestOpenAIKeyNeverReturned(t *testing.T) {
	const key = "sk-img-SECRET-0123&<>"
	t.Setenv("LOUPE_TEST_IMG_KEY", key)
	s := gentest.NewOpenAI()
	defer s.Close()
	s.EchoAuth = true
	g := newGen(t, &Config{Name: "flux", Kind: "openai", BaseURL: s.URL + "/v1", Model: "flux-dev", APIKeyEnv: "LOUPE_TEST_IMG_KEY"})
	img, err := g.Generate(context.Background(), Request{Prompt: "a red fox", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Auth()[0] != "Bearer "+key {
		t.Fatalf("auth %q", s.Auth()[0])
	}
	if strings.Contains(img.RevisedPrompt, "SECRET") || !strings.Contains(img.RevisedPrompt, "[redacted]") {
		t.Errorf("revised prompt %q", img.RevisedPrompt)
	}
	for _, f := range []gentest.Fault{
		{Status: 400, Code: "content_policy_violation", Message: "refused for key " + key},
		{Status: 400, Code: "invalid_value", Message: "bad request from " + key},
		{Status: 401, Message: "Incorrect API key provided: " + key},
	} {
		s.Fail(f)
		_, err := g.Generate(context.Background(), Request{Prompt: "x", Seed: 2})
		if err == nil {
			t.Fatalf("fault %d: no error", f.Status)
		}
		if strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("fault %d: error %q", f.Status, err)
		}
		if f.Code == "content_policy_violation" && !errors.Is(err, ErrRefused) {
			t.Errorf("refusal no longer ErrRefused: %v", err)
		}
	}
}

package generate

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/generate/gentest"
)

// closedURL is the address of a port nothing listens on (connection refused).
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

// generateAll runs n requests at once and returns their errors.
func generateAll(g Generator, n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = g.Generate(context.Background(), Request{Prompt: "p", Seed: int64(i)})
		})
	}
	wg.Wait()
	return errs
}

// TestConcurrencyPerServer: concurrency is per server of the pool, so a pool of two with concurrency 3
// holds 3 requests on each server at once (#17.2).
func TestConcurrencyPerServer(t *testing.T) {
	a, b := gentest.NewOpenAI(), gentest.NewOpenAI()
	defer a.Close()
	defer b.Close()
	a.Latency, b.Latency = 150*time.Millisecond, 150*time.Millisecond
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURLs: []string{a.URL, b.URL}, Model: "m", Concurrency: 3})
	if w := Workers(g); w != 6 {
		t.Errorf("Workers = %d, want 6", w)
	}
	for _, err := range generateAll(g, 18) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if a.MaxInFlight() != 3 || b.MaxInFlight() != 3 {
		t.Fatalf("in flight at most %d and %d, want 3 on each", a.MaxInFlight(), b.MaxInFlight())
	}
}

// TestDownServerFailsFast: a refused connection opens the server's circuit; with no server left, every
// request fails within seconds naming the URL, instead of each retrying on its own (#17.3).
func TestDownServerFailsFast(t *testing.T) {
	u := closedURL(t)
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURL: u, Model: "m", Concurrency: 4})
	start := time.Now()
	for _, err := range generateAll(g, 40) {
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), u) {
			t.Fatalf("err %v", err)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %s", d)
	}
}

// TestDownServerProbedBack: requests move to the other servers of the pool while one is down, and the
// server is used again once a probe finds it listening.
func TestDownServerProbedBack(t *testing.T) {
	defer func(p time.Duration) { probeEvery = p }(probeEvery)
	probeEvery = 50 * time.Millisecond
	a := gentest.NewOpenAI()
	defer a.Close()
	u := closedURL(t)
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURLs: []string{u, a.URL}, Model: "m", Concurrency: 2})
	for _, err := range generateAll(g, 10) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if a.Count() != 10 {
		t.Fatalf("%d served by the healthy server", a.Count())
	}
	// the down server comes back at its address
	l, err := net.Listen("tcp", strings.TrimPrefix(u, "http://"))
	if err != nil {
		t.Skip("the port was taken meanwhile:", err)
	}
	back := gentest.NewOpenAIOn(l)
	defer back.Close()
	deadline := time.Now().Add(5 * time.Second)
	for back.Count() == 0 && time.Now().Before(deadline) {
		generateAll(g, 4)
		time.Sleep(20 * time.Millisecond)
	}
	if back.Count() == 0 {
		t.Fatal("the server that came back is not used")
	}
}

// TestQuotaStopsAtOnce: insufficient_quota is not cured by waiting: no retry (#17.7).
func TestQuotaStopsAtOnce(t *testing.T) {
	s := gentest.NewOpenAI()
	defer s.Close()
	s.Fail(gentest.Quota, gentest.Quota, gentest.Quota, gentest.Quota)
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURL: s.URL, Model: "m"})
	_, err := g.Generate(context.Background(), Request{Prompt: "p"})
	if !errors.Is(err, ErrQuota) || !Fatal(err) {
		t.Fatalf("err %v", err)
	}
	if s.Count() != 1 {
		t.Fatalf("%d requests, want 1", s.Count())
	}
}

// TestLastingAndTransient: a 400 the server will always answer is a lasting failure of the prompt; a
// refusal too; 5xx after the retries is not.
func TestLastingAndTransient(t *testing.T) {
	s := gentest.NewOpenAI()
	defer s.Close()
	s.FailPrompt("too long", gentest.ContextLength)
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURL: s.URL, Model: "m"})
	_, err := g.Generate(context.Background(), Request{Prompt: "a prompt too long"})
	if err == nil || !Lasting(err) || Fatal(err) || !strings.Contains(err.Error(), "context length") {
		t.Fatalf("err %v", err)
	}
	s.Fail(gentest.ContentPolicy)
	if _, err := g.Generate(context.Background(), Request{Prompt: "p"}); !Lasting(err) {
		t.Fatalf("refusal: %v", err)
	}
	s.Fail(gentest.Fault{Status: 500}, gentest.Fault{Status: 500}, gentest.Fault{Status: 500}, gentest.Fault{Status: 500})
	if _, err := g.Generate(context.Background(), Request{Prompt: "p"}); err == nil || Lasting(err) || Fatal(err) {
		t.Fatalf("5xx: %v", err)
	}
	s.Fail(gentest.Fault{Status: 401, Message: "bad key"})
	if _, err := g.Generate(context.Background(), Request{Prompt: "p"}); !Fatal(err) {
		t.Fatalf("401: %v", err)
	}
}

// TestFatalStopsLaterRequests: once a request met a fatal error (a spent quota), the generator sends
// nothing more - a caller that got a slot just after it gets the same error unsent (bench run's
// TestBenchRunQuota saw a second request from its second worker).
func TestFatalStopsLaterRequests(t *testing.T) {
	s := gentest.NewOpenAI()
	defer s.Close()
	for range 10 {
		s.Fail(gentest.Quota)
	}
	g := newGen(t, &Config{Name: "x", Kind: "openai", BaseURL: s.URL, Model: "m", Concurrency: 1})
	for i := range 3 {
		if _, err := g.Generate(context.Background(), Request{Prompt: "p"}); !errors.Is(err, ErrQuota) {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if s.Count() != 1 {
		t.Fatalf("%d requests after a spent quota, want 1", s.Count())
	}
}

package vlm

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/judge/judgetest"
)

// sendAll sends n requests from conc goroutines and returns the errors.
func sendAll(t *testing.T, c *Client, n, conc int) []error {
	t.Helper()
	p := testRequest(t, c)
	var mu sync.Mutex
	var errs []error
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if _, err := c.Send(context.Background(), p); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return errs
}

// Defect 4: the transport kept at most 100 idle connections in all, so at 150 in flight every wave of
// answers closed a third of the connections and the next wave dialled them again.
func TestConnectionsReusedAtHighConcurrency(t *testing.T) {
	srv := judgetest.New(judgetest.VLLM)
	defer srv.Close()
	srv.Lean = true
	srv.Latency = 20 * time.Millisecond
	const conc = 150
	b := &Backend{Name: "many", Kind: KindVLLM, BaseURL: srv.BaseURL(), Model: "m", Concurrency: conc, Timeout: Duration{30 * time.Second}}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if errs := sendAll(t, c, conc*6, conc); len(errs) > 0 {
		t.Fatalf("%d errors, first %v", len(errs), errs[0])
	}
	if n := srv.Conns(); n > conc*11/10 {
		t.Errorf("%d connections opened for %d requests at %d in flight (want <= %d)", n, conc*6, conc, conc*11/10)
	}
	if n := c.Conns.Load(); n != int64(srv.Conns()) {
		t.Errorf("the client counted %d connections, the server accepted %d", n, srv.Conns())
	}
}

// Defect 3: a refused connection was retried 7 times with backoff (about 30 s per request). It opens a
// circuit instead: the call fails, fatally, with a message naming the URL, within seconds.
func TestRefusedServerFailsFast(t *testing.T) {
	down := judgetest.DownURL()
	b := &Backend{Name: "down", Kind: KindVLLM, BaseURL: down, Model: "m", Concurrency: 4}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	errs := sendAll(t, c, 8, 4)
	took := time.Since(start)
	if len(errs) != 8 {
		t.Fatalf("%d errors for 8 requests to a down server", len(errs))
	}
	var ce *CallError
	if !errors.As(errs[0], &ce) || !ce.Fatal() || !strings.Contains(ce.Error(), down) || !strings.Contains(ce.Error(), "refused") {
		t.Errorf("error %v: want a fatal error naming %s", errs[0], down)
	}
	if took > 20*time.Second { // a hang guard; the circuit gives up after about 8 s
		t.Errorf("took %s to give up on a down server", took)
	}
	if n := c.Calls.Load(); n > 4+8 {
		t.Errorf("%d attempts to a down server", n)
	}
}

// poolClient makes a client over servers (each a /v1 root) with conc in flight per server; backoff
// sleeps are skipped.
func poolClient(t *testing.T, urls []string, conc int) *Client {
	t.Helper()
	b := &Backend{Name: "fleet", Kind: KindVLLM, BaseURLs: urls, Model: "m", Concurrency: conc, Timeout: Duration{30 * time.Second}}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	if b.Workers() != conc*len(urls) || b.BaseURL != urls[0] {
		t.Fatalf("workers %d, base_url %s", b.Workers(), b.BaseURL)
	}
	c, err := NewClient(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return c
}

// A pool with a down server: every request is answered by the other three; the down one is tried
// once or so per caller, then left alone; the stats say so.
func TestPoolSkipsDownServer(t *testing.T) {
	var urls []string
	var srvs []*judgetest.Server
	for range 3 {
		s := judgetest.New(judgetest.VLLM)
		defer s.Close()
		s.Latency = 5 * time.Millisecond
		srvs = append(srvs, s)
		urls = append(urls, s.BaseURL())
	}
	down := judgetest.DownURL()
	urls = append([]string{down}, urls...)
	c := poolClient(t, urls, 4)
	if errs := sendAll(t, c, 120, 16); len(errs) > 0 {
		t.Fatalf("%d errors, first %v", len(errs), errs[0])
	}
	st := c.Servers()
	if st[0].URL != down || st[0].Down == "" || st[0].Requests > 16 || st[0].Failures != st[0].Requests {
		t.Errorf("down server: %+v", st[0])
	}
	total := 0
	for i, s := range srvs {
		n := len(s.Requests())
		total += n
		if n == 0 || st[i+1].Requests != int64(n) || st[i+1].Failures != 0 || st[i+1].MeanLatency < 5*time.Millisecond {
			t.Errorf("server %d: %d requests, stats %+v", i, n, st[i+1])
		}
	}
	if total != 120 {
		t.Errorf("%d requests answered", total)
	}
}

// A server that keeps failing (500) is drained: the others take its requests.
func TestPoolDrainsFailingServer(t *testing.T) {
	good, bad := judgetest.New(judgetest.VLLM), judgetest.New(judgetest.VLLM)
	defer good.Close()
	defer bad.Close()
	good.Latency, bad.Latency = 5*time.Millisecond, 5*time.Millisecond
	bad.Script = func(int, *judgetest.Request) *judgetest.Reply {
		return &judgetest.Reply{Status: 500, ErrMessage: "CUDA error"}
	}
	c := poolClient(t, []string{bad.BaseURL(), good.BaseURL()}, 2)
	if errs := sendAll(t, c, 80, 4); len(errs) > 0 {
		t.Fatalf("%d errors, first %v", len(errs), errs[0])
	}
	if n := len(bad.Requests()); n > drainAfter+2 {
		t.Errorf("the failing server got %d requests (drained after %d failures in a row)", n, drainAfter)
	}
	if st := c.Servers(); st[0].Failures != int64(len(bad.Requests())) || st[1].Requests != 80 {
		t.Errorf("stats %+v", st)
	}
}

// The least-loaded server gets the request: a slow server holds its slots longer and so gets fewer.
func TestPoolPrefersLeastLoaded(t *testing.T) {
	slow, fast := judgetest.New(judgetest.VLLM), judgetest.New(judgetest.VLLM)
	defer slow.Close()
	defer fast.Close()
	slow.Latency, fast.Latency = 200*time.Millisecond, 2*time.Millisecond
	c := poolClient(t, []string{slow.BaseURL(), fast.BaseURL()}, 4)
	// 3 callers: the fast server always has a free slot, the slow one is never needed
	if errs := sendAll(t, c, 60, 3); len(errs) > 0 {
		t.Fatalf("%d errors, first %v", len(errs), errs[0])
	}
	if s, f := len(slow.Requests()), len(fast.Requests()); f < 4*s {
		t.Errorf("slow %d, fast %d requests", s, f)
	}
}

// A server that was down and comes back within the grace period answers the waiting calls.
func TestDownServerComesBack(t *testing.T) {
	down := judgetest.DownURL()
	b := &Backend{Name: "back", Kind: KindVLLM, BaseURL: down, Model: "m", Concurrency: 2}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []error, 1)
	go func() { done <- sendAll(t, c, 4, 2) }()
	time.Sleep(time.Second) // the calls found the server down and wait for a probe
	l, err := net.Listen("tcp", strings.TrimSuffix(strings.TrimPrefix(down, "http://"), "/v1"))
	if err != nil {
		t.Skipf("the port was taken meanwhile: %v", err)
	}
	srv := judgetest.NewOn(judgetest.VLLM, l)
	defer srv.Close()
	if errs := <-done; len(errs) > 0 {
		t.Fatalf("%d errors, first %v", len(errs), errs[0])
	}
	if st := c.Servers(); st[0].Down != "" || st[0].Failures == 0 || len(srv.Requests()) != 4 {
		t.Errorf("stats %+v, %d answered", st, len(srv.Requests()))
	}
}

// A name that does not resolve is a down server too (RFC 2606 reserves .invalid); with DownGrace 0,
// as in `loupe backends test`, the call says so at once.
func TestUnresolvableHostFailsFast(t *testing.T) {
	const u = "http://loupe-test.invalid:8000/v1"
	b := &Backend{Name: "dns", Kind: KindVLLM, BaseURL: u, Model: "m"}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.DownGrace = 0
	start := time.Now()
	_, err = c.Send(context.Background(), testRequest(t, c))
	var ce *CallError
	if !errors.As(err, &ce) || ce.Class != ClassUnreachable || !strings.Contains(ce.Message, u) || !strings.Contains(ce.Message, "lookup loupe-test.invalid") {
		t.Errorf("error %v", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %s", took)
	}
	if st := c.Servers(); st[0].Down == "" || st[0].Requests != 1 {
		t.Errorf("stats %+v", st)
	}
}

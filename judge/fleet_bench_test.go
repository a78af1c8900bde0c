package judge

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/vlm"
)

// fleetRun judges n distinct tasks with a fresh client over urls (conc in flight per server) and
// returns the wall time and the connections the client opened.
func fleetRun(b *testing.B, urls []string, conc, n int, img []byte) (time.Duration, int64) {
	return fleetRunWith(b, urls, conc, n, img, nil)
}

// fleetRunWith is fleetRun with an HTTP client of the caller's (nil: the client's own).
func fleetRunWith(b *testing.B, urls []string, conc, n int, img []byte, hc *http.Client) (time.Duration, int64) {
	b.Helper()
	be := &vlm.Backend{Name: "bench", Kind: vlm.KindVLLM, BaseURLs: urls, Model: "m", Concurrency: conc}
	if err := be.Normalize(); err != nil {
		b.Fatal(err)
	}
	c, err := vlm.NewClient(be, hc)
	if err != nil {
		b.Fatal(err)
	}
	tasks := make([]*Task, n)
	for i := range tasks {
		t := testTask(b, img)
		t.Prompt = fmt.Sprintf("prompt %d", i) // distinct requests
		tasks[i] = t
	}
	r := &Runner{Judge: HTTPJudge{c}, Workers: be.Workers()}
	start := time.Now()
	p, err := r.Run(context.Background(), context.Background(), tasks)
	took := time.Since(start)
	if err != nil || p.Verdicts+p.Failed != n {
		b.Fatalf("%v %+v", err, p)
	}
	return took, c.Conns.Load()
}

// BenchmarkFleet256 is the target: 256 requests in flight against a server answering after
// 250 ms. ratio_of_ideal is verdicts/s over 256/0.25 (the median over the iterations, and the worst);
// conns_per_inflight is the connections one run opened (as the server counted them) over 256, the most
// of any iteration; cpu_ms/verdict is the process's CPU (client and emulator) per verdict. The
// sub-benchmark idle100 is the transport loupe had before, with 100 idle connections in all, measured in
// the same run for comparison.
//
//	go test ./judge -run '^$' -bench Fleet256 -benchtime 5x
func BenchmarkFleet256(b *testing.B) {
	const inflight, latency = 256, 250 * time.Millisecond
	img := judgetest.PNG(b, 64, 64)
	for _, tc := range []struct {
		name string
		hc   func() *http.Client
	}{
		{"pool", func() *http.Client { return nil }},
		{"idle100", func() *http.Client {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.MaxIdleConnsPerHost = inflight
			return &http.Client{Transport: tr}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := judgetest.New(judgetest.VLLM)
			defer srv.Close()
			srv.Latency = latency
			srv.Lean = true
			n := inflight * 20 // as BenchmarkThroughput: 20 waves, the first of which dials
			var ratios []float64
			worstConns := 0
			cpu0, runs := cpuTime(), 0
			for b.Loop() {
				before := srv.Conns()
				took, _ := fleetRunWith(b, []string{srv.BaseURL()}, inflight, n, img, tc.hc())
				ratios = append(ratios, float64(n)/took.Seconds()/(inflight/latency.Seconds()))
				worstConns = max(worstConns, srv.Conns()-before)
				runs++
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(runs*n)/1e6, "cpu_ms/verdict")
			b.ReportMetric(median(ratios), "ratio_of_ideal")
			b.ReportMetric(minOf(ratios), "worst_ratio")
			b.ReportMetric(float64(worstConns)/inflight, "conns_per_inflight")
		})
	}
}

// BenchmarkFleetDownServer compares a pool of 4 servers, one of them down, with a pool of the 3
// healthy ones alone (16 in flight per server, 100 ms latency): down_over_healthy is the wall time of
// the first over the second (the median of per-iteration ratios; the target is <= 1.05).
//
//	go test ./judge -run '^$' -bench FleetDownServer -benchtime 5x
func BenchmarkFleetDownServer(b *testing.B) {
	const conc, latency = 16, 100 * time.Millisecond
	img := judgetest.PNG(b, 64, 64)
	var healthy []string
	for range 3 {
		s := judgetest.New(judgetest.VLLM)
		defer s.Close()
		s.Latency = latency
		s.Lean = true
		healthy = append(healthy, s.BaseURL())
	}
	withDown := append([]string{judgetest.DownURL()}, healthy...)
	n := 3 * conc * 20
	var ratios, ideal []float64
	for b.Loop() {
		t3, _ := fleetRun(b, healthy, conc, n, img)
		t4, _ := fleetRun(b, withDown, conc, n, img)
		ratios = append(ratios, t4.Seconds()/t3.Seconds())
		ideal = append(ideal, float64(n)/t4.Seconds()/(3*conc/latency.Seconds()))
	}
	b.ReportMetric(median(ratios), "down_over_healthy")
	b.ReportMetric(median(ideal), "ratio_of_ideal_3")
}

func minOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}

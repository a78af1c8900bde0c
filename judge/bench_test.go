package judge

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"syscall"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/dataset/synth"
	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/vlm"
)

// BenchmarkThroughput runs judge tasks against a local server that answers after 100 ms, at several
// numbers of requests in flight, and reports the rate achieved as a ratio of the ideal
// (in flight / latency). The official script runs one request at a time: in-flight 1 is its rate.
//
//	go test ./judge -run '^$' -bench Throughput -benchtime 1x
func BenchmarkThroughput(b *testing.B) {
	const latency = 100 * time.Millisecond
	img := judgetest.PNG(b, 64, 64)
	for _, inflight := range []int{1, 16, 64, 256} {
		b.Run(fmt.Sprintf("inflight=%d", inflight), func(b *testing.B) {
			srv := judgetest.New(judgetest.VLLM)
			defer srv.Close()
			srv.Latency = latency
			srv.Lean = true
			be := &vlm.Backend{Name: "bench", Kind: vlm.KindVLLM, BaseURL: srv.BaseURL(), Model: "m", Concurrency: inflight}
			if err := be.Normalize(); err != nil {
				b.Fatal(err)
			}
			c, err := vlm.NewClient(be, nil)
			if err != nil {
				b.Fatal(err)
			}
			n := max(20, inflight*20)
			var ratios []float64
			for b.Loop() {
				tasks := make([]*Task, n)
				for i := range tasks {
					t := testTask(b, img)
					t.Prompt = fmt.Sprintf("prompt %d", i) // distinct requests
					tasks[i] = t
				}
				r := &Runner{Judge: HTTPJudge{c}, Workers: inflight}
				start := time.Now()
				p, err := r.Run(context.Background(), context.Background(), tasks)
				if err != nil || p.Verdicts+p.Failed != n {
					b.Fatalf("%v %+v", err, p)
				}
				rate := float64(n) / time.Since(start).Seconds()
				ratios = append(ratios, rate/(float64(inflight)/latency.Seconds()))
			}
			b.ReportMetric(median(ratios), "ratio_of_ideal")
			b.ReportMetric(float64(srv.Peak()), "peak_inflight")
		})
	}
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// picture1024 is a 1024 px JPEG (quality 90) of a generated scene.
func picture1024(b *testing.B) []byte {
	g := synth.New(1)
	img := g.Sample("text", 0).Render(1024)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkClientCPU1024JPEG measures the client's CPU per verdict for a 1024 px JPEG: reading the
// picture's header, the data URL, the request body, its hash, and parsing the answer (cpu_ms/op, from
// getrusage over the benchmark). BenchmarkClientRoundTrip adds the HTTP exchange with an in-process
// server (an upper bound: the server's CPU is counted too).
func BenchmarkClientCPU1024JPEG(b *testing.B) {
	pic := picture1024(b)
	be := &vlm.Backend{Name: "bench", Kind: vlm.KindOpenAI, BaseURL: "http://127.0.0.1:1/v1", Model: "gpt-4.1"}
	if err := be.Normalize(); err != nil {
		b.Fatal(err)
	}
	answer := []byte(`{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"{\"justification\": \"The sign reads correctly.\", \"score\": 9}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1700,"completion_tokens":20}}`)
	t := testTask(b, pic)
	b.SetBytes(int64(len(pic)))
	cpu0 := cpuTime()
	for b.Loop() {
		p, err := Build(be, t)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Key) != 64 {
			b.Fatal("no key")
		}
		if r := Interpret(answer); r.Value == nil {
			b.Fatal(r.Error)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu_ms/op")
}

// BenchmarkClientRoundTrip1024JPEG is BenchmarkClientCPU1024JPEG plus the HTTP exchange.
func BenchmarkClientRoundTrip1024JPEG(b *testing.B) {
	pic := picture1024(b)
	srv := judgetest.New(judgetest.OpenAI)
	defer srv.Close()
	be := &vlm.Backend{Name: "bench", Kind: vlm.KindVLLM, BaseURL: srv.BaseURL(), Model: "gpt-4.1", Profile: "gpt"}
	if err := be.Normalize(); err != nil {
		b.Fatal(err)
	}
	c, err := vlm.NewClient(be, nil)
	if err != nil {
		b.Fatal(err)
	}
	t := testTask(b, pic)
	cpu0 := cpuTime()
	for b.Loop() {
		if r := (HTTPJudge{c}).Run(context.Background(), t, nil, false); r.Value == nil {
			b.Fatal(r.Error, r.Err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu_ms/op")
}

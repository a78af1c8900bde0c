// Command pipeserve serves chat completions like a vLLM server that answers every loupe pipeline step
// (and judge verdicts) as a capable VLM would, after a fixed latency: for measuring pipeline and judge
// runs without a GPU. Usage: pipeserve -addr 127.0.0.1:8099 -latency 1s
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/pipeline"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	latency := flag.Duration("latency", 0, "answer after this long")
	flag.Parse()
	srv := judgetest.New(judgetest.VLLM)
	srv.Latency = *latency
	srv.Answer = func(r *judgetest.Request) string {
		var rf struct {
			JSONSchema struct {
				Name string `json:"name"`
			} `json:"json_schema"`
		}
		json.Unmarshal(r.Fields["response_format"], &rf)
		if rf.JSONSchema.Name == "verdict" || rf.JSONSchema.Name == "" {
			return judgetest.DefaultAnswer(r)
		}
		return pipeline.Answer(strings.ReplaceAll(rf.JSONSchema.Name, "_", "-"), r.Text, r.ImageMIME != "")
	}
	srv.Close() // the httptest listener is replaced by one on a fixed address
	s := &http.Server{Addr: *addr, Handler: srv.Config.Handler}
	go func() {
		if err := s.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}()
	fmt.Printf("serving http://%s/v1 (latency %s)\n", *addr, *latency)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	s.Close()
	fmt.Printf("%d requests\n", len(srv.Requests()))
	time.Sleep(10 * time.Millisecond)
}

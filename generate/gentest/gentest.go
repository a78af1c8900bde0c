// Package gentest provides local stand-ins for image-generation servers: an
// OpenAI-compatible images API and a ComfyUI server, with scripted faults.
package gentest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// PNG returns a w x h PNG of one colour derived from key.
func PNG(key string, w, h int) []byte {
	s := sha256.Sum256([]byte(key))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	c := color.NRGBA{s[0], s[1], s[2], 255}
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// Fault is one scripted failure of the OpenAI stand-in.
type Fault struct {
	Status     int    // HTTP status (429, 500, 400, ...)
	RetryAfter string // Retry-After header, if any
	Code       string // error.code, e.g. "content_policy_violation"
	Message    string
}

// ContentPolicy is the fault OpenAI answers for a refused prompt.
var ContentPolicy = Fault{Status: 400, Code: "content_policy_violation",
	Message: "Your request was rejected as a result of our safety system."}

// Quota is the fault OpenAI answers when the account has no credit left: a 429 that waiting does not
// cure.
var Quota = Fault{Status: 429, Code: "insufficient_quota",
	Message: "You exceeded your current quota, please check your plan and billing details."}

// ContextLength is a lasting 400 as a vLLM-style server answers a prompt that is too long.
var ContextLength = Fault{Status: 400, Code: "context_length_exceeded",
	Message: "This model's maximum context length is 77 tokens. However, your prompt is too long."}

// OpenAI behaves like POST /v1/images/generations answering b64_json.
type OpenAI struct {
	*httptest.Server
	Latency time.Duration // added to every answer
	// EchoAuth makes the revised prompt repeat the request's Authorization header, as a server that
	// leaks what it was sent would.
	EchoAuth bool

	mu          sync.Mutex
	faults      []Fault
	lasting     map[string]Fault // prompt substring -> the fault every request with it gets
	bodies      []map[string]any
	auth        []string
	inFlight    int
	maxInFlight int
}

// FailPrompt makes every request whose prompt contains substr fail with f, for good (a prompt the
// server will never accept, such as one over its context length).
func (s *OpenAI) FailPrompt(substr string, f Fault) {
	s.mu.Lock()
	if s.lasting == nil {
		s.lasting = map[string]Fault{}
	}
	s.lasting[substr] = f
	s.mu.Unlock()
}

// SetLatency changes the latency added to every answer.
func (s *OpenAI) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.Latency = d
	s.mu.Unlock()
}

// MaxInFlight is the most requests the server held at once.
func (s *OpenAI) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// NewOpenAI starts an OpenAI images stand-in; Close it when done.
func NewOpenAI() *OpenAI {
	s := &OpenAI{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Fail scripts the next requests to fail, one fault each, in order.
func (s *OpenAI) Fail(f ...Fault) {
	s.mu.Lock()
	s.faults = append(s.faults, f...)
	s.mu.Unlock()
}

// Requests returns the JSON bodies received so far.
func (s *OpenAI) Requests() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.bodies...)
}

// Auth returns the Authorization headers received so far.
func (s *OpenAI) Auth() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

// Count is the number of requests received.
func (s *OpenAI) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

// ImageFor is the PNG the stand-in returns for a prompt and seed.
func ImageFor(prompt string, seed int64) []byte {
	return PNG(fmt.Sprintf("%s\x00%d", prompt, seed), 64, 64)
}

func (s *OpenAI) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/images/generations") {
		http.NotFound(w, r)
		return
	}
	var body map[string]any
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		writeJSON(w, 400, map[string]any{"error": map[string]any{"message": err.Error(), "type": "invalid_request_error"}})
		return
	}
	prompt, _ := body["prompt"].(string)
	s.mu.Lock()
	s.bodies = append(s.bodies, body)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	var f *Fault
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	for sub, lf := range s.lasting {
		if strings.Contains(prompt, sub) {
			f = &lf
			break
		}
	}
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	lat, echo := s.Latency, s.EchoAuth
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
			return
		}
	}
	if f != nil {
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		typ := "server_error"
		if f.Status < 500 {
			typ = "invalid_request_error"
		}
		if f.Status == 429 {
			typ = "rate_limit_exceeded"
			if f.Code == "insufficient_quota" {
				typ = "insufficient_quota"
			}
		}
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		var code any
		if f.Code != "" {
			code = f.Code
		}
		writeJSON(w, f.Status, map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": code, "param": nil}})
		return
	}
	var seed int64
	if n, ok := body["seed"].(json.Number); ok {
		seed, _ = n.Int64()
	}
	revised := "revised: " + prompt
	if echo {
		revised += " (" + r.Header.Get("Authorization") + ")"
	}
	writeJSON(w, 200, map[string]any{
		"created": time.Now().Unix(),
		"data": []any{map[string]any{
			"b64_json":       base64.StdEncoding.EncodeToString(ImageFor(prompt, seed)),
			"revised_prompt": revised,
		}},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// NewOpenAIOn starts an OpenAI images stand-in on a listener (a server that comes back at the address
// it had).
func NewOpenAIOn(l net.Listener) *OpenAI {
	s := &OpenAI{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.Listener.Close()
	s.Server.Listener = l
	s.Server.Start()
	return s
}

// Package judgetest runs local HTTP servers that speak the chat-completions protocol the way OpenAI,
// vLLM, Ollama and llama.cpp do - their success bodies, their error bodies and their quirks (Ollama
// takes only data: image URLs and honours max_tokens, not max_completion_tokens) - with scripted faults
// for tests and benchmarks. Nothing here is a mock of loupe: it is the other side of the wire.
package judgetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Flavor is which server the emulator behaves like.
type Flavor string

// Flavors.
const (
	OpenAI   Flavor = "openai"
	VLLM     Flavor = "vllm"
	Ollama   Flavor = "ollama"
	LlamaCpp Flavor = "llamacpp"
)

// Request is one request the server received.
type Request struct {
	N          int    // 1-based arrival order
	Hash       string // sha256 of the body
	Body       []byte // nil when the server keeps no bodies
	Auth       string // the Authorization header
	Model      string
	Text       string // the text parts, joined
	ImageMIME  string // MIME of the first image data URL
	ImageFirst bool   // the image part came before the text part
	System     string
	Fields     map[string]json.RawMessage // every top-level field
}

// Reply is what the server answers. The zero Reply answers 200 with a verdict from Answer.
type Reply struct {
	Status       int               // 0 = 200
	Header       map[string]string // extra headers (e.g. Retry-After)
	Body         string            // raw body; when "" a body is made from the fields below
	Content      string            // the assistant's text ("" = Server.Answer's)
	Refusal      string
	FinishReason string // "" = "stop"
	Delay        time.Duration
	Hang         bool // never answer (until the client gives up)
	Drop         bool // close the connection without an answer
	ErrMessage   string
	ErrType      string
	ErrCode      string
}

// Server is a running emulator.
type Server struct {
	*httptest.Server
	Flavor  Flavor
	Latency time.Duration // added before every answer
	// Script, when set, decides each reply (n: arrival order); returning nil answers normally.
	Script func(n int, r *Request) *Reply
	// Answer makes the assistant's text for a normal reply; by default a verdict whose score is derived
	// from the request's hash.
	Answer func(r *Request) string
	// RateHeaders, when set, are sent with every 200 (x-ratelimit-*).
	RateHeaders map[string]string
	KeepBodies  bool
	// Lean skips parsing the body (benchmarks: the server's CPU is not what they measure).
	Lean bool

	n        atomic.Int64
	mu       sync.Mutex
	reqs     []Request
	answered map[string]int // hash -> 200s delivered
	inflight atomic.Int64
	peak     atomic.Int64
	conns    atomic.Int64 // connections accepted
}

// New starts a server of a flavour.
func New(f Flavor) *Server { return NewOn(f, nil) }

// NewOn starts a server of a flavour on listener l (nil: a new local port) - e.g. on the address of a
// server that was down, to see a client come back to it.
func NewOn(f Flavor, l net.Listener) *Server {
	s := &Server{Flavor: f, answered: map[string]int{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.handle))
	if l != nil {
		s.Listener.Close()
		s.Listener = l
	}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	return s
}

// Conns is how many connections the server accepted: a client that reuses its connections opens about
// as many as it has requests in flight.
func (s *Server) Conns() int { return int(s.conns.Load()) }

// DownURL is the /v1 root of a server that is not running: the address of a listener that was opened
// and closed again, so a connection to it is refused.
func DownURL() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "http://127.0.0.1:1/v1"
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/v1"
}

// SetScript replaces Script while requests may be in flight.
func (s *Server) SetScript(f func(n int, r *Request) *Reply) {
	s.mu.Lock()
	s.Script = f
	s.mu.Unlock()
}

// SetLatency replaces Latency while requests may be in flight.
func (s *Server) SetLatency(d time.Duration) { s.mu.Lock(); s.Latency = d; s.mu.Unlock() }

// SetAnswer replaces Answer while requests may be in flight.
func (s *Server) SetAnswer(f func(r *Request) string) { s.mu.Lock(); s.Answer = f; s.mu.Unlock() }

// BaseURL is the /v1 root clients are configured with.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Requests returns what arrived so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Answered returns how many 200 answers were fully written per request hash.
func (s *Server) Answered() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.answered))
	for k, v := range s.answered {
		out[k] = v
	}
	return out
}

// Peak is the most requests the server held at once.
func (s *Server) Peak() int { return int(s.peak.Load()) }

// DefaultAnswer is a well-formed verdict whose score (0-10) follows from the request hash.
func DefaultAnswer(r *Request) string {
	score := 0
	if len(r.Hash) > 2 {
		var b byte
		fmt.Sscanf(r.Hash[:2], "%02x", &b)
		score = int(b) % 11
	}
	return fmt.Sprintf(`{"justification": "The image follows the prompt (emulated verdict).", "score": %d}`, score)
}

func (s *Server) handle(w http.ResponseWriter, hr *http.Request) {
	cur := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for {
		p := s.peak.Load()
		if cur <= p || s.peak.CompareAndSwap(p, cur) {
			break
		}
	}
	if hr.Method != http.MethodPost || !strings.HasSuffix(hr.URL.Path, "/chat/completions") {
		s.writeError(w, http.StatusNotFound, Reply{ErrMessage: "no route " + hr.URL.Path, ErrType: "not_found"})
		return
	}
	body, _ := io.ReadAll(hr.Body)
	req := Request{N: int(s.n.Add(1)), Auth: hr.Header.Get("Authorization")}
	sum := sha256.Sum256(body)
	req.Hash = hex.EncodeToString(sum[:])
	if s.KeepBodies {
		req.Body = body
	}
	parseErr := ""
	if !s.Lean {
		parseErr = req.parse(body)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	if parseErr != "" {
		s.writeError(w, 400, Reply{ErrMessage: parseErr, ErrType: "invalid_request_error"})
		return
	}
	if s.Flavor == Ollama && req.ImageMIME == "" && strings.Contains(string(body), `"image_url"`) {
		s.writeError(w, 400, Reply{ErrMessage: "invalid image input", ErrType: "invalid_request_error"})
		return
	}
	s.mu.Lock()
	script, latency, answer := s.Script, s.Latency, s.Answer
	s.mu.Unlock()
	var rep Reply
	if script != nil {
		if r := script(req.N, &req); r != nil {
			rep = *r
		}
	}
	if d := latency + rep.Delay; d > 0 {
		select {
		case <-time.After(d):
		case <-hr.Context().Done():
			return
		}
	}
	if rep.Hang {
		<-hr.Context().Done()
		return
	}
	if rep.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
	}
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	if rep.Status != 0 && rep.Status != 200 {
		if rep.Body != "" {
			w.WriteHeader(rep.Status)
			io.WriteString(w, rep.Body)
			return
		}
		s.writeError(w, rep.Status, rep)
		return
	}
	out := rep.Body
	if out == "" {
		out = s.completion(&req, rep, answer)
	}
	for k, v := range s.RateHeaders {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	if _, err := io.WriteString(w, out); err == nil {
		s.mu.Lock()
		s.answered[req.Hash]++
		s.mu.Unlock()
	}
}

func (r *Request) parse(body []byte) string {
	if err := json.Unmarshal(body, &r.Fields); err != nil {
		return "We could not parse the JSON body of your request."
	}
	json.Unmarshal(r.Fields["model"], &r.Model)
	var msgs []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(r.Fields["messages"], &msgs); err != nil {
		return "messages: expected an array"
	}
	var texts []string
	for _, m := range msgs {
		var s string
		if json.Unmarshal(m.Content, &s) == nil {
			if m.Role == "system" {
				r.System = s
			} else {
				texts = append(texts, s)
			}
			continue
		}
		var parts []struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			ImageURL struct {
				URL string `json:"url"`
			} `json:"image_url"`
		}
		if json.Unmarshal(m.Content, &parts) != nil {
			return "content: expected a string or an array of parts"
		}
		for _, p := range parts {
			switch p.Type {
			case "text":
				texts = append(texts, p.Text)
			case "image_url":
				if len(texts) == 0 {
					r.ImageFirst = true
				}
				if u, ok := strings.CutPrefix(p.ImageURL.URL, "data:"); ok {
					if i := strings.Index(u, ";base64,"); i >= 0 && r.ImageMIME == "" {
						r.ImageMIME = u[:i]
					}
				}
			}
		}
	}
	r.Text = strings.Join(texts, "\n")
	return ""
}

func (s *Server) completion(r *Request, rep Reply, answer func(*Request) string) string {
	content := rep.Content
	if content == "" && rep.Refusal == "" {
		if answer != nil {
			content = answer(r)
		} else {
			content = DefaultAnswer(r)
		}
	}
	finish := rep.FinishReason
	if finish == "" {
		finish = "stop"
	}
	msg := map[string]any{"role": "assistant", "content": content}
	if rep.Refusal != "" {
		msg["content"] = nil
		msg["refusal"] = rep.Refusal
	} else if s.Flavor == OpenAI {
		msg["refusal"] = nil
	}
	promptTokens := len(r.Text)/4 + 800
	outTokens := len(content)/4 + 1
	b, _ := json.Marshal(map[string]any{
		"id": fmt.Sprintf("chatcmpl-%d", r.N), "object": "chat.completion", "created": 1764115200, "model": r.Model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish, "logprobs": nil}},
		"usage":   map[string]any{"prompt_tokens": promptTokens, "completion_tokens": outTokens, "total_tokens": promptTokens + outTokens},
	})
	return string(b)
}

// writeError answers an error in the flavour's body format.
func (s *Server) writeError(w http.ResponseWriter, status int, rep Reply) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	msg, typ, code := rep.ErrMessage, rep.ErrType, rep.ErrCode
	if msg == "" {
		msg = http.StatusText(status)
	}
	var body any
	switch s.Flavor {
	case VLLM: // vLLM's ErrorResponse: {"error": {message, type, param, code: <status>}}
		if typ == "" {
			typ = "BadRequestError"
		}
		body = map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": status}}
	case Ollama: // the /v1 middleware's wrapping
		if typ == "" {
			typ = "api_error"
		}
		body = map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nilIfEmpty(code)}}
	case LlamaCpp:
		if typ == "" {
			typ = "server_error"
		}
		body = map[string]any{"error": map[string]any{"code": status, "message": msg, "type": typ}}
	default:
		if typ == "" {
			typ = "invalid_request_error"
		}
		body = map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nilIfEmpty(code)}}
	}
	json.NewEncoder(w).Encode(body)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Error bodies of other shapes, for Reply.Body.
const (
	// VLLMFlatError is the flat body older vLLM releases sent.
	VLLMFlatError = `{"object":"error","message":"This model's maximum context length is 32768 tokens. However, you requested 40000 tokens (39000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}`
	// OllamaNativeError is Ollama's native API error body.
	OllamaNativeError = `{"error":"model requires more system memory (64.0 GiB) than is available (12.0 GiB)"}`
)

package gentest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// FluxWorkflow is a small API-format FLUX.1-dev workflow: node "6" is the
// prompt (CLIPTextEncode), "3" the sampler (KSampler: seed, steps), "5" the
// latent (EmptySD3LatentImage: width, height) and "9" the SaveImage output.
const FluxWorkflow = `{
 "3": {"class_type": "KSampler", "inputs": {"seed": 0, "steps": 20, "cfg": 1.0, "sampler_name": "euler", "scheduler": "simple", "denoise": 1.0,
       "model": ["12", 0], "positive": ["26", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
 "5": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
 "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["11", 0]}},
 "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["11", 0]}},
 "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["10", 0]}},
 "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "loupe", "images": ["8", 0]}},
 "10": {"class_type": "VAELoader", "inputs": {"vae_name": "ae.safetensors"}},
 "11": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "t5xxl_fp16.safetensors", "clip_name2": "clip_l.safetensors", "type": "flux"}},
 "12": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors", "weight_dtype": "default"}},
 "26": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5, "conditioning": ["6", 0]}}
}`

// NodeFault makes /prompt reject graphs holding node ID with a node error.
type NodeFault struct {
	ID, Message, Details string
}

// Comfy behaves like a ComfyUI server: POST /prompt, GET /history/{id},
// GET /view. Set the exported fields before the first request.
type Comfy struct {
	*httptest.Server
	FailNode   *NodeFault // reject graphs with this node (400 + node_errors)
	ExecError  string     // every prompt fails at execution with this message
	SlowPolls  int        // /history answers {} this many times before the result
	Never      bool       // /history never completes
	OutputNode string     // the node whose images /history lists (default "9")

	mu     sync.Mutex
	jobs   map[string]*comfyJob
	order  []string
	queued int
	counts map[string]int
	bodies []map[string]any
}

type comfyJob struct {
	prompt map[string]any
	number int
	polls  int
}

// NewComfy starts a ComfyUI stand-in; Close it when done.
func NewComfy() *Comfy {
	s := &Comfy{jobs: map[string]*comfyJob{}, counts: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Count returns the number of requests to an endpoint: "prompt", "history" or "view".
func (s *Comfy) Count(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[endpoint]
}

// Queued is the number of prompts queued (a resubmitted prompt_id is not queued again).
func (s *Comfy) Queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queued
}

// Submissions returns the bodies POSTed to /prompt.
func (s *Comfy) Submissions() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.bodies...)
}

// ImageFor is the PNG /view serves for a queued graph: derived from the
// prompt text and seed found in it.
func ComfyImageFor(graph map[string]any) []byte {
	var text string
	var seed any
	for _, n := range graph {
		node, _ := n.(map[string]any)
		in, _ := node["inputs"].(map[string]any)
		if t, ok := in["text"].(string); ok && t != "" {
			text = t
		}
		if v, ok := in["seed"]; ok {
			seed = v
		}
		if v, ok := in["noise_seed"]; ok {
			seed = v
		}
	}
	return PNG(fmt.Sprintf("%s\x00%v", text, seed), 64, 64)
}

func (s *Comfy) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/prompt":
		s.counts["prompt"]++
		s.submit(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/history/"):
		s.counts["history"]++
		s.history(w, strings.TrimPrefix(r.URL.Path, "/history/"))
	case r.Method == http.MethodGet && r.URL.Path == "/view":
		s.counts["view"]++
		q := r.URL.Query()
		id := strings.TrimSuffix(q.Get("filename"), ".png")
		j := s.jobs[id]
		if j == nil || q.Get("type") != "output" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(ComfyImageFor(j.prompt))
	default:
		http.NotFound(w, r)
	}
}

func (s *Comfy) submit(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Prompt   map[string]any `json:"prompt"`
		ClientID string         `json:"client_id"`
		PromptID string         `json:"prompt_id"`
	}
	var raw map[string]any
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		writeJSON(w, 400, map[string]any{"error": map[string]any{"type": "invalid_prompt", "message": err.Error(), "details": ""}, "node_errors": map[string]any{}})
		return
	}
	s.bodies = append(s.bodies, raw)
	b, _ := json.Marshal(raw)
	_ = json.Unmarshal(b, &body)
	if f := s.FailNode; f != nil {
		if node, ok := body.Prompt[f.ID].(map[string]any); ok {
			writeJSON(w, 400, map[string]any{
				"error": map[string]any{"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": map[string]any{}},
				"node_errors": map[string]any{f.ID: map[string]any{
					"errors":            []any{map[string]any{"type": "value_not_in_list", "message": f.Message, "details": f.Details, "extra_info": map[string]any{}}},
					"dependent_outputs": []any{"9"},
					"class_type":        node["class_type"],
				}},
			})
			return
		}
	}
	id := body.PromptID
	if id == "" {
		id = fmt.Sprintf("server-%d", len(s.order)+1)
	}
	if j, ok := s.jobs[id]; ok { // idempotent: already queued
		writeJSON(w, 200, map[string]any{"prompt_id": id, "number": j.number, "node_errors": map[string]any{}})
		return
	}
	s.queued++
	j := &comfyJob{prompt: body.Prompt, number: s.queued}
	s.jobs[id] = j
	s.order = append(s.order, id)
	writeJSON(w, 200, map[string]any{"prompt_id": id, "number": j.number, "node_errors": map[string]any{}})
}

func (s *Comfy) history(w http.ResponseWriter, id string) {
	j := s.jobs[id]
	if j == nil {
		writeJSON(w, 200, map[string]any{})
		return
	}
	j.polls++
	if s.Never || j.polls <= s.SlowPolls {
		writeJSON(w, 200, map[string]any{})
		return
	}
	out := s.OutputNode
	if out == "" {
		out = "9"
	}
	entry := map[string]any{"prompt": []any{j.number, id, j.prompt, map[string]any{}, []any{out}}}
	if s.ExecError != "" {
		entry["outputs"] = map[string]any{}
		entry["status"] = map[string]any{"status_str": "error", "completed": false, "messages": []any{
			[]any{"execution_start", map[string]any{"prompt_id": id}},
			[]any{"execution_error", map[string]any{"prompt_id": id, "node_id": "3", "node_type": "KSampler",
				"exception_type": "torch.OutOfMemoryError", "exception_message": s.ExecError}},
		}}
	} else {
		entry["outputs"] = map[string]any{out: map[string]any{"images": []any{
			map[string]any{"filename": id + ".png", "subfolder": "", "type": "output"}}}}
		entry["status"] = map[string]any{"status_str": "success", "completed": true, "messages": []any{
			[]any{"execution_start", map[string]any{"prompt_id": id}},
			[]any{"execution_success", map[string]any{"prompt_id": id}},
		}}
	}
	writeJSON(w, 200, map[string]any{id: entry})
}

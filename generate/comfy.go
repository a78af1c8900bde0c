package generate

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// comfyGen drives ComfyUI: POST /prompt, poll GET /history/{id}, GET /view.
type comfyGen struct {
	cfg      *Config
	pool     *pool
	hc       *http.Client
	workflow []byte // API-format workflow JSON, as loaded
	clientID string
	poll     time.Duration
}

func newComfy(c *Config) (*comfyGen, error) {
	raw, err := os.ReadFile(c.Workflow)
	if err != nil {
		return nil, fmt.Errorf("generator %q: workflow: %w", c.Name, err)
	}
	var wf map[string]any
	if err := json.Unmarshal(raw, &wf); err != nil {
		return nil, fmt.Errorf("generator %q: workflow %s: not JSON: %w", c.Name, c.Workflow, err)
	}
	if _, ok := wf["nodes"].([]any); ok {
		return nil, fmt.Errorf("generator %q: workflow %s is in the UI format: export it with \"Export (API)\"", c.Name, c.Workflow)
	}
	for _, n := range []struct{ field, id string }{
		{"nodes.prompt", c.Nodes.Prompt}, {"nodes.seed", c.Nodes.Seed}, {"nodes.size", c.Nodes.Size},
		{"nodes.steps", c.Nodes.Steps}, {"nodes.output", c.Nodes.Output},
	} {
		if n.id == "" {
			continue
		}
		node, ok := wf[n.id].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("generator %q: %s: workflow %s has no node %q", c.Name, n.field, c.Workflow, n.id)
		}
		if _, ok := node["inputs"].(map[string]any); !ok && n.field != "nodes.output" {
			return nil, fmt.Errorf("generator %q: %s: node %q has no inputs", c.Name, n.field, n.id)
		}
	}
	return &comfyGen{
		cfg: c, pool: newPool(c.BaseURLs, c.Concurrency, c.Name, c.Notify), hc: c.httpClient(), workflow: raw,
		clientID: newUUID(), poll: 250 * time.Millisecond,
	}, nil
}

// patch returns the workflow with r's prompt, seed, size and steps set.
func (g *comfyGen) patch(r Request) (map[string]any, error) {
	var wf map[string]any
	if err := json.Unmarshal(g.workflow, &wf); err != nil {
		return nil, err
	}
	inputs := func(id string) (map[string]any, error) {
		node, ok := wf[id].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("workflow has no node %q", id)
		}
		in, ok := node["inputs"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("workflow node %q has no inputs", id)
		}
		return in, nil
	}
	n := g.cfg.Nodes
	in, err := inputs(n.Prompt)
	if err != nil {
		return nil, err
	}
	in["text"] = r.Prompt
	if n.Seed != "" {
		in, err := inputs(n.Seed)
		if err != nil {
			return nil, err
		}
		if _, ok := in["noise_seed"]; ok {
			in["noise_seed"] = r.Seed
		} else {
			in["seed"] = r.Seed
		}
	}
	if n.Size != "" {
		in, err := inputs(n.Size)
		if err != nil {
			return nil, err
		}
		in["width"], in["height"] = r.Width, r.Height
	}
	if n.Steps != "" && r.Steps > 0 {
		in, err := inputs(n.Steps)
		if err != nil {
			return nil, err
		}
		in["steps"] = r.Steps
	}
	return wf, nil
}

// comfyError is a failure worth retrying on another server.
type comfyError struct {
	err       error
	unhealthy bool
	down      string // connection refused or DNS failure: why the server is not there
}

func (e *comfyError) Error() string { return e.err.Error() }
func (e *comfyError) Unwrap() error { return e.err }

func (g *comfyGen) Generate(ctx context.Context, r Request) (Image, error) {
	r = g.cfg.fill(r)
	wf, err := g.patch(r)
	if err != nil {
		return Image{}, fmt.Errorf("generator %q: %w", g.cfg.Name, err)
	}
	body, _ := json.Marshal(wf) // map keys sorted: deterministic
	sum := sha256.Sum256(body)
	id := uuidFrom(sum[:16])
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout.Duration)
	defer cancel()
	var last error
	attempts, downs := 0, 0
	for {
		if attempts > 0 {
			if err := sleep(ctx, backoff(attempts-1, 0)); err != nil {
				return Image{}, fmt.Errorf("generator %q: %w (after %v)", g.cfg.Name, err, last)
			}
		}
		i, err := g.pool.acquire(ctx)
		if err != nil {
			if ctx.Err() == context.DeadlineExceeded && parent.Err() == nil {
				err = fmt.Errorf("no server had a free slot within %s: %w", g.cfg.Timeout.Duration, err)
			}
			return Image{}, fmt.Errorf("generator %q: %w", g.cfg.Name, err)
		}
		server := g.cfg.BaseURLs[i]
		img, err := g.run(ctx, server, id, wf)
		g.pool.release(i)
		if err == nil {
			g.pool.ok(i)
			img.Seed, img.Server = r.Seed, server
			return img, nil
		}
		if ctx.Err() == context.DeadlineExceeded && parent.Err() == nil {
			return Image{}, fmt.Errorf("generator %q: %s: prompt %s did not finish within %s", g.cfg.Name, server, id, g.cfg.Timeout.Duration)
		}
		var ce *comfyError
		if !errors.As(err, &ce) || ctx.Err() != nil {
			return Image{}, fmt.Errorf("generator %q: %s: %w", g.cfg.Name, server, err)
		}
		last = fmt.Errorf("%s: %w", server, err)
		if ce.down != "" {
			// not there: open its circuit and move on (or wait for a probe); no attempt of the prompt's
			g.pool.setDown(i, ce.down)
			if downs++; downs <= 2*len(g.cfg.BaseURLs)+2 {
				continue
			}
		}
		if ce.unhealthy {
			g.pool.fail(i)
		}
		if attempts++; attempts >= maxAttempts {
			return Image{}, fmt.Errorf("generator %q: giving up after %d attempts: %w", g.cfg.Name, attempts, last)
		}
	}
}

// run submits (unless the server already has it), waits and fetches.
func (g *comfyGen) run(ctx context.Context, server, id string, wf map[string]any) (Image, error) {
	// Idempotent: a prompt_id the server already ran (or queued) is not resubmitted.
	entry, err := g.history(ctx, server, id)
	if err != nil {
		return Image{}, err
	}
	if entry == nil {
		if err := g.submit(ctx, server, id, wf); err != nil {
			return Image{}, err
		}
	}
	for entry == nil {
		if err := sleep(ctx, g.poll); err != nil {
			return Image{}, fmt.Errorf("prompt %s did not finish within %s: %w", id, g.cfg.Timeout.Duration, err)
		}
		if entry, err = g.history(ctx, server, id); err != nil {
			return Image{}, err
		}
	}
	if entry.Status.StatusStr == "error" {
		return Image{}, fmt.Errorf("prompt %s failed: %s", id, entry.executionError())
	}
	ref, ok := entry.image(g.cfg.Nodes.Output)
	if !ok {
		if g.cfg.Nodes.Output != "" {
			return Image{}, fmt.Errorf("prompt %s: output node %q produced no images", id, g.cfg.Nodes.Output)
		}
		return Image{}, fmt.Errorf("prompt %s produced no images", id)
	}
	q := url.Values{"filename": {ref.Filename}, "subfolder": {ref.Subfolder}, "type": {cmp(ref.Type, "output")}}
	b, err := g.get(ctx, server+"/view?"+q.Encode())
	if err != nil {
		return Image{}, err
	}
	return Image{Bytes: b, MIME: sniffMIME(b)}, nil
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

type comfyImageRef struct {
	Filename  string `json:"filename"`
	Subfolder string `json:"subfolder"`
	Type      string `json:"type"`
}

type comfyHistory struct {
	Outputs map[string]struct {
		Images []comfyImageRef `json:"images"`
	} `json:"outputs"`
	Status struct {
		StatusStr string              `json:"status_str"`
		Completed bool                `json:"completed"`
		Messages  [][]json.RawMessage `json:"messages"`
	} `json:"status"`
}

// image returns the first image of node out, or of any node (in id order).
func (h *comfyHistory) image(out string) (comfyImageRef, bool) {
	if out != "" {
		if o, ok := h.Outputs[out]; ok && len(o.Images) > 0 {
			return o.Images[0], true
		}
		return comfyImageRef{}, false
	}
	ids := make([]string, 0, len(h.Outputs))
	for id := range h.Outputs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if o := h.Outputs[id]; len(o.Images) > 0 {
			return o.Images[0], true
		}
	}
	return comfyImageRef{}, false
}

// executionError summarises the execution_error messages.
func (h *comfyHistory) executionError() string {
	var parts []string
	for _, m := range h.Status.Messages {
		if len(m) != 2 {
			continue
		}
		var name string
		_ = json.Unmarshal(m[0], &name)
		if name != "execution_error" && name != "execution_interrupted" {
			continue
		}
		var d struct {
			NodeID           any    `json:"node_id"`
			NodeType         string `json:"node_type"`
			ExceptionType    string `json:"exception_type"`
			ExceptionMessage string `json:"exception_message"`
		}
		_ = json.Unmarshal(m[1], &d)
		s := name
		if d.NodeID != nil {
			s += fmt.Sprintf(" in node %v", d.NodeID)
			if d.NodeType != "" {
				s += " (" + d.NodeType + ")"
			}
		}
		if d.ExceptionType != "" {
			s += ": " + d.ExceptionType
		}
		if d.ExceptionMessage != "" {
			s += ": " + strings.TrimSpace(d.ExceptionMessage)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "status error (no execution_error message)"
	}
	return strings.Join(parts, "; ")
}

// history returns the history entry for id, or nil while it is not done.
func (g *comfyGen) history(ctx context.Context, server, id string) (*comfyHistory, error) {
	b, err := g.get(ctx, server+"/history/"+url.PathEscape(id))
	if err != nil {
		return nil, err
	}
	var all map[string]*comfyHistory
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("/history/%s: %w", id, err)
	}
	e := all[id]
	if e == nil {
		return nil, nil
	}
	// Present but neither done nor failed (some versions add the entry early).
	if !e.Status.Completed && e.Status.StatusStr != "error" && e.Status.StatusStr != "success" && len(e.Outputs) == 0 {
		return nil, nil
	}
	return e, nil
}

func (g *comfyGen) submit(ctx context.Context, server, id string, wf map[string]any) error {
	body, err := json.Marshal(map[string]any{"prompt": wf, "client_id": g.clientID, "prompt_id": id})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, server+"/prompt", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := g.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &comfyError{err: err, unhealthy: true, down: downReason(err)}
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	var out struct {
		PromptID string `json:"prompt_id"`
		Error    *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
			Details string `json:"details"`
		} `json:"error"`
		NodeErrors map[string]struct {
			Errors []struct {
				Type    string `json:"type"`
				Message string `json:"message"`
				Details string `json:"details"`
			} `json:"errors"`
			ClassType string `json:"class_type"`
		} `json:"node_errors"`
	}
	_ = json.Unmarshal(rb, &out)
	if res.StatusCode >= 500 {
		return &comfyError{err: fmt.Errorf("POST /prompt: %s: %s", res.Status, snippet(rb)), unhealthy: true}
	}
	if res.StatusCode != http.StatusOK || len(out.NodeErrors) > 0 || out.Error != nil {
		var sb strings.Builder
		sb.WriteString("workflow rejected")
		if out.Error != nil {
			sb.WriteString(": " + out.Error.Message)
			if out.Error.Details != "" {
				sb.WriteString(" (" + out.Error.Details + ")")
			}
		} else if len(out.NodeErrors) == 0 {
			sb.WriteString(fmt.Sprintf(": %s: %s", res.Status, snippet(rb)))
		}
		ids := make([]string, 0, len(out.NodeErrors))
		for id := range out.NodeErrors {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, nid := range ids {
			ne := out.NodeErrors[nid]
			fmt.Fprintf(&sb, "; node %s (%s)", nid, ne.ClassType)
			for _, e := range ne.Errors {
				sb.WriteString(": " + e.Message)
				if e.Details != "" {
					sb.WriteString(" [" + e.Details + "]")
				}
			}
		}
		// a rejected workflow (a node's input, a prompt the encoder refuses) is not cured by asking again
		return &StatusError{Status: max(res.StatusCode, 400), Msg: sb.String()}
	}
	if out.PromptID != "" && out.PromptID != id {
		return fmt.Errorf("POST /prompt: the server ignored prompt_id %s and queued %s (ComfyUI too old for client prompt ids)", id, out.PromptID)
	}
	return nil
}

// get fetches url; connection errors and 5xx are retryable on another server.
func (g *comfyGen) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := g.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &comfyError{err: err, unhealthy: true, down: downReason(err)}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 256<<20))
	if err != nil {
		return nil, &comfyError{err: err, unhealthy: true}
	}
	if res.StatusCode >= 500 {
		return nil, &comfyError{err: fmt.Errorf("GET %s: %s", req.URL.Path, res.Status), unhealthy: true}
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", req.URL.Path, res.Status, snippet(b))
	}
	return b, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// uuidFrom formats 16 bytes as an RFC 9562 version-8 UUID.
func uuidFrom(b []byte) string {
	var u [16]byte
	copy(u[:], b)
	u[6] = u[6]&0x0f | 0x80
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

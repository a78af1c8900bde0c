package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/pipeline"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
	"github.com/loupe-dev/loupe/vlm"
)

// stepServer answers every pipeline step as a capable VLM would, after latency.
func stepServer(latency time.Duration) *judgetest.Server {
	srv := judgetest.New(judgetest.VLLM)
	srv.Latency = latency
	srv.Answer = func(r *judgetest.Request) string {
		var rf struct {
			JSONSchema struct {
				Name string `json:"name"`
			} `json:"json_schema"`
		}
		json.Unmarshal(r.Fields["response_format"], &rf)
		return pipeline.Answer(strings.ReplaceAll(rf.JSONSchema.Name, "_", "-"), r.Text, r.ImageMIME != "")
	}
	return srv
}

// #17.9: the expand step honours the backend's concurrency (it sent one request at a time).
func TestPipelineExpandIsConcurrent(t *testing.T) {
	srv := stepServer(100 * time.Millisecond)
	defer srv.Close()
	b := &vlm.Backend{Name: "local", Kind: vlm.KindVLLM, BaseURL: srv.BaseURL(), Model: "m", Concurrency: 8, MaxTokens: 2048}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	var prompts []string
	for i := range 12 {
		prompts = append(prompts, fmt.Sprintf("seed prompt %d", i))
	}
	st := storetest.Open(t)
	sum, err := New(st).RunPipeline(context.Background(), PipelineOptions{Steps: []string{"expand"}, Backend: b, Prompts: prompts, Thresholds: DefaultThresholds, ImageDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Steps[0].Requests != 12 || sum.Steps[0].Failed != 0 {
		t.Fatalf("expand: %+v", sum.Steps[0])
	}
	if p := srv.Peak(); p < 6 {
		t.Errorf("expand had at most %d requests in flight with concurrency 8", p)
	}
	if sum.Items != 12+12*pipeline.ExpandCount {
		t.Errorf("%d items", sum.Items)
	}
}

// #17.11: a finding noted again on a rerun is not noted twice.
func TestPipelineNoteOncePerFinding(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ids, err := (&pipeRunner{st: st, o: PipelineOptions{Subset: "p", ImageDir: t.TempDir()}}).makeItems(ctx, []string{"a sign"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // three runs, each loading the item afresh
		r := &pipeRunner{st: st}
		x, err := r.load(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := r.note(ctx, x, "translate flagged: style: the number 3 became 5"); err != nil {
			t.Fatal(err)
		}
		if err := r.note(ctx, x, "translate flagged: style: the number 3 became 5"); err != nil {
			t.Fatal(err)
		}
	}
	it, err := st.ItemByID(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, tx := range it.Texts {
		if tx.Kind == "note" {
			notes = append(notes, tx.Body)
		}
	}
	if len(notes) != 1 || strings.Count(notes[0], "translate flagged") != 1 {
		t.Errorf("notes after three runs: %q", notes)
	}
	_ = store.ErrNotFound
}

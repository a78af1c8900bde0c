package workspace

import (
	"context"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
	"github.com/loupe-dev/loupe/vlm"
)

// #17.8: the rater is what changes a verdict - the model, the rubric set and the backend's verdict
// settings - so a second backend with the same model but other image settings (or --parse extract) is
// another rater, not one that finds everything "already judged". A backend with the defaults keeps the
// name raters always had (verdicts already stored still count).
func TestRaterIncludesVerdictSettings(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	mk := func(name string, f func(b *vlm.Backend)) *vlm.Backend {
		b := &vlm.Backend{Name: name, Kind: vlm.KindVLLM, BaseURL: "http://gpu1:8000/v1", Model: "Qwen/Qwen2.5-VL-72B-Instruct"}
		if f != nil {
			f(b)
		}
		if err := b.Normalize(); err != nil {
			t.Fatal(err)
		}
		return b
	}
	names := map[string]int64{}
	for _, b := range []*vlm.Backend{
		mk("a", nil),
		mk("other-server", func(b *vlm.Backend) {
			b.BaseURLs = []string{"http://gpu2:8000/v1", "http://gpu3:8000/v1"}
			b.Concurrency = 64
		}),
		mk("low", func(b *vlm.Backend) { b.Detail = "low"; b.MaxSide = 512 }),
		mk("extract", func(b *vlm.Backend) { b.Parse = "extract" }),
		mk("kwargs", func(b *vlm.Backend) {
			b.Extra = map[string]any{"mm_processor_kwargs": map[string]any{"max_pixels": 1003520}}
		}),
	} {
		id, name, err := Rater(ctx, st, b, "loupe-v1", "1a2b3c4d5e6f")
		if err != nil {
			t.Fatal(err)
		}
		names[name] = id
		switch b.Name {
		case "a", "other-server":
			if name != store.RaterName(b.Model, "loupe-v1", "1a2b3c4d5e6f") {
				t.Errorf("%s: rater %q, want the name raters always had", b.Name, name)
			}
		case "low":
			if !strings.Contains(name, "detail=low") || !strings.Contains(name, "max_image_side=512") {
				t.Errorf("low: %q", name)
			}
		case "extract":
			if !strings.Contains(name, "parse=extract") {
				t.Errorf("extract: %q", name)
			}
		}
	}
	if len(names) != 4 {
		t.Errorf("%d raters for 4 distinct settings: %v", len(names), names)
	}
}

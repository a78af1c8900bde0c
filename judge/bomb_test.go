package judge

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/loupe-dev/loupe/internal/imagesafe/imagesafetest"
	"github.com/loupe-dev/loupe/judge/judgetest"
	"github.com/loupe-dev/loupe/vlm"
)

// bombs are the two decompression bombs and what their refusal must say.
func bombs() []struct {
	name, want string
	data       []byte
} {
	return []struct {
		name, want string
		data       []byte
	}{
		{"header bomb", "picture is 30000x30000 (900 Mpx), over the 64 Mpx limit", imagesafetest.HeaderBomb(30000, 30000)},
		{"zero png", "picture is 12000x12000 (144 Mpx), over the 64 Mpx limit", imagesafetest.ZeroPNG(12000, 12000)},
	}
}

// failure turns a result into the error a test expects: its per-item failure, or why it is not one.
func failure(r Result) error {
	switch {
	case r.Err != nil:
		return fmt.Errorf("a run-level error, not a per-item failure: %w", r.Err)
	case r.Skipped != "":
		return fmt.Errorf("skipped, not failed: %s", r.Skipped)
	case r.Error == "":
		return nil
	}
	return errors.New(r.Error)
}

// TestBombsFailPerItem: every judge path refuses a decompression bomb with a clear per-item failure,
// in well under a second and 100 MB - request preparation (also for a backend that would send the
// original bytes), the VLM judge's staging, and the rules and OCR judges (which refuse it before
// looking for tesseract).
func TestBombsFailPerItem(t *testing.T) {
	ctx := context.Background()
	vb := &vlm.Backend{Name: "v", Kind: vlm.KindVLLM, Model: "m", BaseURL: "http://127.0.0.1:1/v1"}
	// a backend that takes PNG and any size: the picture would be sent without decoding
	raw := &vlm.Backend{Name: "r", Kind: vlm.KindVLLM, Model: "m", BaseURL: "http://127.0.0.1:1/v1", MaxSide: 1 << 20, Formats: []string{"image/png"}}
	rules, ocr := &vlm.Backend{Name: "rules", Kind: KindRules}, &vlm.Backend{Name: "ocr", Kind: KindOCR}
	for _, b := range []*vlm.Backend{vb, raw, rules, ocr} {
		if err := b.Normalize(); err != nil {
			t.Fatal(err)
		}
	}
	c, err := vlm.NewClient(vb, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, bomb := range bombs() {
		task := func(prompt string) *Task {
			r, err := Builtin().For("alignment", "composition")
			if err != nil {
				t.Fatal(err)
			}
			return &Task{ItemID: 7, Kind: "alignment", Track: "composition", Prompt: prompt, Rubric: r,
				Image: func() ([]byte, error) { return bomb.data, nil }}
		}
		for _, p := range []struct {
			path string
			run  func() error
		}{
			{"PreparePicture", func() error { _, err := vb.PreparePicture(bomb.data); return err }},
			{"PreparePicture, original bytes accepted", func() error { _, err := raw.PreparePicture(bomb.data); return err }},
			{"Build", func() error { _, err := Build(vb, task("three red circles")); return err }},
			{"HTTPJudge.Stage", func() error {
				_, done := HTTPJudge{C: c}.Stage(ctx, task("three red circles"), nil, false)
				if done == nil {
					return errors.New("staged for sending")
				}
				return failure(*done)
			}},
			{"RulesJudge", func() error { _, err := RulesJudge{}.Judge(ctx, bomb.data, "three red circles"); return err }},
			{"rules OfflineJudge", func() error { return failure(OfflineJudge{B: rules}.Run(ctx, task("three red circles"), nil, false)) }},
			{"OCRJudge", func() error {
				_, err := OCRJudge{Bin: "/no/such/tesseract"}.Judge(ctx, bomb.data, `a sign that reads "OPEN"`)
				return err
			}},
			{"ocr OfflineJudge", func() error {
				return failure(OfflineJudge{B: ocr}.Run(ctx, task(`a sign that reads "OPEN"`), nil, false))
			}},
		} {
			imagesafetest.Refuses(t, p.path+", "+bomb.name, bomb.want, p.run)
		}
	}
}

// TestBombsDoNotStopARun: sixteen workers meeting 32 bombs among good pictures record each bomb as a
// failure, judge the rest and stay within 100 MB altogether.
func TestBombsDoNotStopARun(t *testing.T) {
	good := judgetest.PNG(t, 64, 64)
	rules := &vlm.Backend{Name: "rules", Kind: KindRules}
	if err := rules.Normalize(); err != nil {
		t.Fatal(err)
	}
	r, err := Builtin().For("alignment", "composition")
	if err != nil {
		t.Fatal(err)
	}
	var tasks []*Task
	for i := range 36 {
		pic := good
		switch {
		case i%9 == 0:
			pic = imagesafetest.ZeroPNG(12000, 12000)
		case i%9 < 8:
			pic = imagesafetest.HeaderBomb(30000, 30000)
		}
		tasks = append(tasks, &Task{ItemID: int64(i), Kind: "alignment", Track: "composition", Prompt: "three red circles",
			Rubric: r, Image: func() ([]byte, error) { return pic, nil }})
	}
	var failures []string
	run := &Runner{Judge: OfflineJudge{B: rules}, Workers: 16, Store: func(res Result) error {
		if res.Error != "" {
			failures = append(failures, res.Error)
		}
		return nil
	}}
	var p Progress
	imagesafetest.Refuses(t, "a run of 36 items, 32 of them bombs, 16 workers", "32 failed", func() error {
		p, err = run.Run(context.Background(), context.Background(), tasks)
		if err != nil {
			return err
		}
		return fmt.Errorf("%d verdicts, %d failed", p.Verdicts, p.Failed)
	})
	if p.Verdicts != 4 || p.Failed != 32 || p.Errors != 0 || len(failures) != 32 {
		t.Errorf("progress %+v", p)
	}
	for _, f := range failures {
		if f != "rules judge: picture is 30000x30000 (900 Mpx), over the 64 Mpx limit" &&
			f != "rules judge: picture is 12000x12000 (144 Mpx), over the 64 Mpx limit" {
			t.Errorf("failure %q", f)
		}
	}
}

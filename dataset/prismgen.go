package dataset

import (
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"sync"

	"github.com/loupe-dev/loupe/dataset/synth"
)

// PrismOptions says what `loupe demo gen --prism` writes.
type PrismOptions struct {
	Out       string
	Seed      int64
	Prompts   int      // prompts per track in captions/{en,zh}/<track>.jsonl (PRISM-Bench has 100)
	Images    int      // images per track and model (the first Images prompts)
	Models    []string // fictional models, one folder each
	ImageSize int
	Judge     bool    // write official-layout judge outputs (alignment/, aesthetic/) from a synthetic judge
	Wrong     float64 // share of deliberately wrong images (default 0.2)
}

// WritePrism writes a PRISM-Bench folder: captions/{en,zh}/<track>.jsonl, and per model
// <model>/<track>/<i>.png, optionally <model>/{alignment,aesthetic}/<track>/<i>.jsonl (one pretty-printed
// JSON object per file, as the official scripts write them) and <model>/truth.jsonl, loupe's record of
// which images are deliberately wrong and how.
func WritePrism(o PrismOptions) error {
	if o.Prompts <= 0 {
		o.Prompts = 100
	}
	if o.Images < 0 || o.Images > o.Prompts {
		return fmt.Errorf("images per track %d: must be 0-%d (the number of prompts)", o.Images, o.Prompts)
	}
	if o.ImageSize == 0 {
		o.ImageSize = 512
	}
	if len(o.Models) == 0 {
		o.Models = []string{"aurora-xl", "pixelsmith-2"}
	}
	g := synth.New(o.Seed)
	if o.Wrong > 0 {
		g.WrongShare = o.Wrong
	}
	for _, lang := range []string{"en", "zh"} {
		dir := filepath.Join(o.Out, "captions", lang)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, t := range synth.Tracks {
			f, err := os.Create(filepath.Join(dir, t+".jsonl"))
			if err != nil {
				return err
			}
			enc := json.NewEncoder(f)
			enc.SetEscapeHTML(false)
			for i := range o.Prompts {
				p := g.Prompt(t, i)
				text := p.EN
				if lang == "zh" {
					text = p.ZH
				}
				if err := enc.Encode(map[string]string{"prompt": text}); err != nil {
					f.Close()
					return err
				}
			}
			if err := f.Close(); err != nil {
				return err
			}
		}
	}
	type job struct {
		model string
		p     synth.Prompt
	}
	var mu sync.Mutex
	truth := map[string][]string{}
	jobs := make(chan job)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := writeGeneration(g, o, j.model, j.p, &mu, truth); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for _, m := range o.Models {
		for _, t := range synth.Tracks {
			for i := range o.Images {
				jobs <- job{m, g.Prompt(t, i)}
			}
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	for _, m := range o.Models {
		f, err := os.Create(filepath.Join(o.Out, m, "truth.jsonl"))
		if err != nil {
			return err
		}
		for _, t := range synth.Tracks {
			for i := range o.Images {
				fmt.Fprintln(f, truth[fmt.Sprintf("%s/%s/%d", m, t, i)][0])
			}
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

func writeGeneration(g *synth.Generator, o PrismOptions, model string, p synth.Prompt, mu *sync.Mutex, truth map[string][]string) error {
	wrong := g.Wrong(model, p)
	img, defect := g.Generate(model, p, o.ImageSize, wrong)
	dir := filepath.Join(o.Out, model, p.Track)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.png", p.Index)))
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if o.Judge {
		for _, kind := range []string{"alignment", "aesthetic"} {
			score, why := g.Verdict(model, p, wrong, kind)
			vdir := filepath.Join(o.Out, model, kind, p.Track)
			if err := os.MkdirAll(vdir, 0o755); err != nil {
				return err
			}
			b, _ := json.MarshalIndent(map[string]any{"justification": why, "score": score}, "", "    ")
			if err := os.WriteFile(filepath.Join(vdir, fmt.Sprintf("%d.jsonl", p.Index)), b, 0o644); err != nil {
				return err
			}
		}
	}
	line, _ := json.Marshal(map[string]any{"track": p.Track, "index": p.Index, "ok": !wrong, "defect": defect})
	mu.Lock()
	truth[fmt.Sprintf("%s/%s/%d", model, p.Track, p.Index)] = []string{string(line)}
	mu.Unlock()
	return nil
}

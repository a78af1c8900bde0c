package workspace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/generate"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// BenchPrompts are a PRISM-Bench prompt set in one language: each track's prompt lines (a missing
// track file leaves the track out), as copied into the bench folder.
type BenchPrompts struct {
	Lang     string
	Tracks   map[string][]dataset.PromptLine
	Problems []dataset.Problem // lines skipped (later prompts keep their index)
}

// Count is how many prompts the set holds.
func (p *BenchPrompts) Count() int {
	n := 0
	for _, ls := range p.Tracks {
		n += len(ls)
	}
	return n
}

// ItemIDs are the workspace ids the model's images for these prompts get on import.
func (p *BenchPrompts) ItemIDs(model string) []string {
	var out []string
	for _, t := range review.Tracks {
		for _, l := range p.Tracks[t] {
			out = append(out, fmt.Sprintf("prism-%s/%s/%s/%d", p.Lang, model, t, l.Index))
		}
	}
	return out
}

// promptDir finds the captions/<lang> folder of a prompt set.
func promptDir(root, lang string) (string, error) {
	for _, d := range []string{filepath.Join(root, "captions", lang), filepath.Join(root, lang)} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d, nil
		}
	}
	return "", fmt.Errorf("%s: no captions/%s/<track>.jsonl prompt files", root, lang)
}

// ReadBenchPrompts reads a prompt set in the official layout (root/captions/<lang>/<track>.jsonl, or
// root/<lang>/<track>.jsonl), keeps the first limit prompts of each track (0: all) and copies the
// track files into dir/captions/<lang>/, so dir is a bench folder in the official layout.
func ReadBenchPrompts(root, lang string, limit int, dir string) (*BenchPrompts, error) {
	src, err := promptDir(root, lang)
	if err != nil {
		return nil, err
	}
	capDir := filepath.Join(dir, "captions", lang)
	if err := os.MkdirAll(capDir, 0o755); err != nil {
		return nil, err
	}
	out := &BenchPrompts{Lang: lang, Tracks: map[string][]dataset.PromptLine{}}
	for _, t := range review.Tracks {
		p := filepath.Join(src, t+".jsonl")
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		lines, probs, err := dataset.ReadPrompts(p)
		if err != nil {
			return nil, err
		}
		out.Problems = append(out.Problems, probs...)
		if limit > 0 && len(lines) > limit {
			lines = lines[:limit]
		}
		out.Tracks[t] = lines
		if err := os.WriteFile(filepath.Join(capDir, t+".jsonl"), b, 0o644); err != nil {
			return nil, err
		}
	}
	if len(out.Tracks) == 0 {
		return nil, fmt.Errorf("%s: no <track>.jsonl prompt files", src)
	}
	return out, nil
}

// BenchGeneration is what GenerateBench did.
type BenchGeneration struct {
	Made, Existed int
	Refused       []string // "track/index refused by the generator: reason", one per refused prompt
}

// GenerateBench draws every prompt's image that does not exist yet into mdir/<track>/<index>.png (the
// official layout; resumable: an image that exists is kept). The seed of prompt i is seed + i.
// progress, when not nil, is called after each image with the prompts done so far and the total.
func GenerateBench(ctx context.Context, gen generate.Generator, mdir string, prompts *BenchPrompts, seed int64, size int, progress func(done, total int)) (*BenchGeneration, error) {
	total, done := prompts.Count(), 0
	res := &BenchGeneration{}
	for _, t := range review.Tracks {
		for _, l := range prompts.Tracks[t] {
			done++
			path := filepath.Join(mdir, t, fmt.Sprintf("%d.png", l.Index))
			if _, err := os.Stat(path); err == nil {
				res.Existed++
				continue
			}
			img, err := gen.Generate(ctx, generate.Request{Prompt: l.Prompt, Seed: seed + int64(l.Index), Width: size, Height: size})
			if errors.Is(err, generate.ErrRefused) {
				res.Refused = append(res.Refused, fmt.Sprintf("%s/%d refused by the generator: %v", t, l.Index, err))
				continue
			}
			if err != nil {
				return res, fmt.Errorf("%s/%d: %w", t, l.Index, err)
			}
			if err := export.WriteAtomic(path, img.Bytes); err != nil {
				return res, err
			}
			res.Made++
			if progress != nil {
				progress(done, total)
			}
		}
	}
	return res, nil
}

// Present returns the ids among ids that are items of the workspace.
func (w *Workspace) Present(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		_, err := w.st.Item(ctx, id)
		if err == nil {
			out = append(out, id)
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return out, nil
}

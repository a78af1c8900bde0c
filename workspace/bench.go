package workspace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"

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
	files    map[string][]byte // track -> the track file as read
}

// Install copies the track files into dir/captions/<lang>/, so dir is a bench folder in the official
// layout.
func (p *BenchPrompts) Install(dir string) error {
	capDir := filepath.Join(dir, "captions", p.Lang)
	if err := os.MkdirAll(capDir, 0o755); err != nil {
		return err
	}
	for t, b := range p.files {
		if err := os.WriteFile(filepath.Join(capDir, t+".jsonl"), b, 0o644); err != nil {
			return err
		}
	}
	return nil
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
// root/<lang>/<track>.jsonl), keeps the first limit prompts of each track (0: all) and, unless dir is
// "", copies the track files into dir/captions/<lang>/ (Install), so dir is a bench folder in the
// official layout.
func ReadBenchPrompts(root, lang string, limit int, dir string) (*BenchPrompts, error) {
	src, err := promptDir(root, lang)
	if err != nil {
		return nil, err
	}
	out := &BenchPrompts{Lang: lang, Tracks: map[string][]dataset.PromptLine{}, files: map[string][]byte{}}
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
		out.files[t] = b
	}
	if len(out.Tracks) == 0 {
		return nil, fmt.Errorf("%s: no <track>.jsonl prompt files", src)
	}
	if dir != "" {
		if err := out.Install(dir); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// BenchGenOptions says how GenerateBench draws.
type BenchGenOptions struct {
	Seed    int64 // the seed of prompt i is Seed + i
	Size    int   // square image side
	Workers int   // requests at once (generate.Workers of the generator; 0: 1)
	// Skip holds the prompts ("track/index") not to request, with why: lasting failures recorded by an
	// earlier run.
	Skip map[string]string
	// Abandon, when done, cancels the requests in flight. ctx being done only stops new requests: the
	// images in flight are finished and kept (Ctrl-C once). Nil: ctx cancels them.
	Abandon context.Context
	// Progress, when not nil, is called after each prompt with the prompts done so far and the total.
	Progress func(done, total int)
}

// BenchFailure is a prompt whose image could not be made.
type BenchFailure struct {
	Track   string
	Index   int
	Prompt  string
	Reason  string
	Lasting bool // asking again will not help (refused, a lasting 4xx)
	Refused bool // refused by content policy
}

// BenchGeneration is what GenerateBench did.
type BenchGeneration struct {
	Total   int // prompts
	Made    int // images drawn now
	Existed int // images that were there already
	Skipped int // prompts not requested: an earlier run recorded a lasting failure
	// Refused are the prompts refused on content-policy grounds, as "track/index refused by the
	// generator: reason" (also in Failed).
	Refused []string
	Failed  []BenchFailure // every prompt that failed this run, refusals included
	Stopped bool           // interrupted: the prompts not reached were not requested
}

// NotDone is how many prompts have no image and were neither skipped nor failed: left by a stop.
func (r *BenchGeneration) NotDone() int {
	return r.Total - r.Made - r.Existed - r.Skipped - len(r.Failed)
}

// GenerateBench draws every prompt's image that does not exist yet into mdir/<track>/<index>.png (the
// official layout; resumable: an image that exists is kept), o.Workers at a time. A prompt that fails
// is recorded in the result and the run goes on; an error that stops every request (generate.Fatal:
// quota spent, no server reachable, a key refused) stops the run after the requests in flight, and is
// returned with the result so far. When ctx is done the requests in flight finish (and their images are
// kept) and the result says Stopped.
func GenerateBench(ctx context.Context, gen generate.Generator, mdir string, prompts *BenchPrompts, o BenchGenOptions) (*BenchGeneration, error) {
	type job struct {
		track string
		line  dataset.PromptLine
	}
	res := &BenchGeneration{Total: prompts.Count()}
	var jobs []job
	for _, t := range review.Tracks {
		for _, l := range prompts.Tracks[t] {
			path := filepath.Join(mdir, t, fmt.Sprintf("%d.png", l.Index))
			if _, err := os.Stat(path); err == nil {
				res.Existed++
				continue
			}
			if _, skip := o.Skip[fmt.Sprintf("%s/%d", t, l.Index)]; skip {
				res.Skipped++
				continue
			}
			jobs = append(jobs, job{t, l})
		}
	}
	reqCtx := o.Abandon
	if reqCtx == nil {
		reqCtx = ctx
	}
	var (
		mu    sync.Mutex
		fatal error
		done  = res.Existed + res.Skipped
		next  int
	)
	// take hands out the next job, or false once stopped
	take := func() (job, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(jobs) || fatal != nil || ctx.Err() != nil {
			return job{}, false
		}
		next++
		return jobs[next-1], true
	}
	// Twice as many workers as requests in flight, so that a worker writing its image (an fsync) leaves
	// its request slot to another; the gate waits on ctx, so no request starts after a stop.
	inFlight := max(1, o.Workers)
	gate := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	for range min(2*inFlight, len(jobs)) {
		wg.Go(func() {
			for {
				select {
				case gate <- struct{}{}:
				case <-ctx.Done():
					return
				}
				// taken once a slot is free: a stop or a fatal error meanwhile leaves it for the next run
				j, ok := take()
				if !ok {
					<-gate
					return
				}
				img, err := gen.Generate(reqCtx, generate.Request{Prompt: j.line.Prompt, Seed: o.Seed + int64(j.line.Index), Width: o.Size, Height: o.Size})
				<-gate
				if err == nil {
					err = export.WriteAtomic(filepath.Join(mdir, j.track, fmt.Sprintf("%d.png", j.line.Index)), img.Bytes)
					if err != nil {
						err = fatalWrite{err}
					}
				}
				mu.Lock()
				switch {
				case err == nil:
					res.Made++
				case reqCtx.Err() != nil && errors.Is(err, reqCtx.Err()):
					// abandoned: not a failure of the prompt
					next = len(jobs)
				case generate.Fatal(err) || errors.As(err, new(fatalWrite)):
					if fatal == nil {
						fatal = fmt.Errorf("%s/%d: %w", j.track, j.line.Index, err)
					}
				default:
					f := BenchFailure{Track: j.track, Index: j.line.Index, Prompt: j.line.Prompt, Reason: err.Error(),
						Lasting: generate.Lasting(err), Refused: errors.Is(err, generate.ErrRefused)}
					res.Failed = append(res.Failed, f)
				}
				if err == nil || !generate.Fatal(err) {
					done++
				}
				if o.Progress != nil {
					o.Progress(done, res.Total)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	sort.Slice(res.Failed, func(a, b int) bool {
		fa, fb := res.Failed[a], res.Failed[b]
		if fa.Track != fb.Track {
			return slices.Index(review.Tracks[:], fa.Track) < slices.Index(review.Tracks[:], fb.Track)
		}
		return fa.Index < fb.Index
	})
	for _, f := range res.Failed {
		if f.Refused {
			res.Refused = append(res.Refused, fmt.Sprintf("%s/%d refused by the generator: %s", f.Track, f.Index, f.Reason))
		}
	}
	res.Stopped = fatal == nil && res.NotDone() > 0
	return res, fatal
}

// fatalWrite is an image that could not be written: the disk, not the prompt.
type fatalWrite struct{ error }

func (e fatalWrite) Unwrap() error { return e.error }

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

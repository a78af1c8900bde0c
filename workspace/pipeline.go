// Pipeline runs: the FLUX-Reason curation pipeline (package pipeline: versioned prompts and
// schemas) over a workspace: prompts in, then step by step over the items - generation through a
// generator backend, scores, captions and translations through an OpenAI-compatible backend - storing
// every output as texts, inline pipeline scores and labels of the rater "pipeline:<model>" that record
// the prompt version. Model answers are cached by request, and finished outputs are skipped, so a rerun
// or a resumed run repeats no work.

package workspace

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/generate"
	"github.com/loupe-dev/loupe/pipeline"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/vlm"
)

// Thresholds are the keep/drop rules between steps (0-10): the pipeline's, which its steps apply.
type Thresholds = pipeline.Thresholds

// DefaultThresholds are the thresholds without configuration.
var DefaultThresholds = Thresholds{Clarity: 7, Structure: 6, Trait: 6, Typography: 5, Original: 6}

// PipelineOptions describe a run.
type PipelineOptions struct {
	Steps      []string
	Backend    *vlm.Backend // the LLM/VLM steps' backend (nil: only generate)
	Generator  generate.Generator
	GenName    string
	Prompts    []string // seed prompts (a prompt file); empty: work on existing items
	Items      []int64  // existing items to work on (a queue's)
	Subset     string   // subset of the items a prompt run makes
	Seed       int64
	ImageDir   string
	Width      int
	Height     int
	Thresholds Thresholds
	Force      bool // redo outputs that exist, asking the model again (one item's rerun from the review screen)
	Progress   func(step string, done, total int)
}

// StepStats are one step's counts.
type StepStats struct {
	Step      string  `json:"step"`
	Version   string  `json:"version,omitempty"`
	Items     int     `json:"items"`
	Requests  int     `json:"requests"`
	Cached    int     `json:"from_cache"`
	Skipped   int     `json:"already_done"`
	Kept      int     `json:"kept"`
	Dropped   int     `json:"dropped"`
	Failed    int     `json:"failed"`
	InputTok  int     `json:"input_tokens"`
	OutputTok int     `json:"output_tokens"`
	CostUSD   float64 `json:"cost_usd"`
	Seconds   float64 `json:"seconds"`
	LastError string  `json:"last_error,omitempty"`
}

// PipelineSummary is a run's outcome, step by step.
type PipelineSummary struct {
	Items int          `json:"items"`
	Steps []*StepStats `json:"steps"`
}

// pipeRunner holds a run's state.
type pipeRunner struct {
	st      *store.Store
	o       PipelineOptions
	client  *vlm.Client
	raterID int64
	rater   string
	mu      sync.Mutex
}

// pipeItem is what the steps read of one item.
type pipeItem struct {
	id      int64
	ext     string
	path    string
	texts   map[string]map[string]string
	scores  review.Scores
	caps    uint16
	ref     review.ImageRef // the picture as the workspace records it
	dropped string
	notes   []string
}

func (r *pipeRunner) load(ctx context.Context, id int64) (*pipeItem, error) {
	it, err := r.st.ItemByID(ctx, id)
	if err != nil {
		return nil, err
	}
	x := &pipeItem{id: id, ext: it.ExtID, path: it.Image.Path, ref: it.Image, texts: map[string]map[string]string{}}
	for _, t := range it.Texts {
		if x.texts[t.Kind] == nil {
			x.texts[t.Kind] = map[string]string{}
		}
		x.texts[t.Kind][t.Lang] = t.Body
		if t.Kind == "note" {
			x.notes = append(x.notes, strings.Split(t.Body, "\n")...)
		}
	}
	for i := range x.scores {
		x.scores[i] = review.NoScore
	}
	for _, l := range it.Labels {
		if l.RaterKind == "pipeline" && l.Rater == "pipeline" && l.Value != nil {
			if k := review.PipelineScoreIndex(l.Dimension); k >= 0 {
				x.scores[k] = int8(*l.Value)
			}
		}
		if l.Rater == r.rater && l.Dimension == review.DecisionDimension && l.Value != nil && *l.Value == 0 {
			x.dropped = l.Justification
		}
	}
	for k, c := range review.CaptionKinds {
		if slices.Contains(it.Captions, c) {
			x.caps |= 1 << k
		}
	}
	return x, nil
}

func (x *pipeItem) text(kind string) string { return x.texts[kind]["en"] }

// picture reads the item's picture: as the import recorded it (checked), or the file this run generated.
func (x *pipeItem) picture() ([]byte, error) {
	switch {
	case x.path == x.ref.Path && (x.ref.Path != "" || x.ref.Shard != ""):
		return Picture(x.ref)
	case x.path == "":
		return nil, errors.New("no picture")
	}
	return dataset.ReadRegular(x.path)
}

// call sends one step's request (from the cache when it was answered before) and parses the answer.
func (r *pipeRunner) call(ctx context.Context, s *pipeline.Step, in pipeline.Input, pic []byte, stats *StepStats) (pipeline.Output, error) {
	p, err := s.Request(r.o.Backend, in, pic)
	if err != nil {
		return pipeline.Output{}, err
	}
	var body []byte
	ok := false
	if !r.o.Force { // a forced rerun asks the model again
		if body, ok, err = (store.JudgeCache{S: r.st}).Get(ctx, p.Key); err != nil {
			return pipeline.Output{}, err
		}
	}
	r.mu.Lock()
	if ok {
		stats.Cached++
	} else {
		stats.Requests++
	}
	r.mu.Unlock()
	if !ok {
		if body, err = r.client.Send(ctx, p); err != nil {
			return pipeline.Output{}, err
		}
		c, _ := vlm.ParseCompletion(body)
		if err := store.CacheResponse(ctx, r.st.DB, p.Key, r.o.Backend.Name, r.o.Backend.Model, body, c.InputTokens, c.OutputTokens); err != nil {
			return pipeline.Output{}, err
		}
		pin, pout, _ := r.o.Backend.Prices()
		r.mu.Lock()
		stats.InputTok += c.InputTokens
		stats.OutputTok += c.OutputTokens
		stats.CostUSD += (float64(c.InputTokens)*pin + float64(c.OutputTokens)*pout) / 1e6
		r.mu.Unlock()
	}
	// Send redacts the API key from what it receives; redacted again here for answers cached before
	// it did, so no step output (caption, translation, label, note) holds the key
	c, err := vlm.ParseCompletion(r.client.RedactBody(body))
	if err != nil {
		return pipeline.Output{}, err
	}
	if c.Refusal != "" {
		return pipeline.Output{}, fmt.Errorf("refused: %s", r.client.Redact(c.Refusal))
	}
	return s.Parse(r.client.Redact(c.Content))
}

// label stores a pipeline label (the step version in rubric_hash: the prompt it was made with).
// A forced rerun keeps the earlier label and adds the new one as a further sample.
func (r *pipeRunner) label(ctx context.Context, id int64, dim string, v float64, version, why string) error {
	sample := 0
	if r.o.Force {
		var err error
		if sample, err = r.st.NextSample(ctx, id, r.raterID, dim); err != nil {
			return err
		}
	}
	return r.st.SaveVerdicts(ctx, []review.Verdict{{ItemID: id, Dimension: dim, RaterID: r.raterID, Sample: sample, Value: &v, RubricHash: version, Justification: why}})
}

func (r *pipeRunner) drop(ctx context.Context, x *pipeItem, step, why string) error {
	x.dropped = step + ": " + why
	return r.label(ctx, x.id, review.DecisionDimension, 0, step, x.dropped)
}

func (r *pipeRunner) setScores(ctx context.Context, x *pipeItem, version string, scores map[string]float64) error {
	var s review.Scores
	for i := range s {
		s[i] = review.NoScore
	}
	for dim, v := range scores {
		if k := review.PipelineScoreIndex(dim); k >= 0 {
			s[k] = int8(math.Round(math.Max(0, math.Min(10, v))))
			x.scores[k] = s[k]
		}
		if err := r.label(ctx, x.id, dim, v, version, ""); err != nil {
			return err
		}
	}
	return store.SetPipelineScores(ctx, r.st.DB, x.id, 0, s)
}

func (r *pipeRunner) putText(ctx context.Context, x *pipeItem, kind, lang, body string) error {
	if err := store.SetText(ctx, r.st.DB, x.id, kind, lang, body); err != nil {
		return err
	}
	if x.texts[kind] == nil {
		x.texts[kind] = map[string]string{}
	}
	x.texts[kind][lang] = body
	if k := slices.Index(review.CaptionKinds[:], kind); k >= 0 && lang == "en" {
		x.caps |= 1 << k
		var s review.Scores
		for i := range s {
			s[i] = review.NoScore
		}
		return store.SetPipelineScores(ctx, r.st.DB, x.id, 1<<k, s)
	}
	return nil
}

// note adds a note line, once per distinct finding: a rerun that finds the same again adds nothing.
func (r *pipeRunner) note(ctx context.Context, x *pipeItem, body string) error {
	if slices.Contains(x.notes, body) {
		return nil
	}
	x.notes = append(x.notes, body)
	return store.SetText(ctx, r.st.DB, x.id, "note", "en", strings.Join(x.notes, "\n"))
}

func (x *pipeItem) hasNote(prefix string) bool {
	for _, n := range x.notes {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// RunPipeline runs the steps. Prompts (when given) become items first; each step then works on the items not
// dropped by an earlier one, skipping outputs that exist.
func (w *Workspace) RunPipeline(ctx context.Context, o PipelineOptions) (*PipelineSummary, error) {
	r := &pipeRunner{st: w.st, o: o}
	if o.Backend != nil {
		c, err := vlm.NewClient(o.Backend, nil)
		if err != nil {
			return nil, err
		}
		r.client = c
		r.rater = "pipeline:" + o.Backend.Model
		if r.raterID, err = store.EnsureRater(ctx, w.st.DB, "pipeline", r.rater, o.Backend.Model, "pipeline-v1"); err != nil {
			return nil, err
		}
	} else {
		var err error
		r.rater = "pipeline:offline"
		if r.raterID, err = store.EnsureRater(ctx, w.st.DB, "pipeline", r.rater, "", "pipeline-v1"); err != nil {
			return nil, err
		}
	}
	sum := &PipelineSummary{}
	steps := o.Steps
	for _, name := range steps {
		s, ok := pipeline.Lookup(name)
		switch {
		case !ok:
			return nil, fmt.Errorf("unknown step %q (steps: %s)", name, strings.Join(pipeline.Order, ", "))
		case !s.Generates && o.Backend == nil:
			return nil, fmt.Errorf("step %s needs --backend", name)
		case s.Generates && o.Generator == nil:
			return nil, fmt.Errorf("step %s needs --generator", name)
		}
	}
	ids := o.Items
	prompts := o.Prompts
	if len(prompts) > 0 {
		if slices.Contains(steps, "expand") {
			expand, _ := pipeline.Lookup("expand")
			stats := &StepStats{Step: "expand", Version: expand.Version}
			sum.Steps = append(sum.Steps, stats)
			start := time.Now()
			// the backend's concurrency at a time; the new prompts kept in seed order (a rerun makes
			// the same items)
			outs := make([][]string, len(prompts))
			next, done := make(chan int), 0
			var wg sync.WaitGroup
			for range max(1, min(o.Backend.Workers(), len(prompts))) {
				wg.Go(func() {
					for i := range next {
						out, err := r.call(ctx, expand, pipeline.Input{Prompt: prompts[i]}, nil, stats)
						r.mu.Lock()
						stats.Items++
						done++
						if err != nil {
							stats.Failed++
							stats.LastError = err.Error()
						} else {
							outs[i] = out.Prompts
							stats.Kept += len(out.Prompts)
						}
						if o.Progress != nil {
							o.Progress("expand", done, len(prompts))
						}
						r.mu.Unlock()
					}
				})
			}
		feed:
			for i := range prompts {
				select {
				case next <- i:
				case <-ctx.Done():
					break feed
				}
			}
			close(next)
			wg.Wait()
			for _, extra := range outs {
				for _, p := range extra {
					if !slices.Contains(prompts, p) {
						prompts = append(prompts, p)
					}
				}
			}
			stats.Seconds = time.Since(start).Seconds()
		}
		var err error
		if ids, err = r.makeItems(ctx, prompts); err != nil {
			return nil, err
		}
	}
	sum.Items = len(ids)
	for _, name := range steps {
		if name == "expand" {
			continue
		}
		s, _ := pipeline.Lookup(name)
		stats := &StepStats{Step: name, Version: s.Version}
		sum.Steps = append(sum.Steps, stats)
		start := time.Now()
		err := r.each(ctx, ids, name, stats)
		stats.Seconds = time.Since(start).Seconds()
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// makeItems creates (or finds) one item per prompt, the prompt as its original caption.
func (r *pipeRunner) makeItems(ctx context.Context, prompts []string) ([]int64, error) {
	sub, err := store.EnsureSubset(ctx, r.st.DB, r.o.Subset, "dataset")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(r.o.ImageDir, 0o755); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(r.o.ImageDir)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(prompts))
	err = store.InTx(ctx, r.st.DB, func(tx *sql.Tx) error {
		for i, p := range prompts {
			ext := fmt.Sprintf("%s-%08d", r.o.Subset, i)
			var s review.Scores
			for k := range s {
				s[k] = review.NoScore
			}
			id, _, err := store.InsertItem(ctx, tx, store.NewItem{ExtID: ext, Kind: review.Sample, SubsetID: sub,
				ImagePath: filepath.Join(dir, export.SafeName(ext)+".png"), Scores: s})
			if err != nil {
				return err
			}
			if _, err := store.PutText(ctx, tx, id, "original", "en", p); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

// each runs one step over the items, the backend's concurrency at a time.
func (r *pipeRunner) each(ctx context.Context, ids []int64, name string, stats *StepStats) error {
	workers := 1
	switch {
	case name == "generate":
		workers = generate.Workers(r.o.Generator)
	case r.o.Backend != nil:
		workers = r.o.Backend.Workers()
	}
	jobs := make(chan int64)
	var wg sync.WaitGroup
	var fatal error
	var done int
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				err := r.step(ctx, id, name, stats)
				r.mu.Lock()
				done++
				if err != nil {
					var ce *vlm.CallError
					if errors.As(err, &ce) && ce.Fatal() && fatal == nil {
						fatal = err
					}
					if ctx.Err() != nil && fatal == nil {
						fatal = ctx.Err()
					}
					stats.Failed++
					stats.LastError = fmt.Sprintf("item %d: %v", id, err)
				}
				if r.o.Progress != nil {
					r.o.Progress(name, done, len(ids))
				}
				r.mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		r.mu.Lock()
		f := fatal
		r.mu.Unlock()
		if f != nil {
			break
		}
		select {
		case jobs <- id:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	return fatal
}

func (r *pipeRunner) count(f func()) {
	r.mu.Lock()
	f()
	r.mu.Unlock()
}

// step runs one step on one item: generate here, every model step through its pipeline.Step hooks
// (Prepare completes the input or skips the item, the model is asked, Apply stores the answer).
func (r *pipeRunner) step(ctx context.Context, id int64, name string, stats *StepStats) error {
	x, err := r.load(ctx, id)
	if err != nil {
		return err
	}
	if x.dropped != "" && !r.o.Force {
		return nil
	}
	r.count(func() { stats.Items++ })
	skip := func() error { r.count(func() { stats.Skipped++ }); return nil }
	kept := func() error { r.count(func() { stats.Kept++ }); return nil }
	dropped := func(why string) error {
		r.count(func() { stats.Dropped++ })
		return r.drop(ctx, x, name, why)
	}
	s, ok := pipeline.Lookup(name)
	if !ok || s.OnPrompts {
		return fmt.Errorf("step %s has no pipeRunner", name)
	}
	if s.Generates {
		if _, err := os.Stat(x.path); err == nil && !r.o.Force {
			return skip()
		}
		prompt := x.text("prompt")
		if prompt == "" {
			prompt = x.text("original")
		}
		seed := r.o.Seed + id
		img, err := r.o.Generator.Generate(ctx, generate.Request{Prompt: prompt, Seed: seed, Width: r.o.Width, Height: r.o.Height})
		if errors.Is(err, generate.ErrRefused) {
			return dropped("refused by the generator: " + err.Error())
		}
		if err != nil {
			return err
		}
		r.count(func() { stats.Requests++ })
		if err := export.WriteAtomic(x.path, img.Bytes); err != nil {
			return err
		}
		if err := r.note(ctx, x, fmt.Sprintf("generated with %s, seed %d", r.o.GenName, seed)); err != nil {
			return err
		}
		return kept()
	}
	var pic []byte
	if !s.ImageOptional { // an optional picture is read only when the step runs
		var perr error
		pic, perr = x.picture()
		if s.NeedsImage && perr != nil {
			return fmt.Errorf("%s: %w (run generate first)", x.ext, perr)
		}
	}
	in := pipeline.Input{Prompt: x.text("prompt"), Caption: x.text("original"), Captions: map[string]string{}}
	if in.Prompt == "" {
		in.Prompt = in.Caption // no rewrite: the original caption is what the picture was made from
	}
	if in.Prompt == "" {
		in.Prompt = "(no caption: judge the picture on its own)" // a new image without a sidecar caption
	}
	for _, k := range pipeline.TranslateKinds {
		if t := x.text(k); t != "" {
			in.Captions[k] = t
		}
	}
	it := stepItem{r: r, x: x}
	switch s.Prepare(ctx, it, &in, pic, r.o.Thresholds, r.o.Force) {
	case pipeline.Done:
		return skip()
	case pipeline.Skip:
		return nil
	}
	step := s
	if s.ImageOptional {
		pic, _ = x.picture()
		if len(pic) == 0 && s.NeedsImage {
			// a prompt run has no source picture yet: the step goes without it
			cp := *s
			cp.NeedsImage = false
			step = &cp
		}
	}
	call := func(ctx context.Context, in pipeline.Input) (pipeline.Output, error) {
		return r.call(ctx, step, in, pic, stats)
	}
	out, err := call(ctx, in)
	if err != nil {
		return err
	}
	v, err := s.Apply(ctx, it, in, out, r.o.Thresholds, call)
	if err != nil {
		return err
	}
	switch {
	case v.Drop != "":
		return dropped(v.Drop)
	case v.Flag != "":
		r.count(func() { stats.Failed++ })
		return it.Note(ctx, v.Flag)
	}
	return kept()
}

// stepItem is one item as the steps' hooks see it (pipeline.Item): the runner's item, written through
// the runner.
type stepItem struct {
	r *pipeRunner
	x *pipeItem
}

// Text returns the item's text of this kind and language.
func (it stepItem) Text(kind, lang string) string { return it.x.texts[kind][lang] }

// HasScore reports whether the pipeline score dim is set.
func (it stepItem) HasScore(dim string) bool {
	k := review.PipelineScoreIndex(dim)
	return k >= 0 && it.x.scores[k] != review.NoScore
}

// Score returns the pipeline score dim (0 for an unknown dimension).
func (it stepItem) Score(dim string) float64 {
	k := review.PipelineScoreIndex(dim)
	if k < 0 {
		return 0
	}
	return float64(it.x.scores[k])
}

// Notes returns the item's note lines.
func (it stepItem) Notes() []string { return it.x.notes }

// HasNote reports whether a note line starts with prefix.
func (it stepItem) HasNote(prefix string) bool { return it.x.hasNote(prefix) }

// PutText stores a text of the item.
func (it stepItem) PutText(ctx context.Context, kind, lang, body string) error {
	return it.r.putText(ctx, it.x, kind, lang, body)
}

// SetScores stores pipeline scores of the item.
func (it stepItem) SetScores(ctx context.Context, version string, scores map[string]float64) error {
	return it.r.setScores(ctx, it.x, version, scores)
}

// Note appends a note line to the item.
func (it stepItem) Note(ctx context.Context, body string) error { return it.r.note(ctx, it.x, body) }

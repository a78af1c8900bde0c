package workspace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/vlm"
)

// StoredRubrics turns a rubric set into the rows the workspace keeps (alignment by track, then
// aesthetics).
func StoredRubrics(set judge.RubricSet) []store.StoredRubric {
	var out []store.StoredRubric
	tracks := make([]string, 0, len(set.Alignment))
	for t := range set.Alignment {
		tracks = append(tracks, t)
	}
	sort.Strings(tracks)
	for _, t := range tracks {
		r := set.Alignment[t]
		out = append(out, store.StoredRubric{Kind: "alignment", Track: t, Template: r.Template, Hash: r.Hash()})
	}
	return append(out, store.StoredRubric{Kind: "aesthetics", Template: set.Aesthetics.Template, Hash: set.Aesthetics.Hash()})
}

// ErrNoRubricSet says a named rubric set is not in the workspace.
var ErrNoRubricSet = errors.New("no such rubric set")

// RubricSet returns a stored rubric set (the built-in one is stored on first use) and the hash of the
// whole set.
func RubricSet(ctx context.Context, st *store.Store, name string) (judge.RubricSet, string, error) {
	if name == judge.Builtin().Name {
		if _, err := st.SaveRubricSet(ctx, name, "built in", StoredRubrics(judge.Builtin())); err != nil {
			return judge.RubricSet{}, "", err
		}
	}
	info, err := st.RubricSet(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return judge.RubricSet{}, "", fmt.Errorf("%w %q (loupe rubrics list; loupe rubrics import PATH)", ErrNoRubricSet, name)
	}
	if err != nil {
		return judge.RubricSet{}, "", err
	}
	set := judge.RubricSet{Name: name, Alignment: map[string]judge.Rubric{}}
	h := sha256.New()
	for _, r := range info.Rubrics { // ordered by kind, track
		fmt.Fprintf(h, "%s/%s=%s\n", r.Kind, r.Track, r.Hash)
		if r.Kind == "aesthetics" {
			set.Aesthetics = judge.Rubric{Kind: r.Kind, Template: r.Template}
		} else {
			set.Alignment[r.Track] = judge.Rubric{Kind: r.Kind, Track: r.Track, Template: r.Template}
		}
	}
	return set, hex.EncodeToString(h.Sum(nil)), nil
}

// Rater returns the rater a backend's verdicts are stored under: for VLM judges the model, the rubric set
// (so verdicts made with other rubric texts never share a rater) and the backend's verdict settings where
// they are not the defaults (vlm.Backend.VerdictSettings: "[detail=low, parse=extract]"); the offline
// judge's own name otherwise.
func Rater(ctx context.Context, st *store.Store, b *vlm.Backend, set, setHash string) (int64, string, error) {
	name, model, version := store.RaterName(b.Model, set, setHash), b.Model, setHash
	if vs := b.VerdictSettings(); vs != "" && !b.Offline() {
		name += " [" + vs + "]"
	}
	if b.Offline() {
		name, model, version = b.Kind, b.Kind, "offline-v1"
		if b.Kind == judge.KindOCR {
			model = "tesseract"
		}
	}
	id, err := store.EnsureRater(ctx, st.DB, "judge", name, model, version)
	return id, name, err
}

// ImageLoader reads a target's encoded picture, from its file or its Parquet shard.
func ImageLoader(t store.JudgeTarget) func() ([]byte, error) {
	return func() ([]byte, error) { return Picture(t.Image) }
}

// Selection is what to judge.
type Selection struct {
	Queue string   // the items of a queue, or
	Items []string // these items
	Kinds []string // "alignment", "aesthetics"
}

// Tasks are the verdicts still to make for a rater, and how many were already made or cannot be made
// (no prompt or track).
type Tasks struct {
	Open        []*judge.Task
	AlreadyDone int
	Unusable    int
}

// OpenTasks builds the tasks of a selection the rater has not done. Generations are judged against
// their prompt; dataset samples against the caption of their dominant trait, read from the shard when
// it is not in the workspace. Offline judges check alignment only.
func OpenTasks(ctx context.Context, st *store.Store, sel Selection, set judge.RubricSet, raterID int64, offline bool) (Tasks, error) {
	kinds := sel.Kinds
	if offline {
		kinds = []string{"alignment"}
	}
	var out Tasks
	targets, err := st.JudgeTargets(ctx, sel.Queue, sel.Items)
	if err != nil {
		return out, err
	}
	done := map[string]map[int64]bool{}
	for _, k := range kinds {
		t := judge.Task{Kind: k}
		if done[k], err = st.Judged(ctx, raterID, t.Dimension()); err != nil {
			return out, err
		}
	}
	for _, tg := range targets {
		fillPrompt(&tg)
		for _, k := range kinds {
			if done[k][tg.ItemID] {
				out.AlreadyDone++
				continue
			}
			if tg.Prompt == "" || tg.Track == "" {
				out.Unusable++
				continue
			}
			r, err := set.For(k, tg.Track)
			if err != nil {
				return out, err
			}
			out.Open = append(out.Open, &judge.Task{ItemID: tg.ItemID, Kind: k, Track: tg.Track, Prompt: tg.Prompt, Rubric: r, Image: ImageLoader(tg)})
		}
	}
	return out, nil
}

// toStore is a result's verdict as the store keeps it: with the rater, the run and the sample, and with
// the backend's API key redacted from its texts and response (the client already redacts what it
// receives; this pass covers every other way in).
func toStore(res judge.Result, b *vlm.Backend, raterID, runID int64, sample int) []review.Verdict {
	v := judge.RedactResult(b, res).Verdict
	v.RaterID, v.RunID, v.Sample = raterID, runID, sample
	return []review.Verdict{v}
}

// Offline runs an offline judge (ocr or rules) over a queue with loupe's rubrics and stores its
// verdicts; it returns how many verdicts it stored and how many items it did not apply to.
func Offline(ctx context.Context, st *store.Store, kind, queue string) (stored, skipped int, err error) {
	b := &vlm.Backend{Name: kind, Kind: kind}
	if err := b.Normalize(); err != nil {
		return 0, 0, err
	}
	if !b.Offline() {
		return 0, 0, fmt.Errorf("%s is not an offline judge", kind)
	}
	set, setHash, err := RubricSet(ctx, st, judge.Builtin().Name)
	if err != nil {
		return 0, 0, err
	}
	raterID, _, err := Rater(ctx, st, b, set.Name, setHash)
	if err != nil {
		return 0, 0, err
	}
	tasks, err := OpenTasks(ctx, st, Selection{Queue: queue}, set, raterID, true)
	if err != nil {
		return 0, 0, err
	}
	runID, err := st.StartRun(ctx, "judge", b.Name, b.Model, `{"offline":true}`, setHash)
	if err != nil {
		return 0, 0, err
	}
	r := &judge.Runner{Judge: judge.OfflineJudge{B: b}, Workers: b.Concurrency,
		Store: func(res judge.Result) error {
			return st.SaveVerdicts(ctx, toStore(res, b, raterID, runID, 0))
		}}
	p, err := r.Run(ctx, ctx, tasks.Open)
	status := "done"
	if err != nil {
		status = "failed"
	}
	if ferr := st.FinishRun(context.WithoutCancel(ctx), runID, status, store.RunTotals{Verdicts: p.Verdicts, Failed: p.Failed}); ferr != nil && err == nil {
		err = ferr
	}
	if err == nil && p.Errors > 0 {
		err = errors.New(p.LastError)
	}
	return p.Verdicts + p.Failed, p.Skipped, err
}

// captionOf returns the English text of a kind ("" when there is none).
func captionOf(texts []review.Text, kind string) string {
	for _, t := range texts {
		if t.Kind == kind && t.Lang == "en" {
			return t.Body
		}
	}
	return ""
}

// fillPrompt gives a dataset sample without a prompt the caption of its dominant trait, read from its
// shard row (the picture is read when the task runs: holding every task's picture would not fit a
// large queue).
func fillPrompt(tg *store.JudgeTarget) {
	if tg.Prompt == "" && tg.Image.Shard != "" && tg.Trait >= 0 {
		if c := ContentOf(&review.Item{Image: tg.Image}); c.RowErr == nil {
			tg.Prompt, tg.Lang = captionOf(c.Texts, review.CaptionKinds[tg.Trait]), "en"
		}
	}
}

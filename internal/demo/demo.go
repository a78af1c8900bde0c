// Package demo builds loupe's demo workspace offline and deterministically from a seed: it draws the
// pictures, writes them as FLUX-Reason-6M shards and a PRISM-Bench folder, imports both like any user
// data, then adds what a review session would leave behind (two annotators' decisions, an override, an
// undo) and two review queues.
package demo

import (
	"os/exec"

	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/dataset/synth"
	"github.com/loupe-dev/loupe/ingest"
	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/workspace"
)

// Options sizes the demo.
type Options struct {
	Dir          string // where the pictures go (shards/, prism-bench/)
	Seed         int64
	RowsPerShard int // dataset samples per subset shard (4 subsets)
	ImagesTrack  int // PRISM-Bench images per track and model
	Models       []string
	Progress     func(string)
}

// Defaults returns the standard demo: 4 x 16 dataset samples at 768 px and 7 tracks x 6 prompts x 2
// models at 512 px (148 pictures).
func Defaults(dir string, seed int64) Options {
	return Options{Dir: dir, Seed: seed, RowsPerShard: 16, ImagesTrack: 6, Models: []string{"aurora-xl", "pixelsmith-2"}}
}

// Summary says what the demo holds.
type Summary struct {
	Samples     int `json:"dataset_samples"`
	Generations int `json:"generations"`
	Defects     int `json:"known_defects"`
	JudgeLabels int `json:"judge_labels"`
	// OfflineLabels are the verdicts of the offline judges (rules; ocr when tesseract is installed).
	OfflineLabels int      `json:"offline_judge_labels"`
	Events        int      `json:"human_events"`
	PairChoices   int      `json:"pair_choices"`  // two annotators' answers on the pair queue
	PairVerdicts  int      `json:"pair_verdicts"` // the synthetic pairwise judge's answers, both orders
	Queues        []string `json:"queues"`
	Dir           string   `json:"dir"`
}

// wrongShare is the share of deliberately wrong images of the demo's i-th model: the first is careful,
// the others sloppy.
func wrongShare(i int) float64 {
	if i == 0 {
		return 0.08
	}
	return 0.35
}

func (o Options) say(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}

// Build writes the demo files under o.Dir and fills the workspace st.
func Build(ctx context.Context, st *store.Store, o Options) (*Summary, error) {
	sum := &Summary{Dir: o.Dir}
	shardDir := filepath.Join(o.Dir, "shards")
	prismDir := filepath.Join(o.Dir, "prism-bench")
	for _, d := range []string{shardDir, prismDir} {
		if err := os.RemoveAll(d); err != nil {
			return nil, err
		}
	}
	o.say("drawing %d dataset pictures (768 px) into %s", 4*o.RowsPerShard, shardDir)
	if _, err := dataset.WriteShards(dataset.GenOptions{Out: shardDir, Shards: 4, Rows: o.RowsPerShard, Seed: o.Seed,
		ImageSize: 768, RowGroups: 4}); err != nil {
		return nil, fmt.Errorf("write demo shards: %w", err)
	}
	o.say("drawing %d PRISM-Bench generations (512 px) into %s", 7*o.ImagesTrack*len(o.Models), prismDir)
	// one careful model and one sloppy one, so the benchmark's leaderboard has something to rank
	for i, m := range o.Models {
		if err := dataset.WritePrism(dataset.PrismOptions{Out: prismDir, Seed: o.Seed, Prompts: 100, Images: o.ImagesTrack,
			Models: []string{m}, ImageSize: 512, Judge: true, Wrong: wrongShare(i)}); err != nil {
			return nil, fmt.Errorf("write demo PRISM-Bench folder: %w", err)
		}
	}
	o.say("importing")
	r1, err := ingest.Import(ctx, st, []string{shardDir}, ingest.Options{})
	if err != nil {
		return nil, err
	}
	r2, err := ingest.Import(ctx, st, []string{prismDir}, ingest.Options{Judge: "demo-judge", Lang: "en"})
	if err != nil {
		return nil, err
	}
	sum.Samples = r1.Inserted
	sum.Generations = r2.Inserted
	sum.JudgeLabels = r2.Labels
	g := synth.New(o.Seed)
	g.WrongShare = wrongShare(0) // the annotators review the first (careful) model
	err = store.InTx(ctx, st.DB, func(tx *sql.Tx) error {
		// Ground truth for dataset samples whose picture deliberately contradicts the captions.
		for _, sub := range synth.Subsets {
			for i := range o.RowsPerShard {
				s := g.Sample(sub, i)
				id, err := store.ItemIDByExt(ctx, tx, s.ID)
				if err != nil {
					return err
				}
				ok := 1.0
				if s.Defect != "" {
					ok = 0
					sum.Defects++
				}
				if _, err := store.PutLabel(ctx, tx, store.NewLabel{ItemID: id, Dimension: "decision",
					RaterID: store.TruthRater, Value: &ok, Justification: s.Defect}); err != nil {
					return err
				}
			}
		}
		n, err := humanSession(ctx, tx, o, g)
		sum.Events = n
		return err
	})
	if err != nil {
		return nil, err
	}
	truthWrong, err := st.TruthRejectedGenerations(ctx)
	if err != nil {
		return nil, err
	}
	sum.Defects += int(truthWrong)
	for _, q := range []struct {
		name, by string
		f        review.Filter
		n        int
	}{
		{"demo", "trait", review.Filter{Kind: "sample"}, 48},
		{"prism-audit", "track", review.Filter{Kind: "generation"}, 70},
	} {
		pop, err := st.Population(q.f, review.Stratify{By: q.by})
		if err != nil {
			return nil, err
		}
		got, err := review.Draw(ctx, pop, review.SampleSpec{N: q.n, Seed: uint64(o.Seed), Stratified: true, Allocation: review.Equal})
		if err != nil {
			return nil, err
		}
		if _, err := st.CreateQueue(ctx, store.QueueSpec{Name: q.name, Strategy: "stratified", Seed: uint64(o.Seed),
			Params: []byte(fmt.Sprintf(`{"by":%q,"allocation":"equal","n":%d}`, q.by, q.n))}, got); err != nil {
			return nil, err
		}
		sum.Queues = append(sum.Queues, q.name)
	}
	o.say("comparing the two models side by side (pair queue %q)", PairQueue)
	if err := pairs(ctx, st, o, sum); err != nil {
		return nil, err
	}
	// Offline judges (not VLMs): the rules judge checks colours, counts and positions; the OCR judge reads
	// the signs with tesseract when it is installed. Their verdicts sit beside the synthetic judge's.
	for _, kind := range []string{judge.KindRules, judge.KindOCR} {
		if kind == judge.KindOCR {
			if _, err := exec.LookPath("tesseract"); err != nil {
				o.say("no OCR verdicts: %v", judge.ErrNoTesseract)
				continue
			}
		}
		o.say("judging with the offline %s judge", kind)
		for _, q := range sum.Queues {
			if q == PairQueue {
				continue
			}
			n, _, err := workspace.New(st).Offline(ctx, kind, q)
			if err != nil {
				return nil, fmt.Errorf("demo %s verdicts: %w", kind, err)
			}
			sum.OfflineLabels += n
		}
	}
	return sum, nil
}

// humanSession records two annotators' work on the first model's generations: decisions that mostly
// follow the ground truth, alignment overrides where the judge missed a defect, one undo and re-decision.
func humanSession(ctx context.Context, tx *sql.Tx, o Options, g *synth.Generator) (int, error) {
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 42))
	events := 0
	model := o.Models[0]
	for ai, name := range []string{"ana", "ben"} {
		ann, err := store.EnsureAnnotator(ctx, tx, name)
		if err != nil {
			return events, err
		}
		accuracy := []float64{0.95, 0.85}[ai]
		for _, t := range synth.Tracks {
			for i := range o.ImagesTrack {
				p := g.Prompt(t, i)
				id, err := store.ItemIDByExt(ctx, tx, fmt.Sprintf("prism-en/%s/%s/%d", model, t, i))
				if err != nil {
					return events, err
				}
				ok := !g.Wrong(model, p)
				if rng.Float64() > accuracy {
					ok = !ok
				}
				v, txt, reason := 1.0, "accept", ""
				if !ok {
					v, txt, reason = 0, "reject", "does not follow the prompt"
				}
				eid, err := store.AppendEvent(ctx, tx, store.NewEvent{ItemID: id, AnnotatorID: ann, Dimension: "decision",
					Kind: "set", Value: &v, ValueText: txt, Reason: reason})
				if err != nil {
					return events, err
				}
				events++
				// every decided generation also gets the annotator's alignment score (ben's are noisier)
				var score float64
				why := ""
				switch {
				case ok:
					score = float64(10 - rng.IntN(2+ai*2))
				default:
					score = float64(2 + rng.IntN(3+ai))
				}
				if g.Wrong(model, p) && !ok {
					if judge, _ := g.Verdict(model, p, true, "alignment"); judge >= 6 { // the judge missed it
						score = float64(rng.IntN(3) + 1)
						why = fmt.Sprintf("judge gave %d but the image contradicts the prompt", judge)
					}
				}
				if _, err := store.AppendEvent(ctx, tx, store.NewEvent{ItemID: id, AnnotatorID: ann, Dimension: "prism_alignment",
					Kind: "set", Value: &score, Reason: why}); err != nil {
					return events, err
				}
				events++
				if ai == 1 && t == "composition" && i == 0 { // ben changes his mind: undo, then decide again
					if _, err := store.AppendEvent(ctx, tx, store.NewEvent{ItemID: id, AnnotatorID: ann, Kind: "undo",
						Replaces: eid, Reason: "pressed the wrong key"}); err != nil {
						return events, err
					}
					w := 1 - v
					wt := map[bool]string{true: "accept", false: "reject"}[w == 1]
					if _, err := store.AppendEvent(ctx, tx, store.NewEvent{ItemID: id, AnnotatorID: ann, Dimension: "decision",
						Kind: "set", Value: &w, ValueText: wt, Reason: "second look"}); err != nil {
						return events, err
					}
					events += 2
				}
			}
		}
	}
	return events, nil
}

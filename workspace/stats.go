package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// StatsOptions choose what an agreement report computes.
type StatsOptions struct {
	Queue     string   // the queue's ratings; empty: the whole workspace
	By        string   // "dimension" (or empty), track, subset, model or annotator
	Pair      []string // two raters to compare only, or none
	MinItems  int
	Resamples int
	Seed      uint64
	Level     float64
	Save      bool   // store the report's snapshot, or find the one stored for the same inputs
	Who       string // who saved it (default $USER)
}

// ErrStatsUsage marks options Stats refuses (an unknown By, a Pair that is not two raters).
var ErrStatsUsage = errors.New("bad statistics options")

// Stats loads the ratings and computes the agreement report; with Save it stores its snapshot, or finds
// the one stored for the same inputs (returned with it; nil otherwise).
func (w *Workspace) Stats(ctx context.Context, o StatsOptions) (*review.AgreementReport, *store.SnapshotInfo, error) {
	by := o.By
	switch by {
	case "dimension":
		by = ""
	case "", "track", "subset", "model", "annotator":
	default:
		return nil, nil, fmt.Errorf("%w: --by %q: use dimension, track, subset, model or annotator", ErrStatsUsage, o.By)
	}
	if len(o.Pair) != 0 && len(o.Pair) != 2 {
		return nil, nil, fmt.Errorf("%w: --pair takes two raters: A,B", ErrStatsUsage)
	}
	sc := store.RatingsScope{Queue: o.Queue}
	rs, err := w.st.Ratings(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	pop, err := w.st.ScorePopulation(ctx)
	if err != nil {
		return nil, nil, err
	}
	opt := review.AgreementOptions{By: by, Pair: o.Pair, MinItems: o.MinItems, Resamples: o.Resamples, Seed: o.Seed, Level: o.Level, Population: pop}
	params, _ := json.Marshal(map[string]any{"by": by, "pair": o.Pair, "min_items": o.MinItems, "resamples": o.Resamples, "seed": o.Seed, "level": o.Level})
	rep := review.Agreement(rs, opt)
	fp := store.Fingerprint(rs, params)
	var snap *store.SnapshotInfo
	if o.Save {
		snap, err = w.st.SnapshotByFingerprint(ctx, fp)
		if errors.Is(err, store.ErrNotFound) {
			who := o.Who
			if who == "" {
				who = os.Getenv("USER")
			}
			snap, err = w.st.SaveSnapshot(ctx, who, sc, fp, params, rs, &rep)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return &rep, snap, nil
}

// ReviewStats is the review screen's statistics: the queue's agreement report with a lighter bootstrap
// than loupe stats (the screen recomputes it every few seconds), never saved.
func (w *Workspace) ReviewStats(ctx context.Context, queue string) (*review.AgreementReport, error) {
	rep, _, err := w.Stats(ctx, StatsOptions{Queue: queue, By: "dimension", MinItems: 10, Resamples: 200, Seed: 1, Level: 0.95})
	return rep, err
}

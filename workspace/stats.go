package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

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
	// Conventions of the category figures of scores (kappa distances, the category set or its size):
	// the zero value is loupe's default (value distances on the declared 0-10 scale)
	Conventions review.Conventions
	Save        bool   // store the report's snapshot, or find the one stored for the same inputs
	Who         string // who saved it (default $USER)
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
	pair := o.Pair
	if len(pair) == 2 {
		if pair, err = resolvePair(rs, pair); err != nil {
			return nil, nil, err
		}
	}
	specs, err := w.st.DimensionSpecs(ctx)
	if err != nil {
		return nil, nil, err
	}
	scales := map[string]review.Scale{} // dimensions declared with another scale than 0-10
	for _, d := range specs {
		switch {
		case len(d.Categories) > 0:
			scales[d.Name] = review.Scale{Kind: review.Nominal, Min: 0, Max: float64(len(d.Categories) - 1)}
		case d.Kind == "score" && (d.Min != 0 || d.Max != 10):
			scales[d.Name] = review.Scale{Kind: review.Ordinal, Min: d.Min, Max: d.Max}
		}
	}
	opt := review.AgreementOptions{By: by, Pair: pair, MinItems: o.MinItems, Resamples: o.Resamples, Seed: o.Seed, Level: o.Level, Population: pop,
		Conventions: o.Conventions, Scales: scales}
	ps := map[string]any{"by": by, "pair": o.Pair, "min_items": o.MinItems, "resamples": o.Resamples, "seed": o.Seed, "level": o.Level}
	if !o.Conventions.IsZero() { // the default keeps the parameters (and the fingerprints) of earlier snapshots
		ps["conventions"] = o.Conventions
	}
	if len(scales) > 0 {
		ps["scales"] = scales
	}
	params, _ := json.Marshal(ps)
	rep := review.Agreement(rs, opt)
	if rep.Rows == nil {
		rep.Rows = []review.AgreementRow{} // "rows": [], never null
	}
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

// resolvePair finds the raters two --pair words name: a kind (judge, human, pipeline) or consensus as
// they are; else a rater by its full name ("judge:gpt-4.1", "human:ana", "gpt-4.1 / loupe-v1@1a2b3c4d"),
// by its name without the kind prefix ("gpt-4.1", "ana"), or by a prefix of either that only one rater
// has. A word that names no rater, or several, is a usage error listing the raters there are.
func resolvePair(rs []review.Rating, words []string) ([]string, error) {
	seen := map[string]bool{}
	var names []string
	for _, r := range rs {
		if !seen[r.Rater] {
			seen[r.Rater] = true
			names = append(names, r.Rater)
		}
	}
	slices.Sort(names)
	bare := func(n string) string {
		if i := strings.Index(n, ":"); i > 0 && !strings.Contains(n[:i], " ") {
			return n[i+1:]
		}
		return n
	}
	out := make([]string, len(words))
	for i, w := range words {
		lw := strings.ToLower(strings.TrimSpace(w))
		switch lw {
		case "judge", "human", "pipeline", review.ConsensusRater:
			out[i] = lw
			continue
		}
		var exact, prefix []string
		for _, n := range names {
			ln, lb := strings.ToLower(n), strings.ToLower(bare(n))
			switch {
			case lw == ln || lw == lb:
				exact = append(exact, n)
			case strings.HasPrefix(ln, lw) || strings.HasPrefix(lb, lw):
				prefix = append(prefix, n)
			}
		}
		switch {
		case len(exact) == 1:
			out[i] = exact[0]
		case len(exact) == 0 && len(prefix) == 1:
			out[i] = prefix[0]
		case len(exact)+len(prefix) == 0:
			return nil, fmt.Errorf("%w: --pair: no rater %q; the raters are: %s", ErrStatsUsage, w, listOrNone(names))
		default:
			return nil, fmt.Errorf("%w: --pair: %q names several raters: %s", ErrStatsUsage, w, strings.Join(append(exact, prefix...), "; "))
		}
	}
	return out, nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none (nothing rated yet)"
	}
	return strings.Join(names, "; ")
}

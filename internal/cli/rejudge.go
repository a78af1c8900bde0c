package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/loupe-dev/loupe/internal/config"
	"github.com/loupe-dev/loupe/internal/judging"
	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/store"
)

// rejudger serves the review screen's re-judge key: one item, one backend, in the background. Judges
// (and their HTTP clients) are made once per backend and kept.
type rejudger struct {
	cfg    config.Config
	st     *store.Store
	mu     sync.Mutex
	judges map[string]judge.Judge
}

func newRejudger(cfg config.Config, st *store.Store) *rejudger {
	return &rejudger{cfg: cfg, st: st, judges: map[string]judge.Judge{}}
}

func (r *rejudger) judge(name string) (judge.Judge, *judge.Backend, error) {
	b, err := r.cfg.Backend(name)
	if err != nil {
		return nil, nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if j, ok := r.judges[name]; ok {
		return j, b, nil
	}
	j, err := judge.New(b)
	if err != nil {
		return nil, nil, err
	}
	r.judges[name] = j
	return j, b, nil
}

// rejudge judges one item with the backend using loupe's rubrics and stores the verdicts. A verdict the
// rater already gave is asked again (past the cache) and kept as a further sample beside the first.
func (r *rejudger) rejudge(ctx context.Context, itemID int64, backend string) (string, error) {
	j, b, err := r.judge(backend)
	if err != nil {
		return "", err
	}
	set, setHash, err := judging.RubricSet(ctx, r.st, judge.Builtin().Name)
	if err != nil {
		return "", err
	}
	raterID, _, err := judging.Rater(ctx, r.st, b, set.Name, setHash)
	if err != nil {
		return "", err
	}
	targets, err := r.st.JudgeTargets(ctx, "", []string{strconv.FormatInt(itemID, 10)})
	if err != nil {
		return "", err
	}
	tg := targets[0]
	if tg.Prompt == "" || tg.Track == "" {
		return "", fmt.Errorf("item %s has no prompt or track to judge against", tg.ExtID)
	}
	kinds := []string{"alignment", "aesthetics"}
	if b.Offline() {
		kinds = kinds[:1]
	}
	var parts []string
	for _, k := range kinds {
		rub, err := set.For(k, tg.Track)
		if err != nil {
			return "", err
		}
		t := &judge.Task{ItemID: itemID, Kind: k, Track: tg.Track, Prompt: tg.Prompt, Rubric: rub, Image: judging.ImageLoader(tg)}
		sample, err := r.st.NextSample(ctx, itemID, raterID, t.Dimension())
		if err != nil {
			return "", err
		}
		var cache judge.Cache = store.JudgeCache{S: r.st}
		if sample > 0 {
			cache = nil // asked again on purpose: a fresh answer
		}
		res := j.Run(ctx, t, cache, false)
		switch {
		case res.Err != nil:
			return strings.Join(parts, "; "), res.Err
		case res.Skipped != "":
			parts = append(parts, k+" not applicable ("+res.Skipped+")")
			continue
		case res.Failure != "":
			parts = append(parts, k+" failed: "+res.Failure)
		default:
			parts = append(parts, fmt.Sprintf("%s %g", k, *res.Score))
		}
		err = r.st.SaveVerdicts(ctx, []store.Verdict{judging.VerdictOf(res, b, raterID, 0, sample)})
		if err != nil {
			return "", err
		}
	}
	return strings.Join(parts, "; "), nil
}

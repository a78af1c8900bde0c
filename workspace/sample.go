package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

var errNoQueues = errors.New("the workspace has no queues: make one with loupe sample")

// SampleRequest is a review queue to draw.
type SampleRequest struct {
	Name     string
	Strategy string // random or stratified (recorded with the queue)
	Filter   review.Filter
	Stratify review.Stratify
	Spec     review.SampleSpec
}

// SampleResult is the queue drawn.
type SampleResult struct {
	Items   []review.Candidate
	Elapsed time.Duration // the draw itself
}

// ErrBadFilter wraps a filter or stratification the population query refused.
var ErrBadFilter = errors.New("bad filter")

// Sample draws the items that pass the filter (review.Draw) and stores them as a new queue. A queue of
// that name existing, or no item matching, is an error and leaves the workspace as it was.
func (w *Workspace) Sample(ctx context.Context, r SampleRequest) (*SampleResult, error) {
	pop, err := w.st.Population(r.Filter, r.Stratify)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadFilter, err)
	}
	t0 := time.Now()
	got, err := review.Draw(ctx, pop, r.Spec)
	if err != nil {
		return nil, err
	}
	res := &SampleResult{Items: got, Elapsed: time.Since(t0)}
	if len(got) == 0 {
		return nil, fmt.Errorf("no items match the filters: queue %q not created", r.Name)
	}
	params, _ := json.Marshal(map[string]any{"n": r.Spec.N, "stratify": r.Stratify, "allocation": r.Spec.Allocation, "filter": r.Filter})
	if _, err := w.st.CreateQueue(ctx, store.QueueSpec{Name: r.Name, Strategy: r.Strategy, Seed: r.Spec.Seed, Params: params}, got); err != nil {
		if errors.Is(err, store.ErrConflict) && strings.Contains(err.Error(), "queues.name") {
			return nil, fmt.Errorf("a queue named %q exists: choose another --name (queue %q is unchanged)", r.Name, r.Name)
		}
		return nil, err
	}
	return res, nil
}

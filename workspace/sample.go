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
	// The queue's review settings, stored with it: blind mode, other annotators' answers shown before
	// one's own decision, and guidelines (markdown).
	Blind, ShowOthers bool
	Guidelines        string
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
	if r.Filter.Sort != "" {
		return nil, fmt.Errorf("%w: sort=%s orders a review, a sample is drawn at random: leave sort out", ErrBadFilter, r.Filter.Sort)
	}
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
	if qs := (store.QueueSettings{Blind: r.Blind, ShowOthers: r.ShowOthers, Guidelines: r.Guidelines}); qs != (store.QueueSettings{}) {
		if err := w.st.SetQueueSettings(ctx, r.Name, qs); err != nil {
			return nil, fmt.Errorf("queue %q made, but its settings were not stored: %w", r.Name, err)
		}
	}
	return res, nil
}

// QueueSettings returns a queue's review settings (an error wrapping store.ErrNotFound for an unknown
// queue).
func (w *Workspace) QueueSettings(ctx context.Context, queue string) (store.QueueSettings, error) {
	return w.st.QueueSettings(ctx, queue)
}

// SetQueueBlind turns a queue's blind mode on or off.
func (w *Workspace) SetQueueBlind(ctx context.Context, queue string, blind bool) error {
	return w.st.SetQueueBlind(ctx, queue, blind)
}

// SetQueueGuidelines replaces a queue's guidelines (markdown; "" removes them).
func (w *Workspace) SetQueueGuidelines(ctx context.Context, queue, guidelines string) error {
	return w.st.SetQueueGuidelines(ctx, queue, guidelines)
}

package workspace

import (
	"context"

	"github.com/loupe-dev/loupe/review"
)

// Adjudication is what the adjudication screen needs: a queue's disputes, an item's texts (with its
// shard's captions) and the adjudicator's final decision.
type Adjudication struct{ w *Workspace }

// Adjudication returns the workspace's adjudication use cases.
func (w *Workspace) Adjudication() Adjudication { return Adjudication{w: w} }

// Disputes lists the queue's items whose annotators disagree or that someone flagged, in queue order.
func (a Adjudication) Disputes(ctx context.Context, queue string) ([]review.Dispute, error) {
	return a.w.st.Disputes(ctx, queue)
}

// Content reads an item for the adjudication screen: its labels and events, its texts with the shard's
// captions, and a reader of its picture (as Session.Content).
func (a Adjudication) Content(ctx context.Context, item int64) (*review.Item, []review.Text, func() ([]byte, error), error) {
	c, err := a.w.Content(ctx, item)
	if err != nil {
		return nil, nil, nil, err
	}
	return c.Item, c.Texts, c.Picture, c.RowErr
}

// Adjudicate records the adjudicator's final decision on an item (a later one replaces it).
func (a Adjudication) Adjudicate(ctx context.Context, item int64, adjudicator string, accept bool) error {
	_, err := a.w.st.Adjudicate(ctx, item, adjudicator, accept, "")
	return err
}

// DefaultQueue is the queue a review opens when none is named: the first one made.
func (w *Workspace) DefaultQueue(ctx context.Context) (string, error) {
	qs, err := w.st.Queues(ctx)
	if err != nil {
		return "", err
	}
	if len(qs) == 0 {
		return "", errNoQueues
	}
	return qs[0].Name, nil
}

// SetOverlap sets how many annotators should decide each item of a queue.
func (w *Workspace) SetOverlap(ctx context.Context, queue string, k int) error {
	return w.st.SetOverlap(ctx, queue, k)
}

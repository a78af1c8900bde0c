package tui

import (
	"context"
	"time"

	"github.com/loupe-dev/loupe/review"
)

// Session is what the review screen needs from the workspace: one annotator's session on one queue.
// Every write commits before it returns (the screen acknowledges a key only then). The screen calls it
// from background commands, one write or filter at a time, beside item and statistics reads.
// workspace.Session implements it; tests can give the screen a fake.
type Session interface {
	Info() review.SessionInfo
	// Items are the session's items in queue order; Restrict narrows them to a filter's (and returns
	// them) without changing a slice handed out before. An error leaves the session as it was.
	Items() []int64
	Restrict(ctx context.Context, f review.Filter) ([]int64, error)
	// CheckFilter says why a filter names an unknown dimension, track, kind or decision.
	CheckFilter(f review.Filter) error

	// States are the annotator's decisions in force on every position of Items, State on one item:
	// 1 accepted, -1 rejected, 0 none.
	States(ctx context.Context) ([]int8, error)
	State(ctx context.Context, item int64) (int8, error)
	// Resume is the first undecided position; Lease hands out the next item nobody else holds (-1:
	// nothing is left) for ttl.
	Resume(ctx context.Context) (int, error)
	Lease(ctx context.Context, ttl time.Duration) (int, error)
	// LeaseAhead reserves the item the next Lease hands out, besides current, so its picture is ready
	// when the annotator gets there: its position, or -1 when nothing else is left.
	LeaseAhead(ctx context.Context, ttl time.Duration, current int64) (int, error)

	// Record stores one of the annotator's actions and returns its event's id. A decision past the
	// queue's overlap (K annotators already decided the item) is refused with an error saying so.
	Record(ctx context.Context, a review.Action) (int64, error)
	// Undo withdraws the annotator's latest change still in force on item (a value, flag, unflag or
	// note); item 0: the latest change on any item of the queue. Undone.Item 0: nothing to undo.
	Undo(ctx context.Context, item int64) (review.Undone, error)
	// Agreement counts the annotator's values in force that have a judge value (never a pipeline one)
	// and how many of them are within 1 of it.
	Agreement(ctx context.Context) (review.AgreementCount, error)

	// Find returns the id of the item a reference (external id, or workspace id) names.
	Find(ctx context.Context, ref string) (int64, error)
	// Content reads an item, its texts and a reader of its encoded picture. A failed lookup returns a
	// nil item; an item whose texts are incomplete (a shard row that could not be read) returns the item
	// with the error.
	Content(ctx context.Context, item int64) (*review.Item, []review.Text, func() ([]byte, error), error)
	// Stats computes the queue's agreement report for the statistics screen (S).
	Stats(ctx context.Context) (*review.AgreementReport, error)
}

// Disputes is what the adjudication screen needs from the workspace.
type Disputes interface {
	// Disputes lists the queue's items whose annotators disagree or that someone flagged, in queue
	// order.
	Disputes(ctx context.Context, queue string) ([]review.Dispute, error)
	// Content reads an item as Session.Content does: the item (labels, events), its texts with the
	// shard's captions, and a reader of its picture.
	Content(ctx context.Context, item int64) (*review.Item, []review.Text, func() ([]byte, error), error)
	// Adjudicate records the adjudicator's final decision on an item (a later one replaces it).
	Adjudicate(ctx context.Context, item int64, adjudicator string, accept bool) error
}

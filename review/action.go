package review

// ActionKind is what an annotator does to an item in a review session.
type ActionKind int

// The annotator's actions. Each is stored as one event.
const (
	ActDecide ActionKind = iota // accept or reject (Accept), with an optional reason (Text)
	ActScore                    // the annotator's own value on a score dimension (Dimension, Value, Text: reason)
	ActSkip                     // passed over without a value
	ActFlag                     // marked for adjudication (Text: reason)
	ActNote                     // free text attached to the item (Text)
)

// Action is one annotator action on an item.
type Action struct {
	Kind      ActionKind
	Item      int64
	Accept    bool    // ActDecide
	Dimension string  // ActScore
	Value     float64 // ActScore
	Text      string  // the reason, or the note
}

// SessionInfo is what a review session is: its queue, its annotator and the queue's overlap (how
// many annotators should decide each item; above 1, items are leased).
type SessionInfo struct {
	Queue     string
	Annotator string
	Overlap   int
}

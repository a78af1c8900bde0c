package review

// Dispute is an item that needs adjudication: its annotators disagree on it, or someone flagged it.
type Dispute struct {
	ItemID  int64
	ExtID   string
	Answers []Answer
	Flags   []string // "annotator: reason"
	Final   *bool    // the adjudicator's final decision, if any
}

// Answer is one annotator's decision in force on a disputed item.
type Answer struct {
	Annotator string
	Accept    bool
	Reason    string
}

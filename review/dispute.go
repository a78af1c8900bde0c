package review

// Dispute is an item that needs adjudication: its annotators disagree on it, or someone flagged it.
type Dispute struct {
	ItemID  int64
	ExtID   string
	Answers []Answer
	Flags   []string // "annotator: reason" for each flag in force
	Notes   []string // "annotator: text" for each note not undone
	Final   *bool    // the adjudicator's final decision, if any
}

// Answer is one annotator's decision in force on a disputed item, with their scores.
type Answer struct {
	Annotator string
	Accept    bool
	Reason    string             // the decision's reason (an override's reason list and text)
	Scores    map[string]float64 // the annotator's values in force on score dimensions
}

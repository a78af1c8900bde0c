package review

// Verdict is one judge verdict on one item and dimension: the one value that flows from the judge
// (judge.ParseVerdict, judge.Result) to the store (store.SaveVerdicts) unchanged. The judge fills in the
// answer and where it came from; the caller that stores it adds the rater, the run and the sample. It is
// read back as a Label.
type Verdict struct {
	ItemID        int64
	Dimension     string
	RaterID       int64
	Sample        int // 0 for a first verdict; repeated verdicts of the same rater count up
	RunID         int64
	RubricHash    string
	Value         *float64 // the 0-10 score; nil: a failed verdict (Error says why)
	Justification string
	Raw           string // the model's text (or refusal), or the verdict file as read
	Error         string // why the verdict failed, "" if it did not
	Parse         string // "extract" when the score was taken out of prose around the JSON (--parse extract)
	Key           string // request key (content address); "" for offline judges
	Response      []byte // the raw 200 body, to cache with Key; nil when it came from the cache
	Backend       string
	Model         string
	InputTokens   int
	OutputTokens  int
}

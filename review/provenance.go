package review

// The types below are how an export record carries an item's provenance beyond its final values: the
// generation's prompt reference, every machine label and the full human history. The export writers
// write them and `loupe import` reads them back (dataset.ReadManifest, dataset.ReadLoupeShard), so
// they live here, where both sides can reach them.

// PromptRef names a generation's prompt: its suite ("prism"), language and index in the suite's track.
type PromptRef struct {
	Suite string `json:"suite"`
	Lang  string `json:"lang"`
	Index int    `json:"index"`
}

// RecordLabel is one machine label of an item (a judge's verdict, a pipeline value kept as a label,
// ground truth), with its rater. A failed verdict has no value and says why in Error.
type RecordLabel struct {
	Dimension     string   `json:"dimension"`
	Rater         string   `json:"rater"`
	RaterKind     string   `json:"rater_kind"`            // judge, pipeline or truth
	RaterModel    string   `json:"rater_model,omitempty"` // the model behind the rater
	RubricSet     string   `json:"rubric_set,omitempty"`  // the rater's rubric version
	Sample        int      `json:"sample,omitempty"`      // repeated verdicts of one rater count up from 0
	Value         *float64 `json:"value"`                 // null: a failed verdict
	Justification string   `json:"justification,omitempty"`
	Raw           string   `json:"raw,omitempty"`
	Error         string   `json:"error,omitempty"`
	RubricHash    string   `json:"rubric,omitempty"` // the rubric text's hash
	When          string   `json:"when,omitempty"`
}

// RecordEvent is one event of an item's human history, in order. Seq numbers the item's events from 1;
// Replaces is the Seq of the event an edit supersedes or an undo withdraws (0: none), so a history can
// be replayed into another workspace, where the events get new ids.
type RecordEvent struct {
	Seq       int      `json:"seq"`
	Annotator string   `json:"annotator"`
	Kind      string   `json:"kind"` // set, revised_after_reveal, undo, flag, unflag, note, skip, final
	Dimension string   `json:"dimension,omitempty"`
	Value     *float64 `json:"value,omitempty"`
	ValueText string   `json:"value_text,omitempty"`
	Replaces  int      `json:"replaces,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	At        string   `json:"at"`
}

// RecordAnswer is one person's decision in force on an item: an annotator's, or the adjudicator's final
// one.
type RecordAnswer struct {
	Annotator string `json:"annotator"`
	Decision  string `json:"decision"` // accept or reject
	Reason    string `json:"reason,omitempty"`
	When      string `json:"when,omitempty"`
}

// RecordEventKinds are the kinds of human events.
var RecordEventKinds = []string{"set", "revised_after_reveal", "undo", "flag", "unflag", "note", "skip", "final"}

// MachineRaterKinds are the kinds of raters whose values are labels (people's values are events).
var MachineRaterKinds = []string{"judge", "pipeline", "truth"}

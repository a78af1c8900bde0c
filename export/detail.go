package export

import "github.com/loupe-dev/loupe/review"

// The provenance a record carries beyond its final values (see Record and History); the types are
// review's, shared with the importer that reads them back.
type (
	// PromptRef names a generation's prompt.
	PromptRef = review.PromptRef
	// Label is a machine label of the item (a judge's verdict, a pipeline label, ground truth).
	Label = review.RecordLabel
	// Event is one event of the item's human history.
	Event = review.RecordEvent
	// Answer is one person's decision in force.
	Answer = review.RecordAnswer
)

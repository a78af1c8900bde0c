package review

import "fmt"

// ActionKind is what an annotator does to an item in a review session.
type ActionKind int

// The annotator's actions. Each is stored as one event.
const (
	ActDecide ActionKind = iota // accept or reject (Accept), with an optional reason (Text)
	ActScore                    // the annotator's own value on a score dimension (Dimension, Value, Text: reason)
	ActSkip                     // passed over without a value (Text: SkipBroken or SkipLater; empty is SkipLater)
	ActFlag                     // marked for adjudication (Text: reason)
	ActUnflag                   // the annotator's flag on the item withdrawn
	ActNote                     // free text attached to the item (Text)
)

// Skip reasons: an item that cannot be judged (broken picture, empty caption) is ignored for good; one
// skipped for now comes back.
const (
	SkipBroken = "broken"
	SkipLater  = "later"
)

// Action is one annotator action on an item.
type Action struct {
	Kind      ActionKind
	Item      int64
	Accept    bool    // ActDecide
	Dimension string  // ActScore
	Value     float64 // ActScore
	Text      string  // the reason, or the note
	// AfterReveal marks a score or decision given, in blind mode, after the item's judge and pipeline
	// values were revealed: it is stored as its own event kind (revised_after_reveal), and agreement
	// statistics keep using the value given before the reveal.
	AfterReveal bool
}

// SessionInfo is what a review session is: its queue, its annotator and the queue's review settings.
type SessionInfo struct {
	Queue     string
	Annotator string
	Overlap   int // how many annotators should decide each item; above 1, items are leased
	// Blind: the queue asks that judge and pipeline values stay hidden until the annotator decided.
	Blind bool
	// ShowOthers: in overlap mode, other annotators' answers may be shown before one's own decision
	// (by default they are hidden, so the answers stay independent).
	ShowOthers bool
	Guidelines string // the queue's instructions, markdown ("" when none)
}

// Undone says what an undo withdrew. A zero Item means there was nothing to undo.
type Undone struct {
	Item      int64
	ExtID     string
	Kind      string // the withdrawn event's kind: set, revised_after_reveal, flag, unflag, note, skip
	Dimension string // for a value: its dimension ("decision" for accept/reject)
	Old, New  string // the value in force before the undo (New) and after it (Old; "none" when none)
}

// String describes the undo for the status line: "undone on ITEM: decision accept -> none".
func (u Undone) String() string {
	if u.Item == 0 {
		return "nothing to undo"
	}
	who := u.ExtID
	if who == "" {
		who = fmt.Sprint(u.Item)
	}
	switch u.Kind {
	case "set", "revised_after_reveal":
		return fmt.Sprintf("undone on %s: %s %s -> %s", who, u.Dimension, u.New, u.Old)
	case "flag":
		return fmt.Sprintf("undone on %s: flag withdrawn", who)
	case "unflag":
		return fmt.Sprintf("undone on %s: flag restored", who)
	case "note":
		return fmt.Sprintf("undone on %s: note removed", who)
	}
	return fmt.Sprintf("undone on %s: %s", who, u.Kind)
}

// AgreementCount is how many of an annotator's values in force have a judge value on the same item
// and dimension (Total), and how many of those lie within 1 of the judge's (Agree).
type AgreementCount struct {
	Agree, Total int
}

package review

import "fmt"

// PairDimensionOverall is the dimension a pair queue asks about when it names none: "which picture is
// better, all told?".
const PairDimensionOverall = "overall"

// PairSide is one of a comparison's two generations.
type PairSide struct {
	Item  int64
	ExtID string
	Model string
}

// Pair is one comparison of a pair queue: one prompt, two models' pictures of it. A and B are in the
// order sampled; ALeft says which is shown on the left (drawn at random when the queue was made).
type Pair struct {
	Queue     string
	Pos       int
	PromptID  int64
	PromptKey string // suite/lang/track/index: the prompt's id for statistics
	Prompt    string // the prompt's text
	Track     string
	Lang      string
	A, B      PairSide
	ALeft     bool
}

// Left is the side shown on the left.
func (p Pair) Left() PairSide {
	if p.ALeft {
		return p.A
	}
	return p.B
}

// Right is the side shown on the right.
func (p Pair) Right() PairSide {
	if p.ALeft {
		return p.B
	}
	return p.A
}

// Comparison is this pair's answer c by rater, with the sides as shown.
func (p Pair) Comparison(c Choice, rater string) Comparison {
	return Comparison{Prompt: p.PromptKey, Left: p.Left().Model, Right: p.Right().Model, Choice: c, Rater: rater}
}

// ParseChoice reads a choice by its name (left, right, tie, both_bad; "both-bad" and "bothbad" too).
func ParseChoice(s string) (Choice, error) {
	switch s {
	case "left":
		return ChoiceLeft, nil
	case "right":
		return ChoiceRight, nil
	case "tie":
		return ChoiceTie, nil
	case "both_bad", "both-bad", "bothbad":
		return ChoiceBothBad, nil
	}
	return 0, fmt.Errorf("choice %q: want left, right, tie or both_bad", s)
}

// PairProgress is how far a pair queue is: pairs with an answer on every dimension from this annotator
// (Mine), pairs with Overlap complete answers (Complete), out of Total.
type PairProgress struct {
	Total, Mine, Complete int
}

// Valid reports whether c is one of the four answers.
func (c Choice) Valid() bool { return c >= ChoiceLeft && c <= ChoiceBothBad }

// PairUndone says what an undo on a pair withdrew.
type PairUndone struct {
	Pos       int
	Dimension string
	Old, New  string // the choice in force before the undo (New) and after it (Old; "none" when none)
}

// String describes the undo for the status line: "undone on pair 4: overall left -> none".
func (u PairUndone) String() string {
	return fmt.Sprintf("undone on pair %d: %s %s -> %s", u.Pos+1, u.Dimension, u.New, u.Old)
}

// PairScore is one judge's absolute scores of a pair's two pictures on one dimension (Has* false: no
// score for that picture).
type PairScore struct {
	Rater, Dimension  string
	Left, Right       float64
	HasLeft, HasRight bool
}

// PairJudgeAnswer is one pairwise judge answer on a pair, told in terms of the sides shown to the person:
// LeftFirst is true when the judge saw the person's left picture first. Pick is "left", "right", "tie",
// or "" when the answer could not be read.
type PairJudgeAnswer struct {
	Rater, Dimension string
	LeftFirst        bool
	Pick             string
	Justification    string
}

// PairReveal is what a blind pair queue hides until the person answered: the models on each side, the
// judges' absolute scores and pairwise answers, other people's choices.
type PairReveal struct {
	LeftModel, RightModel string
	Scores                []PairScore
	Judges                []PairJudgeAnswer
	Others                []string // "ana: overall left" (only when the queue shows others)
}

// PairInfo describes a pair session: its queue, annotator and the queue's settings.
type PairInfo struct {
	Queue, Annotator string
	Dimensions       []string // what is asked per pair, in order
	Overlap          int
	Blind            bool
	ShowOthers       bool
	Guidelines       string
	Pairs            int
}

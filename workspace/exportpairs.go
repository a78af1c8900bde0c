package workspace

import (
	"context"
	"fmt"

	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/review"
)

// ExportPairsRequest is a pairs file to write from a pair queue.
type ExportPairsRequest struct {
	Queue     string
	Dimension string // default: the queue's first dimension
	// MinRaters is how many people must have answered a pair for it to count (default 1); every one of
	// them must prefer the same picture.
	MinRaters int
	Options   export.Options // Out, Force, Protect
	DryRun    bool
}

// ExportPairsSummary counts what a pairs export wrote and left out.
type ExportPairsSummary struct {
	Out        string
	Dimension  string
	Written    int
	Ties       int // pairs every answer called a tie or both bad, or where ties and preferences mixed
	Disagreed  int // people preferred different pictures
	TooFew     int // fewer answers than MinRaters
	Unanswered int
}

// ExportPairs writes the pairs of a queue that people agreed on as a pairs file (export.PairLine): the
// prompt, the chosen and the rejected picture, and every answer with the sides it was given on.
func (w *Workspace) ExportPairs(ctx context.Context, r ExportPairsRequest) (*ExportPairsSummary, error) {
	pq, err := w.st.PairQueueInfo(ctx, r.Queue)
	if err != nil {
		return nil, err
	}
	if r.Dimension == "" {
		r.Dimension = pq.Dimensions[0]
	}
	asked := false
	for _, d := range pq.Dimensions {
		asked = asked || d == r.Dimension
	}
	if !asked {
		return nil, fmt.Errorf("pair queue %q does not ask about %q (it asks about %v)", r.Queue, r.Dimension, pq.Dimensions)
	}
	if r.MinRaters < 1 {
		r.MinRaters = 1
	}
	pairs, err := w.st.Pairs(ctx, pq)
	if err != nil {
		return nil, err
	}
	answers, err := w.st.PairAnswers(ctx, pq, r.Dimension)
	if err != nil {
		return nil, err
	}
	byPos := map[int][]int{}
	for i, a := range answers {
		byPos[a.Pos] = append(byPos[a.Pos], i)
	}
	sum := &ExportPairsSummary{Out: r.Options.Out, Dimension: r.Dimension}
	var lines []export.PairLine
	for _, p := range pairs {
		idx := byPos[p.Pos]
		switch {
		case len(idx) == 0:
			sum.Unanswered++
			continue
		case len(idx) < r.MinRaters:
			sum.TooFew++
			continue
		}
		l := export.PairLine{Prompt: p.Prompt, PromptID: p.PromptKey, Track: p.Track, Lang: p.Lang, Dimension: r.Dimension,
			Queue: p.Queue, Pair: p.Pos + 1, ShownLeft: p.Left().ExtID, ShownRight: p.Right().ExtID}
		var winner *review.PairSide
		state := "" // "", "agree", "tie", "disagree"
		for _, i := range idx {
			a := answers[i]
			left, right := p.A, p.B
			if a.LeftItem != p.A.Item {
				left, right = p.B, p.A
			}
			ch := export.PairChoice{Rater: "human:" + a.Annotator, Choice: a.Choice.String(), Left: left.ExtID, Right: right.ExtID}
			var pick *review.PairSide
			switch a.Choice {
			case review.ChoiceLeft:
				pick = &left
			case review.ChoiceRight:
				pick = &right
			}
			if pick != nil {
				ch.Chose = pick.ExtID
			}
			l.Choices = append(l.Choices, ch)
			switch {
			case state == "disagree":
			case pick == nil:
				if state != "disagree" {
					state = "tie"
				}
			case winner == nil && state == "":
				winner, state = pick, "agree"
			case winner != nil && winner.Item != pick.Item:
				state = "disagree"
			}
		}
		switch state {
		case "tie":
			sum.Ties++
			continue
		case "disagree":
			sum.Disagreed++
			continue
		}
		loser := p.B
		if winner.Item == p.B.Item {
			loser = p.A
		}
		l.Chosen, l.Rejected, l.ChosenModel, l.RejectedModel = winner.ExtID, loser.ExtID, winner.Model, loser.Model
		l.ChosenImage, l.RejectedImage = w.picturePath(ctx, winner.Item), w.picturePath(ctx, loser.Item)
		lines = append(lines, l)
	}
	sum.Written = len(lines)
	if r.DryRun {
		return sum, nil
	}
	if err := export.WritePairs(lines, r.Options); err != nil {
		return nil, err
	}
	return sum, nil
}

// picturePath is an item's picture file ("" when its picture is in a shard or cannot be looked up).
func (w *Workspace) picturePath(ctx context.Context, item int64) string {
	it, err := w.st.ItemByID(ctx, item)
	if err != nil || it.Image.Shard != "" {
		return ""
	}
	return it.Image.Path
}

package tui

import (
	"fmt"
	"math"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/loupe-dev/loupe/review"
)

// scoresPane shows, per dimension, the pipeline's score as a bar, the judges' values, and the
// annotator's own; then the judges' verdicts with justification on the focused dimension, ground truth
// and the decisions. The focused dimension is what digits and enter set.
type scoresPane struct {
	focus int // index into Dimensions
}

var (
	focusStyle = lipgloss.NewStyle().Reverse(true)
	youStyle   = lipgloss.NewStyle().Bold(true).Underline(true)
	faint      = lipgloss.NewStyle().Faint(true)
)

func bar(v float64, cells int) string {
	n := int(math.Round(v / 10 * float64(cells)))
	n = max(0, min(cells, n))
	return strings.Repeat("█", n) + strings.Repeat("░", cells-n)
}

func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%d", int(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// shortRater names a rater in a few columns.
func shortRater(name string) string {
	name = strings.TrimPrefix(name, "human:")
	if model, _, ok := strings.Cut(name, " / "); ok { // a VLM judge: "org/model / rubric-set@hash"
		name = model[strings.LastIndex(model, "/")+1:]
	}
	if len(name) > 12 {
		name = name[:12]
	}
	return cleanLine(name)
}

// lines renders the pane at width w: the item's dimensions, the focused one's judge verdicts with
// their justification, the decisions and the annotator's own notes and reasons. own is the
// annotator's name; reveal whether machine values show (blind mode); others whether other annotators'
// answers and the ground truth show (overlap mode keeps them back until one's own decision).
func (p *scoresPane) lines(d *itemData, own string, reveal, others bool, w int, th theme) []string {
	if d == nil || d.it == nil {
		return nil
	}
	labels := d.it.Labels
	cells := 10
	if w < 60 {
		cells = 5
	}
	var out []string
	for _, i := range itemDims(d, p.focus) {
		dim := Dimensions[i]
		var machine []string
		var pipe *float64
		you := ""
		for _, l := range labels {
			if l.Dimension != dim || l.Value == nil {
				continue
			}
			switch l.RaterKind {
			case "pipeline":
				pipe = l.Value
			case "judge":
				machine = append(machine, shortRater(l.Rater)+" "+num(*l.Value))
			case "human":
				if l.Rater == "human:"+own {
					you = num(*l.Value)
				}
			}
		}
		name := fmt.Sprintf("%-16s", dim)
		if i == p.focus {
			name = th.focus.Render(name)
		}
		line := name + " "
		switch {
		case !reveal:
			line += th.faint.Render(strings.Repeat("?", cells) + "  hidden")
		case pipe != nil:
			line += bar(*pipe, cells) + fmt.Sprintf(" %2s", num(*pipe))
		default:
			line += th.faint.Render(strings.Repeat("·", cells)) + "   "
		}
		if reveal && len(machine) > 0 {
			line += "  " + strings.Join(machine, " ")
		}
		if you != "" {
			line += "  " + th.you.Render("you "+you)
			if ref, ok := reference(labels, dim); ok && reveal {
				line += fmt.Sprintf(" (Δ%+g)", youValue(labels, dim, own)-ref)
			}
		}
		out = append(out, truncate(line, w))
	}
	// The focused dimension's verdicts, with justification, right under the dimensions.
	dim := Dimensions[p.focus]
	for _, l := range labels {
		if l.Dimension != dim || l.RaterKind != "judge" {
			continue
		}
		if !reveal {
			out = append(out, th.faint.Render("judge verdicts hidden until you decide (blind)"))
			break
		}
		v := "failed"
		if l.Value != nil {
			v = num(*l.Value)
		}
		txt := shortRater(l.Rater) + " on " + dim + ": " + v
		if l.Justification != "" {
			txt += " - " + cleanLine(l.Justification)
		} else if l.Error != "" {
			txt += " - " + cleanLine(l.Error)
		}
		out = append(out, wrap(txt, w)...)
	}
	out = append(out, wrap(p.decisionLine(labels, own, reveal, others, th), w)...)
	for _, n := range ownNotes(d.it.Events, own) {
		out = append(out, wrap(th.faint.Render(n), w)...)
	}
	return out
}

// ownNotes are the annotator's notes, reasons and flag on an item, newest last, skipping what was
// undone: so coming back to an item shows what one wrote about it.
func ownNotes(events []review.Event, own string) []string {
	undone := map[int64]bool{}
	for _, e := range events {
		if e.Kind == "undo" {
			undone[e.Replaces] = true
		}
	}
	var out []string
	reason, flag := "", ""
	for _, e := range events {
		if e.Annotator != own || (e.ID != 0 && undone[e.ID]) {
			continue
		}
		switch e.Kind {
		case "note":
			out = append(out, "your note: "+cleanLine(e.Reason))
		case "set", "revised_after_reveal":
			if e.Dimension == review.DecisionDimension {
				reason = e.Reason
			}
		case "flag":
			flag = "flagged"
			if e.Reason != "" {
				flag += ": " + cleanLine(e.Reason)
			}
		case "unflag":
			flag = ""
		}
	}
	if reason != "" {
		out = append(out, "your reason: "+cleanLine(reason))
	}
	if flag != "" {
		out = append(out, "you "+flag)
	}
	return out
}

// decisionLine shows the annotator's decision, the other annotators' and the ground truth.
func (p *scoresPane) decisionLine(labels []review.Label, own string, reveal, others bool, th theme) string {
	word := func(v *float64) string {
		if v == nil {
			return "?"
		}
		if *v > 0 {
			return "accept"
		}
		return "reject"
	}
	you := "undecided"
	var rest []string
	truth := ""
	for _, l := range labels {
		if l.Dimension != "decision" {
			continue
		}
		switch {
		case l.RaterKind == "human" && l.Rater == "human:"+own:
			you = word(l.Value)
		case l.RaterKind == "human":
			rest = append(rest, shortRater(l.Rater)+" "+word(l.Value))
		case l.RaterKind == "truth" && l.Value != nil:
			truth = "ok"
			if *l.Value <= 0 {
				truth = "defect"
			}
			if l.Justification != "" {
				truth += " (" + cleanLine(l.Justification) + ")"
			}
		}
	}
	line := th.you.Render("you: "+you) + " "
	if reveal && others {
		if len(rest) > 0 {
			line += " others: " + strings.Join(rest, ", ")
		}
		if truth != "" {
			line += " truth: " + truth
		}
	} else if !others && (len(rest) > 0 || truth != "") {
		line += th.faint.Render(" others hidden until you decide")
	}
	return line
}

// reference is the machine value the annotator's is compared with: the first judge's, else the pipeline's.
func reference(labels []review.Label, dim string) (float64, bool) {
	v, _, ok := machineValue(&itemData{it: &review.Item{Labels: labels}}, dim)
	return v, ok
}

func youValue(labels []review.Label, dim, own string) float64 {
	for _, l := range labels {
		if l.Dimension == dim && l.Rater == "human:"+own && l.Value != nil {
			return *l.Value
		}
	}
	return 0
}

// itemDims are the indexes into Dimensions of the dimensions an item has a value on (any rater), with
// keep (the focused one) always in; all of them when the item has none.
func itemDims(d *itemData, keep int) []int {
	var out []int
	for i, dim := range Dimensions {
		if i == keep {
			out = append(out, i)
			continue
		}
		if d == nil || d.it == nil {
			continue
		}
		for _, l := range d.it.Labels {
			if l.Dimension == dim {
				out = append(out, i)
				break
			}
		}
	}
	if len(out) <= 1 && (d == nil || d.it == nil || len(d.it.Labels) == 0) {
		out = out[:0]
		for i := range Dimensions {
			out = append(out, i)
		}
	}
	return out
}

// settleFocus sets the focus on arriving at an item: the first dimension with a judge verdict; else it
// stays where it is when the item has a value there, or goes to the item's first dimension.
func (m *Model) settleFocus(d *itemData) {
	if d == nil || d.it == nil || d.it.ID == m.focusedOn {
		return
	}
	m.focusedOn = d.it.ID
	m.seen[d.it.ID] = struct{}{} // shown: Tally counts it
	has := func(i int, kind string) bool {
		for _, l := range d.it.Labels {
			if l.Dimension == Dimensions[i] && (kind == "" || l.RaterKind == kind) {
				return true
			}
		}
		return false
	}
	first := -1
	for i := range Dimensions {
		if has(i, "judge") {
			m.scores.focus = i
			return
		}
		if first < 0 && has(i, "") {
			first = i
		}
	}
	if first >= 0 && !has(m.scores.focus, "") {
		m.scores.focus = first
	}
}

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
	youStyle   = lipgloss.NewStyle().Foreground(lipgloss.Color("3")).Bold(true)
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

// lines renders the pane at width w; own is the annotator's name, reveal whether machine values show.
func (p *scoresPane) lines(d *itemData, own string, reveal bool, w int) []string {
	if d == nil || d.it == nil {
		return nil
	}
	labels := d.it.Labels
	cells := 10
	if w < 60 {
		cells = 5
	}
	var out []string
	for i, dim := range Dimensions {
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
		if pipe == nil && len(machine) == 0 && you == "" && i >= 6 && p.focus != i {
			continue // quality dimensions this item has no values on
		}
		name := fmt.Sprintf("%-16s", dim)
		if i == p.focus {
			name = focusStyle.Render(name)
		}
		line := name + " "
		switch {
		case !reveal:
			line += faint.Render(strings.Repeat("?", cells) + "  hidden")
		case pipe != nil:
			line += bar(*pipe, cells) + fmt.Sprintf(" %2s", num(*pipe))
		default:
			line += faint.Render(strings.Repeat("·", cells)) + "   "
		}
		if reveal && len(machine) > 0 {
			line += "  " + strings.Join(machine, " ")
		}
		if you != "" {
			line += "  " + youStyle.Render("you "+you)
			if ref, ok := reference(labels, dim); ok && reveal {
				line += fmt.Sprintf(" (Δ%+g)", youValue(labels, dim, own)-ref)
			}
		}
		out = append(out, line)
	}
	out = append(out, wrap(p.decisionLine(labels, own, reveal), w)...)
	// The focused dimension's verdicts, with justification.
	dim := Dimensions[p.focus]
	for _, l := range labels {
		if l.Dimension != dim || l.RaterKind != "judge" {
			continue
		}
		if !reveal {
			out = append(out, faint.Render("judge verdicts hidden until you decide (--blind)"))
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
	return out
}

// decisionLine shows the annotator's decision, the other annotators' and the ground truth.
func (p *scoresPane) decisionLine(labels []review.Label, own string, reveal bool) string {
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
	var others []string
	truth := ""
	for _, l := range labels {
		if l.Dimension != "decision" {
			continue
		}
		switch {
		case l.RaterKind == "human" && l.Rater == "human:"+own:
			you = word(l.Value)
		case l.RaterKind == "human":
			others = append(others, shortRater(l.Rater)+" "+word(l.Value))
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
	line := youStyle.Render("you: "+you) + " "
	if reveal {
		if len(others) > 0 {
			line += " others: " + strings.Join(others, ", ")
		}
		if truth != "" {
			line += " truth: " + truth
		}
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

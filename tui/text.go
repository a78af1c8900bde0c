package tui

import (
	"charm.land/lipgloss/v2"
	"github.com/loupe-dev/loupe/review"
)

// textPane shows the item's captions and prompt by kind, in English or Chinese, scrollable.
type textPane struct {
	lang   string // "en" or "zh"
	scroll int
}

var (
	headStyle = lipgloss.NewStyle().Bold(true)
	kindStyle = lipgloss.NewStyle().Faint(true).Bold(true)
)

func (p *textPane) toggle() {
	if p.lang == "zh" {
		p.lang = "en"
	} else {
		p.lang = "zh"
	}
	p.scroll = 0
}

// textOrder puts the prompt first, then the caption kinds in the dataset's order.
func textOrder(kind string) int {
	if kind == "prompt" {
		return -1
	}
	return review.TextKindID(kind)
}

// captionOf maps a score dimension to the caption kind that describes it ("" for none).
var captionOf = map[string]string{"composition": "composition", "entity": "entity", "text": "text",
	"imagination": "imaginative", "style": "style", "affection": "abstract"}

// lines renders the pane at width w and height h; the caption of the focused dimension (an index into
// Dimensions) is highlighted.
func (p *textPane) lines(d *itemData, w, h, focus int) []string {
	if h < 1 {
		return nil
	}
	if d == nil {
		return []string{"loading..."}
	}
	if d.err != nil {
		return wrap("error: "+Clean(d.err.Error()), w)
	}
	var out []string
	it := d.it
	title := it.ExtID
	if it.Subset != "" {
		title += "  " + it.Subset
	}
	if it.Track != "" {
		title += "  " + it.Track
	}
	if it.Model != "" {
		title += "  model " + it.Model
	}
	out = append(out, headStyle.Render(truncate(cleanLine(title), w)))
	texts := make([]review.Text, 0, len(d.texts))
	other := 0
	for _, t := range d.texts {
		if t.Lang == p.lang || (t.Lang == "" && p.lang == "en") {
			texts = append(texts, t)
		} else {
			other++
		}
	}
	// Stable order: prompt, then the caption kinds.
	for i := 1; i < len(texts); i++ {
		for j := i; j > 0 && textOrder(texts[j].Kind) < textOrder(texts[j-1].Kind); j-- {
			texts[j], texts[j-1] = texts[j-1], texts[j]
		}
	}
	lang := map[string]string{"en": "English", "zh": "Chinese"}[p.lang]
	if len(texts) == 0 {
		out = append(out, "no "+lang+" text", "")
		if other > 0 {
			out = append(out, "(t shows the other language)")
		}
	}
	hi := ""
	if focus >= 0 && focus < len(Dimensions) {
		hi = captionOf[Dimensions[focus]]
	}
	for _, t := range texts {
		head := kindStyle.Render(cleanLine(t.Kind))
		if t.Kind == hi {
			head = focusStyle.Render(" "+cleanLine(t.Kind)+" ") + kindStyle.Render(" ◂ focused dimension")
		}
		out = append(out, head)
		out = append(out, wrap(Clean(t.Body), w)...)
	}
	// Scroll, keeping the title line.
	body := out[1:]
	maxScroll := max(0, len(body)-(h-1))
	if p.scroll > maxScroll {
		p.scroll = maxScroll
	}
	body = body[p.scroll:]
	res := append([]string{out[0]}, body...)
	if p.scroll > 0 || len(body) > h-1 {
		more := ""
		if len(body) > h-1 {
			more = " pgdown/J more"
		}
		if p.scroll > 0 {
			more += " pgup/K back"
		}
		if h > 1 && len(res) >= h {
			res[h-1] = lipgloss.NewStyle().Faint(true).Render("…" + more)
		}
	}
	return res
}

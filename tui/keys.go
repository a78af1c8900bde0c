package tui

import (
	"context"
	"fmt"
	"math"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
)

// helpLines is the ? overlay: every key the screen knows. It fits 80x24 (23 lines of at most 79
// columns), the smallest terminal the screen is laid out for.
var helpLines = []string{
	"loupe review keys (any key closes this; rebind them: loupe.toml [keys])",
	"",
	"  a accept, x reject (both go to the next item); space skip (stays undecided)",
	"  u, backspace  undo your latest decision or score (unlimited; goes back to it)",
	"  j, right      next item;  k, left  previous item;  g / G  first / last item",
	"  tab           focus the next score dimension (shift+tab: the previous one)",
	"  1-9, 0        set the focused dimension to 1-9; 0 sets 10 (Prodigy's way)",
	"  enter         agree: the judge's (else the pipeline's) value becomes yours",
	"  e             override: reject with a reason from a list, plus free text",
	"  n note (free text);  f flag for adjudication;  t captions English / Chinese",
	"  /             filter: key=value words, e.g. subset=text score=clarity=8:",
	"                keys kind subset track model lang has-caption score; empty: all",
	"  pgdown/J, pgup/K  scroll the captions;  z zoom the picture (z or esc returns)",
	"  R re-judge / P rerun a pipeline step (background); S stats; E export view",
	"  ?  this help;  q, ctrl+c  quit (everything acknowledged is already saved)",
	"",
	"Text entry (n, e, /): keys type text, trigger nothing; enter saves, esc cancels",
	"A key's effect shows once the workspace committed it; moving waits for saves.",
	"'judge agree' (status bar): your scores within 1 of the judge's (or pipeline's)",
	"--blind hides judge and pipeline values until you have decided the item.",
	"--lease, --overlap K>1: each decision leases you the next item nobody holds",
	"  (for 10 min); 'queue done' when none is left. --adjudicate: final decisions.",
}

// key handles a key in the normal mode.
func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	s := m.cfg.Keys.translate(k.String())
	if m.zoom {
		switch s {
		case "z", "esc", "q":
			m.zoom = false
			m.image.invalidate()
			if d := m.cur(); d != nil {
				return m.image.show(m, d)
			}
		}
		return nil
	}
	if m.pickJudge {
		return m.pickedJudge(s)
	}
	if m.stats.open {
		return m.statsKey(s)
	}
	ses := m.ses
	switch s {
	case "R":
		return m.rejudgeKey()
	case "S":
		return m.openStats()
	case "P":
		if m.cfg.RerunStep == nil || len(m.cfg.Steps) == 0 {
			m.flash = "pipeline steps are not available here (loupe review --backend NAME)"
			return nil
		}
		if m.cur() != nil && m.cur().it != nil {
			m.entry = &entry{kind: stepEntry}
		}
		return nil
	case "E":
		if m.cfg.Export == nil {
			m.flash = "export is not available here"
			return nil
		}
		m.entry = &entry{kind: exportEntry, text: []rune(defaultExport(m.ses.Info().Queue))}
		return nil
	case "q":
		return m.quitCmd()
	case "?":
		m.help = true
		return m.image.hide()
	case "a":
		if k.IsRepeat {
			return nil
		}
		return m.save("accepted", true, 1, func(ctx context.Context, id int64) (int64, error) {
			return ses.Record(ctx, review.Action{Kind: review.ActDecide, Item: id, Accept: true})
		})
	case "x":
		if k.IsRepeat {
			return nil
		}
		return m.save("rejected", true, -1, func(ctx context.Context, id int64) (int64, error) {
			return ses.Record(ctx, review.Action{Kind: review.ActDecide, Item: id})
		})
	case "space":
		if k.IsRepeat {
			return nil
		}
		return m.save("skipped", true, 0, func(ctx context.Context, id int64) (int64, error) {
			return ses.Record(ctx, review.Action{Kind: review.ActSkip, Item: id})
		})
	case "u", "backspace":
		return m.undo()
	case "f":
		return m.save("flagged", false, 0, func(ctx context.Context, id int64) (int64, error) {
			return ses.Record(ctx, review.Action{Kind: review.ActFlag, Item: id, Text: "flagged in review"})
		})
	case "n":
		if m.cur() != nil && m.cur().it != nil {
			m.entry = &entry{kind: noteEntry}
		}
		return nil
	case "e":
		if m.cur() != nil && m.cur().it != nil {
			m.entry = &entry{kind: overrideEntry, picking: true}
		}
		return nil
	case "t":
		m.text.toggle()
		return nil
	case "/":
		m.filterPrompt()
		return nil
	case "pgdown", "J":
		m.text.scroll += max(1, m.textHeight()-2)
		return nil
	case "pgup", "K":
		m.text.scroll = max(0, m.text.scroll-max(1, m.textHeight()-2))
		return nil
	case "tab":
		m.scores.focus = (m.scores.focus + 1) % len(Dimensions)
		return nil
	case "shift+tab":
		m.scores.focus = (m.scores.focus + len(Dimensions) - 1) % len(Dimensions)
		return nil
	case "z":
		m.zoom = true
		m.image.invalidate()
		if d := m.cur(); d != nil {
			return m.image.show(m, d)
		}
		return nil
	case "enter":
		return m.agree()
	case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9":
		v := float64(s[0] - '0')
		if v == 0 {
			v = 10
		}
		dim := Dimensions[m.scores.focus]
		return m.score(dim, v, fmt.Sprintf("%s = %g", dim, v), "")
	}
	// Movement: ignored while a decision is being saved or the item is loading.
	if m.busy || m.cur() == nil {
		return nil
	}
	switch s {
	case "j", "right", "down":
		m.move(m.pos + 1)
	case "k", "left", "up":
		m.move(m.pos - 1)
	case "g", "home":
		m.move(0)
	case "G", "end":
		m.move(len(m.ids) - 1)
	default:
		return nil
	}
	m.flash = ""
	return m.loadCur()
}

// agree records the machine's value on the focused dimension as the annotator's.
func (m *Model) agree() tea.Cmd {
	d := m.cur()
	if d == nil || d.it == nil {
		return nil
	}
	dim := Dimensions[m.scores.focus]
	v, who, ok := machineValue(d, dim)
	if !ok {
		m.flash = "no judge or pipeline value on " + dim + " to agree with"
		return nil
	}
	return m.score(dim, v, fmt.Sprintf("agreed with %s: %s = %g", cleanLine(who), dim, v), "agree with "+who)
}

// score records the annotator's value on dim, and whether it agrees (within 1) with the machine's.
func (m *Model) score(dim string, v float64, what, reason string) tea.Cmd {
	d, ses := m.cur(), m.ses
	if d == nil || d.it == nil {
		return nil
	}
	cmd := m.save(what, false, 0, func(ctx context.Context, id int64) (int64, error) {
		return ses.Record(ctx, review.Action{Kind: review.ActScore, Item: id, Dimension: dim, Value: v, Text: reason})
	})
	if ref, _, ok := machineValue(d, dim); ok && cmd != nil {
		m.pendingCmp = -1
		if math.Abs(ref-v) <= 1 {
			m.pendingCmp = 1
		}
	}
	return cmd
}

// machineValue is the first judge's value on dim, else the pipeline's.
func machineValue(d *itemData, dim string) (float64, string, bool) {
	for _, kind := range []string{"judge", "pipeline"} {
		for _, l := range d.it.Labels {
			if l.Dimension == dim && l.RaterKind == kind && l.Value != nil {
				return *l.Value, l.Rater, true
			}
		}
	}
	return 0, "", false
}

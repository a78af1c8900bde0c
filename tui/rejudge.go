package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// judgedMsg reports that a background re-judge call returned.
type judgedMsg struct {
	item    int64
	backend string
	summary string
	err     error
}

// rejudgeKey starts a re-judge of the current item: at once with the only backend, or after a digit
// choosing one of several.
func (m *Model) rejudgeKey() tea.Cmd {
	d := m.cur()
	if d == nil || d.it == nil {
		return nil
	}
	switch {
	case m.cfg.Rejudge == nil || len(m.cfg.Judges) == 0:
		m.flash = "no judge backends: add [backends.NAME] to the configuration file (loupe backends list)"
		return nil
	case len(m.cfg.Judges) == 1:
		return m.rejudge(m.cfg.Judges[0])
	}
	var b strings.Builder
	b.WriteString("re-judge with:")
	for i, j := range m.cfg.Judges {
		if i == 9 {
			break
		}
		fmt.Fprintf(&b, "  %d %s", i+1, cleanLine(j))
	}
	b.WriteString("  (esc cancels)")
	m.flash, m.pickJudge = b.String(), true
	return nil
}

// pickedJudge handles the key after the re-judge key offered a choice.
func (m *Model) pickedJudge(s string) tea.Cmd {
	m.pickJudge = false
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		if i := int(s[0] - '1'); i < len(m.cfg.Judges) {
			return m.rejudge(m.cfg.Judges[i])
		}
	}
	m.flash = ""
	return nil
}

// rejudge asks the backend about the current item in the background; the screen stays live and the
// verdict appears in the scores pane when it arrives.
func (m *Model) rejudge(backend string) tea.Cmd {
	d := m.cur()
	if d == nil || d.it == nil {
		return nil
	}
	id, ctx, fn := d.it.ID, m.ctx, m.cfg.Rejudge
	m.judging++
	m.flash = fmt.Sprintf("judging %s with %s...", cleanLine(d.it.ExtID), cleanLine(backend))
	return func() tea.Msg {
		summary, err := fn(ctx, id, backend)
		return judgedMsg{item: id, backend: backend, summary: summary, err: err}
	}
}

// judged shows a re-judge result and reloads the item so its new verdicts show.
func (m *Model) judged(msg judgedMsg) tea.Cmd {
	m.judging = max(0, m.judging-1)
	if msg.err != nil {
		m.flash = "re-judge with " + cleanLine(msg.backend) + " failed: " + cleanLine(msg.err.Error())
	} else {
		m.flash = cleanLine(msg.backend) + ": " + cleanLine(msg.summary)
	}
	var cmds []tea.Cmd
	for p, d := range m.items {
		if d.it != nil && d.it.ID == msg.item {
			delete(m.items, p)
			if p == m.pos {
				cmds = append(cmds, m.loadCmd(p, false))
			}
		}
	}
	return tea.Batch(cmds...)
}

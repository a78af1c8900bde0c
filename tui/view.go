package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

var (
	sepStyle    = lipgloss.NewStyle().Foreground(lipgloss.Color("8"))
	statusStyle = lipgloss.NewStyle().Reverse(true)
)

// leftWidth is the image pane's width in columns.
func (m *Model) leftWidth() int {
	if m.w < 60 {
		return m.w / 3
	}
	return max(24, m.w*2/5)
}

func (m *Model) rightWidth() int { return max(10, m.w-m.leftWidth()-1) }

// scoresHeight is the rows the scores pane gets; the text pane has the rest.
func (m *Model) scoresHeight(n int) int {
	body := m.h - 1
	return max(0, min(n, body-6))
}

func (m *Model) textHeight() int {
	d := m.cur()
	n := 0
	if d != nil {
		n = len(m.scores.lines(d, m.ses.Info().Annotator, m.revealed(), m.rightWidth()))
	}
	return m.h - 1 - m.scoresHeight(n) - 1
}

// View draws the screen: image | scores over text, a status bar, or the help and zoom screens.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	return v
}

func (m *Model) render() string {
	if m.quit {
		return ""
	}
	body := m.h - 1
	loading := "loading picture..."
	if d := m.cur(); d != nil && d.it == nil {
		loading = "no picture"
	}
	var rows []string
	switch {
	case m.help:
		var help []string
		for _, l := range helpLines {
			help = append(help, wrap(l, m.w)...)
		}
		rows = fit(help, m.w, body)
	case m.stats.open:
		lines := m.statsLines(m.w)
		m.stats.scroll = max(0, min(m.stats.scroll, len(lines)-body))
		rows = fit(lines[m.stats.scroll:], m.w, body)
	case m.zoom:
		rows = fit(m.image.lines(m.imageBox(), loading), m.w, body)
	default:
		lw, rw := m.leftWidth(), m.rightWidth()
		left := fit(m.image.lines(m.imageBox(), loading), lw, body)
		d := m.cur()
		var right []string
		if len(m.ids) == 0 {
			right = []string{"the queue is empty"}
		} else {
			sc := m.scores.lines(d, m.ses.Info().Annotator, m.revealed(), rw)
			sh := m.scoresHeight(len(sc))
			var ev []string
			if m.entry != nil {
				ev = m.entryView(rw)
				sh = max(0, min(sh, body-1-len(ev)-1)) // the entry box comes first
			}
			right = append(right, fit(sc, rw, sh)...)
			right = append(right, sepStyle.Render(strings.Repeat("─", rw)))
			th := body - sh - 1
			eh := min(len(ev), th)
			right = append(right, fit(m.text.lines(d, rw, th-eh), rw, th-eh)...)
			right = append(right, fit(ev, rw, eh)...)
		}
		right = fit(right, rw, body)
		sep := sepStyle.Render("│")
		for i := range body {
			rows = append(rows, left[i]+sep+right[i])
		}
	}
	return strings.Join(rows, "\n") + "\n" + m.status()
}

// status is the bottom line; it is never blank (a blank last line would let the renderer clear a
// raw picture).
func (m *Model) status() string {
	dec, acc, rej := m.counts()
	n := len(m.ids)
	pos := m.pos + 1
	if n == 0 {
		pos = 0
	}
	rate := ""
	if mins := time.Since(m.started).Minutes(); m.decidedHere > 0 && mins > 0 {
		rate = fmt.Sprintf(" · %.1f/min", float64(m.decidedHere)/max(mins, 1.0/60))
	}
	if m.agreeN > 0 {
		rate += fmt.Sprintf(" · judge agree %d/%d", m.agreeOK, m.agreeN)
	}
	mode := ""
	switch {
	case m.entry != nil:
		mode = " · TEXT ENTRY"
	case m.zoom:
		mode = " · zoom"
	case m.stats.open:
		mode = " · statistics"
	}
	if m.cfg.Blind {
		mode += " · blind"
	}
	if m.leasing() {
		mode += fmt.Sprintf(" · overlap %d", max(1, m.ses.Info().Overlap))
	}
	if m.filt != "" {
		mode += " · filter " + cleanLine(m.filt)
	}
	if m.busy {
		mode += " · saving…"
	}
	where := fmt.Sprintf("%d/%d", pos, n)
	if m.done {
		where += " · queue done"
	}
	left := fmt.Sprintf(" %s · %s · %s · decided %d (✓%d ✗%d)%s%s",
		cleanLine(m.ses.Info().Queue), cleanLine(m.ses.Info().Annotator), where, dec, acc, rej, rate, mode)
	right := " ? help "
	if m.flash != "" {
		right = " " + m.flash + " ·" + right
	}
	if room := m.w - lipgloss.Width(right); lipgloss.Width(left) > room {
		left = padTo(left, max(0, room-1))
	}
	line := left + strings.Repeat(" ", max(1, m.w-lipgloss.Width(left)-lipgloss.Width(right))) + right
	return statusStyle.Render(padTo(line, m.w))
}

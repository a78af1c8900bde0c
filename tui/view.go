package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

var (
	sepStyle    = lipgloss.NewStyle().Foreground(lipgloss.Color("8"))
	statusStyle = lipgloss.NewStyle().Reverse(true)
)

// MinWidth and MinHeight are the smallest terminal the screen is laid out for; below it the screen
// asks for a larger window instead of wrapping.
const MinWidth, MinHeight = 80, 24

// small reports whether the terminal is below the smallest layout.
func (m *Model) small() bool { return m.w < MinWidth || m.h < MinHeight }

// bodyRows are the rows above the status bar and the key hint: the picture, the panes, the overlays.
func (m *Model) bodyRows() int { return max(1, m.h-2) }

// leftWidth is the image pane's width in columns.
func (m *Model) leftWidth() int { return max(24, m.w*2/5) }

func (m *Model) rightWidth() int { return max(10, m.w-m.leftWidth()-1) }

// scoresHeight is the rows the scores pane gets; the text pane has the rest (at least 5 rows).
func (m *Model) scoresHeight(n int) int {
	return max(0, min(n, m.bodyRows()-1-6))
}

func (m *Model) textHeight() int {
	d := m.cur()
	n := 0
	if d != nil {
		n = len(m.scoreLines(d, m.rightWidth()))
	}
	return m.bodyRows() - 1 - m.scoresHeight(n) - 1
}

// scoreLines is the scores pane for the current state of d.
func (m *Model) scoreLines(d *itemData, w int) []string {
	return m.scores.lines(d, m.info.Annotator, m.revealed(), m.othersShown(), w, m.theme())
}

// theme returns the styles for the terminal's background.
func (m *Model) theme() theme {
	if m.th == nil {
		t := newTheme(m.dark, m.cfg.NoColor || noColor())
		m.th = &t
	}
	return *m.th
}

// View draws the screen: image | header, scores and text, the status bar and the key hint, with the
// help, statistics and guidelines as overlays.
func (m *Model) View() tea.View {
	v := tea.NewView(m.frame())
	v.AltScreen = true
	return v
}

func (m *Model) render() string {
	if m.quit {
		return ""
	}
	if m.small() {
		msg := fmt.Sprintf("enlarge the window: the review screen needs %dx%d (now %dx%d)", MinWidth, MinHeight, m.w, m.h)
		rows := fit(nil, m.w, m.h)
		for i, l := range wrap(msg, m.w) {
			if j := m.h/2 - 1 + i; j >= 0 && j < m.h {
				rows[j] = padTo(lipgloss.PlaceHorizontal(m.w, lipgloss.Center, l), m.w)
			}
		}
		return strings.Join(rows, "\n")
	}
	body := m.bodyRows()
	loading := "loading picture..."
	if d := m.cur(); d != nil && d.it == nil {
		loading = "no picture"
	}
	var rows []string
	if m.zoom {
		rows = fit(m.image.lines(m.imageBox(), loading), m.w, body)
	} else {
		rows = m.panes(body, loading)
	}
	switch {
	case m.help:
		rows = overlay(rows, m.box("keys", m.helpLines(), m.w-4, body-2), m.w)
	case m.stats.open:
		lines := m.statsLines(m.w - 8)
		h := body - 4
		m.stats.scroll = max(0, min(m.stats.scroll, len(lines)-h))
		rows = overlay(rows, m.box("statistics · "+cleanLine(m.info.Queue), fit(lines[m.stats.scroll:], m.w-8, min(h, len(lines)-m.stats.scroll)), m.w-4, body-2), m.w)
	case m.guide:
		lines := m.guideLines(m.w - 8)
		h := body - 4
		m.guideScroll = max(0, min(m.guideScroll, len(lines)-h))
		rows = overlay(rows, m.box("guidelines · "+cleanLine(m.info.Queue), lines[m.guideScroll:min(len(lines), m.guideScroll+h)], m.w-4, body-2), m.w)
	}
	return strings.Join(rows, "\n") + "\n" + m.status() + "\n" + m.hint()
}

// panes lays out the picture on the left and the header, scores, captions and entry box on the right.
func (m *Model) panes(body int, loading string) []string {
	lw, rw := m.leftWidth(), m.rightWidth()
	left := fit(m.image.lines(m.imageBox(), loading), lw, body)
	d := m.cur()
	right := []string{m.header(rw)}
	if len(m.ids) == 0 {
		right = append(right, "the queue is empty")
	} else {
		inner := body - 1
		sc := m.scoreLines(d, rw)
		sh := m.scoresHeight(len(sc))
		var ev []string
		if m.entry != nil {
			ev = m.entryView(rw)
			sh = max(0, min(sh, inner-1-len(ev)-1)) // the entry box comes first
		}
		right = append(right, fit(sc, rw, sh)...)
		right = append(right, sepStyle.Render(strings.Repeat("─", rw)))
		th := inner - sh - 1
		strip := m.historyStrip(rw)
		if strip != "" && th > 8 {
			th--
		}
		eh := min(len(ev), th)
		right = append(right, fit(m.text.lines(d, rw, th-eh, m.scores.focus), rw, th-eh)...)
		right = append(right, fit(ev, rw, eh)...)
		if strip != "" && inner-sh-1 > 8 {
			right = append(right, strip)
		}
	}
	right = fit(right, rw, body)
	sep := sepStyle.Render("│")
	rows := make([]string, body)
	for i := range body {
		rows[i] = left[i] + sep + right[i]
	}
	return rows
}

// header is the right pane's top line: the item's id and kind, then the mode badges.
func (m *Model) header(w int) string {
	th := m.theme()
	var badges []string
	if m.blind() {
		badges = append(badges, th.badgeWarn.Render("blind"))
	}
	if m.leasing() {
		badges = append(badges, th.badge.Render(fmt.Sprintf("lease · overlap %d", max(1, m.info.Overlap))))
	}
	if m.filt != "" {
		badges = append(badges, th.badge.Render(truncate("filter "+cleanLine(m.filt), max(10, w/2))))
	}
	if m.zoom {
		badges = append(badges, th.badge.Render("zoom"))
	}
	what := "loading…"
	if d := m.cur(); d != nil && d.it != nil {
		what = cleanLine(d.it.ExtID) + " " + th.faint.Render(d.it.Kind)
		if flaggedBy(d.it.Events, m.info.Annotator) {
			badges = append(badges, th.badgeWarn.Render("flagged"))
		}
	}
	right := strings.Join(badges, " ")
	room := w - lipgloss.Width(right) - 1
	if room < 8 {
		right, room = "", w
	}
	left := th.head.Render(truncate(what, room))
	return padTo(left+strings.Repeat(" ", max(1, w-lipgloss.Width(left)-lipgloss.Width(right)))+right, w)
}

// truncate cuts a line to w columns with an ellipsis.
func truncate(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, max(0, w), "…")
}

// status is the bottom bar in segments: position, progress, counts and pace, agreement, the latest
// acknowledgement. It is never blank (a blank last line would let the renderer clear a raw picture).
func (m *Model) status() string {
	th := m.theme()
	dec, acc, rej := m.counts()
	n := len(m.ids)
	pos := m.pos + 1
	if n == 0 {
		pos = 0
	}
	where := fmt.Sprintf("%d/%d", pos, n)
	if m.done {
		where += " · queue done"
	}
	segs := []string{th.segA.Render(cleanLine(m.info.Queue) + " · " + cleanLine(m.info.Annotator)), th.segB.Render(where)}
	if m.entry != nil {
		segs = append([]string{th.badgeWarn.Render("TEXT ENTRY")}, segs...)
	}
	cells := 12
	if m.w < 100 {
		cells = 8
	}
	on := 0
	if n > 0 {
		on = dec * cells / n
	}
	segs = append(segs, th.barOn.Render(" "+strings.Repeat("█", on))+th.bar.Render(strings.Repeat("░", cells-on)+" "))
	left := n - dec
	info := fmt.Sprintf("✓%d ✗%d · %d left", acc, rej, left)
	if mins := m.now().Sub(m.started).Minutes(); m.decidedHere > 0 && mins > 0 {
		rate := float64(m.decidedHere) / max(mins, 1.0/60)
		info += fmt.Sprintf(" · %.1f/min", rate)
		if left > 0 {
			info += " · ETA " + eta(time.Duration(float64(left)/rate*float64(time.Minute)))
		}
	}
	if !m.blind() && m.agreeCount.Total > 0 {
		info += fmt.Sprintf(" · judge agree %d/%d", m.agreeCount.Agree, m.agreeCount.Total)
	}
	if m.busy {
		info += " · saving…"
	}
	segs = append(segs, th.segC.Render(info))
	line := strings.Join(segs, "")
	flash := ""
	if m.flash != "" {
		flash = " " + m.flash + " "
	}
	room := m.w - lipgloss.Width(line)
	if room > 3 && flash != "" {
		line += th.flash.Render(padTo(truncate(flash, room), room))
	} else if flash != "" { // a narrow window: the acknowledgement wins over the counts
		line = th.segB.Render(where) + th.flash.Render(padTo(truncate(flash, m.w-lipgloss.Width(th.segB.Render(where))), m.w-lipgloss.Width(th.segB.Render(where))))
	}
	return padTo(line, m.w)
}

// eta writes a duration as "4m" or "1h20m".
func eta(d time.Duration) string {
	if d < time.Minute {
		return "<1m"
	}
	if d < time.Hour {
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// hint is the one-line reminder of the main keys, for the mode the screen is in.
func (m *Model) hint() string {
	th := m.theme()
	km := m.cfg.Keys
	var pairs [][2]string
	switch {
	case m.entry != nil:
		pairs = [][2]string{{"enter", "save"}, {"esc", "cancel"}, {"ctrl+u", "erase"}}
	case m.help || m.guide:
		pairs = [][2]string{{"any key", "close"}}
	case m.stats.open:
		pairs = [][2]string{{"j/k", "scroll"}, {first(km.keysOf("stats")) + "/esc", "back"}}
	case m.zoom:
		pairs = [][2]string{{first(km.keysOf("zoom")) + "/esc", "back"}}
	default:
		pairs = [][2]string{{km.keysOf("accept"), "accept"}, {km.keysOf("reject"), "reject"}, {km.keysOf("skip"), "skip"},
			{"1-0", "score"}, {first(km.keysOf("focus-next")), "dimension"}, {first(km.keysOf("undo")), "undo"},
			{first(km.keysOf("next")) + "/" + first(km.keysOf("previous")), "move"}, {km.keysOf("next-undecided"), "next undecided"},
			{km.keysOf("note"), "note"}, {km.keysOf("flag"), "flag"}, {km.keysOf("quit"), "quit"}}
	}
	help := th.key.Render(first(km.keysOf("help"))) + " " + th.hint.Render("help") + " "
	var b strings.Builder
	b.WriteString(" ")
	for i, p := range pairs {
		piece := th.key.Render(p[0]) + " " + th.hint.Render(p[1])
		if i > 0 {
			piece = th.hint.Render(" · ") + piece
		}
		if lipgloss.Width(b.String())+lipgloss.Width(piece)+lipgloss.Width(help)+1 > m.w {
			break
		}
		b.WriteString(piece)
	}
	return padTo(b.String(), m.w-lipgloss.Width(help)) + help
}

// first is the first of "a/b/c".
func first(keys string) string { return strings.SplitN(keys, "/", 2)[0] }

// box draws lines in a rounded, titled border at most w x h cells (content padded by one column).
func (m *Model) box(title string, lines []string, w, h int) []string {
	th := m.theme()
	inner := 0
	for _, l := range lines {
		inner = max(inner, lipgloss.Width(l))
	}
	inner = min(inner+2, w-2)
	lines = lines[:min(len(lines), max(0, h-2))]
	top := th.border.Render("╭─ ") + th.head.Render(truncate(title, max(1, inner-3))) + " "
	top += th.border.Render(strings.Repeat("─", max(0, inner+1-lipgloss.Width(top))) + "╮")
	out := []string{top}
	for _, l := range lines {
		out = append(out, th.border.Render("│")+" "+padTo(l, inner-2)+" "+th.border.Render("│"))
	}
	out = append(out, th.border.Render("╰"+strings.Repeat("─", inner)+"╯"))
	return out
}

// overlay draws a box centred over rows of width w.
func overlay(rows, box []string, w int) []string {
	if len(box) == 0 {
		return rows
	}
	bw := lipgloss.Width(box[0])
	x := max(0, (w-bw)/2)
	y := max(0, (len(rows)-len(box))/2)
	out := append([]string(nil), rows...)
	for i, b := range box {
		r := y + i
		if r >= len(out) {
			break
		}
		line := padTo(out[r], w)
		out[r] = ansi.Truncate(line, x, "") + b + ansi.TruncateLeft(line, min(w, x+bw), "")
	}
	return out
}

// guideLines renders the queue's guidelines at width w.
func (m *Model) guideLines(w int) []string {
	return renderMarkdown(m.info.Guidelines, w, m.dark)
}

// historyStrip is one line of this session's latest decisions, newest first ("" before the first).
func (m *Model) historyStrip(w int) string {
	if len(m.history) == 0 {
		return ""
	}
	th := m.theme()
	line := th.faint.Render("recent (" + first(m.cfg.Keys.keysOf("history")) + "): ")
	for i, h := range m.recent() {
		piece := stateMark(h.state) + " " + cleanLine(h.ext) + " " + h.at.Format("15:04")
		if i > 0 {
			piece = " · " + piece
		}
		if lipgloss.Width(line)+lipgloss.Width(piece) > w {
			break
		}
		line += piece
	}
	return line
}

package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/termimg"
)

// The comparison screen's smallest layout: below it the screen asks for a larger window.
const cmpMinWidth, cmpMinHeight = 40, 16

// cmpLayout is where the comparison screen's parts go. It depends on the window and the queue only
// (never on the pair), so the pictures of the pair reserved next render at the size they are shown.
type cmpLayout struct {
	prompt int         // rows of the prompt
	top    int         // the first row of the pictures (0-based)
	box    termimg.Box // each picture's box: the same for both
	colW   [2]int      // the columns' widths
	colX   [2]int      // the columns' first cells (0-based)
	side   int         // rows under each picture (its side's judge scores)
}

// picX is the first cell (0-based) of side i's picture r, centred in its column.
func (l cmpLayout) picX(i int, r *termimg.Rendered) int {
	return l.colX[i] + max(0, (l.colW[i]-r.Fit.Cols)/2)
}

func (m *Compare) layout() cmpLayout {
	var l cmpLayout
	body := max(1, m.h-2)
	l.prompt, l.side = 2, 2
	if m.h >= 30 {
		l.prompt, l.side = 3, 3
	}
	l.top = 1 + l.prompt + 1 + 1 // header, prompt, the previous pair's line, the labels
	panel := len(m.info.Dimensions) + 2
	l.colW[0] = max(1, (m.w-1)/2)
	l.colW[1] = max(1, m.w-1-l.colW[0])
	l.colX[1] = l.colW[0] + 1
	l.box = termimg.Box{Cols: l.colW[0], Rows: max(0, body-l.top-l.side-panel)}
	return l
}

// small reports whether the window is below the smallest layout.
func (m *Compare) small() bool {
	return m.w < cmpMinWidth || m.h < cmpMinHeight || m.layout().box.Rows < 3
}

func (m *Compare) theme() theme {
	if m.th == nil {
		t := newTheme(m.dark, m.cfg.NoColor || noColor())
		m.th = &t
	}
	return *m.th
}

// View draws the screen.
func (m *Compare) View() tea.View {
	v := tea.NewView(m.frame())
	v.AltScreen = true
	return v
}

func (m *Compare) frame() string {
	if !m.frameOK {
		m.frameStr, m.frameOK = m.render(), true
	}
	return m.frameStr
}

func (m *Compare) render() string {
	if m.quit {
		return ""
	}
	if m.small() {
		msg := fmt.Sprintf("enlarge the window: the comparison screen needs %dx%d or more (now %dx%d)", cmpMinWidth, cmpMinHeight+4, m.w, m.h)
		rows := fit(nil, m.w, m.h)
		for i, l := range wrap(msg, m.w) {
			if j := m.h/2 - 1 + i; j >= 0 && j < m.h {
				rows[j] = padTo(lipgloss.PlaceHorizontal(m.w, lipgloss.Center, l), m.w)
			}
		}
		return strings.Join(rows, "\n")
	}
	body := max(1, m.h-2)
	var rows []string
	if m.done {
		rows = m.doneRows(body)
	} else {
		rows = m.pairRows(body)
	}
	if m.help {
		rows = overlay(rows, cmpBox(m.theme(), "keys · comparison", m.helpLines(m.w-8), m.w-4, body-2), m.w)
	}
	return strings.Join(rows, "\n") + "\n" + m.status() + "\n" + m.hint()
}

// pairRows draws the pair on screen: header, prompt, the previous pair's reveal, the two pictures with
// their labels and scores, the answers per dimension, the judges and notes.
func (m *Compare) pairRows(body int) []string {
	th := m.theme()
	l := m.layout()
	d := m.curData()
	rows := []string{m.cmpHeader(d)}
	prompt := []string{"loading…"}
	if d != nil && d.err == nil {
		prompt = wrap(Clean(strings.TrimSpace(d.p.Prompt)), m.w)
	}
	if len(prompt) > l.prompt {
		prompt = prompt[:l.prompt]
		prompt[l.prompt-1] = truncate(prompt[l.prompt-1]+" …", m.w)
		if ansi.StringWidth(prompt[l.prompt-1]) >= m.w {
			prompt[l.prompt-1] = ansi.Truncate(prompt[l.prompt-1], m.w-1, "") + "…"
		}
	}
	rows = append(rows, fit(prompt, m.w, l.prompt)...)
	rows = append(rows, padTo(m.lastLine(), m.w))
	rev := d != nil && m.revealed(d) && d.reveal != nil
	labels := [2]string{"left", "right"}
	if rev {
		labels[0] += " · " + cleanLine(d.reveal.LeftModel)
		labels[1] += " · " + cleanLine(d.reveal.RightModel)
	}
	sep := sepStyle.Render("│")
	rows = append(rows, center(th.head.Render(truncate(labels[0], l.colW[0])), l.colW[0])+sep+center(th.head.Render(truncate(labels[1], l.colW[1])), l.colW[1]))
	loading := "loading picture..."
	if d != nil && d.err != nil {
		loading = "no picture"
	}
	var cols [2][]string
	for i := range cols {
		lines := m.pics.lines(i, l.box, loading)
		off := 0
		if r := m.pics.shown[i]; r != nil {
			off = l.picX(i, r) - l.colX[i]
		} else if len(lines) > 0 {
			off = max(0, (l.colW[i]-ansi.StringWidth(lines[0]))/2)
		}
		pad := strings.Repeat(" ", off)
		out := make([]string, l.box.Rows)
		for r := range out {
			s := ""
			if r < len(lines) {
				s = pad + lines[r]
			}
			out[r] = padTo(s, l.colW[i])
		}
		cols[i] = out
	}
	for r := range l.box.Rows {
		rows = append(rows, cols[0][r]+sep+cols[1][r])
	}
	side := m.sideLines(d, rev, l)
	for r := range l.side {
		rows = append(rows, padTo(side[0][min(r, len(side[0])-1)], l.colW[0])+sep+padTo(side[1][min(r, len(side[1])-1)], l.colW[1]))
	}
	rows = append(rows, m.panelLines(d, rev)...)
	return fit(rows, m.w, body)
}

// center pads s to w columns with s in the middle.
func center(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return padTo(s, w)
	}
	return padTo(strings.Repeat(" ", (w-n)/2)+s, w)
}

// cmpHeader is the top line: the pair's place in the queue, its track and language, the mode badges.
func (m *Compare) cmpHeader(d *pairData) string {
	th := m.theme()
	what := fmt.Sprintf("pair %d of %d", m.cur()+1, m.info.Pairs)
	if d != nil && d.err == nil {
		var tags []string
		for _, t := range []string{d.p.Track, d.p.Lang} {
			if t != "" {
				tags = append(tags, cleanLine(t))
			}
		}
		if len(tags) > 0 {
			what += " · " + strings.Join(tags, " · ")
		}
	}
	var badges []string
	if m.info.Blind {
		badges = append(badges, th.badgeWarn.Render("blind"))
	}
	if m.info.Overlap > 1 {
		badges = append(badges, th.badge.Render(fmt.Sprintf("overlap %d", m.info.Overlap)))
	}
	right := strings.Join(badges, " ")
	room := m.w - lipgloss.Width(right) - 1
	if room < 12 {
		right, room = "", m.w
	}
	left := th.head.Render(truncate(what, room))
	return padTo(left+strings.Repeat(" ", max(1, m.w-lipgloss.Width(left)-lipgloss.Width(right)))+right, m.w)
}

// lastLine tells the previous pair answered in full: the models on each side and the answers.
func (m *Compare) lastLine() string {
	th := m.theme()
	lp := m.last
	if lp == nil || (lp.pos == m.cur() && !m.done) {
		return th.faint.Render("answer with ← / → (or 1 2), tie =, both bad b; ? shows every key")
	}
	s := fmt.Sprintf("previous pair %d: ", lp.pos+1)
	if lp.reveal != nil {
		s += "left " + cleanLine(lp.reveal.LeftModel) + ", right " + cleanLine(lp.reveal.RightModel) + " · "
	}
	s += "you: " + m.answers(lp.choices)
	if lp.reveal != nil {
		if j := judgePicks(lp.reveal); j != "" {
			s += " · " + j
		}
	}
	return th.faint.Render(truncate(s, m.w))
}

// answers writes the annotator's answers per dimension ("left" or "alignment left, aesthetics tie").
func (m *Compare) answers(cs map[string]review.Choice) string {
	var out []string
	for _, dim := range m.info.Dimensions {
		c, ok := cs[dim]
		s := "—"
		if ok && c.Valid() {
			s = choiceName(c)
		}
		if len(m.info.Dimensions) > 1 {
			s = cleanLine(dim) + " " + s
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// choiceName is a choice as the screen says it.
func choiceName(c review.Choice) string {
	if c == review.ChoiceBothBad {
		return "both bad"
	}
	return c.String()
}

// judgePicks writes the pairwise judges' picks ("judges: qwen left, gpt tie").
func judgePicks(rv *review.PairReveal) string {
	var out []string
	for _, j := range rv.Judges {
		pick := j.Pick
		if pick == "" {
			pick = "unreadable"
		}
		out = append(out, cleanLine(j.Rater)+" "+cleanLine(j.Dimension)+" "+pick)
	}
	if len(out) == 0 {
		return ""
	}
	return "judges: " + strings.Join(out, ", ")
}

// sideLines are the rows under each picture: its side's judge scores once revealed.
func (m *Compare) sideLines(d *pairData, rev bool, l cmpLayout) [2][]string {
	th := m.theme()
	var out [2][]string
	switch {
	case d == nil || d.err != nil:
	case !rev:
		out[0] = []string{th.faint.Render(" models and judges hidden until you answer")}
	default:
		for _, sc := range d.reveal.Scores {
			vals := [2]string{"–", "–"}
			if sc.HasLeft {
				vals[0] = fmt.Sprintf("%g", sc.Left)
			}
			if sc.HasRight {
				vals[1] = fmt.Sprintf("%g", sc.Right)
			}
			for i := range out {
				out[i] = append(out[i], truncate(fmt.Sprintf(" %s %s %s", cleanLine(sc.Rater), strings.TrimPrefix(cleanLine(sc.Dimension), "prism_"), vals[i]), l.colW[i]))
			}
		}
		if len(d.reveal.Scores) == 0 {
			out[0] = []string{th.faint.Render(" no judge scores")}
		}
	}
	for i := range out {
		if len(out[i]) > l.side {
			out[i] = append(out[i][:l.side-1], th.faint.Render(fmt.Sprintf(" +%d more", len(out[i])-l.side+1)))
		}
		out[i] = append(out[i], "")
	}
	return out
}

// panelLines are the answers per dimension (the focused one marked), then the judges' picks and
// others' choices (once revealed) and the annotator's notes on the pair.
func (m *Compare) panelLines(d *pairData, rev bool) []string {
	th := m.theme()
	var out []string
	if d != nil && d.err != nil {
		out = append(out, "error: "+cleanLine(d.err.Error()))
	}
	for i, dim := range m.info.Dimensions {
		mark := "  "
		if i == m.focus {
			mark = th.key.Render("▸ ")
		}
		ans := th.faint.Render("—")
		if d != nil {
			if c, ok := d.choices[dim]; ok && c.Valid() {
				ans = th.you.Render("you: " + choiceText(c, dim, false))
			}
		}
		if i == m.focus && d != nil && !d.choices[dim].Valid() {
			ans += th.hint.Render("  ← left better · → right better · = tie · b both bad")
		}
		out = append(out, truncate(mark+th.kind.Render(cleanLine(dim))+"  "+ans, m.w))
	}
	var info []string
	switch {
	case d == nil || d.err != nil:
	case !rev:
		info = append(info, th.faint.Render("blind: models, judges and others are shown once you answered every dimension"))
	default:
		if j := judgePicks(d.reveal); j != "" {
			info = append(info, j)
		}
		if len(d.reveal.Others) > 0 {
			var os []string
			for _, o := range d.reveal.Others {
				os = append(os, cleanLine(o))
			}
			info = append(info, "others: "+strings.Join(os, ", "))
		}
	}
	out = append(out, truncate(strings.Join(info, " · "), m.w))
	switch {
	case m.entry != nil:
		out = append(out, m.entryLine())
	case d != nil && len(d.notes) > 0:
		var ns []string
		for _, n := range d.notes {
			ns = append(ns, cleanLine(n))
		}
		out = append(out, truncate("your notes: "+strings.Join(ns, " · "), m.w))
	}
	return out
}

// doneRows is the "queue done" screen.
func (m *Compare) doneRows(body int) []string {
	rows := fit(nil, m.w, body)
	rows[0] = padTo(m.theme().head.Render("queue done"), m.w)
	if body > 1 {
		rows[1] = padTo(m.lastLine(), m.w)
	}
	lines := []string{
		"queue done: no pair is left for you in this queue",
		fmt.Sprintf("you answered %d of %d pairs; %d have every answer the queue asks for", m.progress.Mine, m.progress.Total, m.progress.Complete),
		"k goes back to the pairs of this session, u undoes your latest choice, q quits",
	}
	for i, l := range lines {
		if j := body/2 - 1 + i; j >= 2 && j < body {
			rows[j] = padTo(lipgloss.PlaceHorizontal(m.w, lipgloss.Center, truncate(l, m.w)), m.w)
		}
	}
	if m.entry != nil && body > 3 {
		rows[body-1] = m.entryLine()
	}
	return rows
}

// status is the bottom bar: queue and annotator, where, progress, the latest acknowledgement.
func (m *Compare) status() string {
	th := m.theme()
	where := fmt.Sprintf("pair %d of %d", m.cur()+1, m.info.Pairs)
	if m.done {
		where = "queue done"
	}
	seg := func(st lipgloss.Style, s string) string {
		if m.cfg.NoColor || noColor() { // the plain theme has no padding: keep the segments apart
			s = " " + s + " "
		}
		return st.Render(s)
	}
	segs := []string{seg(th.segA, cleanLine(m.info.Queue)+" · "+cleanLine(m.info.Annotator)), seg(th.segB, where)}
	if m.entry != nil {
		segs = append([]string{seg(th.badgeWarn, "TEXT ENTRY")}, segs...)
	}
	info := fmt.Sprintf("mine %d · complete %d · total %d", m.progress.Mine, m.progress.Complete, m.progress.Total)
	if m.busy {
		info += " · saving…"
	}
	segs = append(segs, seg(th.segC, info))
	line := strings.Join(segs, "")
	if m.flash != "" {
		room := m.w - lipgloss.Width(line)
		flash := " " + cleanLine(m.flash) + " "
		if room > 3 {
			line += th.flash.Render(padTo(truncate(flash, room), room))
		} else {
			line = th.flash.Render(padTo(truncate(flash, m.w), m.w))
		}
	}
	return padTo(line, m.w)
}

// hint is the one-line reminder of the main keys.
func (m *Compare) hint() string {
	th := m.theme()
	var pairs [][2]string
	switch {
	case m.entry != nil:
		pairs = [][2]string{{"enter", "save"}, {"esc", "cancel"}, {"ctrl+u", "erase"}}
	case m.help:
		pairs = [][2]string{{"any key", "close"}}
	default:
		pairs = [][2]string{{"←/1", "left"}, {"→/2", "right"}, {"=/3", "tie"}, {"b/4", "both bad"}}
		if len(m.info.Dimensions) > 1 {
			pairs = append(pairs, [2]string{"tab", "dimension"})
		}
		pairs = append(pairs, [][2]string{{"u", "undo"}, {"space", "skip"}, {"j/k", "move"}, {"n", "note"}, {"f", "flag"}, {"q", "quit"}}...)
	}
	help := th.key.Render("?") + " " + th.hint.Render("help") + " "
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

// cmpBox draws lines in a rounded, titled border at most w x h cells.
func cmpBox(th theme, title string, lines []string, w, h int) []string {
	inner := 0
	for _, l := range lines {
		inner = max(inner, lipgloss.Width(l))
	}
	inner = max(4, min(inner+2, w-2))
	lines = lines[:min(len(lines), max(0, h-2))]
	top := th.border.Render("╭─ ") + th.head.Render(truncate(title, max(1, inner-3))) + " "
	top += th.border.Render(strings.Repeat("─", max(0, inner+1-lipgloss.Width(top))) + "╮")
	out := []string{top}
	for _, l := range lines {
		out = append(out, th.border.Render("│")+" "+padTo(l, inner-2)+" "+th.border.Render("│"))
	}
	return append(out, th.border.Render("╰"+strings.Repeat("─", inner)+"╯"))
}

package tui

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
)

// helpTemplate is the ? overlay: every key the screen knows, {action} standing for the keys bound to
// it (rebindable in loupe.toml [keys]). It fits 80x24 inside its border.
var helpTemplate = []string{
	"{accept} accept, {reject} reject; {skip} skip for now, {skip-broken} skip as broken",
	"{undo} undo your latest change on this item",
	"{undo-walk} undo back through your history, item by item",
	"{next} next;  {previous} previous;  {first} / {last} first / last",
	"{next-undecided} next undecided;  {jump} go to a position or item id",
	"{history} your decisions this session;  {sort} sort: disagreement, judge",
	"{focus-next} / {focus-previous} next / previous score dimension",
	"1-9, 0 score the focused dimension 1-9; 0 sets 10",
	"{agree} agree with the judge's value (off in blind mode)",
	"{override} reject with a reason;  {note} note;  {flag} flag / unflag",
	"{filter} filter, e.g. subset=text score=clarity=8:",
	"{language} English / Chinese;  {zoom} zoom;  {scroll-down} / {scroll-up} scroll",
	"{rejudge} re-judge;  {pipeline-step} rerun a step;  {export} export the view",
	"{stats} statistics;  {guidelines} guidelines;  {help} this help;  {quit} quit",
	"",
	"Keys typed during a save wait their turn. --blind: judge values hidden",
	"until you decide; later changes are revisions. --overlap K>1: others",
	"hidden until you decide; each decision leases the next free item.",
}

var helpKeyRe = regexp.MustCompile(`\{([a-z-]+)\}`)

// helpLines renders the help with the keymap's bindings.
func (m *Model) helpLines() []string {
	out := make([]string, len(helpTemplate))
	for i, l := range helpTemplate {
		out[i] = helpKeyRe.ReplaceAllStringFunc(l, func(s string) string { return m.cfg.Keys.keysOf(s[1 : len(s)-1]) })
	}
	return out
}

// handleKey routes a key: the open entry, overlay or zoom first, else the normal mode.
func (m *Model) handleKey(k tea.KeyPressMsg) tea.Cmd {
	if m.entry != nil {
		return m.entryKey(k)
	}
	if m.help || m.guide {
		if m.guide {
			switch m.cfg.Keys.translate(k.String()) {
			case "j", "down":
				m.guideScroll++
				return nil
			case "k", "up":
				m.guideScroll = max(0, m.guideScroll-1)
				return nil
			}
		}
		return m.closeOverlay()
	}
	return m.key(k)
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
	decide := func(accept bool) tea.Cmd {
		what, v := "rejected", int8(-1)
		if accept {
			what, v = "accepted", 1
		}
		after := m.blind() && m.decided()
		return m.save(what, true, v, func(ctx context.Context, id int64) (int64, error) {
			return ses.Record(ctx, review.Action{Kind: review.ActDecide, Item: id, Accept: accept, AfterReveal: after})
		})
	}
	skip := func(why string) tea.Cmd {
		return m.save("skipped ("+why+")", true, 0, func(ctx context.Context, id int64) (int64, error) {
			return ses.Record(ctx, review.Action{Kind: review.ActSkip, Item: id, Text: why})
		})
	}
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
		m.entry = &entry{kind: exportEntry, text: []rune(defaultExport(m.info.Queue))}
		return nil
	case "q":
		return m.quitCmd()
	case "?":
		m.help = true
		return m.image.hide()
	case "i":
		if m.info.Guidelines == "" {
			m.flash = "this queue has no guidelines (loupe queue guidelines QUEUE FILE.md)"
			return nil
		}
		m.guide, m.guideScroll = true, 0
		return m.image.hide()
	case "a", "x":
		if k.IsRepeat {
			return nil
		}
		return decide(s == "a")
	case "space":
		if k.IsRepeat {
			return nil
		}
		return skip(review.SkipLater)
	case "b":
		if k.IsRepeat {
			return nil
		}
		return skip(review.SkipBroken)
	case "u", "backspace":
		return m.undo(false)
	case "U":
		return m.undo(true)
	case "f":
		d := m.cur()
		if d == nil || d.it == nil {
			return nil
		}
		if flaggedBy(d.it.Events, m.info.Annotator) {
			return m.save("unflagged", false, 0, func(ctx context.Context, id int64) (int64, error) {
				return ses.Record(ctx, review.Action{Kind: review.ActUnflag, Item: id})
			})
		}
		m.entry = &entry{kind: flagEntry}
		return nil
	case "N":
		if m.cur() != nil && m.cur().it != nil {
			m.entry = &entry{kind: noteEntry}
		}
		return nil
	case ":":
		m.entry = &entry{kind: jumpEntry}
		return nil
	case "h":
		if len(m.history) == 0 {
			m.flash = "no decisions in this session yet"
			return nil
		}
		m.entry = &entry{kind: pickHistory, picking: true}
		return nil
	case "e":
		if m.cur() != nil && m.cur().it != nil {
			m.entry = &entry{kind: overrideEntry, picking: true}
		}
		return nil
	case "o":
		return m.cycleSort()
	case "t":
		m.text.toggle()
		return nil // Update's afterUpdate draws a raw picture again if the new frame repainted its rows
	case "/":
		m.filterPrompt()
		return nil
	case "pgdown", "J":
		m.text.scroll += max(1, m.textHeight()-2)
		return nil
	case "pgup", "K":
		m.text.scroll = max(0, m.text.scroll-max(1, m.textHeight()-2))
		return nil
	case "tab", "shift+tab":
		dims := itemDims(m.cur(), m.scores.focus)
		i := slices.Index(dims, m.scores.focus)
		step := 1
		if s == "shift+tab" {
			step = len(dims) - 1
		}
		m.scores.focus = dims[(max(0, i)+step)%len(dims)]
		return nil
	case "z":
		m.zoom = true
		m.image.invalidate()
		if d := m.cur(); d != nil {
			return m.image.show(m, d)
		}
		return nil
	case "enter":
		if m.blind() {
			m.flash = "agree (enter) is off in blind mode: type your own score"
			return nil
		}
		return m.agree()
	case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9":
		v := float64(s[0] - '0')
		if v == 0 {
			v = 10
		}
		dim := Dimensions[m.scores.focus]
		return m.score(dim, v, fmt.Sprintf("%s = %g", dim, v), "")
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
	case "n":
		p := m.nextUndecided()
		if p < 0 {
			m.flash = "queue done: every item is decided"
			return nil
		}
		m.move(p)
	default:
		return nil
	}
	m.flash = ""
	return m.loadCur()
}

// nextUndecided is the first undecided position after the current one (wrapping), or -1.
func (m *Model) nextUndecided() int {
	n := len(m.state)
	for i := 1; i <= n; i++ {
		if p := (m.pos + i) % n; m.state[p] == 0 {
			return p
		}
	}
	return -1
}

// flaggedBy reports whether the annotator's flag on an item is in force: their latest flag or unflag
// event not withdrawn by an undo is a flag.
func flaggedBy(events []review.Event, who string) bool {
	undone := map[int64]bool{}
	for _, e := range events {
		if e.Kind == "undo" {
			undone[e.Replaces] = true
		}
	}
	in := false
	for _, e := range events {
		if e.Annotator != who || (e.ID != 0 && undone[e.ID]) {
			continue
		}
		switch e.Kind {
		case "flag":
			in = true
		case "unflag":
			in = false
		}
	}
	return in
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

// score records the annotator's value on dim; in blind mode, one given after the reveal is marked.
func (m *Model) score(dim string, v float64, what, reason string) tea.Cmd {
	d, ses := m.cur(), m.ses
	if d == nil || d.it == nil {
		return nil
	}
	after := m.blind() && m.decided()
	return m.save(what, false, 0, func(ctx context.Context, id int64) (int64, error) {
		return ses.Record(ctx, review.Action{Kind: review.ActScore, Item: id, Dimension: dim, Value: v, Text: reason, AfterReveal: after})
	})
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

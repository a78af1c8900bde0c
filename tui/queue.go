package tui

import (
	"errors"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
)

// leasing reports whether items are handed out with Session.Lease: asked for, or the queue wants
// more than one annotator per item.
func (m *Model) leasing() bool { return m.cfg.Lease || m.ses.Info().Overlap > 1 }

// positions maps a session's items to their positions.
func positions(ids []int64) map[int64]int {
	out := make(map[int64]int, len(ids))
	for i, id := range ids {
		out[id] = i
	}
	return out
}

// filterMsg reports that a filter from the / prompt was applied (Session.Restrict).
type filterMsg struct {
	text  string
	ids   []int64 // the session's items now
	state []int8
	next  int // leasing: the position handed out (-1: nothing left); else -1
	err   error
}

// applyFilter restricts the session to the filter in the background; the screen switches to its items
// when it returned (filtered).
func (m *Model) applyFilter(text string) tea.Cmd {
	f, err := m.parseFilter(text)
	if err != nil {
		m.flash = "filter: " + cleanLine(err.Error())
		return nil
	}
	if m.busy {
		return nil
	}
	m.busy = true
	ctx, ses, lease := m.ctx, m.ses, m.leasing()
	text = FilterString(f)
	return func() tea.Msg {
		msg := filterMsg{text: text, next: -1}
		if msg.ids, msg.err = ses.Restrict(ctx, f); msg.err != nil {
			return msg
		}
		if msg.state, msg.err = ses.States(ctx); msg.err != nil {
			return msg
		}
		if lease {
			msg.next, msg.err = ses.Lease(ctx, LeaseTTL)
		}
		return msg
	}
}

// filtered switches the screen to the restricted session: it stays on the current item when that
// passes the filter, else goes to the leased or the first undecided item.
func (m *Model) filtered(msg filterMsg) tea.Cmd {
	m.busy = false
	if msg.err != nil {
		m.flash = "filter: " + cleanLine(msg.err.Error())
		return nil
	}
	var curID int64
	if m.pos < len(m.ids) {
		curID = m.ids[m.pos]
	}
	m.ids, m.state, m.filt = msg.ids, msg.state, msg.text
	m.posOf = positions(m.ids)
	m.items = map[int]*itemData{}
	m.gen++
	m.done = false
	p, ok := m.posOf[curID]
	switch {
	case m.leasing() && msg.next < 0:
		m.done, p = true, 0
	case m.leasing():
		p = msg.next
	case !ok:
		p = 0
		for i, s := range m.state {
			if s == 0 {
				p = i
				break
			}
		}
	}
	m.pos, m.text.scroll = p, 0
	m.flash = "filter: " + review.Plural(len(m.ids), "item")
	if msg.text == "" {
		m.flash = "filter cleared: " + review.Plural(len(m.ids), "item")
	}
	m.aheadPos = -1
	if m.leasing() {
		return tea.Batch(m.loadCur(), m.leaseAhead())
	}
	return m.loadCur()
}

// parseFilter parses the / prompt's filter (review.ParseFilter's syntax) and checks it against the
// workspace's dimensions, tracks and kinds (Session.CheckFilter).
func (m *Model) parseFilter(s string) (review.Filter, error) {
	f, err := review.ParseFilter(s)
	if err != nil {
		return f, err
	}
	if err := m.hiddenByFilter(f); err != nil {
		return f, err
	}
	return f, m.ses.CheckFilter(f)
}

// hiddenByFilter refuses a filter or an order that would tell what the screen hides: in blind mode the
// judge and pipeline values (which items the judge scored low), in overlap mode with others hidden the
// other annotators' decisions. (Over SSH the queue's settings are the only ones: this is what keeps
// them.)
func (m *Model) hiddenByFilter(f review.Filter) error {
	if m.blind() && (len(f.JudgeScores) > 0 || len(f.Scores) > 0 || f.Agreement != "" || f.Sort != "") {
		return errors.New("blind mode: filters and orders on judge or pipeline values are off")
	}
	if m.info.Overlap > 1 && !m.info.ShowOthers {
		mine := f.Annotator == "" || f.Annotator == m.info.Annotator
		if !mine || f.Consensus > 0 || f.Agreement != "" || (len(f.Decision) > 0 && f.Annotator == "") {
			return errors.New("other annotators' decisions stay hidden in this queue: filter on your own (annotator=" + m.info.Annotator + ")")
		}
	}
	return nil
}

// FilterString writes a filter in the / prompt's syntax ("" for the empty filter; Queue is left out).
func FilterString(f review.Filter) string { return review.FilterString(f) }

// filterPrompt opens the text entry mode on the active filter.
func (m *Model) filterPrompt() {
	m.entry = &entry{kind: filterEntry, text: []rune(m.filt)}
}

// sorts are the orders o cycles through: queue order, largest judge-human disagreement first, lowest
// judge score first.
var sorts = []string{"", "disagreement", "judge"}

// cycleSort applies the next order to the session, keeping the filter.
func (m *Model) cycleSort() tea.Cmd {
	if m.blind() {
		m.flash = "blind mode: sorting by judge values is off"
		return nil
	}
	var words []string
	cur := ""
	for _, w := range strings.Fields(m.filt) {
		if v, ok := strings.CutPrefix(w, "sort="); ok {
			cur = v
			continue
		}
		words = append(words, w)
	}
	next := sorts[(slices.Index(sorts, cur)+1)%len(sorts)]
	if next != "" {
		words = append(words, "sort="+next)
	}
	m.flash = "sorting: " + map[bool]string{true: "queue order", false: next}[next == ""]
	return m.applyFilter(strings.Join(words, " "))
}

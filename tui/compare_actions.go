package tui

// The comparison screen's writes: choices, undo, notes; each runs in a tea.Cmd and is acknowledged
// (saved) only when the session returned.

import (
	"context"
	"slices"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
)

// saved acknowledges a write that returned.
func (m *Compare) saved(msg cmpSavedMsg) tea.Cmd {
	m.busy = false
	if msg.err != nil {
		m.flash = "error: " + cleanLine(msg.err.Error())
		return nil
	}
	d := m.pairs[msg.pos]
	if d != nil {
		if msg.choices != nil {
			d.choices = msg.choices
		}
		if msg.notes != nil {
			d.notes = msg.notes
		}
		if msg.reveal != nil {
			d.reveal = msg.reveal
		}
	}
	m.flash = msg.what
	if msg.choice {
		m.chosen++
	}
	switch {
	case msg.undo:
		if m.last != nil && m.last.pos == msg.pos {
			m.last = nil // its answer is withdrawn: the reveal goes until it is answered again
		}
		if msg.pos != m.cur() {
			if i := slices.Index(m.seen, msg.pos); i >= 0 {
				cmd := m.moveTo(i)
				m.focusDim(msg.dim)
				return cmd
			}
		}
		m.focusDim(msg.dim)
		return nil
	case msg.choice && msg.pos == m.cur():
		if m.complete(d) {
			m.last = &lastPair{pos: msg.pos, choices: d.choices, reveal: d.reveal}
			return m.advance(msg.what)
		}
		m.nextDim()
		return nil
	case msg.advance && msg.pos == m.cur():
		return m.advance(msg.what)
	}
	return nil
}

// focusDim focuses the named dimension when the queue asks about it.
func (m *Compare) focusDim(dim string) {
	if i := slices.Index(m.info.Dimensions, dim); i >= 0 {
		m.focus = i
	}
}

// nextDim focuses the next dimension without an answer after the focused one (wrapping).
func (m *Compare) nextDim() {
	d := m.curData()
	n := len(m.info.Dimensions)
	for i := 1; i <= n; i++ {
		j := (m.focus + i) % n
		if d == nil || !d.choices[m.info.Dimensions[j]].Valid() {
			m.focus = j
			return
		}
	}
	m.focus = (m.focus + 1) % n
}

// choose records c on the focused dimension of the pair on screen, in the background.
func (m *Compare) choose(c review.Choice) tea.Cmd {
	d := m.curData()
	if d == nil || d.err != nil {
		return nil
	}
	dim := m.info.Dimensions[m.focus]
	what := choiceText(c, dim, len(m.info.Dimensions) > 1)
	return m.write(what, func(ctx context.Context, ses PairSession, pos int) (cmpSavedMsg, error) {
		err := ses.Choose(ctx, pos, dim, c)
		return cmpSavedMsg{choice: true, dim: dim}, err
	})
}

// write runs a store call on the pair on screen in the background and reads back the annotator's
// answers and notes (and the reveal, once it is due); the screen says what happened when it returned.
func (m *Compare) write(what string, call func(ctx context.Context, ses PairSession, pos int) (cmpSavedMsg, error)) tea.Cmd {
	return m.writeAt(m.cur(), what, call)
}

func (m *Compare) writeAt(pos int, what string, call func(ctx context.Context, ses PairSession, pos int) (cmpSavedMsg, error)) tea.Cmd {
	if pos < 0 || m.busy {
		return nil
	}
	m.busy = true
	ctx, ses, blind, dims := m.ctx, m.ses, m.info.Blind, m.info.Dimensions
	return func() tea.Msg {
		msg, err := call(ctx, ses, pos)
		msg.pos = pos
		if msg.what == "" {
			msg.what = what
		}
		if err != nil {
			msg.err = err
			return msg
		}
		if msg.choices, err = ses.Choices(ctx, pos); err != nil {
			return cmpSavedMsg{pos: pos, err: err}
		}
		if msg.notes, err = ses.Notes(ctx, pos); err != nil {
			return cmpSavedMsg{pos: pos, err: err}
		}
		answered := true
		for _, dim := range dims {
			answered = answered && msg.choices[dim].Valid()
		}
		if !blind || answered {
			rv, err := ses.Reveal(ctx, pos)
			if err != nil {
				return cmpSavedMsg{pos: pos, err: err}
			}
			msg.reveal = &rv
		}
		return msg
	}
}

// undo withdraws the latest choice on the pair on screen; on a pair without one, the latest on the pair
// answered before it (going back to it).
func (m *Compare) undo() tea.Cmd {
	pos := m.cur()
	if d := m.curData(); (d == nil || len(d.choices) == 0) && m.at > 0 && !m.done {
		pos = m.seen[m.at-1]
	}
	if m.done && len(m.seen) > 0 {
		pos = m.seen[len(m.seen)-1]
		if m.last != nil {
			pos = m.last.pos
		}
	}
	return m.writeAt(pos, "", func(ctx context.Context, ses PairSession, pos int) (cmpSavedMsg, error) {
		u, err := ses.Undo(ctx, pos)
		return cmpSavedMsg{undo: true, dim: u.Dimension, what: cleanLine(u.String())}, err
	})
}

// choiceText is the acknowledgement of a choice ("left better", "alignment: tie").
func choiceText(c review.Choice, dim string, named bool) string {
	s := map[review.Choice]string{review.ChoiceLeft: "left better", review.ChoiceRight: "right better",
		review.ChoiceTie: "tie", review.ChoiceBothBad: "both bad"}[c]
	if named {
		return cleanLine(dim) + ": " + s
	}
	return s
}

// joinFlash appends b to the status line's acknowledgement a.
func joinFlash(a, b string) string {
	if a == "" {
		return b
	}
	return a + " · " + b
}

package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"
)

// saved acknowledges a store call that returned.
func (m *Model) saved(msg savedMsg) tea.Cmd {
	m.busy = false
	cmp := m.pendingCmp
	m.pendingCmp = 0
	if msg.err != nil {
		m.flash = "error: " + cleanLine(msg.err.Error())
		return nil
	}
	m.flash = msg.what
	if cmp != 0 {
		m.agreeN++
		if cmp > 0 {
			m.agreeOK++
		}
	}
	if msg.hasState && msg.statePos >= 0 && msg.statePos < len(m.state) {
		was := m.state[msg.statePos]
		m.state[msg.statePos] = msg.stateVal
		switch {
		case was == 0 && msg.stateVal != 0:
			m.decidedHere++
		case was != 0 && msg.stateVal == 0:
			m.decidedHere = max(0, m.decidedHere-1)
		}
	}
	delete(m.items, msg.pos) // its labels and history changed
	if msg.undo {
		if msg.undone == 0 {
			m.flash = "nothing to undo"
			return nil
		}
		if p, ok := m.posOf[msg.undone]; ok {
			m.pos = p
			delete(m.items, p)
		}
	}
	switch {
	case msg.advance && m.pos == msg.pos && msg.leased && msg.next < 0:
		m.done = true
		m.flash += " · queue done"
	case msg.advance && m.pos == msg.pos && msg.leased:
		m.done = false
		m.move(msg.next)
	case msg.advance && m.pos == msg.pos && m.pos < len(m.ids)-1:
		m.move(m.pos + 1)
	}
	return m.loadCur()
}

// save runs a store call in the background; the screen says what happened when it returned. decided is
// the decision the call records (1 accept, -1 reject, 0 none).
func (m *Model) save(what string, advance bool, decided int8, call func(ctx context.Context, item int64) (int64, error)) tea.Cmd {
	d := m.cur()
	if d == nil || d.it == nil || m.busy {
		return nil
	}
	m.busy = true
	ctx, pos, id, ses := m.ctx, m.pos, d.it.ID, m.ses
	lease := advance && decided != 0 && m.leasing() // a skip keeps the lease and moves on in order
	return func() tea.Msg {
		_, err := call(ctx, id)
		msg := savedMsg{what: what, pos: pos, advance: advance, hasState: decided != 0, statePos: pos, stateVal: decided, err: err}
		if lease && err == nil {
			next, lerr := ses.Lease(ctx, LeaseTTL)
			if lerr != nil { // the decision is saved: say so, and move on in queue order
				msg.what += " (lease failed: " + cleanLine(lerr.Error()) + ")"
			} else {
				msg.leased, msg.next = true, next
			}
		}
		return msg
	}
}

func (m *Model) undo() tea.Cmd {
	if m.busy {
		return nil
	}
	m.busy = true
	ctx, ses, pos, posOf := m.ctx, m.ses, m.pos, m.posOf
	return func() tea.Msg {
		u, err := ses.Undo(ctx, 0)
		msg := savedMsg{what: "undone", pos: pos, undo: true, undone: u.Item, err: err}
		if p, ok := posOf[u.Item]; ok && err == nil {
			msg.hasState, msg.statePos = true, p
			msg.stateVal, msg.err = ses.State(ctx, u.Item)
		}
		return msg
	}
}

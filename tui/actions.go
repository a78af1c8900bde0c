package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
)

// historyEntry is one decision of this run, for the history strip.
type historyEntry struct {
	item  int64
	ext   string
	state int8
	at    time.Time
}

// saved acknowledges a store call that returned.
func (m *Model) saved(msg savedMsg) tea.Cmd {
	m.busy = false
	if msg.err != nil {
		m.flash = "error: " + cleanLine(msg.err.Error())
		return m.loadCur()
	}
	m.flash = msg.what
	if msg.hasState && msg.statePos >= 0 && msg.statePos < len(m.state) {
		was := m.state[msg.statePos]
		m.state[msg.statePos] = msg.stateVal
		switch {
		case was == 0 && msg.stateVal != 0:
			m.decidedHere++
		case was != 0 && msg.stateVal == 0:
			m.decidedHere = max(0, m.decidedHere-1)
		}
		if msg.stateVal != 0 && !msg.undo {
			m.history = append(m.history, historyEntry{item: m.ids[msg.statePos], ext: msg.ext, state: msg.stateVal, at: m.now()})
			if len(m.history) > 50 {
				m.history = m.history[len(m.history)-50:]
			}
		}
	}
	delete(m.items, msg.pos) // its labels and history changed
	if msg.undo {
		m.flash = msg.undone.String()
		if msg.undone.Item == 0 {
			return m.loadCur()
		}
		if p, ok := m.posOf[msg.undone.Item]; ok {
			delete(m.items, p)
			if msg.walk { // U: go to the item it withdrew a change on
				m.move(p)
			}
		}
		return m.loadCur()
	}
	last := len(m.ids) - 1
	switch {
	case msg.advance && m.pos == msg.pos && msg.leased && msg.next < 0:
		m.done = true
		m.flash += " · queue done"
	case msg.advance && m.pos == msg.pos && msg.leased:
		m.done = false
		m.move(msg.next)
		return tea.Batch(m.loadCur(), m.leaseAhead())
	case msg.advance && m.pos == msg.pos && m.pos < last:
		m.move(m.pos + 1)
	case msg.advance && m.pos == msg.pos:
		m.flash += " · " + m.leftSummary()
	}
	return m.loadCur()
}

// leftSummary says, at the end of the queue, whether it is done or what is left.
func (m *Model) leftSummary() string {
	left, first := 0, -1
	for i, s := range m.state {
		if s == 0 {
			left++
			if first < 0 {
				first = i
			}
		}
	}
	if left == 0 {
		return "queue done"
	}
	return fmt.Sprintf("end of queue: %s left, first at %d (n: next undecided)", review.Plural(left, "item"), first+1)
}

// save runs a store call in the background; the screen says what happened when it returned. decided is
// the decision the call records (1 accept, -1 reject, 0 none).
func (m *Model) save(what string, advance bool, decided int8, call func(ctx context.Context, item int64) (int64, error)) tea.Cmd {
	d := m.cur()
	if d == nil || d.it == nil || m.busy {
		return nil
	}
	m.busy = true
	ctx, pos, id, ses, ext := m.ctx, m.pos, d.it.ID, m.ses, d.it.ExtID
	lease := advance && decided != 0 && m.leasing() // a skip keeps the lease and moves on in order
	return func() tea.Msg {
		_, err := call(ctx, id)
		msg := savedMsg{what: what, pos: pos, advance: advance, hasState: decided != 0 && err == nil, statePos: pos, stateVal: decided, err: err, ext: ext}
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

// undo withdraws the annotator's latest change on the current item (u), or on any item, going to it
// (walk, U).
func (m *Model) undo(walk bool) tea.Cmd {
	if m.busy {
		return nil
	}
	var item int64
	if !walk {
		d := m.cur()
		if d == nil || d.it == nil {
			return nil
		}
		item = d.it.ID
	}
	m.busy = true
	ctx, ses, pos, posOf := m.ctx, m.ses, m.pos, m.posOf
	return func() tea.Msg {
		u, err := ses.Undo(ctx, item)
		msg := savedMsg{pos: pos, undo: true, walk: walk, undone: u, err: err}
		if p, ok := posOf[u.Item]; ok && err == nil && u.Item != 0 {
			msg.hasState, msg.statePos = true, p
			msg.stateVal, msg.err = ses.State(ctx, u.Item)
		}
		return msg
	}
}

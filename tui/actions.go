package tui

import (
	"context"
	"database/sql"
	"errors"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/store"
)

// loadStates reads this annotator's decision in force on every position of the session's items.
func loadStates(ctx context.Context, st *store.Store, ses *store.Session) ([]int8, error) {
	dim, err := store.DimensionID(ctx, st.DB, "decision")
	if err != nil {
		return nil, err
	}
	rows, err := st.DB.QueryContext(ctx, `SELECT qi.pos, qi.item_id, h.value FROM queue_items qi
		JOIN human_current h ON h.item_id = qi.item_id AND h.annotator_id = ? AND h.dimension_id = ?
		WHERE qi.queue_id = ?`, ses.AnnotatorID, dim, ses.QueueID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]int8, len(ses.Items))
	for rows.Next() {
		var qpos int
		var item int64
		var v *float64
		if err := rows.Scan(&qpos, &item, &v); err != nil {
			return nil, err
		}
		if pos, ok := ses.Position(qpos, item); ok {
			out[pos] = -1
			if v != nil && *v > 0 {
				out[pos] = 1
			}
		}
	}
	return out, rows.Err()
}

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
	case msg.advance && m.pos == msg.pos && m.pos < len(m.ses.Items)-1:
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
	ctx, st, ses, pos, posOf := m.ctx, m.cfg.Store, m.ses, m.pos, m.posOf
	return func() tea.Msg {
		item, err := ses.Undo(ctx)
		msg := savedMsg{what: "undone", pos: pos, undo: true, undone: item, err: err}
		if p, ok := posOf[item]; ok && err == nil {
			msg.hasState, msg.statePos = true, p
			msg.stateVal, msg.err = itemState(ctx, st, ses, item)
		}
		return msg
	}
}

// itemState reads this annotator's decision in force on one item.
func itemState(ctx context.Context, st *store.Store, ses *store.Session, item int64) (int8, error) {
	dim, err := store.DimensionID(ctx, st.DB, "decision")
	if err != nil {
		return 0, err
	}
	var v *float64
	err = st.DB.QueryRowContext(ctx, `SELECT value FROM human_current WHERE item_id = ? AND annotator_id = ? AND dimension_id = ?`,
		item, ses.AnnotatorID, dim).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, err
	case v != nil && *v > 0:
		return 1, nil
	}
	return -1, nil
}

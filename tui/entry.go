package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
)

// OverrideReasons are the reasons e offers, in order (picked with 1-6 or the arrows and enter).
var OverrideReasons = []string{"wrong subject", "misspelled text", "wrong style", "wrong count or position", "artifact", "other"}

type entryKind int

const (
	noteEntry entryKind = iota
	overrideEntry
	filterEntry // the / prompt: a filter expression (review.ParseFilter)
	exportEntry // E: "FORMAT PATH" to export the current view
	stepEntry   // P: a pipeline step to rerun on the current item
	flagEntry   // f: the reason of a flag (may be empty)
	jumpEntry   // :: a position or an item id
	pickHistory // h: pick one of this session's decisions to go back to
)

// entry is the text entry mode: while it is open every key edits it and none triggers an action.
type entry struct {
	kind    entryKind
	picking bool // override: choosing the reason
	reason  int
	text    []rune
}

// entryKey handles a key in text entry mode.
func (m *Model) entryKey(k tea.KeyPressMsg) tea.Cmd {
	e := m.entry
	s := k.String()
	if s == "esc" {
		m.entry = nil
		m.flash = "cancelled"
		return nil
	}
	if e.picking {
		n := len(OverrideReasons)
		if e.kind == pickHistory {
			n = len(m.recent())
		}
		switch s {
		case "up", "k", "shift+tab":
			e.reason = (e.reason + n - 1) % n
		case "down", "j", "tab":
			e.reason = (e.reason + 1) % n
		case "enter":
			e.picking = false
		default:
			if len(s) == 1 && s[0] >= '1' && int(s[0]-'1') < n {
				e.reason = int(s[0] - '1')
				e.picking = false
			}
		}
		if !e.picking && e.kind == pickHistory {
			return m.submitEntry()
		}
		return nil
	}
	if s == "enter" {
		return m.submitEntry()
	}
	e.edit(k)
	return nil
}

// edit applies an editing key to the entry's text: backspace, ctrl+u (clear), space, or typed text.
func (e *entry) edit(k tea.KeyPressMsg) {
	switch k.String() {
	case "backspace":
		if len(e.text) > 0 {
			e.text = e.text[:len(e.text)-1]
		}
	case "ctrl+u":
		e.text = nil
	case "space":
		e.text = append(e.text, ' ')
	default:
		if k.Text != "" && k.Mod&^tea.ModShift == 0 {
			e.add(k.Text)
		}
	}
}

// add types s into the entry, dropping control characters (a pasted newline becomes a space).
func (e *entry) add(s string) {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			e.text = append(e.text, ' ')
		case r >= 0x20 && r != 0x7f && !(r >= 0x80 && r < 0xa0) && r != utf8.RuneError:
			e.text = append(e.text, r)
		}
	}
}

// submitEntry saves the note or the override; the mode closes when the store call returned.
func (m *Model) submitEntry() tea.Cmd {
	e := m.entry
	text := strings.TrimSpace(string(e.text))
	ses := m.ses
	var cmd tea.Cmd
	switch e.kind {
	case filterEntry:
		if _, err := m.parseFilter(text); err != nil {
			m.flash = "filter: " + cleanLine(err.Error()) // the prompt stays open to fix it
			return nil
		}
		cmd = m.applyFilter(text)
	case exportEntry:
		return m.startExport(text)
	case stepEntry:
		return m.startStep(text)
	case noteEntry:
		if text == "" {
			m.entry = nil
			m.flash = "empty note not saved"
			return nil
		}
		cmd = m.save("note saved", false, 0, func(ctx context.Context, id int64) (int64, error) {
			return ses.Record(ctx, review.Action{Kind: review.ActNote, Item: id, Text: text})
		})
	case overrideEntry:
		reason := OverrideReasons[e.reason]
		if text != "" {
			reason += ": " + text
		}
		after := m.blind() && m.decided()
		cmd = m.save("overridden: rejected ("+OverrideReasons[e.reason]+")", true, -1, func(ctx context.Context, id int64) (int64, error) {
			return ses.Record(ctx, review.Action{Kind: review.ActDecide, Item: id, Text: reason, AfterReveal: after})
		})
	case flagEntry:
		what := "flagged"
		if text != "" {
			what += ": " + text
		}
		cmd = m.save(what, false, 0, func(ctx context.Context, id int64) (int64, error) {
			return ses.Record(ctx, review.Action{Kind: review.ActFlag, Item: id, Text: text})
		})
	case jumpEntry:
		m.entry = nil
		return m.jump(text)
	case pickHistory:
		m.entry = nil
		h := m.recent()
		if e.reason >= len(h) {
			return nil
		}
		p, ok := m.posOf[h[e.reason].item]
		if !ok {
			m.flash = "that item is not in this view"
			return nil
		}
		m.move(p)
		m.flash = ""
		return m.loadCur()
	}
	if cmd != nil {
		m.entry = nil
	}
	return cmd
}

// entryView is the entry mode's box, drawn over the bottom of the right-hand side.
func (m *Model) entryView(w int) []string {
	e := m.entry
	var out []string
	switch {
	case e.kind == overrideEntry && e.picking:
		out = append(out, "override: why is the item wrong? (1-6 or arrows + enter, esc cancels)")
		for i, r := range OverrideReasons {
			mark := "  "
			if i == e.reason {
				mark = "> "
			}
			out = append(out, mark+string(rune('1'+i))+" "+r)
		}
	case e.kind == pickHistory:
		out = append(out, "your decisions, latest first (1-9 or arrows + enter, esc cancels)")
		for i, h := range m.recent() {
			mark := "  "
			if i == e.reason {
				mark = "> "
			}
			out = append(out, padTo(fmt.Sprintf("%s%d %s %s %s", mark, i+1, stateMark(h.state), h.at.Format("15:04"), cleanLine(h.ext)), w))
		}
	case e.kind == flagEntry:
		out = append(out, wrap("flag for adjudication: why? (enter saves, empty: no reason; esc cancels)", w)...)
	case e.kind == jumpEntry:
		out = append(out, wrap("jump to: a position (1-"+fmt.Sprint(len(m.ids))+") or an item id; enter goes, esc cancels", w)...)
	case e.kind == overrideEntry:
		out = append(out, "override ("+OverrideReasons[e.reason]+"): details, enter saves, esc cancels")
	case e.kind == filterEntry:
		out = append(out, wrap("filter: enter applies, empty clears, ctrl+u erases, esc cancels", w)...)
		out = append(out, wrap("  key=value words: kind subset track model lang has-caption score=DIM=MIN:MAX, e.g. subset=text score=clarity=8:", w)...)
	case e.kind == stepEntry:
		out = append(out, wrap("rerun a pipeline step on this item (in the background), enter starts, esc cancels", w)...)
		out = append(out, wrap("  steps: "+strings.Join(m.cfg.Steps, " "), w)...)
	case e.kind == exportEntry:
		out = append(out, wrap("export this view (queue and filter): FORMAT PATH, enter starts, esc cancels", w)...)
		out = append(out, wrap("  formats: jsonl csv parquet hf webdataset; an existing PATH is not replaced", w)...)
	default:
		out = append(out, "note: type, enter saves, esc cancels")
	}
	if !e.picking {
		line := "> " + Clean(string(e.text)) + "_"
		out = append(out, wrap(line, w)...)
	}
	return out
}

// recent are the history strip's decisions, latest first (at most 9).
func (m *Model) recent() []historyEntry {
	var out []historyEntry
	for i := len(m.history) - 1; i >= 0 && len(out) < 9; i-- {
		out = append(out, m.history[i])
	}
	return out
}

func stateMark(s int8) string {
	switch s {
	case 1:
		return "✓"
	case -1:
		return "✗"
	}
	return "·"
}

// jumpMsg reports where an item id lives in the session.
type jumpMsg struct {
	ref string
	pos int
	err error
}

// jump goes to a position (a number) or, in the background, to an item id.
func (m *Model) jump(ref string) tea.Cmd {
	if ref == "" {
		return nil
	}
	if n, err := strconv.Atoi(ref); err == nil && n >= 1 && n <= len(m.ids) {
		m.move(n - 1)
		m.flash = ""
		return m.loadCur()
	}
	ses, ctx, posOf := m.ses, m.ctx, m.posOf
	return func() tea.Msg {
		id, err := ses.Find(ctx, ref)
		if err != nil {
			return jumpMsg{ref: ref, err: err}
		}
		p, ok := posOf[id]
		if !ok {
			return jumpMsg{ref: ref, err: fmt.Errorf("%s is not in this view", ref)}
		}
		return jumpMsg{ref: ref, pos: p}
	}
}

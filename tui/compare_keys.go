package tui

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
)

// CompareKeys are the comparison screen's keys: action -> keys. They are its own (the review screen's
// rebindable Actions give ←/→ and h to moving and history), listed by the help overlay.
var CompareKeys = []struct {
	Action string
	Keys   []string
	Help   string
}{
	{"left", []string{"left", "h", "1"}, "the left picture is better"},
	{"right", []string{"right", "l", "2"}, "the right picture is better"},
	{"tie", []string{"=", "3", "t"}, "tie: equally good"},
	{"both-bad", []string{"b", "4"}, "both bad"},
	{"dimension", []string{"tab", "shift+tab"}, "next / previous dimension"},
	{"undo", []string{"u", "backspace"}, "undo your latest choice here (or on the pair before)"},
	{"note", []string{"n"}, "note on this pair"},
	{"flag", []string{"f"}, "flag this pair, with a reason"},
	{"skip", []string{"space"}, "skip this pair for now (it comes back later)"},
	{"next", []string{"j", "down"}, "next pair of this session"},
	{"previous", []string{"k", "up"}, "previous pair of this session"},
	{"help", []string{"?"}, "this help"},
	{"quit", []string{"q", "ctrl+c"}, "quit (every acknowledged key is saved)"},
}

// compareAction maps a pressed key to its action ("" when none).
func compareAction(key string) string {
	for _, a := range CompareKeys {
		for _, k := range a.Keys {
			if k == key {
				return a.Action
			}
		}
	}
	return ""
}

// helpLines is the ? overlay: the keys, what the screen hides, the queue's guidelines.
func (m *Compare) helpLines(w int) []string {
	var out []string
	for _, a := range CompareKeys {
		out = append(out, truncate(padTo(strings.Join(a.Keys, " "), 18)+a.Help, w))
	}
	out = append(out, "",
		truncate("A choice moves on to the next unanswered dimension, then the next pair.", w),
		truncate("Keys typed during a save wait their turn. Blind queues hide models,", w),
		truncate("judges and others' choices until you answered every dimension.", w))
	if g := strings.TrimSpace(m.info.Guidelines); g != "" {
		out = append(out, "", "guidelines:")
		out = append(out, wrap(Clean(g), w)...)
	}
	return out
}

// cmpEntry is the note or flag prompt: while it is open every key edits it.
type cmpEntry struct {
	kind string // "note" or "flag"
	entry
}

func (m *Compare) entryLine() string {
	e := m.entry
	what := "note (enter saves, esc cancels): "
	if e.kind == "flag" {
		what = "flag: why? (enter saves, esc cancels): "
	}
	return padTo(truncate(m.theme().key.Render(what)+"> "+Clean(string(e.text))+"_", m.w), m.w)
}

// entryKey handles a key while the prompt is open.
func (m *Compare) entryKey(k tea.KeyPressMsg) tea.Cmd {
	e := m.entry
	switch k.String() {
	case "esc":
		m.entry = nil
		m.flash = "cancelled"
		return nil
	case "enter":
		text := strings.TrimSpace(string(e.text))
		m.entry = nil
		if e.kind == "note" && text == "" {
			m.flash = "empty note not saved"
			return nil
		}
		what := e.kind + " saved"
		if e.kind == "flag" {
			what = "flagged"
			if text != "" {
				what += ": " + text
			}
		}
		kind := e.kind
		return m.write(what, func(ctx context.Context, ses PairSession, pos int) (cmpSavedMsg, error) {
			return cmpSavedMsg{}, ses.Mark(ctx, pos, kind, text)
		})
	}
	e.edit(k)
	return nil
}

// handleKey routes a key: the prompt, the help overlay, else the screen's keys.
func (m *Compare) handleKey(k tea.KeyPressMsg) tea.Cmd {
	if m.entry != nil {
		return m.entryKey(k)
	}
	if m.help {
		m.help = false
		m.pics.invalidate()
		return m.showCur()
	}
	act := compareAction(k.String())
	if m.done {
		switch act {
		case "quit":
			return m.quitCmd()
		case "help":
			m.help = true
			return nil
		case "previous":
			if len(m.seen) > 0 {
				m.flash = ""
				return m.moveTo(len(m.seen) - 1)
			}
		case "undo":
			if len(m.seen) > 0 {
				return m.undo()
			}
		}
		return nil
	}
	choice := map[string]review.Choice{"left": review.ChoiceLeft, "right": review.ChoiceRight, "tie": review.ChoiceTie, "both-bad": review.ChoiceBothBad}
	switch act {
	case "left", "right", "tie", "both-bad":
		if k.IsRepeat {
			return nil // a held key must not answer the pairs after this one
		}
		return m.choose(choice[act])
	case "dimension":
		n := len(m.info.Dimensions)
		if k.String() == "shift+tab" {
			m.focus = (m.focus + n - 1) % n
		} else {
			m.focus = (m.focus + 1) % n
		}
		return nil
	case "undo":
		return m.undo()
	case "note", "flag":
		if d := m.curData(); d != nil && d.err == nil {
			m.entry = &cmpEntry{kind: act}
		}
		return nil
	case "skip":
		if k.IsRepeat {
			return nil
		}
		return m.write("skipped", func(ctx context.Context, ses PairSession, pos int) (cmpSavedMsg, error) {
			return cmpSavedMsg{advance: true}, ses.Mark(ctx, pos, "skip", "")
		})
	case "next":
		if m.latest() {
			m.flash = "this is the newest pair: answer it, or skip it (space)"
			return nil
		}
		m.flash = ""
		return m.moveTo(m.at + 1)
	case "previous":
		if m.at == 0 {
			m.flash = "this is the first pair of this session"
			return nil
		}
		m.flash = ""
		return m.moveTo(m.at - 1)
	case "help":
		m.help = true
		return m.pics.hide()
	case "quit":
		return m.quitCmd()
	}
	return nil
}

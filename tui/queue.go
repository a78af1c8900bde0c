package tui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// leasing reports whether items are handed out with Session.Lease: asked for, or the queue wants
// more than one annotator per item.
func (m *Model) leasing() bool { return m.cfg.Lease || m.ses.Overlap > 1 }

// positions maps a session's items to their positions.
func positions(ses *store.Session) map[int64]int {
	out := make(map[int64]int, len(ses.Items))
	for i, id := range ses.Items {
		out[id] = i
	}
	return out
}

// filterMsg reports that a filter from the / prompt was applied (on a copy of the session).
type filterMsg struct {
	text  string
	ses   *store.Session
	state []int8
	next  int // leasing: the position handed out (-1: nothing left); else -1
	err   error
}

// applyFilter restricts a copy of the session to the filter in the background; the screen switches to
// it when it returned (filtered).
func (m *Model) applyFilter(text string) tea.Cmd {
	f, err := ParseFilter(text)
	if err != nil {
		m.flash = "filter: " + cleanLine(err.Error())
		return nil
	}
	if m.busy {
		return nil
	}
	m.busy = true
	ctx, st, lease := m.ctx, m.cfg.Store, m.leasing()
	cp := *m.ses
	text = FilterString(f)
	return func() tea.Msg {
		msg := filterMsg{text: text, ses: &cp, next: -1}
		if msg.err = cp.Restrict(ctx, f); msg.err != nil {
			return msg
		}
		if msg.state, msg.err = loadStates(ctx, st, &cp); msg.err != nil {
			return msg
		}
		if lease {
			msg.next, msg.err = cp.Lease(ctx, LeaseTTL)
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
	if m.pos < len(m.ses.Items) {
		curID = m.ses.Items[m.pos]
	}
	m.ses, m.state, m.filt = msg.ses, msg.state, msg.text
	m.posOf = positions(m.ses)
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
	m.flash = fmt.Sprintf("filter: %d items", len(m.ses.Items))
	if msg.text == "" {
		m.flash = fmt.Sprintf("filter cleared: %d items", len(m.ses.Items))
	}
	return m.loadCur()
}

// ParseFilter parses the / prompt's filter: space-separated key=value words, the keys being the
// filter flags of loupe sample and loupe review: kind, subset, track, model, lang, has-caption and
// score (score=DIM=MIN:MAX, repeatable); subset, track and model take comma-separated lists and add up
// when repeated. The empty string is the empty filter (the whole queue).
func ParseFilter(s string) (review.Filter, error) {
	var f review.Filter
	for _, w := range strings.Fields(s) {
		k, v, ok := strings.Cut(w, "=")
		if !ok || v == "" {
			return f, fmt.Errorf("%q: want key=value (kind, subset, track, model, lang, has-caption, score)", w)
		}
		list := func() []string {
			var out []string
			for _, x := range strings.Split(v, ",") {
				if x = strings.TrimSpace(x); x != "" {
					out = append(out, x)
				}
			}
			return out
		}
		switch strings.ToLower(k) {
		case "kind":
			f.Kind = v
		case "subset":
			f.Subsets = append(f.Subsets, list()...)
		case "track":
			f.Tracks = append(f.Tracks, list()...)
		case "model":
			f.Models = append(f.Models, list()...)
		case "lang":
			f.Lang = v
		case "has-caption", "has_caption":
			f.HasCaption = v
		case "score":
			r, err := review.ParseScoreRange(v)
			if err != nil {
				return f, err
			}
			f.Scores = append(f.Scores, r)
		default:
			return f, fmt.Errorf("unknown filter key %q (want kind, subset, track, model, lang, has-caption or score)", k)
		}
	}
	if _, _, err := store.FilterSQL(f); err != nil {
		return f, err
	}
	return f, nil
}

// FilterString writes a filter in ParseFilter's syntax ("" for the empty filter; Queue is left out).
func FilterString(f review.Filter) string {
	var w []string
	add := func(k string, vs ...string) {
		if len(vs) > 0 && vs[0] != "" {
			w = append(w, k+"="+strings.Join(vs, ","))
		}
	}
	add("kind", f.Kind)
	add("subset", f.Subsets...)
	add("track", f.Tracks...)
	add("model", f.Models...)
	add("lang", f.Lang)
	add("has-caption", f.HasCaption)
	for _, r := range f.Scores {
		lo, hi := strconv.FormatFloat(r.Min, 'f', -1, 64), strconv.FormatFloat(r.Max, 'f', -1, 64)
		if r.Min == 0 {
			lo = ""
		}
		if r.Max == 10 {
			hi = ""
		}
		w = append(w, "score="+r.Dimension+"="+lo+":"+hi)
	}
	return strings.Join(w, " ")
}

// filterPrompt opens the text entry mode on the active filter.
func (m *Model) filterPrompt() {
	m.entry = &entry{kind: filterEntry, text: []rune(m.filt)}
}

package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
	"github.com/loupe-dev/loupe/termimg"
	loupews "github.com/loupe-dev/loupe/workspace"
)

var ctx = context.Background()

// workspace makes 4 items in queue "q": item 0 has a hostile prompt, a judge verdict and ground truth.
func workspace(t *testing.T) *store.Store {
	t.Helper()
	st := storetest.Open(t)
	var cands []review.Candidate
	for i := range 4 {
		sc := review.Scores{8, 3, 1, 7, 9, 5, 6, 8, 7}
		id, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: fmt.Sprintf("it-%d", i), Kind: review.Sample, Scores: sc})
		if err != nil {
			t.Fatal(err)
		}
		cands = append(cands, review.Candidate{ID: id})
		if _, err := store.PutText(ctx, st.DB, id, "detail", "en", fmt.Sprintf("caption number %d", i)); err != nil {
			t.Fatal(err)
		}
		if _, err := store.PutText(ctx, st.DB, id, "detail", "zh", fmt.Sprintf("中文说明 %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	id0 := cands[0].ID
	if _, err := store.PutText(ctx, st.DB, id0, "prompt", "en", "evil \x1b]52;c;aGVsbG8=\x07 prompt"); err != nil {
		t.Fatal(err)
	}
	judge, err := store.EnsureRater(ctx, st.DB, "judge", "gpt-4.1", "gpt-4.1", "v1")
	if err != nil {
		t.Fatal(err)
	}
	v, f := 8.0, 0.0
	if _, err := store.PutLabel(ctx, st.DB, store.NewLabel{ItemID: id0, Dimension: "prism_alignment", RaterID: judge, Value: &v, Justification: "looks right to the judge"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutLabel(ctx, st.DB, store.NewLabel{ItemID: id0, Dimension: "decision", RaterID: store.TruthRater, Value: &f, Justification: "misspelled sign"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateQueue(ctx, store.QueueSpec{Name: "q", Strategy: "random", Seed: 1}, cands); err != nil {
		t.Fatal(err)
	}
	return st
}

// session gives the screen a store session through the workspace (as loupe review does); ses may be
// nil for item reads only.
func session(st *store.Store, ses *store.Session) Session { return loupews.New(st).Session(ses) }

func open(t *testing.T, st *store.Store, blind bool, w, h int) *Model {
	t.Helper()
	ses, err := st.OpenSession(ctx, "q", "ana")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ctx, Config{Session: session(st, ses), Blind: blind, Caps: termimg.Caps{Protocol: termimg.None}, Start: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.image.cache.Close)
	run(t, m, m.Init())
	send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// run executes cmd and everything it leads to, synchronously, feeding the messages to m.
func run(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	settled := drain(cmd, 200, func(msg tea.Msg) tea.Cmd {
		switch msg.(type) {
		case itemMsg, savedMsg, imageMsg, filterMsg, judgedMsg, statsMsg, stepMsg, exportedMsg, agreeMsg, jumpMsg, aheadMsg:
			_, next := m.Update(msg)
			return next
		}
		return nil
	})
	if !settled {
		t.Fatal("commands do not settle")
	}
}

func send(t *testing.T, m *Model, msg tea.Msg) {
	t.Helper()
	_, cmd := m.Update(msg)
	run(t, m, cmd)
}

// key builds a key press the way bubbletea v2 reports it.
func key(s string) tea.KeyPressMsg {
	switch s {
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(s)[0]
	if r >= 'A' && r <= 'Z' {
		return tea.KeyPressMsg{Code: r + 'a' - 'A', ShiftedCode: r, Text: s, Mod: tea.ModShift}
	}
	return tea.KeyPressMsg{Code: r, Text: s}
}

func press(t *testing.T, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		send(t, m, key(k))
	}
}

// events lists the stored events as "kind dim value reason" strings.
func events(t *testing.T, st *store.Store) []string {
	t.Helper()
	rows, err := st.DB.Query(`SELECT e.kind, coalesce(d.name, ''), coalesce(e.value, -1), e.reason, e.item_id
		FROM events e LEFT JOIN dimensions d ON d.id = e.dimension_id ORDER BY e.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, dim, reason string
		var v float64
		var item int64
		if err := rows.Scan(&kind, &dim, &v, &reason, &item); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimSpace(fmt.Sprintf("%d %s %s %g %s", item, kind, dim, v, reason)))
	}
	return out
}

func current(t *testing.T, st *store.Store, item int64, dim string) (float64, bool) {
	t.Helper()
	var v float64
	err := st.DB.QueryRow(`SELECT h.value FROM human_current h JOIN dimensions d ON d.id = h.dimension_id
		WHERE h.item_id = ? AND d.name = ?`, item, dim).Scan(&v)
	return v, err == nil
}

func TestAcceptRejectSkip(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 120, 40)
	ids := m.ids
	press(t, m, "a")
	if m.pos != 1 || m.state[0] != 1 || m.flash != "accepted" {
		t.Fatalf("after a: pos %d state %v flash %q", m.pos, m.state, m.flash)
	}
	press(t, m, "x")
	if m.pos != 2 || m.state[1] != -1 {
		t.Fatalf("after x: pos %d state %v", m.pos, m.state)
	}
	press(t, m, "space")
	if m.pos != 3 || m.state[2] != 0 {
		t.Fatalf("after space: pos %d state %v", m.pos, m.state)
	}
	want := []string{
		fmt.Sprintf("%d set decision 1", ids[0]),
		fmt.Sprintf("%d set decision 0", ids[1]),
		fmt.Sprintf("%d skip  -1 later", ids[2]),
	}
	if got := events(t, st); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("events %q, want %q", got, want)
	}
	if d, a, r := m.counts(); d != 2 || a != 1 || r != 1 {
		t.Fatalf("counts %d %d %d", d, a, r)
	}
	if s := m.status(); !strings.Contains(s, "4/4") || !strings.Contains(s, "✓1 ✗1 · 2 left") {
		t.Fatalf("status %q", s)
	}
	// Reopening resumes at the first undecided item.
	m2 := open(t, st, false, 80, 24)
	if m2.pos != 2 {
		t.Fatalf("resumed at %d, want 2", m2.pos)
	}
}

func TestUndo(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 80, 24)
	ids := m.ids
	press(t, m, "a", "a")
	if m.pos != 2 {
		t.Fatalf("pos %d", m.pos)
	}
	press(t, m, "U")
	if m.pos != 1 || m.state[1] != 0 || m.state[0] != 1 {
		t.Fatalf("after U: pos %d state %v", m.pos, m.state)
	}
	press(t, m, "k", "backspace") // the current item's latest change
	if m.pos != 0 || m.state[0] != 0 {
		t.Fatalf("after backspace: pos %d state %v", m.pos, m.state)
	}
	if _, ok := current(t, st, ids[0], "decision"); ok {
		t.Fatal("decision still in force after undo")
	}
	press(t, m, "u")
	if m.flash != "nothing to undo" || m.pos != 0 {
		t.Fatalf("undo with nothing left: flash %q pos %d", m.flash, m.pos)
	}
	if n := len(events(t, st)); n != 4 {
		t.Fatalf("%d events, want 2 sets + 2 undos", n)
	}
}

func TestScoreDigitsAndAgree(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 120, 40)
	id := m.ids[0]
	if Dimensions[m.scores.focus] != "prism_alignment" {
		t.Fatalf("focus starts on %s, want the judged prism_alignment", Dimensions[m.scores.focus])
	}
	press(t, m, "tab", "tab") // past the item's last dimension to composition, then entity
	press(t, m, "0")
	if v, _ := current(t, st, id, "entity"); v != 10 {
		t.Fatalf("0 set entity to %v, want 10", v)
	}
	press(t, m, "7")
	if v, _ := current(t, st, id, "entity"); v != 7 || m.pos != 0 {
		t.Fatalf("entity %v pos %d", v, m.pos)
	}
	if !strings.Contains(m.render(), "you 7") {
		t.Fatal("own value not shown")
	}
	for range 7 {
		press(t, m, "tab")
	}
	if Dimensions[m.scores.focus] != "prism_alignment" {
		t.Fatalf("focus %s", Dimensions[m.scores.focus])
	}
	press(t, m, "enter")
	if v, ok := current(t, st, id, "prism_alignment"); !ok || v != 8 {
		t.Fatalf("agree stored %v %v, want the judge's 8", v, ok)
	}
	if !strings.Contains(ansi.Strip(m.status()), "judge agree 1/1") { // only judge values count: 8 vs 8
		t.Fatalf("status %q", m.status())
	}
	press(t, m, "tab", "enter") // composition: the pipeline's 8
	if v, _ := current(t, st, id, "composition"); v != 8 {
		t.Fatalf("agree with pipeline stored %v", v)
	}
}

func TestNoteIsTextEntry(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 80, 24)
	press(t, m, "N", "a", "x", "space", "u", "j", "q", "?")
	if m.entry == nil || m.pos != 0 || m.quit || m.help || len(events(t, st)) != 0 {
		t.Fatalf("keys in a note acted: entry %v pos %d quit %v events %q", m.entry != nil, m.pos, m.quit, events(t, st))
	}
	if !strings.Contains(m.render(), "> ax ujq?_") {
		t.Fatalf("entry line not shown:\n%s", m.render())
	}
	send(t, m, tea.PasteMsg{Content: "\x1b[2J!"})
	if got := string(m.entry.text); got != "ax ujq?[2J!" {
		t.Fatalf("after paste: %q", got)
	}
	press(t, m, "backspace", "backspace", "backspace", "backspace")
	press(t, m, "backspace", "enter")
	got := events(t, st)
	if len(got) != 1 || !strings.HasSuffix(got[0], "note  -1 ax ujq") || m.entry != nil || m.flash != "note saved" {
		t.Fatalf("events %q entry %v flash %q", got, m.entry != nil, m.flash)
	}
	press(t, m, "N", "z", "esc")
	if m.entry != nil || m.zoom || len(events(t, st)) != 1 {
		t.Fatal("esc did not cancel the note")
	}
}

func TestOverrideWithReason(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 80, 24)
	press(t, m, "e", "2", "s", "i", "g", "n", "enter")
	got := events(t, st)
	if len(got) != 1 || !strings.HasSuffix(got[0], "set decision 0 misspelled text: sign") {
		t.Fatalf("events %q", got)
	}
	if m.pos != 1 || m.state[0] != -1 {
		t.Fatalf("pos %d state %v", m.pos, m.state)
	}
}

func TestBlindHidesUntilDecided(t *testing.T) {
	st := workspace(t)
	m := open(t, st, true, 120, 40)
	for range 8 {
		press(t, m, "tab")
	}
	v := m.render()
	if strings.Contains(v, "looks right") || strings.Contains(v, "gpt-4.1") || strings.Contains(v, "misspelled sign") || !strings.Contains(v, "hidden") {
		t.Fatalf("blind view shows machine values:\n%s", v)
	}
	press(t, m, "a", "k")
	if m.pos != 0 {
		t.Fatalf("pos %d", m.pos)
	}
	v = m.render()
	if !strings.Contains(v, "looks right") || !strings.Contains(v, "truth: defect") {
		t.Fatalf("decided item does not reveal:\n%s", v)
	}
}

func TestMovementWaitsForSave(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 80, 24)
	_, cmd := m.Update(key("a")) // not run yet: the save is in flight
	if !m.busy || m.flash == "accepted" {
		t.Fatal("acknowledged before the store returned")
	}
	press(t, m, "j", "j", "x")
	if m.pos != 0 || len(events(t, st)) != 0 {
		t.Fatalf("keys acted while saving: pos %d", m.pos)
	}
	run(t, m, cmd) // then the keys typed meanwhile, in order: j j x
	if m.pos != 3 || m.busy || m.state[0] != 1 || m.state[3] != -1 {
		t.Fatalf("after the save: pos %d busy %v state %v", m.pos, m.busy, m.state)
	}
	press(t, m, "G")
	if m.pos != 3 {
		t.Fatalf("G: pos %d", m.pos)
	}
	press(t, m, "g", "right", "left", "j")
	if m.pos != 1 {
		t.Fatalf("g right left j: pos %d", m.pos)
	}
}

func TestQuitAndHelp(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 80, 24)
	press(t, m, "?")
	if !m.help || !strings.Contains(m.render(), "0 sets 10") {
		t.Fatal("help overlay")
	}
	press(t, m, "q") // closes the help, does not quit
	if m.help || m.quit {
		t.Fatal("key did not close help")
	}
	_, cmd := m.Update(key("q"))
	if !m.quit || cmd == nil {
		t.Fatal("q did not quit")
	}
}

func TestView(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		st := workspace(t)
		m := open(t, st, false, size[0], size[1])
		v := m.render()
		lines := strings.Split(v, "\n")
		if len(lines) != size[1] {
			t.Fatalf("%v: %d lines", size, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Fatalf("%v: line %d is %d wide: %q", size, i, w, l)
			}
		}
		plain := ansi.Strip(v)
		for _, want := range []string{"it-0", "composition", "caption number 0", "q · ana", "1/4", "? help", "you: undecided", "evil \\x1b]52;c;aGVsbG8=\\x07 prompt"} {
			if !strings.Contains(plain, want) {
				t.Fatalf("%v: view lacks %q:\n%s", size, want, plain)
			}
		}
		if strings.Contains(v, "\x1b]52") || strings.Contains(v, "\x07") {
			t.Fatalf("%v: an escape sequence from the data reached the screen", size)
		}
		if strings.TrimSpace(ansi.Strip(lines[len(lines)-1])) == "" {
			t.Fatal("the last line is blank")
		}
		press(t, m, "t")
		if !strings.Contains(ansi.Strip(m.render()), "中文说明 0") {
			t.Fatalf("%v: t does not show Chinese", size)
		}
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"a\x1b[2Jb":   "a\\x1b[2Jb",
		"x\u009by":    "x\\x9by",
		"del\x7f":     "del\\x7f",
		"tab\there":   "tab    here",
		"bidi\u202e!": "bidi\\u202e!",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTinyAndOddSizes(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 80, 24)
	press(t, m, "e") // the reason list is the tallest entry box
	for _, size := range [][2]int{{20, 6}, {40, 10}, {80, 12}, {80, 24}, {300, 100}} {
		send(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		press(t, m, "J", "J", "J")
		v := m.render()
		if n := len(strings.Split(v, "\n")); n != max(size[1], 6) {
			t.Fatalf("%v: %d lines", size, n)
		}
		if size[1] >= 24 && !strings.Contains(ansi.Strip(v), "6 other") {
			t.Fatalf("%v: reason list cut:\n%s", size, ansi.Strip(v))
		}
	}
}

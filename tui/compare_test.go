package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/termimg"
)

func cmpView(m *Compare) string { return ansi.Strip(m.render()) }

// TestCompareKeysToChoices: each answer key records its choice, with the sides as shown, and moves on
// to the pair reserved next.
func TestCompareKeysToChoices(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want review.Choice
	}{
		{"left", review.ChoiceLeft}, {"h", review.ChoiceLeft}, {"1", review.ChoiceLeft},
		{"right", review.ChoiceRight}, {"l", review.ChoiceRight}, {"2", review.ChoiceRight},
		{"=", review.ChoiceTie}, {"3", review.ChoiceTie}, {"t", review.ChoiceTie},
		{"b", review.ChoiceBothBad}, {"4", review.ChoiceBothBad},
	} {
		t.Run(tc.key, func(t *testing.T) {
			f := newFakePairs(3)
			m := openCompare(t, f, 100, 30)
			if m.cur() != 0 || m.ahead != 1 {
				t.Fatalf("start: pair %d, ahead %d; want 0 and 1", m.cur(), m.ahead)
			}
			pressCmp(t, m, tc.key)
			if got := f.writes(); !slices.Equal(got, []string{"choose 0 overall " + tc.want.String()}) {
				t.Fatalf("writes %v", got)
			}
			if m.cur() != 1 || m.ahead != 2 || m.last == nil || m.last.pos != 0 {
				t.Fatalf("after the answer: pair %d ahead %d", m.cur(), m.ahead)
			}
			if !strings.Contains(m.flash, choiceText(tc.want, "overall", false)) {
				t.Errorf("flash %q", m.flash)
			}
		})
	}
}

// TestCompareBlindReveal: no model name or judge value shows before the pair is answered; after it the
// previous pair's line names the models on their sides, and going back shows the whole reveal.
func TestCompareBlindReveal(t *testing.T) {
	f := newFakePairs(3)
	m := openCompare(t, f, 120, 40)
	v := cmpView(m)
	for _, hidden := range []string{"model-alpha", "model-beta", "judge-x", "pw-judge"} {
		if strings.Contains(v, hidden) {
			t.Fatalf("blind screen shows %q:\n%s", hidden, v)
		}
	}
	for _, shown := range []string{"A lighthouse number 1", "left", "right", "pair 1 of 3", "imagination", "blind"} {
		if !strings.Contains(v, shown) {
			t.Fatalf("screen lacks %q:\n%s", shown, v)
		}
	}
	if strings.Contains(m.render(), "\x1b[31m") {
		t.Fatal("the prompt's control sequence reached the screen")
	}
	pressCmp(t, m, "left")
	v = cmpView(m)
	// pair 0 has A (model-alpha) on the left
	if !strings.Contains(v, "previous pair 1: left model-alpha, right model-beta · you: left") {
		t.Fatalf("no reveal of the answered pair:\n%s", v)
	}
	if strings.Contains(v, "judge-x") { // pair 2 on screen is not answered: its values stay hidden
		t.Fatalf("the new pair's judge values show:\n%s", v)
	}
	pressCmp(t, m, "k")
	v = cmpView(m)
	for _, shown := range []string{"left · model-alpha", "right · model-beta", "judge-x alignment 7", "judge-x alignment 4", "pw-judge overall left", "you: left better"} {
		if !strings.Contains(v, shown) {
			t.Fatalf("answered pair lacks %q:\n%s", shown, v)
		}
	}
	// pair 1 has B on the left: the reveal follows the sides shown
	pressCmp(t, m, "j", "right")
	pressCmp(t, m, "k")
	v = cmpView(m)
	if m.cur() != 1 || !strings.Contains(v, "left · model-beta") || !strings.Contains(v, "right · model-alpha") || !strings.Contains(v, "pw-judge overall right") {
		t.Fatalf("pair 2's reveal (B on the left):\n%s", v)
	}
}

// TestCompareNotBlind: a queue that is not blind shows the models at once.
func TestCompareNotBlind(t *testing.T) {
	f := newFakePairs(2)
	f.info.Blind = false
	m := openCompare(t, f, 120, 40)
	if v := cmpView(m); !strings.Contains(v, "left · model-alpha") || !strings.Contains(v, "judge-x") {
		t.Fatalf("open queue hides:\n%s", v)
	}
}

// TestCompareDimensions: a choice on one dimension focuses the next unanswered one; when all are
// answered the screen moves on; tab moves the focus.
func TestCompareDimensions(t *testing.T) {
	f := newFakePairs(3, "alignment", "aesthetics")
	m := openCompare(t, f, 120, 40)
	pressCmp(t, m, "tab")
	if m.focus != 1 {
		t.Fatalf("tab: focus %d", m.focus)
	}
	pressCmp(t, m, "shift+tab", "1")
	if m.cur() != 0 || m.focus != 1 {
		t.Fatalf("after alignment: pair %d focus %d", m.cur(), m.focus)
	}
	if v := cmpView(m); strings.Contains(v, "model-alpha") || !strings.Contains(v, "alignment  you: left better") {
		t.Fatalf("half-answered pair:\n%s", v)
	}
	pressCmp(t, m, "2")
	if m.cur() != 1 || m.focus != 0 {
		t.Fatalf("after aesthetics: pair %d focus %d", m.cur(), m.focus)
	}
	want := []string{"choose 0 alignment left", "choose 0 aesthetics right"}
	if got := f.writes(); !slices.Equal(got, want) {
		t.Fatalf("writes %v, want %v", got, want)
	}
	if v := cmpView(m); !strings.Contains(v, "you: alignment left, aesthetics right") {
		t.Fatalf("previous pair line:\n%s", v)
	}
	// on the second pair: answer aesthetics first, then alignment is what is left
	pressCmp(t, m, "tab", "=")
	if m.focus != 0 || m.cur() != 1 {
		t.Fatalf("focus %d pair %d", m.focus, m.cur())
	}
}

// TestCompareUndo: u withdraws the latest choice on the pair (the status says what); on a fresh pair it
// goes back to the one answered before it.
func TestCompareUndo(t *testing.T) {
	f := newFakePairs(3, "alignment", "aesthetics")
	m := openCompare(t, f, 120, 40)
	pressCmp(t, m, "1", "u")
	if m.flash != "undone on pair 1: alignment left -> none" || m.focus != 0 || m.cur() != 0 {
		t.Fatalf("undo: flash %q focus %d", m.flash, m.focus)
	}
	if len(m.curData().choices) != 0 {
		t.Fatalf("choices after undo: %v", m.curData().choices)
	}
	pressCmp(t, m, "2", "2") // alignment right, aesthetics right: on to pair 2
	if m.cur() != 1 {
		t.Fatalf("pair %d", m.cur())
	}
	pressCmp(t, m, "u") // nothing on pair 2 yet: back to pair 1, its latest choice withdrawn
	if m.cur() != 0 || m.flash != "undone on pair 1: aesthetics right -> none" || m.focus != 1 {
		t.Fatalf("undo back: pair %d flash %q focus %d", m.cur(), m.flash, m.focus)
	}
	if v := cmpView(m); strings.Contains(v, "model-alpha") {
		t.Fatalf("an undone answer keeps the reveal:\n%s", v)
	}
	pressCmp(t, m, "3") // answered again: on to the pair seen after it
	if m.cur() != 1 {
		t.Fatalf("after re-answering: pair %d", m.cur())
	}
	want := []string{"choose 0 alignment left", "undo 0", "choose 0 alignment right", "choose 0 aesthetics right", "undo 0", "choose 0 aesthetics tie"}
	if got := f.writes(); !slices.Equal(got, want) {
		t.Fatalf("writes %v\nwant   %v", got, want)
	}
	pressCmp(t, m, "k", "k")
	if !strings.Contains(m.flash, "first pair") {
		t.Fatalf("k at the first pair: %q", m.flash)
	}
}

// TestCompareKeysDuringSave: keys typed while a choice saves wait and then land, in order.
func TestCompareKeysDuringSave(t *testing.T) {
	f := newFakePairs(6, "alignment", "aesthetics")
	m := openCompare(t, f, 120, 40)
	_, cmd := m.Update(cmpKey("1")) // not run yet: the save is in flight
	if !m.busy || strings.Contains(m.flash, "left") || len(f.writes()) != 0 {
		t.Fatal("acknowledged before the store returned")
	}
	for _, k := range []string{"2", "3", "4", "n", "o", "k", "enter", "left", "right"} {
		sendCmp(t, m, cmpKey(k))
	}
	if len(f.writes()) != 0 || len(m.pending) != 9 {
		t.Fatalf("keys acted during the save: %v, %d pending", f.writes(), len(m.pending))
	}
	runCmp(t, m, cmd)
	want := []string{"choose 0 alignment left", "choose 0 aesthetics right", "choose 1 alignment tie", "choose 1 aesthetics both_bad",
		"mark 2 note ok", "choose 2 alignment left", "choose 2 aesthetics right"}
	if got := f.writes(); !slices.Equal(got, want) {
		t.Fatalf("writes %v\nwant   %v", got, want)
	}
	if m.cur() != 3 || m.busy || len(m.pending) != 0 {
		t.Fatalf("pair %d busy %v pending %d", m.cur(), m.busy, len(m.pending))
	}
}

// TestCompareMarksAndSkip: notes and flags go through Mark with their text; space skips and moves on.
func TestCompareMarksAndSkip(t *testing.T) {
	f := newFakePairs(3)
	m := openCompare(t, f, 120, 40)
	pressCmp(t, m, "n", "h", "i", "enter", "f", "b", "l", "u", "r", "enter", "n", "esc", "space")
	want := []string{"mark 0 note hi", "mark 0 flag blur", "mark 0 skip "}
	if got := f.writes(); !slices.Equal(got, want) {
		t.Fatalf("writes %v, want %v", got, want)
	}
	if m.cur() != 1 {
		t.Fatalf("after skip: pair %d", m.cur())
	}
	pressCmp(t, m, "k")
	if v := cmpView(m); !strings.Contains(v, "your notes: note: hi · flag: blur · skip:") {
		t.Fatalf("notes not shown:\n%s", v)
	}
}

// TestCompareRefusalAndDone: a refused choice is said in the status line and nothing moves; when
// Lease has nothing left the screen says the queue is done.
func TestCompareRefusalAndDone(t *testing.T) {
	f := newFakePairs(2)
	m := openCompare(t, f, 100, 30)
	f.refuse = errRefused
	pressCmp(t, m, "1")
	if m.cur() != 0 || !strings.Contains(cmpView(m), "error: pair 1: this pair already has") {
		t.Fatalf("refusal: pair %d\n%s", m.cur(), cmpView(m))
	}
	f.refuse = nil
	pressCmp(t, m, "1", "2")
	if !m.done || !strings.Contains(cmpView(m), "queue done") {
		t.Fatalf("not done:\n%s", cmpView(m))
	}
	pressCmp(t, m, "u")
	if m.done || m.cur() != 1 || !strings.Contains(m.flash, "undone on pair 2") {
		t.Fatalf("undo from done: done %v pair %d flash %q", m.done, m.cur(), m.flash)
	}
	// a queue with nothing left opens on the done screen
	m2 := openCompare(t, f, 100, 30)
	pressCmp(t, m2, "3") // pair 2, undone above

	m3 := openCompare(t, f, 100, 30)
	if !m3.done || !strings.Contains(cmpView(m3), "queue done") {
		t.Fatalf("done queue:\n%s", cmpView(m3))
	}
}

// TestCompareSizes: tiny and odd windows never panic; a resize lays the pictures out again.
func TestCompareSizes(t *testing.T) {
	f := newFakePairs(3, "alignment", "aesthetics")
	m := openCompare(t, f, 120, 40)
	for _, s := range [][2]int{{1, 1}, {10, 5}, {39, 15}, {40, 16}, {41, 20}, {80, 24}, {300, 100}, {61, 19}} {
		sendCmp(t, m, tea.WindowSizeMsg{Width: s[0], Height: s[1]})
		pressCmp(t, m, "?", "x")
		v := m.render()
		if n := len(strings.Split(v, "\n")); n != s[1] && s[1] > 2 {
			t.Errorf("%dx%d: %d rows", s[0], s[1], n)
		}
		for i, row := range strings.Split(v, "\n") {
			if w := ansi.StringWidth(row); w > s[0] {
				t.Errorf("%dx%d: row %d is %d wide", s[0], s[1], i, w)
			}
		}
	}
	sendCmp(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	if !m.pics.shownAll() || m.pics.want != m.pics.keys(m, m.curData()) {
		t.Fatal("pictures not shown after the resize")
	}
}

// TestCompareRawPictures: sixel pictures are drawn after the frame at each side's cell.
func TestCompareRawPictures(t *testing.T) {
	f := newFakePairs(2)
	m, err := NewCompare(ctx, CompareConfig{Session: f, Caps: termimg.Caps{Protocol: termimg.Sixel, Cell: termimg.CellSize{W: 8, H: 16}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	runCmp(t, m, m.Init())
	var raw []string
	visit := func(msg tea.Msg) tea.Cmd {
		switch msg.(type) {
		case cmpPairMsg, cmpAheadMsg, cmpSavedMsg, cmpProgressMsg, cmpImageMsg, cmpRawMsg:
			_, next := m.Update(msg)
			return next
		}
		if s := fmt.Sprint(msg); strings.Contains(s, "\x1bP") {
			raw = append(raw, s)
		}
		return nil
	}
	_, cmd := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	drain(cmd, 500, visit)
	l := m.layout()
	if len(raw) == 0 || m.pics.drawn[0] == nil || m.pics.drawn[1] == nil {
		t.Fatalf("%d raw writes, drawn %v", len(raw), m.pics.drawn)
	}
	for i := range 2 {
		at := fmt.Sprintf("\x1b[%d;%dH", l.top+1, l.picX(i, m.pics.drawn[i])+1)
		if !strings.Contains(raw[len(raw)-1], at) {
			t.Errorf("side %d not drawn at %q", i, at)
		}
	}
}

// TestGoldenCompare keeps the comparison screen's text (colours stripped) with Unicode-block pictures
// in testdata/compare-*.golden; run with -update after an intended layout change.
func TestGoldenCompare(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, state := range []struct {
			name string
			dims []string
			keys []string
		}{
			{"blind", nil, nil},
			{"answered", nil, []string{"left", "k"}},
			{"dimensions", []string{"alignment", "aesthetics"}, []string{"1"}},
			{"help", nil, []string{"?"}},
			{"note", nil, []string{"n", "h", "i"}},
		} {
			name := fmt.Sprintf("compare-%s-%dx%d", state.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				f := newFakePairs(4, state.dims...)
				m := openCompare(t, f, size[0], size[1])
				pressCmp(t, m, state.keys...)
				got := cmpView(m)
				path := filepath.Join("testdata", name+".golden")
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./tui -run GoldenCompare -update)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
				}
			})
		}
	}
}

// What reaches the terminal from cmd's tree when the runtime runs independent commands in the worst
// order: bubbletea runs every command in a goroutine of its own, and only a sequence's messages arrive
// in order, each before its later commands run. A write (or a screen clear, "CLEAR") from a command
// outside a sequence is held back here (a starved goroutine); the held-back ones arrive last, the
// latest first.
func worstOrderWrites(m *Compare, cmd tea.Cmd) []string {
	var writes, late []string
	var run func(c tea.Cmd, sequenced bool)
	run = func(c tea.Cmd, sequenced bool) {
		if c == nil {
			return
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok { // (before sequence: a batch is a []tea.Cmd too)
			for _, x := range b {
				run(x, false)
			}
			return
		}
		if cmds, ok := sequence(msg); ok {
			for _, x := range cmds {
				run(x, true)
			}
			return
		}
		switch msg.(type) {
		case cmpPairMsg, cmpAheadMsg, cmpLeasedMsg, cmpSavedMsg, cmpProgressMsg, cmpImageMsg, cmpRawMsg:
			_, next := m.Update(msg)
			run(next, false)
			return
		}
		s := fmt.Sprint(msg)
		if fmt.Sprintf("%T", msg) == fmt.Sprintf("%T", tea.ClearScreen()) {
			s = "CLEAR"
		}
		if s == "CLEAR" || strings.Contains(s, "\x1b[") {
			if sequenced {
				writes = append(writes, s)
			} else {
				late = append(late, s)
			}
		}
	}
	run(cmd, false)
	slices.Reverse(late)
	return append(writes, late...)
}

// The pictures on screen are the last thing written: no wipe of the old pair's pictures and no screen
// clear reaches the terminal after the drawing, whatever order the runtime runs independent commands
// in. Seen in xterm under load (perf/compare-screens.sh with the terminal's resizes reaching the
// screen: the next pair's two sixel pictures missing in 1 run of 5 before the fix, 0 of 8 after): the
// clear that comes with a new layout, sent beside the drawing's timer, arrived after the drawing.
func TestComparePicturesAreDrawnLast(t *testing.T) {
	f := newFakePairs(4)
	m, err := NewCompare(ctx, CompareConfig{Session: f, Caps: termimg.Caps{Protocol: termimg.Sixel, Cell: termimg.CellSize{W: 8, H: 16}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	runCmp(t, m, m.Init())
	sendCmp(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	if m.pics.drawn[0] == nil || m.ahead < 0 {
		t.Fatalf("first pair not drawn (%v) or nothing reserved ahead (%d)", m.pics.drawn, m.ahead)
	}
	check := func(what string, writes []string) {
		t.Helper()
		last := -1
		for i, w := range writes {
			if strings.Contains(w, "\x1bP") {
				last = i
			}
		}
		if last < 0 {
			t.Fatalf("%s: no picture drawn", what)
		}
		for _, w := range writes[last+1:] {
			if w == "CLEAR" || strings.Contains(w, "X\x1b8") { // ECH between save and restore cursor: a wipe
				t.Fatalf("%s: %.20q reached the terminal after the pictures were drawn", what, w)
			}
		}
	}
	_, cmd := m.Update(tea.WindowSizeMsg{Width: 110, Height: 32})
	check("resized", worstOrderWrites(m, cmd))
	from := m.cur()
	_, cmd = m.Update(cmpKey("1"))
	check("next pair", worstOrderWrites(m, cmd))
	if m.cur() == from || !m.pics.shownAll() {
		t.Fatal("did not move on to the next pair with its pictures")
	}
}

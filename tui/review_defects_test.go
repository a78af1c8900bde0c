package tui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/termimg"
)

// openFake opens the screen on a fake session at a position (-1: resume).
func openFake(t *testing.T, f *fakeSession, start int, cfg Config) *Model {
	t.Helper()
	cfg.Session, cfg.Caps, cfg.Start = f, termimg.Caps{Protocol: termimg.None}, start
	m, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.image.cache.Close)
	run(t, m, m.Init())
	send(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	return m
}

func screen(m *Model) string { return ansi.Strip(m.View().Content) }

func judgeLabel(dim string, v float64, why string) review.Label {
	return review.Label{Dimension: dim, Rater: "Qwen/Qwen2.5-VL-72B / loupe-v1@abc", RaterKind: "judge", Value: &v, Justification: why}
}

// #15.1: u with nothing to undo must not freeze the screen.
func TestUndoWithNothingToUndoKeepsWorking(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 120, 40)
	press(t, m, "u", "j", "a")
	if m.pos != 2 || m.state[1] != 1 {
		t.Fatalf("after u j a: pos %d, states %v\n%s", m.pos, m.state, screen(m))
	}
	if v := screen(m); strings.Contains(v, "loading...") {
		t.Fatalf("still loading:\n%s", v)
	}
}

// #15.5: keys typed while a save is in flight are applied in order, none dropped.
func TestKeysDuringSaveAreQueued(t *testing.T) {
	f := newFake()
	m := openFake(t, f, 0, Config{})
	var cmds []tea.Cmd
	for _, k := range []string{"a", "j", "a"} {
		_, c := m.Update(key(k))
		cmds = append(cmds, c)
	}
	run(t, m, tea.Batch(cmds...))
	if got := strings.Join(f.log, "|"); got != "decide 11 true|decide 13 true" {
		t.Fatalf("log %q, pos %d", got, m.pos)
	}
}

// #15.5 at speed: 20 moves typed before any result arrives all land.
func TestManyMovesTypedAheadAllLand(t *testing.T) {
	f := newFake()
	f.items = nil
	for i := range 30 {
		f.items = append(f.items, int64(100+i))
	}
	m := openFake(t, f, 0, Config{})
	var cmds []tea.Cmd
	for range 20 {
		_, c := m.Update(key("j"))
		cmds = append(cmds, c)
	}
	run(t, m, tea.Batch(cmds...))
	if m.pos != 20 {
		t.Fatalf("pos %d after 20 j", m.pos)
	}
}

// #15.2: blind mode shows no judge value, count or figure before the decision; enter is off; a change
// after the reveal is marked.
func TestBlindModeHidesAndMarksRevisions(t *testing.T) {
	f := newFake()
	f.labels[11] = []review.Label{judgeLabel("prism_alignment", 8, "the sign is spelled right")}
	f.agree = review.AgreementCount{Agree: 3, Total: 4}
	m := openFake(t, f, 0, Config{Blind: true})
	v := screen(m)
	for _, leak := range []string{"Qwen2.5", "spelled right", "judge agree", "3/4"} {
		if strings.Contains(v, leak) {
			t.Errorf("blind screen shows %q:\n%s", leak, v)
		}
	}
	press(t, m, "enter")
	if len(f.log) != 0 {
		t.Fatalf("enter in blind mode recorded %v", f.log)
	}
	press(t, m, "7") // before the decision: an ordinary score
	press(t, m, "a", "k")
	if v := screen(m); !strings.Contains(v, "spelled right") {
		t.Fatalf("decided item does not reveal the judge:\n%s", v)
	}
	press(t, m, "9")
	want := "score 11 prism_alignment 7|decide 11 true|score 11 prism_alignment 9 after-reveal"
	if got := strings.Join(f.log, "|"); got != want {
		t.Fatalf("log %q, want %q", got, want)
	}
}

// #15.2: the stats overlay in blind mode shows no judge figure.
func TestBlindStatsShowNoJudgeRows(t *testing.T) {
	rep := &review.AgreementReport{Rows: []review.AgreementRow{{Kind: review.JudgeHuman, A: "judge:x", B: "human:fay", Dimension: "prism_alignment", N: 10}}}
	lines := statsReportLines(rep, true, 120)
	for _, l := range lines {
		if strings.Contains(l, "judge:x") {
			t.Fatalf("blind stats show a judge row: %q", l)
		}
	}
}

// #15.6: u undoes the current item's latest change and says what; U walks back across items; f toggles.
func TestUndoIsPerItemAndFlagToggles(t *testing.T) {
	f := newFake()
	m := openFake(t, f, 0, Config{})
	press(t, m, "a", "a") // 11 and 12 accepted; now on 13
	press(t, m, "k", "k") // back on 11
	press(t, m, "u")
	if got := f.log[len(f.log)-1]; got != "undo 11" {
		t.Fatalf("u undid %q", got)
	}
	if v := screen(m); !strings.Contains(v, "undone on fake-11") {
		t.Fatalf("undo not described:\n%s", v)
	}
	press(t, m, "U")
	if got := f.log[len(f.log)-1]; got != "undo 12" || m.pos != 1 {
		t.Fatalf("U: %q, pos %d", got, m.pos)
	}
	press(t, m, "f")
	for _, r := range "rays uneven" {
		press(t, m, string(r))
	}
	press(t, m, "enter")
	press(t, m, "f")
	n := len(f.log)
	if f.log[n-2] != "flag 12 rays uneven" || f.log[n-1] != "unflag 12" {
		t.Fatalf("flag toggle: %v", f.log)
	}
}

// #15.7: "judge agree" comes from the workspace's values in force.
func TestJudgeAgreeFromWorkspace(t *testing.T) {
	f := newFake()
	f.agree = review.AgreementCount{Agree: 4, Total: 5}
	m := openFake(t, f, 0, Config{})
	if v := screen(m); !strings.Contains(v, "judge agree 4/5") {
		t.Fatalf("status:\n%s", v)
	}
	f.agree = review.AgreementCount{Agree: 3, Total: 4}
	press(t, m, "3")
	if v := screen(m); !strings.Contains(v, "judge agree 3/4") {
		t.Fatalf("after a score, status:\n%s", v)
	}
}

// #15.8: n goes to the next undecided item; : jumps to a position; the end says what is left.
func TestNextUndecidedAndJump(t *testing.T) {
	f := newFake()
	f.state[12] = 1
	m := openFake(t, f, 0, Config{})
	press(t, m, "n")
	if m.pos != 2 {
		t.Fatalf("n went to %d", m.pos)
	}
	press(t, m, ":", "2", "enter")
	if m.pos != 1 {
		t.Fatalf(": 2 went to %d", m.pos)
	}
	press(t, m, "G", "a")
	if v := screen(m); !strings.Contains(v, "left") {
		t.Fatalf("end of queue with items left says:\n%s", v)
	}
}

// #15.9: the dimensions shown are the item's; focus starts on the judged one, its justification shown.
func TestFocusStartsOnJudgedDimension(t *testing.T) {
	f := newFake()
	f.labels[11] = []review.Label{judgeLabel("prism_alignment", 6, "the rays are uneven")}
	m := openFake(t, f, 0, Config{})
	v := screen(m)
	if strings.Contains(v, "composition") || !strings.Contains(v, "the rays are uneven") {
		t.Fatalf("screen:\n%s", v)
	}
	press(t, m, "4")
	if got := f.log[len(f.log)-1]; got != "score 11 prism_alignment 4" {
		t.Fatalf("digit set %q", got)
	}
}

// #15.4: in overlap mode other annotators' answers stay hidden until one's own decision; a refused
// decision says why.
func TestOverlapHidesOthersAndShowsRefusal(t *testing.T) {
	f := newFake()
	f.info.Overlap = 2
	one := 1.0
	f.labels[11] = []review.Label{{Dimension: "decision", Rater: "human:bob", RaterKind: "human", Value: &one}}
	m := openFake(t, f, 0, Config{})
	if v := screen(m); strings.Contains(v, "bob") {
		t.Fatalf("others shown before deciding:\n%s", v)
	}
	f.refuse = errors.New("item fake-11 already has 2 decisions (overlap 2): not recorded")
	press(t, m, "a")
	if v := screen(m); !strings.Contains(v, "already has 2 decisions") || m.pos != 0 {
		t.Fatalf("refusal, pos %d:\n%s", m.pos, v)
	}
	f.info.ShowOthers = true
	m2 := openFake(t, f, 0, Config{})
	if v := screen(m2); !strings.Contains(v, "bob") {
		t.Fatalf("--show-others hides others:\n%s", v)
	}
}

// #15.12: the help overlay shows the keys as rebound.
func TestHelpShowsReboundKeys(t *testing.T) {
	km, err := NewKeymap(map[string][]string{"accept": {"y"}})
	if err != nil {
		t.Fatal(err)
	}
	f := newFake()
	m := openFake(t, f, 0, Config{Keys: km})
	press(t, m, "?")
	v := screen(m)
	if !strings.Contains(v, "y accept") {
		t.Fatalf("help:\n%s", v)
	}
}

// Queue guidelines open on first entry and under i, rendered as markdown.
func TestGuidelinesOpenOnFirstEntry(t *testing.T) {
	f := newFake()
	f.info.Guidelines = "# How to review\n\n- reject **misspelled** signs\n- flag anything odd"
	m := openFake(t, f, 0, Config{})
	v := screen(m)
	if !strings.Contains(v, "How to review") || !strings.Contains(v, "misspelled") || strings.Contains(v, "**") {
		t.Fatalf("guidelines not shown as markdown:\n%s", v)
	}
	press(t, m, "x") // any key closes, and does nothing else
	if m.guide || len(f.log) != 0 {
		t.Fatalf("closing key acted: %v", f.log)
	}
	press(t, m, "i")
	if !m.guide {
		t.Fatal("i does not open the guidelines")
	}
}

// o sorts the queue: largest judge-human disagreement first, then lowest judge score, then queue order.
func TestSortKey(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 120, 40)
	first := m.ids[0]          // the only item with a judge verdict (8 on prism_alignment)
	press(t, m, "j", "j", "j") // last item: no judge
	press(t, m, "o")
	if m.ids[0] != first || !strings.Contains(m.filt, "sort=disagreement") {
		t.Fatalf("sorted by disagreement: %v (first %d), filter %q", m.ids, first, m.filt)
	}
	press(t, m, "o", "o")
	if m.filt != "" {
		t.Fatalf("third o leaves filter %q", m.filt)
	}
}

// NO_COLOR draws without colour sequences.
func TestNoColor(t *testing.T) {
	f := newFake()
	m := openFake(t, f, 0, Config{NoColor: true})
	if v := m.View().Content; strings.Contains(v, "38;2;") || strings.Contains(v, "48;2;") {
		t.Fatalf("colours drawn with NoColor:\n%q", v)
	}
}

// #19: blind mode cannot be worked around with the filter or the sort: a filter or an order on judge
// or pipeline values would tell which items the judge scored low; in overlap mode (others hidden) a
// filter on other annotators' decisions would tell theirs.
func TestBlindRefusesFiltersOnHiddenValues(t *testing.T) {
	f := newFake()
	m := openFake(t, f, 0, Config{Blind: true})
	for _, filter := range []string{"judge=text=0:4", "score=clarity=0:3", "agreement=disagree", "sort=judge", "sort=disagreement"} {
		cmd := m.applyFilter(filter)
		if cmd != nil || !strings.Contains(m.flash, "blind") {
			t.Errorf("blind: filter %q ran (flash %q)", filter, m.flash)
		}
		m.busy = false
	}
	press(t, m, "o")
	if !strings.Contains(m.flash, "blind") {
		t.Errorf("blind: o sorted (flash %q)", m.flash)
	}
	if cmd := m.applyFilter("subset=text"); cmd == nil {
		t.Errorf("blind: a filter on the items' own fields was refused: %q", m.flash)
	}

	g := newFake()
	g.info.Overlap = 2
	m = openFake(t, g, 0, Config{})
	for _, filter := range []string{"decision=disputed", "annotator=ben", "consensus=2 decision=accepted"} {
		if cmd := m.applyFilter(filter); cmd != nil || !strings.Contains(m.flash, "other annotators") {
			t.Errorf("overlap: filter %q ran (flash %q)", filter, m.flash)
		}
		m.busy = false
	}
	if cmd := m.applyFilter("annotator=fay decision=accepted"); cmd == nil {
		t.Errorf("overlap: a filter on one's own decisions was refused: %q", m.flash)
	}
}

// #19: Tally counts the items shown and the decisions in force made in this run (loupe serve's log).
func TestTally(t *testing.T) {
	f := newFake()
	m := openFake(t, f, 0, Config{})
	press(t, m, "a", "x", "k", "u")
	if got := m.Tally(); got.Items != 3 || got.Decisions != 1 {
		t.Fatalf("tally %+v, want 3 items and 1 decision (two made, one undone)", got)
	}
}

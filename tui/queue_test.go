package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/termimg"
)

// openAs opens the screen on queue "q" for annotator name, with cfg's Lease and Filter.
func openAs(t *testing.T, st *store.Store, name string, lease bool) *Model {
	t.Helper()
	ses, err := st.OpenSession(ctx, "q", name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ctx, Config{Session: session(st, ses), Caps: termimg.Caps{Protocol: termimg.None}, Start: -1, Lease: lease})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.image.cache.Close)
	run(t, m, m.Init())
	return m
}

// decisionsPerItem counts the decisions in force per item, and the items each annotator decided.
func decisionsPerItem(t *testing.T, st *store.Store) (map[int64]int, map[string][]int64) {
	t.Helper()
	rows, err := st.DB.Query(`SELECT h.item_id, a.name FROM human_current h JOIN annotators a ON a.id = h.annotator_id
		JOIN dimensions d ON d.id = h.dimension_id WHERE d.name = 'decision' ORDER BY h.item_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	per, by := map[int64]int{}, map[string][]int64{}
	for rows.Next() {
		var item int64
		var name string
		if err := rows.Scan(&item, &name); err != nil {
			t.Fatal(err)
		}
		per[item]++
		by[name] = append(by[name], item)
	}
	return per, by
}

func TestLeaseOverlapOneHandsOutDifferentItems(t *testing.T) {
	st := workspace(t)
	a := openAs(t, st, "ana", true)
	b := openAs(t, st, "ben", true)
	// each holds the item they work on and the next, reserved ahead (LeaseAhead)
	if a.pos != 0 || b.pos != 2 {
		t.Fatalf("start: ana at %d, ben at %d; want 0 and 2", a.pos, b.pos)
	}
	press(t, a, "a")
	press(t, b, "x")
	if a.pos != 1 || b.pos != 3 {
		t.Fatalf("after one decision each: ana at %d, ben at %d; want 1 and 3", a.pos, b.pos)
	}
	press(t, a, "a")
	press(t, b, "a")
	if !a.done || !b.done || !strings.Contains(a.status(), "queue done") || !strings.Contains(b.status(), "queue done") {
		t.Fatalf("not done: %v %v\n%s\n%s", a.done, b.done, a.status(), b.status())
	}
	per, by := decisionsPerItem(t, st)
	ids := a.ids
	if len(per) != 4 || !slices.Equal(by["ana"], []int64{ids[0], ids[1]}) || !slices.Equal(by["ben"], []int64{ids[2], ids[3]}) {
		t.Fatalf("decisions %v by %v", per, by)
	}
	for _, n := range per {
		if n != 1 {
			t.Fatalf("an item has %d decisions with overlap 1: %v", n, per)
		}
	}
	// A new session on a finished queue starts done.
	c := openAs(t, st, "cid", true)
	if !c.done || !strings.Contains(c.status(), "queue done") {
		t.Fatalf("cid: done %v status %q", c.done, c.status())
	}
}

func TestLeaseOverlapTwo(t *testing.T) {
	st := workspace(t)
	if err := st.SetOverlap(ctx, "q", 2); err != nil {
		t.Fatal(err)
	}
	ms := []*Model{openAs(t, st, "ana", false), openAs(t, st, "ben", false), openAs(t, st, "cid", false)}
	// #19: people working at once get different items while free ones are left (the second decision
	// of an item comes once no free item is); each also reserves the next ahead (ana 0+1, ben 2+3)
	if ms[0].pos != 0 || ms[1].pos != 2 || ms[2].pos != 0 {
		t.Fatalf("start at %d %d %d, want 0 2 0", ms[0].pos, ms[1].pos, ms[2].pos)
	}
	if v := ansi.Strip(ms[0].render()); !strings.Contains(v, "overlap 2") {
		t.Fatalf("header:\n%s", v)
	}
	for range 10 {
		for _, m := range ms {
			if !m.done {
				press(t, m, "a")
			}
		}
	}
	per, _ := decisionsPerItem(t, st)
	total := 0
	for item, n := range per {
		if n > 2 {
			t.Fatalf("item %d has %d decisions with overlap 2", item, n)
		}
		total += n
	}
	if total != 8 || len(per) != 4 {
		t.Fatalf("%d decisions on %d items, want 8 on 4: %v", total, len(per), per)
	}
	for _, m := range ms {
		if !m.done {
			t.Fatalf("%s is not done", m.ses.Info().Annotator)
		}
	}
}

// typeText types s into the screen one key at a time.
func typeText(t *testing.T, m *Model, s string) {
	t.Helper()
	for _, r := range s {
		k := string(r)
		if r == ' ' {
			k = "space"
		}
		press(t, m, k)
	}
}

func TestFilterPrompt(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 120, 40)
	ids := slices.Clone(m.ids)
	sub, err := store.EnsureSubset(ctx, st.DB, "text", "dataset")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Exec(`UPDATE items SET subset_id = ? WHERE id IN (?, ?)`, sub, ids[1], ids[3]); err != nil {
		t.Fatal(err)
	}
	press(t, m, "/")
	typeText(t, m, "subset=text  kind=sample")
	if m.entry == nil || m.pos != 0 || m.quit || len(events(t, st)) != 0 || len(m.ids) != 4 {
		t.Fatalf("typing a filter acted: pos %d quit %v events %q", m.pos, m.quit, events(t, st))
	}
	if v := m.render(); !strings.Contains(v, "> subset=text  kind=sample_") || !strings.Contains(v, "filter: enter applies") || !strings.Contains(m.status(), "TEXT ENTRY") {
		t.Fatalf("filter prompt not shown:\n%s", v)
	}
	press(t, m, "enter")
	if m.entry != nil || !slices.Equal(m.ids, []int64{ids[1], ids[3]}) || m.pos != 0 {
		t.Fatalf("filter not applied: entry %v items %v pos %d flash %q", m.entry != nil, m.ids, m.pos, m.flash)
	}
	if s := ansi.Strip(m.render()); !strings.Contains(s, "1/2") || !strings.Contains(s, "filter kind=sample subset=text") {
		t.Fatalf("screen:\n%s", s)
	}
	if !strings.Contains(m.render(), "it-1") {
		t.Fatal("the first matching item is not shown")
	}
	press(t, m, "a")
	if m.pos != 1 || m.state[0] != 1 {
		t.Fatalf("after a: pos %d state %v", m.pos, m.state)
	}
	if got := events(t, st); len(got) != 1 || !strings.HasPrefix(got[0], fmt.Sprint(ids[1])+" set decision 1") {
		t.Fatalf("events %q", got)
	}
	// A bad filter keeps the prompt open and says why; esc cancels and keeps the filter.
	press(t, m, "/")
	if string(m.entry.text) != "kind=sample subset=text" {
		t.Fatalf("prompt not prefilled: %q", string(m.entry.text))
	}
	typeText(t, m, " colour=red")
	press(t, m, "enter")
	if m.entry == nil || !strings.Contains(m.flash, "unknown filter key") {
		t.Fatalf("bad filter: entry %v flash %q", m.entry != nil, m.flash)
	}
	press(t, m, "esc")
	if len(m.ids) != 2 {
		t.Fatal("esc changed the filter")
	}
	// An empty filter restores the queue and stays on the current item.
	press(t, m, "/")
	send(t, m, tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	press(t, m, "enter")
	if len(m.ids) != 4 || m.pos != 3 || m.filt != "" || strings.Contains(m.status(), "filter kind") || m.state[1] != 1 {
		t.Fatalf("cleared: items %d pos %d filt %q state %v status %q", len(m.ids), m.pos, m.filt, m.state, m.status())
	}
}

func TestHelpFitsAndListsNewKeys(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 80, 24)
	lines := m.helpLines()
	if len(lines) > 24-2-4 {
		t.Fatalf("the help has %d lines: it does not fit its box at 80x24", len(lines))
	}
	for _, l := range lines {
		if len([]rune(l)) > 80-8 {
			t.Errorf("help line wider than its box: %q", l)
		}
	}
	press(t, m, "?")
	v := ansi.Strip(m.render())
	for _, want := range []string{"/ filter", "score=clarity=8:", "--overlap", "leases the next free", "q quit", "╭─ keys"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
}

func TestFilterWithLeases(t *testing.T) {
	st := workspace(t)
	m := openAs(t, st, "ana", true)
	ids := slices.Clone(m.ids)
	sub, err := store.EnsureSubset(ctx, st.DB, "text", "dataset")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Exec(`UPDATE items SET subset_id = ? WHERE id IN (?, ?)`, sub, ids[1], ids[2]); err != nil {
		t.Fatal(err)
	}
	// ana holds ids[0] and, reserved ahead, ids[1]; ben holds ids[2] and ids[3]
	b := openAs(t, st, "ben", true)
	if b.pos != 2 {
		t.Fatalf("ben at %d", b.pos)
	}
	press(t, m, "/")
	typeText(t, m, "subset=text")
	press(t, m, "enter")
	if m.ids[m.pos] != ids[1] || m.done {
		t.Fatalf("ana got item %d (pos %d), want her own matching item %d (not ben's %d)", m.ids[m.pos], m.pos, ids[1], ids[2])
	}
	press(t, m, "a")
	if !m.done || !strings.Contains(m.status(), "queue done") {
		t.Fatalf("ana not done: %q", m.status())
	}
	if per, by := decisionsPerItem(t, st); len(per) != 1 || !slices.Equal(by["ana"], []int64{ids[1]}) {
		t.Fatalf("decisions %v", by)
	}
}

func TestFilterPromptFitsSmallSizes(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 80, 24)
	press(t, m, "/")
	typeText(t, m, "subset=text score=clarity=8:")
	for _, size := range [][2]int{{20, 6}, {40, 10}, {80, 24}, {200, 60}} {
		send(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		lines := strings.Split(m.render(), "\n")
		if len(lines) != size[1] {
			t.Fatalf("%v: %d lines", size, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Fatalf("%v: line %d is %d wide", size, i, w)
			}
		}
		if size[1] >= 24 && !strings.Contains(m.render(), "> subset=text score=clarity=8:_") {
			t.Fatalf("%v: the typed filter is not shown:\n%s", size, ansi.Strip(m.render()))
		}
	}
}

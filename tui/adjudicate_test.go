package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	loupews "github.com/loupe-dev/loupe/workspace"
)

// runAdj executes cmd and what it leads to, feeding the messages to a.
func runAdj(t *testing.T, a *Adjudication, cmd tea.Cmd) {
	t.Helper()
	settled := drain(cmd, 50, func(msg tea.Msg) tea.Cmd {
		switch msg.(type) {
		case adjSavedMsg, adjTextsMsg:
			_, next := a.Update(msg)
			return next
		}
		return nil
	})
	if !settled {
		t.Fatal("commands do not settle")
	}
}

func pressAdj(t *testing.T, a *Adjudication, keys ...string) {
	t.Helper()
	for _, k := range keys {
		_, cmd := a.Update(key(k))
		runAdj(t, a, cmd)
	}
}

func TestAdjudication(t *testing.T) {
	st := workspace(t)
	ana, _ := st.OpenSession(ctx, "q", "ana")
	ben, _ := st.OpenSession(ctx, "q", "ben")
	ids := ana.Items
	ana.Decide(ctx, ids[0], true, "")
	ben.Decide(ctx, ids[0], false, "misspelled \x1b[2J text")
	ana.Decide(ctx, ids[2], true, "")
	ben.Decide(ctx, ids[2], true, "")
	ben.Flag(ctx, ids[3], "is this a logo?")

	a, err := NewAdjudication(ctx, AdjudicationConfig{Disputes: loupews.New(st).Adjudication(), Queue: "q", Adjudicator: "rev"})
	if err != nil {
		t.Fatal(err)
	}
	runAdj(t, a, a.Init())
	_, cmd := a.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	runAdj(t, a, cmd)
	v := a.render()
	plain := ansi.Strip(v)
	for _, want := range []string{"item it-0", "ana", "accept", "ben", "ben: misspelled \\x1b[2J text",
		"final: none yet", "caption number 0", "no image", "adjudication · q · rev · 1/2 disputes · final 0/2"} {
		if !strings.Contains(plain, want) {
			t.Fatalf("view lacks %q:\n%s", want, plain)
		}
	}
	if strings.Contains(v, "\x1b[2J") {
		t.Fatal("an escape sequence from a reason reached the screen")
	}
	if n := len(strings.Split(v, "\n")); n != 30 {
		t.Fatalf("%d lines", n)
	}
	pressAdj(t, a, "a")
	if f, _ := st.FinalDecision(ctx, ids[0]); f == nil || !*f {
		t.Fatalf("final on item 0: %v", f)
	}
	if a.pos != 1 || !strings.Contains(a.status(), "final 1/2") || !strings.Contains(a.flash, "final: accept") {
		t.Fatalf("after a: pos %d status %q", a.pos, a.status())
	}
	plain = ansi.Strip(a.render())
	if !strings.Contains(plain, "item it-3") || !strings.Contains(plain, "ben: is this a logo?") {
		t.Fatalf("flagged dispute:\n%s", plain)
	}
	pressAdj(t, a, "x")
	if f, _ := st.FinalDecision(ctx, ids[3]); f == nil || *f {
		t.Fatalf("final on item 3: %v", f)
	}
	pressAdj(t, a, "k")
	if a.pos != 0 || !strings.Contains(ansi.Strip(a.render()), "final: accept") {
		t.Fatalf("k: pos %d", a.pos)
	}
	pressAdj(t, a, "x") // a later decision replaces the final one
	if f, _ := st.FinalDecision(ctx, ids[0]); f == nil || *f {
		t.Fatalf("replaced final on item 0: %v", f)
	}
	var who string
	st.DB.QueryRow(`SELECT a.name FROM events e JOIN annotators a ON a.id = e.annotator_id WHERE e.kind = 'final' ORDER BY e.id DESC LIMIT 1`).Scan(&who)
	if who != "rev" {
		t.Fatalf("final recorded by %q, want rev", who)
	}
	// Reopening counts the final decisions.
	b, _ := NewAdjudication(ctx, AdjudicationConfig{Disputes: loupews.New(st).Adjudication(), Queue: "q", Adjudicator: "rev"})
	if !strings.Contains(b.status(), "final 2/2") {
		t.Fatalf("reopened: %q", b.status())
	}
	at := a.pos
	pressAdj(t, a, "?")
	if !a.help || !strings.Contains(a.render(), "final decision: accept") {
		t.Fatal("help")
	}
	pressAdj(t, a, "j")
	if a.help || a.pos != at {
		t.Fatal("a key should close the help and do nothing else")
	}
	_, cmd = a.Update(key("q"))
	if !a.quit || cmd == nil {
		t.Fatal("q did not quit")
	}
}

func TestAdjudicationEmpty(t *testing.T) {
	st := workspace(t)
	a, err := NewAdjudication(ctx, AdjudicationConfig{Disputes: loupews.New(st).Adjudication(), Queue: "q", Adjudicator: "rev"})
	if err != nil {
		t.Fatal(err)
	}
	pressAdj(t, a, "a", "j", "G")
	if !strings.Contains(a.render(), "no disputes") || !strings.Contains(a.status(), "0/0 disputes") {
		t.Fatalf("empty:\n%s", a.render())
	}
}

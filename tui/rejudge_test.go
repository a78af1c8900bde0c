package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// TestRejudgeInBackground: R asks a backend about the current item without blocking the screen; the
// verdict shows in the scores pane when it arrives.
func TestRejudgeInBackground(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 120, 40)
	release := make(chan struct{})
	var asked []string
	m.cfg.Judges = []string{"gpt41", "rules"}
	m.cfg.Rejudge = func(ctx context.Context, item int64, backend string) (string, error) {
		<-release
		asked = append(asked, backend)
		r, err := store.EnsureRater(ctx, st.DB, "judge", "rules", "rules", "offline-v1")
		if err != nil {
			return "", err
		}
		v := 3.0
		return "alignment 3", st.SaveVerdicts(ctx, []review.Verdict{{ItemID: item, Dimension: "prism_alignment", RaterID: r, Value: &v,
			Justification: "saw 2 red objects, the prompt asks for 3"}})
	}
	start := m.cur().it.ID
	press(t, m, "R")
	if !strings.Contains(m.flash, "1 gpt41") || !strings.Contains(m.flash, "2 rules") {
		t.Fatalf("chooser: %q", m.flash)
	}
	_, cmd := m.Update(key("2"))
	if cmd == nil || !strings.Contains(m.flash, "judging") {
		t.Fatalf("no background call: %q", m.flash)
	}
	// the screen stays live while the judge works
	press(t, m, "j")
	press(t, m, "k")
	if m.cur().it.ID != start {
		t.Fatal("did not come back to the item")
	}
	done := make(chan any)
	go func() { done <- cmd() }()
	close(release)
	send(t, m, (<-done).(judgedMsg))
	if len(asked) != 1 || asked[0] != "rules" {
		t.Errorf("asked %v", asked)
	}
	if Dimensions[m.scores.focus] != "prism_alignment" { // focus starts on the judged dimension
		t.Fatalf("focus %s", Dimensions[m.scores.focus])
	}
	view := ansi.Strip(m.View().Content)
	if !strings.Contains(view, "rules 3") || !strings.Contains(view, "saw 2 red objects") || !strings.Contains(view, "rules: alignment 3") {
		t.Errorf("verdict not shown:\n%s", view)
	}
	// esc cancels the chooser; with no backends the key says how to get one
	press(t, m, "R", "esc")
	if m.pickJudge || m.flash != "" {
		t.Errorf("esc: %v %q", m.pickJudge, m.flash)
	}
	m.cfg.Judges = nil
	press(t, m, "R")
	if !strings.Contains(m.flash, "no judge backends") {
		t.Errorf("no backends: %q", m.flash)
	}
}

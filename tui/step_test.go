package tui

import (
	"context"
	"strings"
	"testing"
)

// TestRerunStepKey: P asks for a step, runs it on the current item in the background and reports.
func TestRerunStepKey(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 120, 40)
	press(t, m, "P")
	if m.entry != nil || !strings.Contains(m.flash, "not available") {
		t.Fatalf("without steps: %q", m.flash)
	}
	var got []string
	m.cfg.Steps = []string{"quality", "gcot"}
	m.cfg.RerunStep = func(ctx context.Context, id int64, step string) (string, error) {
		got = append(got, step)
		return "done (1 request(s), kept 1, dropped 0)", nil
	}
	press(t, m, "P")
	if m.entry == nil || m.entry.kind != stepEntry {
		t.Fatal("no step prompt")
	}
	for _, k := range "nope" {
		press(t, m, string(k))
	}
	press(t, m, "enter")
	if m.entry == nil || !strings.Contains(m.flash, "unknown step") {
		t.Fatalf("unknown step accepted: %q", m.flash)
	}
	for range 4 {
		press(t, m, "backspace")
	}
	for _, k := range "gcot" {
		press(t, m, string(k))
	}
	press(t, m, "enter")
	if len(got) != 1 || got[0] != "gcot" || !strings.Contains(m.flash, "gcot: done") {
		t.Errorf("ran %v, flash %q", got, m.flash)
	}
}

package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// TestStatsScreen: S opens the statistics of the queue, computed from the workspace; decisions made
// before reopening show up; S goes back to the item.
func TestStatsScreen(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 120, 60)
	calls := 0
	m.cfg.Stats = func(ctx context.Context) (*review.AgreementReport, error) {
		calls++
		rs, err := st.Ratings(ctx, store.RatingsScope{Queue: "q"})
		if err != nil {
			return nil, err
		}
		rep := review.Agreement(rs, review.AgreementOptions{MinItems: 2, Resamples: 50, Seed: 1})
		return &rep, nil
	}
	press(t, m, "5", "a", "7", "x") // two items scored and decided by ana
	press(t, m, "S")
	view := ansi.Strip(m.View().Content)
	if calls != 1 || !strings.Contains(view, "statistics · q") || !strings.Contains(view, "pipeline-human") {
		t.Fatalf("statistics screen (%d calls):\n%s", calls, view)
	}
	if !strings.Contains(view, "score histograms") || !strings.Contains(view, "humans") {
		t.Errorf("no histograms:\n%s", view)
	}
	press(t, m, "j", "k", "S")
	if m.stats.open {
		t.Fatal("S did not close the statistics")
	}
	view = ansi.Strip(m.View().Content)
	if strings.Contains(view, "statistics · q") {
		t.Errorf("still showing statistics:\n%s", view)
	}
	m.cfg.Stats = nil
	press(t, m, "S")
	if m.stats.open || !strings.Contains(m.flash, "not available") {
		t.Errorf("no Stats: %v %q", m.stats.open, m.flash)
	}
}

package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/review"
)

// countStats counts the statistics computed through a session.
type countStats struct {
	Session
	n int
}

func (c *countStats) Stats(ctx context.Context) (*review.AgreementReport, error) {
	c.n++
	return c.Session.Stats(ctx)
}

// TestStatsScreen: S opens the statistics of the queue, computed from the workspace by its production
// path (workspace.Session.Stats, i.e. workspace.ReviewStats); decisions made before reopening show up;
// S goes back to the item.
func TestStatsScreen(t *testing.T) {
	st := workspace(t)
	m := open(t, st, false, 120, 60)
	c := &countStats{Session: m.ses}
	m.ses = c
	press(t, m, "5", "a", "7", "x") // two items scored and decided by ana
	press(t, m, "S")
	view := ansi.Strip(m.View().Content)
	if c.n != 1 || m.stats.err != nil || !strings.Contains(view, "statistics · q") || !strings.Contains(view, "pipeline-human") {
		t.Fatalf("statistics screen (%d calls, error %v):\n%s", c.n, m.stats.err, view)
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
}

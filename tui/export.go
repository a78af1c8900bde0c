package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// exportedMsg reports that a background export finished.
type exportedMsg struct{ text string }

// defaultExport is the export prompt's suggestion: JSONL beside the workspace, named after the queue
// and the time.
func defaultExport(queue string) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r < 32 {
			return '_'
		}
		return r
	}, queue)
	return fmt.Sprintf("jsonl export-%s-%s.jsonl", name, time.Now().Format("20060102-150405"))
}

// startExport runs the export the prompt describes, in the background, on exactly the current view:
// the session's queue and filter.
func (m *Model) startExport(text string) tea.Cmd {
	format, path, ok := strings.Cut(strings.TrimSpace(text), " ")
	path = strings.TrimSpace(path)
	if !ok || path == "" {
		m.flash = "export: write FORMAT PATH, e.g. jsonl out.jsonl"
		return nil // the prompt stays open
	}
	m.entry = nil
	filter := strings.TrimSpace(m.filt)
	m.flash = fmt.Sprintf("exporting the view as %s to %s...", cleanLine(format), cleanLine(path))
	fn, ctx := m.cfg.Export, m.ctx
	return func() tea.Msg {
		s, err := fn(ctx, format, path, filter)
		if err != nil {
			return exportedMsg{text: "export failed: " + cleanLine(err.Error())}
		}
		return exportedMsg{text: cleanLine(s)}
	}
}

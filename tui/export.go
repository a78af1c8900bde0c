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

// stepMsg reports that a background pipeline step finished on an item.
type stepMsg struct {
	item int64
	text string
}

// startStep reruns the named pipeline step on the current item in the background.
func (m *Model) startStep(text string) tea.Cmd {
	step := strings.TrimSpace(text)
	known := false
	for _, s := range m.cfg.Steps {
		known = known || s == step
	}
	if !known {
		m.flash = "unknown step " + cleanLine(step) + ": one of " + strings.Join(m.cfg.Steps, " ")
		return nil // the prompt stays open
	}
	d := m.cur()
	if d == nil || d.it == nil {
		m.entry = nil
		return nil
	}
	m.entry = nil
	id, fn, ctx := d.it.ID, m.cfg.RerunStep, m.ctx
	m.flash = "running " + step + " on " + cleanLine(d.it.ExtID) + "..."
	return func() tea.Msg {
		s, err := fn(ctx, id, step)
		if err != nil {
			return stepMsg{item: id, text: step + " failed: " + cleanLine(err.Error())}
		}
		return stepMsg{item: id, text: step + ": " + cleanLine(s)}
	}
}

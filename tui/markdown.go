package tui

import (
	"strings"

	"charm.land/glamour/v2"
)

// renderMarkdown renders a queue's guidelines (markdown) at width w for a dark or light background; the
// text is cleaned of control characters first. A document glamour cannot render is shown as text.
func renderMarkdown(md string, w int, dark bool) []string {
	md = Clean(md)
	style := "light"
	switch {
	case noColor():
		style = "notty"
	case dark:
		style = "dark"
	}
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(max(20, w-2)))
	if err == nil {
		var out string
		if out, err = r.Render(md); err == nil {
			return strings.Split(strings.Trim(out, "\n"), "\n")
		}
	}
	return wrap(md, w)
}

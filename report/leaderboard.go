package report

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/loupe-dev/loupe/prismbench"
)

// WriteLeaderboard writes a self-contained PRISM-Bench leaderboard page: the rows as the official code
// pools them (published rows in italics) and the judges compared.
func WriteLeaderboard(w io.Writer, rows []prismbench.Row, comps []prismbench.JudgeComparison) error {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>PRISM-Bench leaderboard (loupe)</title><style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;font-variant-numeric:tabular-nums}
td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}
tr.pub{color:#777;font-style:italic}</style></head><body><h1>PRISM-Bench leaderboard</h1>
<p>Pooled means of the judges' 0-10 verdicts x10 (failed and missing verdicts excluded), as the official code computes them. Italic rows are published.</p><table><tr><th>model</th><th>judge</th><th>lang</th><th>align</th><th>aes</th><th>overall</th>`)
	for _, t := range prismbench.Tracks {
		fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(t))
	}
	b.WriteString("<th>coverage</th></tr>\n")
	cell := func(c prismbench.Cell) string {
		if c.Value == nil {
			return "<td>-</td>"
		}
		return fmt.Sprintf("<td>%.1f</td>", *c.Value)
	}
	for _, r := range rows {
		cls := ""
		if r.Published {
			cls = ` class="pub"`
		}
		fmt.Fprintf(&b, "<tr%s><td>%s</td><td>%s</td><td>%s</td>%s%s%s", cls, html.EscapeString(r.Model), html.EscapeString(r.Judge), r.Lang,
			cell(r.Overall.Align), cell(r.Overall.Aes), cell(r.Overall.Avg))
		for _, t := range prismbench.Tracks {
			b.WriteString(cell(r.Tracks[t].Avg))
		}
		present, expected := 0, 0
		for _, c := range r.Coverage {
			present += c.Present
			expected += c.Expected
		}
		if r.Published {
			b.WriteString("<td>published</td></tr>\n")
		} else {
			fmt.Fprintf(&b, "<td>%d/%d</td></tr>\n", present, expected)
		}
	}
	b.WriteString("</table>")
	js, _ := json.Marshal(comps)
	if len(comps) > 0 {
		fmt.Fprintf(&b, "<h2>Judges compared</h2><pre>%s</pre>", html.EscapeString(string(js)))
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

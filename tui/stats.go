package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/loupe-dev/loupe/review"
)

// The statistics screen (S from review): the agreement tables and terminal charts for the current queue,
// recomputed when it opens and every few seconds while it is open, so decisions landing (this
// annotator's or others') show up.

// statsRefresh is how often the open statistics screen recomputes.
const statsRefresh = 5 * time.Second

type statsMsg struct {
	rep *review.AgreementReport
	err error
	gen int
}

type statsTick struct{ gen int }

type statsScreen struct {
	open   bool
	gen    int // bumped on every open and close: stale results and ticks are dropped
	rep    *review.AgreementReport
	err    error
	scroll int
	at     time.Time
}

// openStats shows the statistics screen and starts computing.
func (m *Model) openStats() tea.Cmd {
	m.stats.open, m.stats.scroll = true, 0
	m.stats.gen++
	return tea.Batch(m.image.hide(), m.statsCmd())
}

func (m *Model) statsCmd() tea.Cmd {
	ses, ctx, gen := m.ses, m.ctx, m.stats.gen
	return func() tea.Msg {
		rep, err := ses.Stats(ctx)
		return statsMsg{rep: rep, err: err, gen: gen}
	}
}

func (m *Model) statsUpdate(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case statsMsg:
		if msg.gen != m.stats.gen || !m.stats.open {
			return nil
		}
		m.stats.rep, m.stats.err, m.stats.at = msg.rep, msg.err, m.now()
		gen := m.stats.gen
		return tea.Tick(statsRefresh, func(time.Time) tea.Msg { return statsTick{gen: gen} })
	case statsTick:
		if msg.gen != m.stats.gen || !m.stats.open {
			return nil
		}
		return m.statsCmd()
	}
	return nil
}

// statsKey handles keys on the statistics screen.
func (m *Model) statsKey(s string) tea.Cmd {
	switch s {
	case "S", "esc", "q":
		m.stats.open = false
		m.stats.gen++
		m.image.invalidate()
		if d := m.cur(); d != nil {
			return m.image.show(m, d)
		}
	case "j", "down", "pgdown", "J":
		m.stats.scroll += map[bool]int{true: max(1, m.h-3), false: 1}[s == "pgdown" || s == "J"]
	case "k", "up", "pgup", "K":
		m.stats.scroll = max(0, m.stats.scroll-map[bool]int{true: max(1, m.h-3), false: 1}[s == "pgup" || s == "K"])
	case "g", "home":
		m.stats.scroll = 0
	}
	return nil
}

var (
	statHead = lipgloss.NewStyle().Bold(true)
	heat     = []string{" ", "░", "▒", "▓", "█"}
	sparks   = []rune(" ▁▂▃▄▅▆▇█")
)

func fmtFig(s review.Stat) string {
	if !s.Defined() {
		return "undef."
	}
	v := fmt.Sprintf("%.2f", s.Value)
	if s.CI != nil && s.CI.Undefined == "" {
		v += fmt.Sprintf(" [%.2f,%.2f]", s.CI.Lo, s.CI.Hi)
	}
	return v
}

func figure(stats []review.Stat, prefix string) (review.Stat, bool) {
	for _, s := range stats {
		if strings.HasPrefix(s.Name, prefix) {
			return s, true
		}
	}
	return review.Stat{}, false
}

// statsLines renders the screen's content at width w.
func (m *Model) statsLines(w int) []string {
	st := m.stats
	out := []string{faint.Render("recomputed every 5 s; as of " + st.at.Format("15:04:05"))}
	switch {
	case st.err != nil:
		return append(out, "", "could not compute: "+cleanLine(st.err.Error()))
	case st.rep == nil:
		return append(out, "", "computing...")
	}
	return append(out, statsReportLines(st.rep, m.blind(), w)...)
}

// humansOnly is a report with only what compares annotators with each other: blind mode shows no
// judge or pipeline figure.
func humansOnly(rep *review.AgreementReport) *review.AgreementReport {
	out := *rep
	out.Rows, out.Histograms, out.Confusions, out.Calibration, out.Thresholds = nil, nil, nil, nil, nil
	for _, r := range rep.Rows {
		if r.Kind == review.HumanHuman || r.Kind == review.AllHumans {
			out.Rows = append(out.Rows, r)
		}
	}
	for _, h := range rep.Histograms {
		if strings.HasPrefix(h.Rater, "human") {
			out.Histograms = append(out.Histograms, h)
		}
	}
	for _, c := range rep.Confusions {
		if strings.HasPrefix(c.A, "human") && strings.HasPrefix(c.B, "human") {
			out.Confusions = append(out.Confusions, c)
		}
	}
	return &out
}

// statsReportLines renders a report's tables and charts at width w; blind leaves out every judge and
// pipeline figure.
func statsReportLines(rep *review.AgreementReport, blind bool, w int) []string {
	var out []string
	if blind {
		rep = humansOnly(rep)
		out = append(out, faint.Render("blind mode: only annotator-annotator figures are shown"))
	}
	out = append(out, faint.Render(fmt.Sprintf("%s, %s; figures need %s; CIs from %d resamples",
		review.Plural(rep.Items, "item"), review.Plural(rep.Ratings, "rating"), review.Plural(rep.MinItems, "item"), rep.Resamples)))
	if len(rep.Rows) == 0 {
		return append(out, "", "nothing to compare yet: decide or score some items, or run a judge on this queue")
	}
	dim := ""
	for _, r := range rep.Rows {
		if r.By != "" {
			continue
		}
		if r.Dimension != dim {
			dim = r.Dimension
			out = append(out, "", statHead.Render(dim))
		}
		pair := fmt.Sprintf("  %-15s %s vs %s", r.Kind, shortRater(r.A), shortRater(r.B))
		if r.Kind == review.AllHumans {
			pair = fmt.Sprintf("  %-15s %s", r.Kind, "all annotators")
		}
		line := fmt.Sprintf("%-48s n=%-4d", cleanLine(pair), r.N)
		switch {
		case r.Undefined != "":
			line += faint.Render(" " + cleanLine(r.Undefined))
		case r.Dimension == review.DecisionDimension || r.Kind == review.AllHumans:
			for _, s := range r.Stats[:min(3, len(r.Stats))] {
				line += " " + shortName(s.Name) + " " + fmtFig(s)
			}
		default:
			for _, p := range []string{"cohen_kappa_quadratic", "spearman", "mae"} {
				if s, ok := figure(r.Stats, p); ok {
					line += " " + shortName(s.Name) + " " + fmtFig(s)
				}
			}
		}
		out = append(out, truncate(line, w))
	}
	out = append(out, histogramLines(rep)...)
	out = append(out, confusionLines(rep)...)
	out = append(out, calibrationLines(rep)...)
	if len(rep.Thresholds) > 0 {
		out = append(out, "", statHead.Render("thresholds that best reproduce the decisions (accept when score >= t)"))
		for _, t := range rep.Thresholds {
			out = append(out, truncate(fmt.Sprintf("  %-14s %-16s t=%-3g agreement %s  kappa %s", shortRater(t.Rater), t.Dimension, t.Threshold,
				fmtFig(t.Agreement), fmtFig(t.Kappa)), w))
		}
	}
	return out
}

func shortName(n string) string {
	r := strings.NewReplacer("cohen_kappa_quadratic", "κw", "cohen_kappa", "κ", "spearman_rho", "ρ", "spearman", "ρ",
		"exact_agreement", "agree", "krippendorff_alpha", "α", "gwet_ac1", "AC1", "fleiss_kappa", "Fleiss κ")
	return r.Replace(n)
}

// histogramLines draws each score dimension's histograms as spark bars, humans against each machine
// rater, as proportions.
func histogramLines(rep *review.AgreementReport) []string {
	if len(rep.Histograms) == 0 {
		return nil
	}
	out := []string{"", statHead.Render("score histograms (0 ... 10, share of each rater's scores)")}
	for _, h := range rep.Histograms {
		total := 0
		for _, c := range h.Counts {
			total += c
		}
		if total == 0 {
			continue
		}
		peak := 0
		for _, c := range h.Counts {
			peak = max(peak, c)
		}
		var b strings.Builder
		for _, c := range h.Counts {
			b.WriteRune(sparks[int(math.Round(float64(c)/float64(peak)*float64(len(sparks)-1)))])
			b.WriteRune(sparks[int(math.Round(float64(c)/float64(peak)*float64(len(sparks)-1)))])
		}
		out = append(out, fmt.Sprintf("  %-16s %-13s │%s│ n=%d", h.Dimension, shortRater(h.Rater), b.String(), total))
	}
	return out
}

// confusionLines draws the first confusion matrices as shaded grids with counts.
func confusionLines(rep *review.AgreementReport) []string {
	var out []string
	for i, c := range rep.Confusions {
		if i == 2 {
			break
		}
		m := c.Matrix
		if m.Undefined != "" || len(m.Labels) == 0 {
			continue
		}
		peak := 1
		for _, r := range m.Counts {
			for _, v := range r {
				peak = max(peak, v)
			}
		}
		out = append(out, "", statHead.Render(fmt.Sprintf("confusion, %s: rows %s, columns %s (n=%d)", c.Dimension, shortRater(c.A), shortRater(c.B), m.N)))
		head := "      "
		for _, l := range m.Labels {
			head += fmt.Sprintf("%3g", l)
		}
		out = append(out, faint.Render(head))
		for i, r := range m.Counts {
			line := fmt.Sprintf("  %3g ", m.Labels[i])
			for _, v := range r {
				shade := heat[int(math.Ceil(float64(v)/float64(peak)*float64(len(heat)-1)))]
				if v == 0 {
					line += "  ·"
				} else if v < 100 {
					line += strings.Repeat(shade, 1) + fmt.Sprintf("%2d", v)
				} else {
					line += shade + shade + shade
				}
			}
			out = append(out, line)
		}
	}
	return out
}

// calibrationLines plots the first calibration curves: machine score across, the humans' mean up, the
// diagonal as the reference.
func calibrationLines(rep *review.AgreementReport) []string {
	var out []string
	for i, c := range rep.Calibration {
		if i == 2 {
			break
		}
		out = append(out, "", statHead.Render(fmt.Sprintf("calibration, %s on %s: humans' mean (•) per score, · = equal; bias %s",
			shortRater(c.Rater), c.Dimension, fmtFig(c.Bias))))
		grid := make([][]rune, 11)
		for y := range grid {
			grid[y] = []rune(strings.Repeat(" ", 33))
			grid[y][3*(10-y)+1] = '·' // the diagonal: human mean == score
		}
		for _, p := range c.Points {
			if !p.HumanMean.Defined() {
				continue
			}
			y := 10 - clampInt(int(math.Round(p.HumanMean.Value)), 0, 10)
			x := 3*int(p.Score) + 1
			if p.HumanMean.CI != nil && p.HumanMean.CI.Undefined == "" {
				lo, hi := clampInt(int(math.Round(p.HumanMean.CI.Lo)), 0, 10), clampInt(int(math.Round(p.HumanMean.CI.Hi)), 0, 10)
				for v := lo; v <= hi; v++ {
					grid[10-v][x] = '│'
				}
			}
			grid[y][x] = '•'
		}
		for y, row := range grid {
			out = append(out, fmt.Sprintf("  %2d ┤%s", 10-y, string(row)))
		}
		axis := "     └"
		for s := 0; s <= 10; s++ {
			axis += fmt.Sprintf("%-3d", s)
		}
		out = append(out, faint.Render(axis))
	}
	return out
}

func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }

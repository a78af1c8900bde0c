package serve

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// backMsg: the open screen was closed by its person; the start screen comes back.
type backMsg struct{}

func back() tea.Msg { return backMsg{} }

// TeamRefresh is how often the team view reads the workspace again.
const TeamRefresh = 2 * time.Second

type teamMsg struct {
	from *teamView
	text string
	err  error
	at   time.Time
}

// teamView is a lead's live view of the team on one queue: the text of loupe progress --queue Q, read
// again every TeamRefresh.
type teamView struct {
	ctx    context.Context
	queue  string
	report func(ctx context.Context, queue string) (string, error)
	lines  []string
	err    error
	at     time.Time
	scroll int
	w, h   int
	done   bool
}

func (t *teamView) Init() tea.Cmd { return t.read(0) }

func (t *teamView) read(after time.Duration) tea.Cmd {
	do := func() tea.Msg {
		s, err := t.report(t.ctx, t.queue)
		return teamMsg{t, s, err, time.Now()}
	}
	if after == 0 {
		return do
	}
	return tea.Tick(after, func(time.Time) tea.Msg { return do() })
}

func (t *teamView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		t.w, t.h = msg.Width, msg.Height
	case teamMsg:
		if msg.from != t {
			return t, nil
		}
		t.err, t.at = msg.err, msg.at
		if msg.err == nil {
			t.lines = strings.Split(strings.TrimRight(msg.text, "\n"), "\n")
		}
		return t, t.read(TeamRefresh)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q", "esc", "ctrl+c":
			t.done = true
			return t, back
		case "j", "down":
			t.scroll = min(t.scroll+1, max(0, len(t.lines)-1))
		case "k", "up":
			t.scroll = max(0, t.scroll-1)
		case "g", "home":
			t.scroll = 0
		}
	}
	return t, nil
}

// Quitting reports whether the view is closing.
func (t *teamView) Quitting() bool { return t.done }

func (t *teamView) View() tea.View {
	v := tea.NewView(t.render())
	v.AltScreen = true
	return v
}

func (t *teamView) render() string {
	if t.done {
		return ""
	}
	head := startTitle.Render("team view") + "  queue " + clean(t.queue)
	if !t.at.IsZero() {
		head += "  updated " + t.at.UTC().Format("15:04:05") + " UTC, every " + TeamRefresh.String()
	}
	lines := []string{head, ""}
	if t.err != nil {
		lines = append(lines, "error: "+clean(t.err.Error()))
	}
	body := t.lines[min(t.scroll, len(t.lines)):]
	room := max(1, t.h-len(lines)-2)
	if len(body) > room {
		body = body[:room]
	}
	for _, l := range body {
		lines = append(lines, clean(l))
	}
	lines = append(lines, "", startFaint.Render("j/k scroll   q back to the queues"))
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, max(1, t.w), "…")
	}
	return strings.Join(lines, "\n")
}

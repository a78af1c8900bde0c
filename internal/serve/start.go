package serve

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/store"
)

// QueueRow is one queue on the start screen: the queue's figures and the person's own.
type QueueRow struct {
	store.ProgressQueue
	Mine      int // this person's decisions in force on the queue's items
	MineToday int // of them, given today (UTC)
}

// What the start screen chose.
const (
	doQuit       = ""
	doReview     = "review"
	doAdjudicate = "adjudicate"
	doTeam       = "team"
)

type choice struct{ what, queue string }

type rowsMsg struct {
	from *startScreen // the screen that asked (an older one's answer is dropped)
	rows []QueueRow
	err  error
}

// chooseMsg opens what the start screen chose (the session's root model does).
type chooseMsg struct{ c choice }

// startScreen lists the queues this person may work on, with their progress and review settings, and
// opens one; a lead also reaches the team view and adjudication from here.
type startScreen struct {
	ctx   context.Context
	who   Annotator
	load  func(context.Context) ([]QueueRow, error)
	rows  []QueueRow
	err   error
	sel   int
	w, h  int
	flash string
	done  bool
}

func newStartScreen(ctx context.Context, who Annotator, load func(context.Context) ([]QueueRow, error), sel string) *startScreen {
	s := &startScreen{ctx: ctx, who: who, load: load, w: 80, h: 24}
	s.rows, s.err = load(ctx)
	for i, r := range s.rows {
		if r.Name == sel {
			s.sel = i
		}
	}
	return s
}

func (s *startScreen) Init() tea.Cmd { return s.tick() }

// tick refreshes the figures every few seconds (others are reviewing too).
func (s *startScreen) tick() tea.Cmd {
	return tea.Tick(5*time.Second, func(time.Time) tea.Msg {
		rows, err := s.load(s.ctx)
		return rowsMsg{s, rows, err}
	})
}

func (s *startScreen) lead() bool { return s.who.Role == RoleLead }

func (s *startScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.w, s.h = msg.Width, msg.Height
	case rowsMsg:
		if msg.from != s {
			return s, nil
		}
		if msg.err == nil {
			s.rows, s.err = msg.rows, nil
			s.sel = min(s.sel, max(0, len(s.rows)-1))
		}
		return s, s.tick()
	case tea.KeyPressMsg:
		s.flash = ""
		switch msg.String() {
		case "q", "ctrl+c", "esc":
			s.done = true
			return s, tea.Quit
		case "j", "down":
			s.sel = min(s.sel+1, max(0, len(s.rows)-1))
		case "k", "up":
			s.sel = max(s.sel-1, 0)
		case "r":
			s.rows, s.err = s.load(s.ctx)
			s.sel = min(s.sel, max(0, len(s.rows)-1))
		case "enter", "t", "a":
			if len(s.rows) == 0 {
				return s, nil
			}
			what := map[string]string{"enter": doReview, "t": doTeam, "a": doAdjudicate}[msg.String()]
			if what != doReview && !s.lead() {
				s.flash = "the team view and adjudication are for leads (role=lead in the annotators file)"
				return s, nil
			}
			r := s.rows[s.sel]
			if what == doReview && r.Items == 0 {
				s.flash = "queue " + clean(r.Name) + " is empty"
				return s, nil
			}
			c := choice{what, r.Name}
			return s, func() tea.Msg { return chooseMsg{c} }
		}
	}
	return s, nil
}

var (
	startTitle = lipgloss.NewStyle().Bold(true)
	startSel   = lipgloss.NewStyle().Reverse(true)
	startFaint = lipgloss.NewStyle().Faint(true)
)

func (s *startScreen) View() tea.View {
	v := tea.NewView(s.render())
	v.AltScreen = true
	return v
}

func (s *startScreen) render() string {
	if s.done {
		return ""
	}
	role := s.who.Role
	lines := []string{
		startTitle.Render("loupe review server") + "  " + clean(s.who.Name) + " (" + role + ")",
		"",
		startTitle.Render("Choose a queue"),
		"",
	}
	switch {
	case s.err != nil:
		lines = append(lines, "error: "+clean(s.err.Error()))
	case len(s.rows) == 0:
		lines = append(lines, "no queue to review here: ask your lead to add one (loupe sample --name QUEUE)")
	default:
		lines = append(lines, fmt.Sprintf("  %-20s %7s %7s %7s %7s %7s %8s  %s", "QUEUE", "ITEMS", "DONE", "LEFT", "YOURS", "TODAY", "OVERLAP", "MODE"))
		for i, r := range s.rows {
			mode := []string{}
			if r.Blind {
				mode = append(mode, "blind")
			}
			if r.Overlap > 1 && !r.ShowOthers {
				mode = append(mode, "independent")
			}
			row := fmt.Sprintf("%-20s %7d %7d %7d %7d %7d %8d  %s", truncate(clean(r.Name), 20), r.Items, r.Done, r.Left, r.Mine, r.MineToday, r.Overlap, strings.Join(mode, ", "))
			if i == s.sel {
				lines = append(lines, startSel.Render("> "+row))
			} else {
				lines = append(lines, "  "+row)
			}
		}
		r := s.rows[s.sel]
		lines = append(lines, "")
		if r.Blind {
			lines = append(lines, "blind: the judges' and the pipeline's values stay hidden until you have decided an item")
		}
		if r.Overlap > 1 {
			who := "other annotators' answers stay hidden until you decide"
			if r.ShowOthers {
				who = "other annotators' answers are shown"
			}
			lines = append(lines, fmt.Sprintf("overlap %d: each item is decided by %d people; %s", r.Overlap, r.Overlap, who))
		}
	}
	lines = append(lines, "")
	keys := "enter review   j/k move   r refresh   q quit"
	if s.lead() {
		keys += "   t team view   a adjudicate"
	}
	lines = append(lines, startFaint.Render(keys))
	if s.flash != "" {
		lines = append(lines, "", s.flash)
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, max(1, s.w), "…")
	}
	if len(lines) > s.h && s.h > 0 {
		lines = lines[:s.h]
	}
	return strings.Join(lines, "\n")
}

// clean removes control characters (data never writes escape sequences to a terminal).
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

func truncate(s string, n int) string { return ansi.Truncate(s, n, "…") }

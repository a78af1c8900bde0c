// Command panedemo checks that a bubbletea v2 screen can show a picture in a pane and redraw text
// beside it without flicker or leftovers: the left pane holds the picture (blank cells with the
// picture drawn over them after the frame, or kitty placeholders, or text blocks), the right pane
// redraws a counter every 100 ms, and after a second the picture is replaced by a smaller one.
// perf/terminals.sh screenshots it in xterm (sixel) and checks the left pane shows only the second
// picture.
//
//	panedemo PROTOCOL FIRST.png SECOND.png
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/loupe-dev/loupe/termimg"
)

type tickMsg struct{}
type renderedMsg struct{ r *termimg.Rendered }

type model struct {
	files []string
	idx   int
	ticks int
	box   termimg.Box
	cache *termimg.Cache
	opts  termimg.Options
	shown *termimg.Rendered
}

func (m model) load(i int) tea.Cmd {
	key := termimg.Key{Source: m.files[i], Box: m.box, Protocol: m.opts.Protocol, Cell: m.opts.Cell, Profile: m.opts.Profile}
	return func() tea.Msg {
		return renderedMsg{m.cache.Get(context.Background(), key, func(context.Context) (*termimg.Source, error) {
			return termimg.DecodeFile(m.files[i])
		})}
	}
}

func tick() tea.Cmd {
	return tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{} })
}

func (m model) Init() tea.Cmd { return tea.Batch(m.load(0), tick()) }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if msg.String() == "q" || msg.String() == "ctrl+c" {
			return m, tea.Quit
		}
	case tea.WindowSizeMsg:
		// A resize repaints everything: draw the picture again.
		if m.shown != nil && m.shown.Raw != nil {
			// a kitty picture is stored (Transmit) and placed (Raw); a screen clear may have freed it
			return m, tea.Raw(string(m.shown.Transmit) + string(termimg.AtCell(1, 1, m.shown.Raw, m.opts.Tmux)))
		}
	case tickMsg:
		m.ticks++
		if m.ticks == 10 && len(m.files) > 1 {
			m.idx = 1
			return m, tea.Batch(m.load(1), tick())
		}
		return m, tick()
	case renderedMsg:
		old := m.shown
		m.shown = msg.r
		if msg.r.Raw == nil {
			return m, nil // blocks or placeholders: the frame itself shows the picture
		}
		// Wipe what the previous picture covered (the renderer will not: its cells were blank before
		// and stay blank), then draw the new one over the blank cells, after the frame.
		var seq strings.Builder
		if old != nil && m.opts.Protocol == termimg.Kitty {
			seq.WriteString(termimg.KittyDeletePlacements())
		}
		if old != nil {
			for r := 0; r < old.Fit.Rows; r++ {
				fmt.Fprintf(&seq, "\x1b7\x1b[%d;1H\x1b[%dX\x1b8", r+1, old.Fit.Cols)
			}
		}
		seq.Write(msg.r.Transmit) // kitty: the picture is stored under its id, then placed
		seq.Write(termimg.AtCell(1, 1, msg.r.Raw, m.opts.Tmux))
		return m, tea.Raw(seq.String())
	}
	return m, nil
}

func (m model) View() tea.View {
	left := strings.Repeat(strings.Repeat(" ", m.box.Cols)+"\n", m.box.Rows)
	if m.shown != nil {
		lines := m.shown.Lines
		for len(lines) < m.box.Rows {
			lines = append(lines, strings.Repeat(" ", m.box.Cols))
		}
		left = lipgloss.NewStyle().Width(m.box.Cols).Render(strings.Join(lines, "\n"))
	}
	right := fmt.Sprintf(" picture %d of %d\n tick %d\n %s", m.idx+1, len(m.files), m.ticks, strings.Repeat("#", m.ticks%20))
	// A status line closes the frame: with a non-blank last line the renderer never clears "to the end
	// of the screen" from a row inside the picture, which would wipe a raw (sixel/iTerm2) image.
	status := fmt.Sprintf("%s | q quits", m.opts.Protocol)
	v := tea.NewView(lipgloss.JoinVertical(lipgloss.Left, lipgloss.JoinHorizontal(lipgloss.Top, left, right), status))
	v.AltScreen = true
	return v
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: panedemo PROTOCOL FIRST.png [SECOND.png]")
		os.Exit(2)
	}
	p, err := termimg.ParseProtocol(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tty, _ := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	caps := termimg.Detect(tty, p, os.Getenv, 300*time.Millisecond)
	if tty != nil {
		tty.Close()
	}
	opts := termimg.Options{Protocol: caps.Protocol, Cell: caps.Cell, Profile: caps.Profile, Tmux: caps.Tmux}
	ids := termimg.NewKittyIDs()
	m := model{files: os.Args[2:], box: termimg.Box{Cols: 60, Rows: 30}, opts: opts,
		cache: termimg.NewCache(opts, ids, caps.Placeholders, 64<<20, 1)}
	if _, err := tea.NewProgram(m).Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, id := range ids.All() {
		fmt.Print(termimg.KittyDelete(id))
	}
}

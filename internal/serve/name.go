package serve

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// UnverifiedPrefix starts the annotator name of everyone let in by --open with a key the annotators
// file does not hold: the name is what they typed, not who the key proves they are, and it can never
// be one of the file's names.
const UnverifiedPrefix = "unverified:"

// namePrompt asks a person with an unknown key (--open) for a name.
type namePrompt struct {
	text  []rune
	err   string
	name  string // the accepted name (with UnverifiedPrefix); "" when they quit
	taken func(string) bool
	w     int
	done  bool
}

func (n *namePrompt) Init() tea.Cmd { return nil }

func (n *namePrompt) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		n.w = msg.Width
	case tea.KeyPressMsg:
		switch msg.String() {
		case "ctrl+c", "esc":
			n.done = true
			return n, tea.Quit
		case "enter":
			name := strings.TrimSpace(string(n.text))
			if err := checkName(name); err != nil {
				n.err = err.Error()
				return n, nil
			}
			if n.taken != nil && n.taken(name) {
				n.err = "that name belongs to a known key: choose another"
				return n, nil
			}
			n.name, n.done = UnverifiedPrefix+name, true
			return n, tea.Quit
		case "backspace":
			if len(n.text) > 0 {
				n.text = n.text[:len(n.text)-1]
			}
		default:
			if msg.Text != "" && len(n.text) < maxNameLen {
				n.text = append(n.text, []rune(clean(msg.Text))...)
			}
		}
	}
	return n, nil
}

func (n *namePrompt) View() tea.View {
	if n.done {
		return tea.NewView("")
	}
	lines := []string{
		startTitle.Render("loupe review server"),
		"",
		"Your key is not in this server's annotators file. You may review as an unverified annotator:",
		"your decisions are recorded under " + UnverifiedPrefix + "NAME, with your key's fingerprint in the log.",
		"",
		"Your name: " + string(n.text) + "█",
	}
	if n.err != "" {
		lines = append(lines, "", clean(n.err))
	}
	lines = append(lines, "", startFaint.Render("enter accept   esc quit"))
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, max(1, n.w), "…")
	}
	v := tea.NewView(strings.Join(lines, "\n"))
	v.AltScreen = true
	return v
}

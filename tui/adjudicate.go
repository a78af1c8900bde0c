package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/termimg"
)

// AdjudicationConfig is what the adjudication screen is opened with.
type AdjudicationConfig struct {
	Disputes    Disputes
	Queue       string
	Adjudicator string // recorded with every final decision
	Keys        Keymap // rebinds actions (accept, reject, next, previous, first, last, help, quit)
	// Caps is the terminal's: the picture is drawn in Unicode blocks in its colour profile (every
	// terminal shows them; Protocol None draws a frame instead).
	Caps termimg.Caps
	// Quit is what q and ctrl+c run (nil: tea.Quit, ending the program); loupe serve goes back to its
	// start screen instead.
	Quit tea.Cmd
}

// Adjudication is the reviewer's screen over a queue's disputes (Disputes.Disputes: items whose
// annotators disagree, or that someone flagged): every answer with its reason, the flags and the final
// decision, which a and x record (Disputes.Adjudicate).
type Adjudication struct {
	cfg      AdjudicationConfig
	ctx      context.Context
	disputes []review.Dispute
	texts    map[int64][]review.Text     // the items' captions and prompts, loaded as they are shown
	pics     map[int64]*termimg.Rendered // the items' pictures at the current size, rendered as shown
	pos      int
	w, h     int
	busy     bool
	flash    string
	help     bool
	quit     bool
}

// adjHelp is the adjudication screen's ? overlay.
var adjHelp = []string{
	"loupe review --adjudicate - keys",
	"",
	"  a            final decision: accept (and go to the next dispute)",
	"  x            final decision: reject (and go to the next dispute)",
	"  j, right     next dispute       k, left   previous dispute",
	"  g / G        first / last dispute",
	"  ?            this help (any key closes it)",
	"  q, ctrl+c    quit (every final decision is saved when shown)",
	"",
	"A dispute is an item whose annotators' decisions differ, or that someone flagged (f).",
	"A later a or x replaces the final decision; it is recorded with your annotator name.",
}

type adjSavedMsg struct {
	pos    int
	accept bool
	err    error
}

type adjTextsMsg struct {
	item  int64
	texts []review.Text
	pic   *termimg.Rendered
	box   termimg.Box
}

// NewAdjudication reads the queue's disputes.
func NewAdjudication(ctx context.Context, cfg AdjudicationConfig) (*Adjudication, error) {
	if cfg.Disputes == nil {
		return nil, errors.New("tui: no workspace")
	}
	ds, err := cfg.Disputes.Disputes(ctx, cfg.Queue)
	if err != nil {
		return nil, err
	}
	return &Adjudication{cfg: cfg, ctx: ctx, disputes: ds, texts: map[int64][]review.Text{}, pics: map[int64]*termimg.Rendered{}, w: 80, h: 24}, nil
}

// RunAdjudication opens the adjudication screen on the terminal and returns when the reviewer quits.
func RunAdjudication(ctx context.Context, cfg AdjudicationConfig) error {
	a, err := NewAdjudication(ctx, cfg)
	if err != nil {
		return err
	}
	_, err = tea.NewProgram(a, tea.WithContext(ctx), tea.WithColorProfile(ScreenProfile(cfg.Caps.Profile))).Run()
	return err
}

// Quitting reports whether q was pressed: the screen is closing.
func (a *Adjudication) Quitting() bool { return a.quit }

func (a *Adjudication) quitCmd() tea.Cmd {
	if a.cfg.Quit != nil {
		return a.cfg.Quit
	}
	return tea.Quit
}

// Init loads the first dispute's texts.
func (a *Adjudication) Init() tea.Cmd { return a.loadTexts() }

func (a *Adjudication) loadTexts() tea.Cmd {
	if a.pos >= len(a.disputes) {
		return nil
	}
	id := a.disputes[a.pos].ItemID
	if _, ok := a.texts[id]; ok {
		return nil
	}
	ctx, src, box, caps := a.ctx, a.cfg.Disputes, a.picBox(), a.cfg.Caps
	return func() tea.Msg {
		_, texts, pic, err := src.Content(ctx, id)
		if err != nil && texts == nil {
			return adjTextsMsg{item: id, texts: []review.Text{{Kind: "error", Body: err.Error()}}, box: box}
		}
		return adjTextsMsg{item: id, texts: texts, pic: adjPicture(id, pic, box, caps), box: box}
	}
}

// Update handles keys and the results of store calls.
func (a *Adjudication) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.w, a.h = max(msg.Width, 20), max(msg.Height, 6)
		clear(a.pics) // rendered for the old size
		clear(a.texts)
		return a, a.loadTexts()
	case tea.KeyPressMsg:
		return a, a.key(msg)
	case adjTextsMsg:
		a.texts[msg.item] = msg.texts
		if msg.pic != nil && msg.box == a.picBox() {
			a.pics[msg.item] = msg.pic
		}
	case adjSavedMsg:
		a.busy = false
		if msg.err != nil {
			a.flash = "error: " + cleanLine(msg.err.Error())
			return a, nil
		}
		a.disputes[msg.pos].Final = &msg.accept
		a.flash = "final: " + decisionWord(msg.accept)
		if a.pos == msg.pos && a.pos < len(a.disputes)-1 {
			a.pos++
		}
		return a, a.loadTexts()
	}
	return a, nil
}

func (a *Adjudication) key(k tea.KeyPressMsg) tea.Cmd {
	s := a.cfg.Keys.translate(k.String())
	if s == "ctrl+c" {
		a.quit = true
		return a.quitCmd()
	}
	if a.help {
		a.help = false
		return nil
	}
	switch s {
	case "q":
		a.quit = true
		return a.quitCmd()
	case "?":
		a.help = true
		return nil
	case "a", "x":
		if k.IsRepeat || a.busy || a.pos >= len(a.disputes) {
			return nil
		}
		a.busy = true
		accept, pos, item := s == "a", a.pos, a.disputes[a.pos].ItemID
		ctx, src, who := a.ctx, a.cfg.Disputes, a.cfg.Adjudicator
		return func() tea.Msg {
			err := src.Adjudicate(ctx, item, who, accept)
			return adjSavedMsg{pos: pos, accept: accept, err: err}
		}
	}
	if a.busy {
		return nil
	}
	last := max(0, len(a.disputes)-1)
	switch s {
	case "j", "right", "down":
		a.pos = min(a.pos+1, last)
	case "k", "left", "up":
		a.pos = max(a.pos-1, 0)
	case "g", "home":
		a.pos = 0
	case "G", "end":
		a.pos = last
	default:
		return nil
	}
	a.flash = ""
	return a.loadTexts()
}

func decisionWord(accept bool) string {
	if accept {
		return "accept"
	}
	return "reject"
}

// View draws the current dispute and the status bar.
func (a *Adjudication) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	return v
}

func (a *Adjudication) render() string {
	if a.quit {
		return ""
	}
	var lines []string
	switch {
	case a.help:
		lines = adjHelp
	case len(a.disputes) == 0:
		lines = []string{"no disputes in queue " + cleanLine(a.cfg.Queue) + ": no disagreements and no flags"}
	default:
		d := a.disputes[a.pos]
		box := a.picBox()
		rw := a.w - box.Cols - 1
		var out []string
		for _, l := range a.disputeLines(d, rw) {
			out = append(out, wrap(l, rw)...)
		}
		left := termimg.Frame(min(box.Cols, 30), min(box.Rows, 5), "loading picture...")
		if r := a.pics[d.ItemID]; r != nil {
			left = r.Lines
		}
		left, right := fit(left, box.Cols, a.h-1), fit(out, rw, a.h-1)
		rows := make([]string, a.h-1)
		for i := range rows {
			rows[i] = left[i] + sepStyle.Render("│") + right[i]
		}
		return strings.Join(rows, "\n") + "\n" + a.status()
	}
	var out []string
	for _, l := range lines {
		out = append(out, wrap(l, a.w)...)
	}
	return strings.Join(fit(out, a.w, a.h-1), "\n") + "\n" + a.status()
}

// disputeLines shows one dispute: the item, every annotator's decision and scores side by side, the
// reasons, flags and notes, the final decision, then the item's texts.
func (a *Adjudication) disputeLines(d review.Dispute, w int) []string {
	out := []string{youStyle.Render("item " + cleanLine(d.ExtID)), ""}
	var dims []string // the score dimensions any annotator gave, in the screen's order
	for _, dim := range Dimensions {
		for _, an := range d.Answers {
			if _, ok := an.Scores[dim]; ok {
				dims = append(dims, dim)
				break
			}
		}
	}
	head := fmt.Sprintf("%-14s %-8s", "annotator", "decision")
	for _, dim := range dims {
		head += " " + fmt.Sprintf("%-*s", max(5, len(dim)), dim)
	}
	out = append(out, faint.Render(truncate(head, w)))
	if len(d.Answers) == 0 {
		out = append(out, "  (no decisions)")
	}
	for _, an := range d.Answers {
		l := fmt.Sprintf("%-14s %-8s", truncate(cleanLine(an.Annotator), 14), decisionWord(an.Accept))
		for _, dim := range dims {
			v := "-"
			if x, ok := an.Scores[dim]; ok {
				v = num(x)
			}
			l += " " + fmt.Sprintf("%-*s", max(5, len(dim)), v)
		}
		out = append(out, truncate(l, w))
	}
	section := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		out = append(out, "", statHead.Render(title))
		for _, it := range items {
			out = append(out, wrap("  "+cleanLine(it), w)...)
		}
	}
	var reasons []string
	for _, an := range d.Answers {
		if an.Reason != "" {
			reasons = append(reasons, an.Annotator+": "+an.Reason)
		}
	}
	section("reasons", reasons)
	section("flags", d.Flags)
	section("notes", d.Notes)
	final := "final: none yet (a accept, x reject)"
	if d.Final != nil {
		final = "final: " + decisionWord(*d.Final)
	}
	out = append(out, "", focusStyle.Render(final), "")
	texts, ok := a.texts[d.ItemID]
	if !ok {
		out = append(out, faint.Render("loading texts..."))
	}
	for _, t := range texts {
		out = append(out, kindStyle.Render(cleanLine(t.Kind+" "+t.Lang)))
		out = append(out, wrap(Clean(t.Body), w)...)
	}
	return out
}

// status counts the disputes and those with a final decision.
func (a *Adjudication) status() string {
	final := 0
	for _, d := range a.disputes {
		if d.Final != nil {
			final++
		}
	}
	n, pos := len(a.disputes), a.pos+1
	if n == 0 {
		pos = 0
	}
	left := fmt.Sprintf(" adjudication · %s · %s · %d/%d disputes · final %d/%d",
		cleanLine(a.cfg.Queue), cleanLine(a.cfg.Adjudicator), pos, n, final, n)
	if a.busy {
		left += " · saving…"
	}
	right := " ? help "
	if a.flash != "" {
		right = " " + a.flash + " ·" + right
	}
	if room := a.w - lipgloss.Width(right); lipgloss.Width(left) > room {
		left = padTo(left, max(0, room-1))
	}
	line := left + strings.Repeat(" ", max(1, a.w-lipgloss.Width(left)-lipgloss.Width(right))) + right
	return statusStyle.Render(padTo(line, a.w))
}

// picBox is the picture's column: a third of the width, the height above the status bar.
func (a *Adjudication) picBox() termimg.Box {
	return termimg.Box{Cols: max(12, a.w/3), Rows: max(4, a.h-1)}
}

// adjPicture renders an item's picture in Unicode blocks for the adjudication screen.
func adjPicture(id int64, pic func() ([]byte, error), box termimg.Box, caps termimg.Caps) *termimg.Rendered {
	o := termimg.Options{Protocol: termimg.Blocks, Cell: caps.Cell, Profile: caps.Profile}
	if caps.Protocol == termimg.None {
		o.Protocol = termimg.None
	}
	if !o.Cell.Valid() {
		o.Cell = termimg.DefaultCell
	}
	key := termimg.Key{Source: fmt.Sprintf("item:%d", id), Box: box, Protocol: o.Protocol, Cell: o.Cell, Profile: o.Profile}
	if pic == nil {
		return termimg.Render(key, nil, errors.New("the item has no picture"), nil, false, o)
	}
	b, err := pic()
	if err != nil {
		return termimg.Render(key, nil, err, nil, false, o)
	}
	src, err := termimg.DecodeBytes(b)
	return termimg.Render(key, src, err, nil, false, o)
}

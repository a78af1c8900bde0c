package tui

import (
	"context"
	"errors"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/termimg"
)

// Config is what the review screen is opened with.
type Config struct {
	Session Session
	Blind   bool         // hide judge and pipeline values until the annotator has decided the item
	Caps    termimg.Caps // how pictures are drawn (Protocol None draws a frame instead)
	Start   int          // queue position to open at; -1: where the annotator left off (Session.Resume)
	// Lease hands items out with Session.Lease (also on whenever the queue's Overlap is above 1): the
	// start and every move forward after a decision go to the next item nobody else is working on.
	Lease bool
	// Filter is the filter the session was restricted with (Session.Restrict), in the / prompt's
	// syntax, shown in the status bar; empty: the whole queue.
	Filter string
	// Keys rebinds actions (from the configuration file); nil: the defaults.
	Keys Keymap
	// Judges are the backends the re-judge key offers; Rejudge asks one of them about an item in the
	// background and describes the verdicts it stored. Nil: the key says how to configure one.
	Judges  []string
	Rejudge func(ctx context.Context, itemID int64, backend string) (string, error)
	// Export writes the session's view - its queue and Filter - as FORMAT to PATH in the background and
	// describes what it wrote; nil: the key says it is not available.
	Export func(ctx context.Context, format, path, filter string) (string, error)
	// Steps are the pipeline steps P offers; RerunStep reruns one on an item in the background (its model
	// answer asked again, its outputs replaced) and describes the result. Nil: not available.
	Steps     []string
	RerunStep func(ctx context.Context, itemID int64, step string) (string, error)
	// NoColor draws without colours (bold, faint and reverse only); NO_COLOR in the environment too.
	NoColor bool
	// Pictures shares rendered pictures with other screens of the process (loupe serve); nil: the
	// screen keeps its own cache.
	Pictures *termimg.Caches
	// Quit is what q runs after the pictures are deleted (nil: tea.Quit, ending the program); loupe
	// serve goes back to its start screen instead.
	Quit tea.Cmd
}

// LeaseTTL is how long a leased item stays reserved for the annotator it was handed to.
const LeaseTTL = 10 * time.Minute

// Dimensions are the score dimensions tab moves through, in order.
var Dimensions = []string{"composition", "entity", "text", "imagination", "style", "affection",
	"clarity", "structure", "prism_alignment", "prism_aesthetics"}

// Model is the root of the review screen: it holds the session state and routes messages to the
// panes (image, text, scores, status) and to the text entry mode, which own their keys.
type Model struct {
	cfg   Config
	ctx   context.Context
	ses   Session
	ids   []int64 // the session's items (Session.Items, replaced by a filter)
	posOf map[int64]int

	pos   int               // current queue position
	items map[int]*itemData // loaded items near pos
	state []int8            // per position: 0 undecided, 1 accepted, -1 rejected

	w, h  int
	busy  bool   // a store call is in flight: movement and actions wait
	flash string // the last acknowledgement or error, shown in the status bar
	help  bool
	guide bool // the queue's guidelines overlay (i)
	zoom  bool

	guideScroll int
	dark        bool   // the terminal's background is dark (asked at start; dark until it answers)
	th          *theme // the styles for dark, made on first use
	focusedOn   int64  // the item settleFocus last chose the focus for
	now         func() time.Time
	quit        bool
	done        bool   // leasing: nothing is left for this annotator ("queue done")
	gen         int    // bumped when a filter changes the items: older item loads are dropped
	filt        string // the active filter, in the / prompt's syntax

	started     time.Time
	decidedHere int                // decisions made in this run, for items per minute
	seen        map[int64]struct{} // items shown in this run (Tally)
	aheadPos    int                // the position LeaseAhead reserved (kept loaded), -1: none
	frameStr    string             // the last frame rendered (frame), valid while frameOK
	frameOK     bool
	agreeCount  review.AgreementCount // the annotator's values in force against the judges' (Session.Agreement)
	info        review.SessionInfo    // the session's queue and settings (Session.Info, read at New)
	pending     []tea.KeyPressMsg     // keys typed while a save or the item's load was in flight, in order
	history     []historyEntry        // this run's decisions, latest last (the history strip)

	pickJudge bool // the re-judge key is waiting for a digit choosing the backend
	judging   int  // re-judge calls in flight
	stats     statsScreen

	text   textPane
	scores scoresPane
	image  imagePane
	entry  *entry // non-nil in text entry mode
}

// itemData is one item with its texts (from the workspace and, for dataset rows, the shard).
type itemData struct {
	pos   int
	it    *review.Item
	texts []review.Text
	pic   func() ([]byte, error) // reads its encoded picture (read with its texts for a shard row)
	err   error
}

type itemMsg struct {
	d        *itemData
	prefetch bool
	gen      int
}

// savedMsg reports that a store call returned: only then does the screen acknowledge the key.
type savedMsg struct {
	what     string
	pos      int           // the item's position
	advance  bool          // move to the next item
	undone   review.Undone // Undo: what it withdrew (Item 0: nothing to undo)
	undo     bool
	walk     bool   // U: move to the undone item
	ext      string // the item's external id
	hasState bool   // the decision in force at statePos is now stateVal
	statePos int
	stateVal int8
	leased   bool // advance: next is the position Session.Lease handed out (-1: queue done)
	next     int
	err      error
}

// New returns the review screen's model. It reads the decisions so far and, with Start -1, resumes
// where the annotator left off.
func New(ctx context.Context, cfg Config) (*Model, error) {
	if cfg.Session == nil {
		return nil, errors.New("tui: no session")
	}
	m := &Model{cfg: cfg, ctx: ctx, ses: cfg.Session, ids: cfg.Session.Items(), items: map[int]*itemData{}, seen: map[int64]struct{}{}, aheadPos: -1,
		w: 80, h: 24, started: time.Now(), text: textPane{lang: "en"}, filt: cfg.Filter, info: cfg.Session.Info(), dark: true, now: time.Now}
	m.posOf = positions(m.ids)
	st, err := cfg.Session.States(ctx)
	if err != nil {
		return nil, err
	}
	m.state = st
	m.pos = cfg.Start
	switch {
	case m.pos < 0 && m.leasing():
		if m.pos, err = cfg.Session.Lease(ctx, LeaseTTL); err != nil {
			return nil, err
		}
		if m.pos < 0 {
			m.done, m.pos = true, 0
		}
	case m.pos < 0:
		if m.pos, err = cfg.Session.Resume(ctx); err != nil {
			return nil, err
		}
	}
	m.pos = min(m.pos, max(0, len(m.ids)-1))
	m.image = newImagePane(cfg.Caps, cfg.Pictures)
	if m.info.Guidelines != "" && !slices.ContainsFunc(m.state, func(s int8) bool { return s != 0 }) {
		m.guide = true // a queue's instructions open on one's first entry
	}
	return m, nil
}

// Init loads the first item and the annotator's agreement so far.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.loadCur(), m.agreeCmd(), tea.RequestBackgroundColor, m.leaseAhead())
}

// aheadMsg carries the position LeaseAhead reserved (-1: none).
type aheadMsg struct {
	pos, gen int
	err      error
}

// leaseAhead reserves, in lease mode, the item the next decision leads to and prepares it (its texts
// and picture) while the annotator works on the current one.
func (m *Model) leaseAhead() tea.Cmd {
	if !m.leasing() || m.done || m.pos >= len(m.ids) {
		return nil
	}
	ctx, ses, cur, gen := m.ctx, m.ses, m.ids[m.pos], m.gen
	return func() tea.Msg {
		p, err := ses.LeaseAhead(ctx, LeaseTTL, cur)
		return aheadMsg{pos: p, gen: gen, err: err}
	}
}

// ahead prefetches the reserved item (a failed reservation costs only the prefetch).
func (m *Model) ahead(msg aheadMsg) tea.Cmd {
	if msg.err != nil || msg.gen != m.gen || msg.pos < 0 || msg.pos >= len(m.ids) || msg.pos == m.pos {
		return nil
	}
	m.aheadPos = msg.pos
	if _, ok := m.items[msg.pos]; ok {
		return nil
	}
	return m.loadCmd(msg.pos, true)
}

// agreeMsg carries Session.Agreement.
type agreeMsg struct {
	n   review.AgreementCount
	err error
}

func (m *Model) agreeCmd() tea.Cmd {
	ses, ctx := m.ses, m.ctx
	return func() tea.Msg {
		n, err := ses.Agreement(ctx)
		return agreeMsg{n: n, err: err}
	}
}

// blocked reports whether keys must wait: a store call is in flight, or the current item is loading.
func (m *Model) blocked() bool {
	return m.busy || (len(m.ids) > 0 && m.cur() == nil)
}

// maxPending bounds the keys kept while blocked (a held key cannot fill memory).
const maxPending = 512

// drainKeys applies the keys typed while the screen was blocked, in order, until it blocks again.
func (m *Model) drainKeys() tea.Cmd {
	var cmds []tea.Cmd
	for len(m.pending) > 0 && !m.blocked() && !m.quit {
		k := m.pending[0]
		m.pending = m.pending[1:]
		cmds = append(cmds, m.handleKey(k))
	}
	return tea.Batch(cmds...)
}

// cur returns the loaded item at the current position, or nil while it loads.
func (m *Model) cur() *itemData { return m.items[m.pos] }

func (m *Model) loadCmd(pos int, prefetch bool) tea.Cmd {
	if pos < 0 || pos >= len(m.ids) {
		return nil
	}
	ses, id, ctx, gen := m.ses, m.ids[pos], m.ctx, m.gen
	return func() tea.Msg {
		return itemMsg{d: loadItem(ctx, ses, pos, id), prefetch: prefetch, gen: gen}
	}
}

// loadCur loads the current item unless it is loaded, and its neighbours in the background.
func (m *Model) loadCur() tea.Cmd {
	var cmds []tea.Cmd
	if d := m.cur(); d != nil {
		m.settleFocus(d)
		if !m.small() && !m.overlaid() {
			cmds = append(cmds, m.image.show(m, d))
		}
	} else {
		cmds = append(cmds, m.loadCmd(m.pos, false))
	}
	for _, p := range []int{m.pos + 1, m.pos - 1} {
		if _, ok := m.items[p]; !ok {
			cmds = append(cmds, m.loadCmd(p, true))
		}
	}
	for p := range m.items {
		if (p < m.pos-3 || p > m.pos+3) && p != m.aheadPos {
			delete(m.items, p)
		}
	}
	return tea.Batch(cmds...)
}

// loadItem reads the item at a position with its texts (Session.Content).
func loadItem(ctx context.Context, ses Session, pos int, id int64) *itemData {
	d := &itemData{pos: pos}
	d.it, d.texts, d.pic, d.err = ses.Content(ctx, id)
	return d
}

// imageLoader decodes an item's picture: the bytes read with its shard row, or its file.
func imageLoader(d *itemData) termimg.Loader {
	pic := d.pic
	return func(context.Context) (*termimg.Source, error) {
		if pic == nil {
			return nil, errors.New("the item has no picture")
		}
		b, err := pic()
		if err != nil {
			return nil, err
		}
		return termimg.DecodeBytes(b)
	}
}

// Update routes a message: keys go to the entry mode or overlay that has them, else to the root's
// keys; results of background work update the state.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.frameOK = false // any message may change what the screen shows
	_, cmd := m.update(msg)
	m.frameOK = false
	return m, tea.Batch(cmd, m.image.afterUpdate(m))
}

// frame is the screen as render draws it, rendered once per update: the image pane's damage check and
// View share it (rendering is most of a screen's CPU with many sessions in one process).
func (m *Model) frame() string {
	if !m.frameOK {
		m.frameStr, m.frameOK = m.render(), true
	}
	return m.frameStr
}

// update does Update's work; Update then has the image pane draw a raw picture again when the frame
// repainted rows under it.
func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		w, h := max(msg.Width, 1), max(msg.Height, 1)
		if w == m.w && h == m.h && m.image.shown != nil {
			return m, nil // told the size it has (loupe serve tells each screen): no new layout
		}
		m.w, m.h = w, h
		m.image.invalidate()
		if m.small() {
			return m, m.image.hide()
		}
		if d := m.cur(); d != nil {
			return m, m.image.show(m, d)
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m.dark, m.th = msg.IsDark(), nil
		return m, nil
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" {
			return m, m.quitCmd()
		}
		if len(m.pending) > 0 || m.blocked() {
			// kept, not dropped: applied in order once the save returned or the item is loaded
			if len(m.pending) < maxPending {
				m.pending = append(m.pending, msg)
			}
			return m, nil
		}
		return m, m.handleKey(msg)
	case tea.PasteMsg:
		if m.entry != nil && !m.entry.picking {
			m.entry.add(msg.Content)
		}
		return m, nil
	case itemMsg:
		if msg.gen != m.gen || msg.d.pos < 0 || msg.d.pos >= len(m.ids) {
			return m, nil
		}
		m.items[msg.d.pos] = msg.d
		if msg.d.pos == m.pos {
			m.settleFocus(msg.d)
			if m.overlaid() {
				return m, m.drainKeys()
			}
			return m, tea.Batch(m.image.show(m, msg.d), m.drainKeys())
		}
		if msg.d.it != nil {
			m.image.prefetch(m, msg.d)
		}
		return m, nil
	case aheadMsg:
		return m, m.ahead(msg)
	case savedMsg:
		cmd := m.saved(msg)
		return m, tea.Batch(cmd, m.agreeCmd(), m.drainKeys())
	case jumpMsg:
		if msg.err != nil {
			m.flash = "jump: " + cleanLine(msg.err.Error())
			return m, nil
		}
		m.move(msg.pos)
		m.flash = ""
		return m, m.loadCur()
	case agreeMsg:
		if msg.err == nil {
			m.agreeCount = msg.n
		}
		return m, nil
	case judgedMsg:
		return m, m.judged(msg)
	case statsMsg, statsTick:
		return m, m.statsUpdate(msg)
	case exportedMsg:
		m.flash = msg.text
		return m, nil
	case stepMsg:
		m.flash = msg.text
		for p, d := range m.items { // reload the item so its new outputs show
			if d.it != nil && d.it.ID == msg.item {
				delete(m.items, p)
				if p == m.pos {
					return m, m.loadCmd(p, false)
				}
			}
		}
		return m, nil
	case filterMsg:
		return m, tea.Batch(m.filtered(msg), m.drainKeys())
	case imageMsg, rawMsg:
		return m, m.image.update(m, msg)
	}
	return m, nil
}

// Tally is what one run of the screen did: distinct items shown, decisions made (less those undone).
type Tally struct{ Items, Decisions int }

// Tally counts what this run did so far (loupe serve logs it per session). Call it from the program's
// goroutine or after the program ended.
func (m *Model) Tally() Tally { return Tally{Items: len(m.seen), Decisions: m.decidedHere} }

// Quitting reports whether q was pressed: the screen is closing (keys typed now belong to what comes
// after it).
func (m *Model) Quitting() bool { return m.quit }

func (m *Model) quitCmd() tea.Cmd {
	m.quit = true
	quit := tea.Quit
	if m.cfg.Quit != nil {
		quit = m.cfg.Quit
	}
	return tea.Sequence(m.image.cleanup(), quit)
}

// move goes to queue position p (clamped), resetting the per-item view state.
func (m *Model) move(p int) {
	p = max(0, min(p, len(m.ids)-1))
	if p != m.pos {
		m.pos = p
		m.text.scroll = 0
	}
}

// counts returns decided, accepted and rejected in the queue.
func (m *Model) counts() (dec, acc, rej int) {
	for _, s := range m.state {
		switch s {
		case 1:
			acc++
		case -1:
			rej++
		}
	}
	return acc + rej, acc, rej
}

// blind reports whether judge and pipeline values are hidden until the item is decided (--blind, or
// the queue's setting).
func (m *Model) blind() bool { return m.cfg.Blind || m.info.Blind }

// decided reports whether the annotator has a decision in force on the current item.
func (m *Model) decided() bool { return m.pos < len(m.state) && m.state[m.pos] != 0 }

// revealed reports whether machine values may be shown for the current item.
func (m *Model) revealed() bool { return !m.blind() || m.decided() }

// othersShown reports whether other annotators' answers and the ground truth may be shown on the
// current item: in overlap mode only after one's own decision (independent answers), unless the
// queue or --show-others allows it.
func (m *Model) othersShown() bool {
	return m.info.Overlap <= 1 || m.info.ShowOthers || m.decided()
}

// overlaid reports whether an overlay (help, statistics, guidelines) covers the screen: the picture
// waits until it closes.
func (m *Model) overlaid() bool { return m.help || m.guide || m.stats.open }

// closeOverlay closes the help or guidelines and draws the picture again.
func (m *Model) closeOverlay() tea.Cmd {
	m.help, m.guide = false, false
	m.image.invalidate()
	if d := m.cur(); d != nil && !m.small() {
		return m.image.show(m, d)
	}
	return nil
}

package tui

import (
	"context"
	"errors"
	"math"
	"runtime/debug"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/termimg"
)

// PairSession is what the comparison screen needs from the workspace: one annotator's session on one
// pair queue. Every write commits before it returns (the screen acknowledges a key only then). The
// screen calls it from background commands, one write at a time, beside reads of pairs and pictures.
// workspace.PairSession implements it; tests give the screen a fake.
type PairSession interface {
	Info() review.PairInfo
	// Lease hands out the next pair to answer for ttl (-1: none is left), leaving except out (-1: none);
	// with except = the pair on screen it reserves the one after it.
	Lease(ctx context.Context, ttl time.Duration, except int) (int, error)
	// Pair reads the pair at a position; Picture an item's encoded picture.
	Pair(ctx context.Context, pos int) (review.Pair, error)
	Picture(ctx context.Context, item int64) ([]byte, error)
	// Choose records a choice on one dimension of a pair, sides as the pair shows them; a first answer
	// on a pair that has the queue's overlap of other people's answers is refused.
	Choose(ctx context.Context, pos int, dimension string, c review.Choice) error
	// Undo withdraws the annotator's latest choice in force on a pair (an error when there is none).
	Undo(ctx context.Context, pos int) (review.PairUndone, error)
	// Mark records a note, flag or skip (kind) with its text on a pair.
	Mark(ctx context.Context, pos int, kind, text string) error
	// Choices are the annotator's choices in force on a pair, by dimension; Notes their notes, flags
	// and skips on it ("kind: text").
	Choices(ctx context.Context, pos int) (map[string]review.Choice, error)
	Notes(ctx context.Context, pos int) ([]string, error)
	Progress(ctx context.Context) (review.PairProgress, error)
	// Reveal is what a blind queue hides until the pair is answered: models, judges, others.
	Reveal(ctx context.Context, pos int) (review.PairReveal, error)
}

// CompareConfig is what the comparison screen (a pair queue's review screen) is opened with.
type CompareConfig struct {
	Session PairSession
	Caps    termimg.Caps // how pictures are drawn (Protocol None draws frames instead)
	// NoColor draws without colours (bold, faint and reverse only); NO_COLOR in the environment too.
	NoColor bool
	// Pictures shares rendered pictures with other screens of the process; nil: the screen keeps its own.
	Pictures *termimg.Caches
	// Quit is what q runs after the pictures are deleted (nil: tea.Quit).
	Quit tea.Cmd
}

// pairData is one pair with the annotator's answers on it (and, once revealed, what the queue hid).
type pairData struct {
	p       review.Pair
	choices map[string]review.Choice
	notes   []string
	reveal  *review.PairReveal // nil until loaded (blind: until answered on every dimension)
	err     error
}

// Compare is the comparison screen: the prompt on top, two models' pictures of it side by side, and the
// annotator's choice per dimension of the queue. Pairs come from PairSession.Lease; the next one is
// reserved and prepared (pair and both pictures) while the annotator looks at the current one.
type Compare struct {
	cfg  CompareConfig
	ctx  context.Context
	ses  PairSession
	info review.PairInfo

	chosen  int               // choices stored on this screen (Tally)
	pairs   map[int]*pairData // loaded pairs: those seen this session and the one reserved ahead
	loading map[int]bool      // pair loads in flight
	seen    []int             // positions shown this session, in order (j/k move through them)
	at      int               // index into seen of the pair on screen
	ahead   int               // the position reserved next (-1: none; aheadAsking: being asked)
	focus   int               // the dimension the next choice is for (index into info.Dimensions)
	done    bool              // nothing is left for this annotator (the "queue done" screen)
	last    *lastPair         // the latest pair answered in full, shown as one line (its reveal)

	progress review.PairProgress
	w, h     int
	busy     bool              // a write or a lease is in flight: keys wait
	pending  []tea.KeyPressMsg // keys typed while busy or while the pair loads, in order
	flash    string
	help     bool
	quit     bool
	dark     bool
	th       *theme
	entry    *cmpEntry // the note or flag prompt (every key edits it)
	pics     cmpPictures
	frameStr string
	frameOK  bool
}

// lastPair is the previous pair answered in full this session, with its reveal.
type lastPair struct {
	pos     int
	choices map[string]review.Choice
	reveal  *review.PairReveal
}

const aheadAsking = -2

// NewCompare returns the comparison screen's model: it leases the first pair (Lease, 10 minutes).
func NewCompare(ctx context.Context, cfg CompareConfig) (*Compare, error) {
	if cfg.Session == nil {
		return nil, errors.New("tui: no pair session")
	}
	m := &Compare{cfg: cfg, ctx: ctx, ses: cfg.Session, info: cfg.Session.Info(), pairs: map[int]*pairData{}, loading: map[int]bool{},
		ahead: -1, w: 80, h: 24, dark: true}
	if len(m.info.Dimensions) == 0 {
		m.info.Dimensions = []string{review.PairDimensionOverall}
	}
	pos, err := cfg.Session.Lease(ctx, LeaseTTL, -1)
	if err != nil {
		return nil, err
	}
	if pos < 0 {
		m.done = true
	} else {
		m.seen = []int{pos}
	}
	m.pics = newCmpPictures(cfg.Caps, cfg.Pictures)
	return m, nil
}

// RunCompare opens the comparison screen on the terminal and returns when the annotator quits. Every
// choice is committed by the time the screen showed it.
func RunCompare(ctx context.Context, cfg CompareConfig) error {
	m, err := NewCompare(ctx, cfg)
	if err != nil {
		return err
	}
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		debug.SetMemoryLimit(memoryLimit)
	}
	defer m.Close()
	_, err = tea.NewProgram(m, tea.WithContext(ctx), tea.WithColorProfile(ScreenProfile(m.pics.opts.Profile))).Run()
	return err
}

// Tally counts what this screen did so far: the pairs shown and the choices stored (loupe serve logs
// them per session). Call it from the program's goroutine or after the program ended.
func (m *Compare) Tally() Tally { return Tally{Items: len(m.seen), Decisions: m.chosen} }

// Close stops the picture cache's worker (unless it is shared): call it once the program has ended.
func (m *Compare) Close() {
	if !m.pics.shared {
		m.pics.cache.Close()
	}
}

// cur is the position on screen (-1 when none).
func (m *Compare) cur() int {
	if m.done || len(m.seen) == 0 {
		return -1
	}
	return m.seen[m.at]
}

// curData is the loaded pair on screen, nil while it loads.
func (m *Compare) curData() *pairData { return m.pairs[m.cur()] }

// latest reports whether the pair on screen is the newest one handed out this session.
func (m *Compare) latest() bool { return m.at == len(m.seen)-1 }

// complete reports whether the annotator answered d on every dimension of the queue.
func (m *Compare) complete(d *pairData) bool {
	if d == nil || d.err != nil {
		return false
	}
	for _, dim := range m.info.Dimensions {
		if !d.choices[dim].Valid() {
			return false
		}
	}
	return true
}

// revealed reports whether what a blind queue hides may be shown for d.
func (m *Compare) revealed(d *pairData) bool { return !m.info.Blind || m.complete(d) }

// Messages of the screen's background work.
type (
	// cmpPairMsg carries a loaded pair.
	cmpPairMsg struct {
		pos int
		d   *pairData
	}
	// cmpAheadMsg carries the position reserved after pair from (-1: none).
	cmpAheadMsg struct {
		pos, from int
		err       error
	}
	// cmpLeasedMsg carries the pair Lease handed out when the screen moved on (-1: queue done).
	cmpLeasedMsg struct {
		pos  int
		what string
		err  error
	}
	// cmpSavedMsg reports a write that returned: only then is the key acknowledged.
	cmpSavedMsg struct {
		pos     int
		what    string
		advance bool // move on (a skip)
		choice  bool // a choice: focus the next unanswered dimension, or move on
		dim     string
		undo    bool
		choices map[string]review.Choice
		notes   []string
		reveal  *review.PairReveal
		err     error
	}
	cmpProgressMsg struct {
		p   review.PairProgress
		err error
	}
)

// Init loads the first pair, reserves the next one and reads the progress.
func (m *Compare) Init() tea.Cmd {
	if m.done {
		return tea.Batch(m.progressCmd(), tea.RequestBackgroundColor)
	}
	return tea.Batch(m.loadCmd(m.cur()), m.leaseAhead(), m.progressCmd(), tea.RequestBackgroundColor)
}

// loadCmd reads a pair, the annotator's answers and notes on it and, when it is revealed, the reveal.
func (m *Compare) loadCmd(pos int) tea.Cmd {
	if pos < 0 || m.loading[pos] {
		return nil
	}
	m.loading[pos] = true
	ctx, ses, blind, dims := m.ctx, m.ses, m.info.Blind, m.info.Dimensions
	return func() tea.Msg {
		d := &pairData{}
		if d.p, d.err = ses.Pair(ctx, pos); d.err != nil {
			return cmpPairMsg{pos, d}
		}
		if d.choices, d.err = ses.Choices(ctx, pos); d.err != nil {
			return cmpPairMsg{pos, d}
		}
		if d.notes, d.err = ses.Notes(ctx, pos); d.err != nil {
			return cmpPairMsg{pos, d}
		}
		answered := true
		for _, dim := range dims {
			answered = answered && d.choices[dim].Valid()
		}
		if !blind || answered {
			rv, err := ses.Reveal(ctx, pos)
			if err != nil {
				d.err = err
			} else {
				d.reveal = &rv
			}
		}
		return cmpPairMsg{pos, d}
	}
}

// leaseAhead reserves the pair after the newest one on screen so moving on is immediate.
func (m *Compare) leaseAhead() tea.Cmd {
	if m.done || len(m.seen) == 0 || m.ahead == aheadAsking {
		return nil
	}
	from := m.seen[len(m.seen)-1]
	m.ahead = aheadAsking
	ctx, ses := m.ctx, m.ses
	return func() tea.Msg {
		p, err := ses.Lease(ctx, LeaseTTL, from)
		return cmpAheadMsg{pos: p, from: from, err: err}
	}
}

func (m *Compare) progressCmd() tea.Cmd {
	ctx, ses := m.ctx, m.ses
	return func() tea.Msg {
		p, err := ses.Progress(ctx)
		return cmpProgressMsg{p, err}
	}
}

// blocked reports whether keys must wait: a write is in flight or the pair on screen is loading.
func (m *Compare) blocked() bool {
	return m.busy || (m.cur() >= 0 && m.curData() == nil)
}

// drainKeys applies the keys typed while the screen was blocked, in order, until it blocks again.
func (m *Compare) drainKeys() tea.Cmd {
	var cmds []tea.Cmd
	for len(m.pending) > 0 && !m.blocked() && !m.quit {
		k := m.pending[0]
		m.pending = m.pending[1:]
		cmds = append(cmds, m.handleKey(k))
	}
	return tea.Batch(cmds...)
}

// Update routes a message: keys to the prompt, the overlay or the screen's keys (queued while blocked),
// results of background work to the state.
func (m *Compare) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.frameOK = false
	cmd := m.update(msg)
	m.frameOK = false
	return m, tea.Batch(cmd, m.pics.afterUpdate(m))
}

func (m *Compare) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		w, h := max(msg.Width, 1), max(msg.Height, 1)
		if w == m.w && h == m.h && m.pics.shownAll() {
			return nil
		}
		m.w, m.h = w, h
		m.pics.invalidate()
		return m.showCur()
	case tea.BackgroundColorMsg:
		m.dark, m.th = msg.IsDark(), nil
		return nil
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" {
			return m.quitCmd()
		}
		if len(m.pending) > 0 || m.blocked() {
			if len(m.pending) < maxPending { // kept, not dropped: applied in order once unblocked
				m.pending = append(m.pending, msg)
			}
			return nil
		}
		return m.handleKey(msg)
	case tea.PasteMsg:
		if m.entry != nil {
			m.entry.add(msg.Content)
		}
		return nil
	case cmpPairMsg:
		delete(m.loading, msg.pos)
		m.pairs[msg.pos] = msg.d
		if msg.pos == m.cur() {
			m.settleFocus()
			return tea.Batch(m.showCur(), m.drainKeys())
		}
		return m.pics.prefetch(m, msg.d)
	case cmpAheadMsg:
		return m.aheadArrived(msg)
	case cmpLeasedMsg:
		m.busy = false
		if msg.err != nil {
			m.flash = "error: " + cleanLine(msg.err.Error())
			return m.drainKeys()
		}
		m.flash = msg.what
		return tea.Batch(m.enter(msg.pos), m.drainKeys())
	case cmpSavedMsg:
		return tea.Batch(m.saved(msg), m.progressCmd(), m.drainKeys())
	case cmpProgressMsg:
		if msg.err == nil {
			m.progress = msg.p
		}
		return nil
	case cmpImageMsg, cmpRawMsg:
		return m.pics.update(m, msg)
	}
	return nil
}

// aheadArrived keeps the reserved position (dropping an answer for a pair no longer the newest) and
// prepares the pair.
func (m *Compare) aheadArrived(msg cmpAheadMsg) tea.Cmd {
	if m.ahead == aheadAsking {
		m.ahead = -1
	}
	if m.done || len(m.seen) == 0 {
		return nil
	}
	if msg.from != m.seen[len(m.seen)-1] { // the screen moved on meanwhile: reserve after the newest
		return m.leaseAhead()
	}
	if msg.err != nil || msg.pos < 0 || msg.pos == m.cur() {
		return nil
	}
	m.ahead = msg.pos
	if _, ok := m.pairs[msg.pos]; ok {
		return m.pics.prefetch(m, m.pairs[msg.pos])
	}
	return m.loadCmd(msg.pos)
}

// settleFocus puts the focus on the first dimension the pair on screen has no answer on.
func (m *Compare) settleFocus() {
	d := m.curData()
	m.focus = 0
	if d == nil {
		return
	}
	for i, dim := range m.info.Dimensions {
		if !d.choices[dim].Valid() {
			m.focus = i
			return
		}
	}
}

// enter makes pos the newest pair on screen (pos < 0: the queue is done) and reserves the next.
func (m *Compare) enter(pos int) tea.Cmd {
	if pos < 0 {
		m.done = true
		m.flash = joinFlash(m.flash, "queue done")
		return m.pics.hide()
	}
	m.done = false
	if i := slices.Index(m.seen, pos); i >= 0 { // a pair skipped earlier comes back: it moves to the end
		m.seen = slices.Delete(m.seen, i, i+1)
	}
	m.seen = append(m.seen, pos)
	m.at = len(m.seen) - 1
	if m.ahead == pos {
		m.ahead = -1
	}
	m.settleFocus()
	var load tea.Cmd
	if _, ok := m.pairs[pos]; !ok {
		load = m.loadCmd(pos)
	}
	m.trim()
	return tea.Batch(load, m.showCur(), m.leaseAhead())
}

// trim forgets loaded pairs far behind (their pictures stay in the cache while it has room).
func (m *Compare) trim() {
	keep := map[int]bool{m.ahead: true}
	for _, p := range m.seen[max(0, len(m.seen)-50):] {
		keep[p] = true
	}
	for p := range m.pairs {
		if !keep[p] {
			delete(m.pairs, p)
		}
	}
}

// moveTo shows the pair seen[i].
func (m *Compare) moveTo(i int) tea.Cmd {
	m.at = max(0, min(i, len(m.seen)-1))
	m.done = false
	m.settleFocus()
	var load tea.Cmd
	if _, ok := m.pairs[m.cur()]; !ok {
		load = m.loadCmd(m.cur())
	}
	return tea.Batch(load, m.showCur())
}

// advance moves on from the pair on screen: to the next one seen, else to the reserved one, else asks
// Lease (the screen waits for it).
func (m *Compare) advance(what string) tea.Cmd {
	if m.done {
		return nil
	}
	if !m.latest() {
		m.flash = what
		return m.moveTo(m.at + 1)
	}
	if m.ahead >= 0 && m.ahead != m.cur() && !m.complete(m.pairs[m.ahead]) {
		m.flash = what
		return m.enter(m.ahead)
	}
	m.busy = true
	ctx, ses, from := m.ctx, m.ses, m.cur()
	return func() tea.Msg {
		p, err := ses.Lease(ctx, LeaseTTL, from)
		return cmpLeasedMsg{pos: p, what: what, err: err}
	}
}

// Quitting reports whether q was pressed.
func (m *Compare) Quitting() bool { return m.quit }

func (m *Compare) quitCmd() tea.Cmd {
	m.quit = true
	quit := tea.Quit
	if m.cfg.Quit != nil {
		quit = m.cfg.Quit
	}
	return tea.Sequence(m.pics.cleanup(), quit)
}

// showCur asks for both pictures of the pair on screen at the current layout.
func (m *Compare) showCur() tea.Cmd {
	if m.small() || m.help || m.done {
		return m.pics.hide()
	}
	return m.pics.show(m, m.curData())
}

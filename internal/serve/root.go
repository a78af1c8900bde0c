package serve

import (
	"context"
	"errors"
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/tui"
)

// root is a session's one program: the start screen and the screen opened from it (review,
// adjudication, team view) take turns inside it, so no key typed while one closes and the next opens
// is lost (a program's input reader keeps what it read when it ends).
type root struct {
	s      *Server
	se     *session
	ctx    context.Context
	cur    tea.Model
	review tallied // the review or comparison screen while it is open (tallied and closed when left)
	size   tea.WindowSizeMsg
	last   string // the queue chosen last: the start screen comes back on it
	// keys typed while the current screen closes: the next screen gets them, in order
	pending []tea.Msg
}

// closing is a screen that knows it is closing (its quit key was pressed, the switch not yet made).
type closing interface{ Quitting() bool }

func newRoot(ctx context.Context, s *Server, se *session) *root {
	r := &root{s: s, se: se, ctx: ctx, size: tea.WindowSizeMsg{Width: se.pty.Window.Width, Height: se.pty.Window.Height}}
	r.cur = r.startScreen("")
	return r
}

func (r *root) startScreen(flash string) *startScreen {
	st := newStartScreen(r.ctx, r.se.who, func(ctx context.Context) ([]QueueRow, error) { return r.s.queueRows(ctx, r.se.who) }, r.last)
	st.flash = flash
	return st
}

func (r *root) Init() tea.Cmd { return r.cur.Init() }

func (r *root) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg: // (stopMsg and the idle clock: guarded, which wraps every session program)
		if c, ok := r.cur.(closing); ok && c.Quitting() {
			r.pending = append(r.pending, msg)
			return r, nil
		}
	case tea.WindowSizeMsg:
		r.size = msg
	case chooseMsg:
		m, err := r.open(msg.c)
		if err != nil {
			r.s.opts.Logf("%s", logLine("event", "error", "name", r.se.who.Name, "from", r.se.from, "queue", msg.c.queue, "error", err))
			return r, r.switchTo(r.startScreen("error: " + clean(err.Error())))
		}
		return r, r.switchTo(m)
	case backMsg:
		r.leave()
		return r, r.switchTo(r.startScreen(""))
	}
	m, cmd := r.cur.Update(msg)
	r.cur = m
	return r, cmd
}

func (r *root) View() tea.View { return r.cur.View() }

// switchTo shows m: the whole screen is repainted (a sixel picture stays on the cells until text
// covers them) and m learns the window's size.
func (r *root) switchTo(m tea.Model) tea.Cmd {
	r.cur = m
	size := r.size
	cmds := []tea.Cmd{tea.ClearScreen, func() tea.Msg { return size }}
	for _, k := range r.pending {
		cmds = append(cmds, func() tea.Msg { return k })
	}
	r.pending = nil
	// Init apart: a sequence waits for each command, and Init's may be a slow tick
	return tea.Batch(tea.Sequence(cmds...), m.Init())
}

// tallied is a screen whose work the session's end log line counts.
type tallied interface {
	Tally() tui.Tally
	Close()
}

// leave closes the review screen, if one is open, and counts what was done on it.
func (r *root) leave() {
	if r.review == nil {
		return
	}
	t := r.review.Tally()
	r.se.decisions += t.Decisions
	r.se.items += t.Items
	r.review.Close()
	r.review = nil
}

// open makes the screen the start screen chose, after checking again that the person may use it.
func (r *root) open(c choice) (tea.Model, error) {
	s, se, ctx := r.s, r.se, r.ctx
	allowed, err := s.allowedQueues(ctx, se.who)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(allowed, c.queue) {
		return nil, fmt.Errorf("queue %s is not yours to review", c.queue)
	}
	r.last = c.queue
	if !slices.Contains(se.queues, c.queue) {
		se.queues = append(se.queues, c.queue)
	}
	switch c.what {
	case doReview:
		if s.opts.OpenPairs != nil {
			pc, err := s.opts.OpenPairs(ctx, se.who, c.queue)
			if err != nil {
				return nil, err
			}
			if pc != nil {
				pc.Caps, pc.Quit, pc.Pictures = se.caps, back, s.pics
				if getenv(se.env)("NO_COLOR") != "" {
					pc.NoColor = true
				}
				m, err := tui.NewCompare(ctx, *pc)
				if err != nil {
					return nil, err
				}
				r.review = m
				return m, nil
			}
		}
		cfg, err := s.opts.Open(ctx, se.who, c.queue)
		if err != nil {
			return nil, err
		}
		cfg.Caps = se.caps
		if getenv(se.env)("NO_COLOR") != "" {
			cfg.NoColor = true
		}
		// What runs on the server's disk or budget is not the client's to start: export writes files
		// on the server (use loupe export there); re-judging and pipeline steps spend API money (leads).
		cfg.Export = nil
		if se.who.Role != RoleLead {
			cfg.Judges, cfg.Rejudge, cfg.Steps, cfg.RerunStep = nil, nil, nil, nil
		}
		cfg.Quit, cfg.Pictures = back, s.pics
		m, err := tui.New(ctx, cfg)
		if err != nil {
			return nil, err
		}
		r.review = m
		return m, nil
	case doAdjudicate:
		if se.who.Role != RoleLead || s.opts.Adjudicate == nil {
			return nil, errors.New("adjudication is for leads")
		}
		cfg, err := s.opts.Adjudicate(ctx, se.who.Name, c.queue)
		if err != nil {
			return nil, err
		}
		cfg.Caps, cfg.Quit = se.caps, back
		return tui.NewAdjudication(ctx, cfg)
	case doTeam:
		if se.who.Role != RoleLead || s.opts.Team == nil {
			return nil, errors.New("the team view is for leads")
		}
		return &teamView{ctx: ctx, queue: c.queue, report: s.opts.Team, w: r.size.Width, h: r.size.Height}, nil
	}
	return nil, fmt.Errorf("nothing to open for %q", c.what)
}

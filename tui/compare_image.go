package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/termimg"
)

// cmpPictures draws a pair's two pictures through a termimg cache, as the review screen's image pane
// does for one: text blocks and kitty placeholders are part of the frame; sixel, iTerm2 and placed kitty
// pictures are drawn over blank cells after the frame (tea.Raw, at each side's cell), wiped before the
// next pair's are drawn, drawn again after a frame that repainted their rows, and a layout change
// clears the screen.
type cmpPictures struct {
	opts   termimg.Options
	ids    *termimg.KittyIDs
	cache  *termimg.Cache
	shared bool

	want     [2]termimg.Key       // the renderings the screen wants now (left, right)
	shown    [2]*termimg.Rendered // the renderings in the frame (nil while rendering)
	drawn    [2]*termimg.Rendered // raw pictures on the terminal, to wipe before the next
	at       [2][2]int            // where each raw picture was drawn: 1-based column and row
	relayout bool
	sent     map[uint64]bool
	frame    []string // the frame's rows when the raw pictures were drawn or last checked
	gen      int
}

// cmpImageMsg carries one side's rendering.
type cmpImageMsg struct {
	key termimg.Key
	r   *termimg.Rendered
}

// cmpRawMsg asks to draw the shown raw pictures, a moment after the frame that holds their blank cells.
type cmpRawMsg struct{ gen int }

// cmpCacheBytes bounds the rendered pictures kept: the pair on screen, the one reserved next and a few
// behind.
const cmpCacheBytes = 24 << 20

func newCmpPictures(c termimg.Caps, shared *termimg.Caches) cmpPictures {
	pc := newPictureCache(c, shared, cmpCacheBytes, 2)
	return cmpPictures{opts: pc.opts, ids: pc.ids, cache: pc.cache, shared: pc.shared, sent: map[uint64]bool{}}
}

// keys are the renderings of d's two pictures (left, right) in the current layout's boxes.
func (p *cmpPictures) keys(m *Compare, d *pairData) [2]termimg.Key {
	box := m.layout().box
	var ks [2]termimg.Key
	for i, side := range [2]int64{d.p.Left().Item, d.p.Right().Item} {
		ks[i] = termimg.Key{Source: fmt.Sprintf("item:%d", side), Box: box, Protocol: p.opts.Protocol, Cell: p.opts.Cell, Profile: p.opts.Profile}
	}
	return ks
}

// loader decodes an item's picture read through the session.
func (m *Compare) loader(item int64) termimg.Loader {
	ses := m.ses
	return func(ctx context.Context) (*termimg.Source, error) {
		b, err := ses.Picture(ctx, item)
		if err != nil {
			return nil, err
		}
		return termimg.DecodeBytes(b)
	}
}

// shownAll reports whether both pictures of the pair on screen are in the frame.
func (p *cmpPictures) shownAll() bool { return p.shown[0] != nil && p.shown[1] != nil }

// invalidate forgets what is shown (the layout changed): the next show clears the screen first.
func (p *cmpPictures) invalidate() {
	p.shown = [2]*termimg.Rendered{}
	p.want = [2]termimg.Key{}
	p.relayout = true
	p.sent = map[uint64]bool{}
}

// show asks for d's two pictures at the current layout: cached ones are shown at once, the others
// rendered in the background.
func (p *cmpPictures) show(m *Compare, d *pairData) tea.Cmd {
	// first is what must reach the terminal before a picture is drawn again: a clear or a wipe sent
	// beside the drawing's timer could arrive after it on a loaded machine and erase the new pictures
	// (seen in xterm: the next pair's two sixel pictures missing).
	var first, cmds []tea.Cmd
	if p.relayout {
		p.relayout = false
		first = append(first, p.clearScreen())
	}
	if d == nil || d.err != nil || m.layout().box.Rows < 1 {
		p.shown, p.want = [2]*termimg.Rendered{}, [2]termimg.Key{}
		return tea.Sequence(append(first, p.wipe())...)
	}
	ks := p.keys(m, d)
	if ks == p.want && p.shownAll() {
		return tea.Sequence(first...)
	}
	changed := ks != p.want
	p.want = ks
	items := [2]int64{d.p.Left().Item, d.p.Right().Item}
	if changed {
		p.shown = [2]*termimg.Rendered{}
	}
	for i, k := range ks {
		if p.shown[i] != nil {
			continue
		}
		if r, ok := p.cache.Peek(k); ok {
			p.shown[i] = r
			continue
		}
		load := m.loader(items[i])
		cache := p.cache
		cmds = append(cmds, func() tea.Msg { return cmpImageMsg{key: k, r: cache.Get(context.Background(), k, load)} })
	}
	// Both new pictures ready and drawn raw: the drawing wipes the old ones in the same write (no blank
	// moment). Otherwise the old ones go first.
	if changed && !(p.shownAll() && p.cellGrid()) {
		first = append(first, p.wipe())
	}
	if p.shownAll() {
		cmds = append(cmds, p.display())
	}
	return tea.Sequence(append(first, tea.Batch(cmds...))...)
}

// prefetch renders d's pictures in the background (the pair reserved next).
func (p *cmpPictures) prefetch(m *Compare, d *pairData) tea.Cmd {
	if d == nil || d.err != nil || p.opts.Protocol == termimg.None || m.small() || m.layout().box.Rows < 1 {
		return nil
	}
	ks := p.keys(m, d)
	items := [2]int64{d.p.Left().Item, d.p.Right().Item}
	var cmds []tea.Cmd
	for i, k := range ks {
		if _, ok := p.cache.Peek(k); ok {
			continue
		}
		load, cache := m.loader(items[i]), p.cache
		cmds = append(cmds, func() tea.Msg { cache.Get(context.Background(), k, load); return nil })
	}
	return tea.Batch(cmds...)
}

func (p *cmpPictures) update(m *Compare, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case cmpImageMsg:
		if errors.Is(msg.r.Err, context.Canceled) {
			return nil
		}
		for i, k := range p.want {
			if k == msg.key && p.shown[i] == nil {
				p.shown[i] = msg.r
			}
		}
		if p.shownAll() && (p.want[0] == msg.key || p.want[1] == msg.key) {
			return p.display()
		}
	case cmpRawMsg:
		if msg.gen != p.gen || m.help || m.done || m.small() || !p.shownAll() {
			return nil
		}
		var seq strings.Builder
		seq.WriteString(p.wipeSeq())
		lay := m.layout()
		for i, r := range p.shown {
			if r == nil {
				continue
			}
			if r.Raw == nil {
				continue
			}
			if r.Transmit != nil && p.transmit(r) {
				seq.Write(r.Transmit)
			}
			x, y := lay.picX(i, r)+1, lay.top+1
			seq.Write(termimg.AtCell(x, y, r.Raw, p.opts.Tmux))
			p.drawn[i], p.at[i] = r, [2]int{x, y}
		}
		p.frame = nil
		if p.cellGrid() {
			p.frame = strings.Split(m.render(), "\n")
		}
		if seq.Len() == 0 {
			return nil
		}
		return tea.Raw(seq.String())
	}
	return nil
}

// display sends what the terminal needs besides the frame for the two shown pictures.
func (p *cmpPictures) display() tea.Cmd {
	var cmds []tea.Cmd
	raw := false
	for _, r := range p.shown {
		if r.Transmit != nil && r.Raw == nil && p.transmit(r) {
			cmds = append(cmds, tea.Raw(string(r.Transmit)))
		}
		raw = raw || r.Raw != nil
	}
	if raw {
		cmds = append(cmds, p.redraw())
	} else {
		cmds = append(cmds, p.wipe())
	}
	return tea.Batch(cmds...)
}

func (p *cmpPictures) transmit(r *termimg.Rendered) bool {
	if p.sent[r.Serial] {
		return false
	}
	if len(p.sent) > 256 {
		p.sent = map[uint64]bool{}
	}
	p.sent[r.Serial] = true
	return true
}

// redraw draws the raw pictures again shortly (only the latest of several asked in a row).
func (p *cmpPictures) redraw() tea.Cmd {
	p.gen++
	gen := p.gen
	return tea.Tick(30*time.Millisecond, func(time.Time) tea.Msg { return cmpRawMsg{gen} })
}

// afterUpdate draws sixel or iTerm2 pictures again when the frame about to be drawn changed a row they
// cover (or one bubbletea repaints whole).
func (p *cmpPictures) afterUpdate(m *Compare) tea.Cmd {
	if (p.drawn[0] == nil && p.drawn[1] == nil) || !p.cellGrid() || m.help {
		return nil
	}
	rows := strings.Split(m.frame(), "\n")
	old := p.frame
	p.frame = rows
	if old == nil {
		return nil
	}
	top := m.layout().top
	n := 0
	for _, r := range p.drawn {
		if r != nil {
			n = max(n, r.Fit.Rows)
		}
	}
	for i := top; i < top+n && (i < len(old) || i < len(rows)); i++ {
		var a, b string
		if i < len(old) {
			a = old[i]
		}
		if i < len(rows) {
			b = rows[i]
		}
		if a != b || repaintsWhole(b) {
			return p.redraw()
		}
	}
	return nil
}

func (p *cmpPictures) cellGrid() bool {
	return p.opts.Protocol == termimg.Sixel || p.opts.Protocol == termimg.ITerm2
}

// hide removes raw pictures before an overlay or the done screen covers them.
func (p *cmpPictures) hide() tea.Cmd {
	p.shown, p.want = [2]*termimg.Rendered{}, [2]termimg.Key{}
	return p.clearScreen()
}

// clearScreen has bubbletea clear and repaint the screen with its next frame, erasing raw pictures.
func (p *cmpPictures) clearScreen() tea.Cmd {
	if p.drawn[0] == nil && p.drawn[1] == nil {
		return nil
	}
	p.drawn, p.frame = [2]*termimg.Rendered{}, nil
	p.gen++
	if p.opts.Protocol == termimg.Kitty {
		p.sent = map[uint64]bool{}
		return tea.Batch(tea.Raw(termimg.KittyClearPlacements()), tea.ClearScreen)
	}
	return tea.ClearScreen
}

// wipeSeq erases the raw pictures drawn (ECH over their rows, inside their columns).
func (p *cmpPictures) wipeSeq() string {
	var b strings.Builder
	if p.opts.Protocol == termimg.Kitty && (p.drawn[0] != nil || p.drawn[1] != nil) {
		b.WriteString(termimg.KittyClearPlacements())
	}
	for i, r := range p.drawn {
		if r == nil {
			continue
		}
		for row := 0; row < r.Fit.Rows; row++ {
			fmt.Fprintf(&b, "\x1b7\x1b[%d;%dH\x1b[%dX\x1b8", p.at[i][1]+row, p.at[i][0], r.Fit.Cols)
		}
	}
	p.drawn, p.frame = [2]*termimg.Rendered{}, nil
	return b.String()
}

func (p *cmpPictures) wipe() tea.Cmd {
	if s := p.wipeSeq(); s != "" {
		return tea.Raw(s)
	}
	return nil
}

// cleanup deletes kitty images when the screen closes.
func (p *cmpPictures) cleanup() tea.Cmd {
	var b strings.Builder
	if p.ids != nil {
		for _, id := range p.ids.All() {
			b.WriteString(termimg.KittyDelete(id))
		}
	}
	if b.Len() == 0 {
		return nil
	}
	return tea.Raw(b.String())
}

// lines is what the frame shows for side i in a box.
func (p *cmpPictures) lines(i int, box termimg.Box, loading string) []string {
	if p.shown[i] == nil {
		return termimg.Frame(min(box.Cols, 30), min(box.Rows, 5), loading)
	}
	return p.shown[i].Lines
}

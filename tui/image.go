package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/termimg"
)

// imagePane shows the current item's picture through a termimg cache: text blocks and kitty
// placeholders are part of the frame; sixel, iTerm2 and plain kitty pictures are drawn over blank cells
// after the frame (tea.Raw), wiped with ECH before the next one.
type imagePane struct {
	opts  termimg.Options
	ids   *termimg.KittyIDs
	cache *termimg.Cache

	want  termimg.Key       // the rendering the screen wants now
	shown *termimg.Rendered // the rendering in the frame (nil while it renders)
	drawn *termimg.Rendered // the raw picture on the terminal, to wipe before the next
	sent  map[*termimg.Rendered]bool
}

type imageMsg struct {
	key termimg.Key
	r   *termimg.Rendered
}

// rawMsg asks to draw the shown raw picture, a moment after the frame that holds its blank cells.
type rawMsg struct{ r *termimg.Rendered }

// imageCacheBytes bounds the rendered pictures kept: a few dozen sixel or block pictures, or about ten
// kitty ones, around the current item - enough for prefetch and going back.
const imageCacheBytes = 40 << 20

func newImagePane(c termimg.Caps) imagePane {
	if c.Protocol == "" {
		c.Protocol = termimg.None
	}
	if !c.Cell.Valid() {
		c.Cell = termimg.DefaultCell
	}
	o := termimg.Options{Protocol: c.Protocol, Cell: c.Cell, Profile: c.Profile, Tmux: c.Tmux}
	ids := termimg.NewKittyIDs()
	return imagePane{opts: o, ids: ids, cache: termimg.NewCache(o, ids, c.Placeholders, imageCacheBytes, 1),
		sent: map[*termimg.Rendered]bool{}}
}

// box is the pane's size in cells: the left column, or the whole screen when zoomed.
func (m *Model) imageBox() termimg.Box {
	if m.zoom {
		return termimg.Box{Cols: m.w, Rows: m.h - 1}
	}
	return termimg.Box{Cols: m.leftWidth(), Rows: m.h - 1}
}

func (p *imagePane) key(m *Model, d *itemData) termimg.Key {
	return termimg.Key{Source: fmt.Sprintf("item:%d", d.it.ID), Box: m.imageBox(), Protocol: p.opts.Protocol,
		Cell: p.opts.Cell, Profile: p.opts.Profile}
}

// invalidate forgets what is shown (the layout changed).
func (p *imagePane) invalidate() { p.shown = nil }

// show asks for d's picture at the current size.
func (p *imagePane) show(m *Model, d *itemData) tea.Cmd {
	if d.it == nil {
		p.shown, p.want = nil, termimg.Key{}
		return p.wipe()
	}
	k := p.key(m, d)
	if k == p.want && p.shown != nil {
		return nil
	}
	p.want = k
	if r, ok := p.cache.Peek(k); ok {
		return p.display(m, r)
	}
	p.shown = nil
	load := imageLoader(d)
	return tea.Batch(p.wipe(), func() tea.Msg {
		return imageMsg{key: k, r: p.cache.Get(context.Background(), k, load)}
	})
}

// prefetch renders a neighbour's picture in the background.
func (p *imagePane) prefetch(m *Model, d *itemData) {
	if p.opts.Protocol != termimg.None {
		p.cache.Prefetch(p.key(m, d), imageLoader(d))
	}
}

func (p *imagePane) update(m *Model, msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case imageMsg:
		if msg.key != p.want {
			return nil // the screen moved on
		}
		return p.display(m, msg.r)
	case rawMsg:
		if msg.r != p.shown || m.help || msg.r == nil || msg.r.Raw == nil {
			return nil
		}
		var seq strings.Builder
		seq.WriteString(string(p.wipeSeq()))
		seq.Write(termimg.AtCell(1, 1, msg.r.Raw, p.opts.Tmux))
		p.drawn = msg.r
		return tea.Raw(seq.String())
	}
	return nil
}

// display makes r the shown rendering and sends what the terminal needs besides the frame.
func (p *imagePane) display(m *Model, r *termimg.Rendered) tea.Cmd {
	p.shown = r
	var cmds []tea.Cmd
	if r.Transmit != nil && !p.sent[r] {
		if len(p.sent) > 256 {
			p.sent = map[*termimg.Rendered]bool{} // at worst a picture is sent again
		}
		p.sent[r] = true
		cmds = append(cmds, tea.Raw(string(r.Transmit)))
	}
	if r.Raw == nil {
		cmds = append(cmds, p.wipe())
	} else {
		cmds = append(cmds, p.redraw(m))
	}
	return tea.Batch(cmds...)
}

// redraw draws the shown raw picture again (after an overlay or a resize repainted its area).
func (p *imagePane) redraw(m *Model) tea.Cmd {
	r := p.shown
	if r == nil || r.Raw == nil {
		return nil
	}
	return tea.Tick(30*time.Millisecond, func(time.Time) tea.Msg { return rawMsg{r} })
}

// hide wipes a raw picture (an overlay is about to cover it).
func (p *imagePane) hide() tea.Cmd { return p.wipe() }

func (p *imagePane) wipeSeq() []byte {
	if p.drawn == nil {
		return nil
	}
	var b strings.Builder
	if p.opts.Protocol == termimg.Kitty {
		b.WriteString(termimg.KittyDeletePlacements()) // kitty pictures float above the cells
	}
	for r := 0; r < p.drawn.Fit.Rows; r++ {
		fmt.Fprintf(&b, "\x1b7\x1b[%d;1H\x1b[%dX\x1b8", r+1, p.drawn.Fit.Cols)
	}
	p.drawn = nil
	return []byte(b.String())
}

func (p *imagePane) wipe() tea.Cmd {
	if s := p.wipeSeq(); s != nil {
		return tea.Raw(string(s))
	}
	return nil
}

// cleanup deletes kitty images and stops the cache's workers when the screen closes.
func (p *imagePane) cleanup() tea.Cmd {
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

// lines is what the frame shows in the pane.
func (p *imagePane) lines(box termimg.Box, loading string) []string {
	if p.shown == nil {
		return termimg.Frame(min(box.Cols, 30), min(box.Rows, 5), loading)
	}
	return p.shown.Lines
}

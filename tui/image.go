package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/termimg"
)

// imagePane shows the current item's picture through a termimg cache: text blocks and kitty
// placeholders are part of the frame; sixel, iTerm2 and plain kitty pictures are drawn over blank cells
// after the frame (tea.Raw).
//
// A raw picture is not part of bubbletea's model of the screen, so three things keep it intact:
//   - a picture replaced in the same layout is wiped (ECH over its rows, inside the pane) just before
//     the next one is drawn over it;
//   - a layout change (zoom, resize, an overlay) clears the screen and has bubbletea repaint every cell
//     (tea.ClearScreen): the old picture is erased by the frame that draws the new layout, never after;
//   - sixel and iTerm2 pictures live in the cell grid, and bubbletea repaints a whole line from its
//     first column when the line holds a wide character (CJK text, emoji) and anything changed, or may
//     scroll lines: afterUpdate draws the picture again after a frame that touches the rows under it.
type imagePane struct {
	opts  termimg.Options
	ids   *termimg.KittyIDs
	cache *termimg.Cache
	// shared: the cache is the process's (Config.Pictures), not this screen's to close
	shared bool

	want     termimg.Key        // the rendering the screen wants now
	shown    *termimg.Rendered  // the rendering in the frame (nil while it renders)
	drawn    *termimg.Rendered  // the raw picture on the terminal, to wipe before the next
	relayout bool               // the layout changed: clear the screen before the next picture
	sent     map[uint64]bool    // kitty transmissions sent, by Rendered.Serial (never the rendering itself)
	frame    []string           // the frame's rows when the raw picture was drawn or last checked
	gen      int                // the latest raw draw scheduled; older ticks are dropped
	loading  termimg.Key        // the rendering asked for and not arrived yet
	cancel   context.CancelFunc // cancels that request when the screen moves on before it starts
}

type imageMsg struct {
	key termimg.Key
	r   *termimg.Rendered
}

// rawMsg asks to draw the shown raw picture, a moment after the frame that holds its blank cells.
type rawMsg struct {
	r   *termimg.Rendered
	gen int
}

// imageCacheBytes bounds the rendered pictures kept: the current item's, its prefetched neighbours' and
// a few behind (about ten kitty or sixel pictures of a 200x60 screen's pane, more of smaller ones).
// Counted in real bytes (capacity), so with the decode of the next picture the screen stays well under
// 150 MB resident.
const imageCacheBytes = 16 << 20

func newImagePane(c termimg.Caps, shared *termimg.Caches) imagePane {
	pc := newPictureCache(c, shared, imageCacheBytes, 1)
	return imagePane{opts: pc.opts, ids: pc.ids, cache: pc.cache, shared: pc.shared, sent: map[uint64]bool{}}
}

// pictureCache is a screen's rendered-picture cache: the process's for these options (shared) when
// one is given, else the screen's own of the given size and prefetch workers.
type pictureCache struct {
	opts   termimg.Options
	ids    *termimg.KittyIDs
	cache  *termimg.Cache
	shared bool
}

func newPictureCache(c termimg.Caps, shared *termimg.Caches, bytes int64, workers int) pictureCache {
	if c.Protocol == "" {
		c.Protocol = termimg.None
	}
	if !c.Cell.Valid() {
		c.Cell = termimg.DefaultCell
	}
	o := termimg.Options{Protocol: c.Protocol, Cell: c.Cell, Profile: c.Profile, Tmux: c.Tmux, SixelMax: c.SixelMax}
	if shared != nil {
		if ca := shared.For(o, c.Placeholders); ca != nil {
			return pictureCache{opts: o, cache: ca, shared: true}
		}
	}
	ids := termimg.NewKittyIDs()
	return pictureCache{opts: o, ids: ids, cache: termimg.NewCache(o, ids, c.Placeholders, bytes, workers)}
}

// colorProfile is the colour profile the screen's renderer must use: the one termimg detected (as
// `loupe view` does), so text and block pictures get the same colours in both.
func (p *imagePane) colorProfile() colorprofile.Profile { return ScreenProfile(p.opts.Profile) }

// ScreenProfile is termimg's colour profile as bubbletea's renderer names it (tea.WithColorProfile);
// loupe serve's programs use it too.
func ScreenProfile(p termimg.Profile) colorprofile.Profile {
	switch p {
	case termimg.TrueColor:
		return colorprofile.TrueColor
	case termimg.ANSI16:
		return colorprofile.ANSI
	}
	return colorprofile.ANSI256
}

// box is the pane's size in cells: the left column, or the whole screen when zoomed.
func (m *Model) imageBox() termimg.Box {
	if m.zoom {
		return termimg.Box{Cols: m.w, Rows: m.bodyRows()}
	}
	return termimg.Box{Cols: m.leftWidth(), Rows: m.bodyRows()}
}

func (p *imagePane) key(m *Model, d *itemData) termimg.Key {
	return termimg.Key{Source: fmt.Sprintf("item:%d", d.it.ID), Box: m.imageBox(), Protocol: p.opts.Protocol,
		Cell: p.opts.Cell, Profile: p.opts.Profile}
}

// invalidate forgets what is shown (the layout changed): the next show clears the screen first.
func (p *imagePane) invalidate() {
	p.shown = nil
	p.relayout = true
	p.sent = map[uint64]bool{} // the clear that comes with the new layout frees kitty's stored images
}

// show asks for d's picture at the current size.
func (p *imagePane) show(m *Model, d *itemData) tea.Cmd {
	var clear tea.Cmd
	if p.relayout {
		p.relayout = false
		clear = p.clearScreen()
	}
	// The clear (a new layout) is sequenced before the rest: sent beside the drawing's timer it could
	// arrive after the drawing on a loaded machine and erase the picture (as in the comparison screen).
	if d.it == nil {
		p.shown, p.want = nil, termimg.Key{}
		p.stopLoading()
		return tea.Sequence(clear, p.wipe())
	}
	k := p.key(m, d)
	if k == p.want && (p.shown != nil || k == p.loading) {
		return clear
	}
	p.want = k
	p.stopLoading()
	if r, ok := p.cache.Peek(k); ok {
		return tea.Sequence(clear, p.display(m, r))
	}
	p.shown = nil
	load := imageLoader(d)
	ctx, cancel := context.WithCancel(context.Background())
	p.loading, p.cancel = k, cancel
	return tea.Sequence(clear, p.wipe(), func() tea.Msg {
		return imageMsg{key: k, r: p.cache.Get(ctx, k, load)}
	})
}

// stopLoading cancels the rendering asked for last if it has not started (the screen moved on; one
// already rendering finishes and is cached).
func (p *imagePane) stopLoading() {
	if p.cancel != nil {
		p.cancel()
	}
	p.loading, p.cancel = termimg.Key{}, nil
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
		if msg.key != p.want || errors.Is(msg.r.Err, context.Canceled) {
			return nil // the screen moved on (and maybe came back: the new request answers)
		}
		if msg.key == p.loading {
			p.loading, p.cancel = termimg.Key{}, nil
		}
		return p.display(m, msg.r)
	case rawMsg:
		if msg.gen != p.gen || msg.r != p.shown || m.help || msg.r == nil || msg.r.Raw == nil {
			return nil
		}
		var seq strings.Builder
		seq.WriteString(string(p.wipeSeq()))
		if msg.r.Transmit != nil && p.transmit(msg.r) {
			seq.Write(msg.r.Transmit)
		}
		seq.Write(termimg.AtCell(1, 1, msg.r.Raw, p.opts.Tmux))
		p.drawn = msg.r
		p.frame = nil
		if p.cellGrid() {
			p.frame = strings.Split(m.render(), "\n")
		}
		return tea.Raw(seq.String())
	}
	return nil
}

// display makes r the shown rendering and sends what the terminal needs besides the frame.
func (p *imagePane) display(m *Model, r *termimg.Rendered) tea.Cmd {
	p.shown = r
	var cmds []tea.Cmd
	// A placed kitty picture (Raw) is sent with its first placement, after the frame: a screen clear
	// in that frame would free it. Placeholders need it before the frame that shows them.
	if r.Transmit != nil && r.Raw == nil && p.transmit(r) {
		cmds = append(cmds, tea.Raw(string(r.Transmit)))
	}
	if r.Raw == nil {
		cmds = append(cmds, p.wipe())
	} else {
		cmds = append(cmds, p.redraw(m))
	}
	return tea.Batch(cmds...)
}

// transmit reports whether r's kitty image must be sent (not sent since the last screen clear), and
// notes it as sent.
func (p *imagePane) transmit(r *termimg.Rendered) bool {
	if p.sent[r.Serial] {
		return false
	}
	if len(p.sent) > 256 {
		p.sent = map[uint64]bool{} // at worst a picture is sent again
	}
	p.sent[r.Serial] = true
	return true
}

// redraw draws the shown raw picture again (after an overlay or a resize repainted its area). Only the
// latest of several redraws asked for in a row is drawn.
func (p *imagePane) redraw(m *Model) tea.Cmd {
	r := p.shown
	if r == nil || r.Raw == nil {
		return nil
	}
	p.gen++
	gen := p.gen
	return tea.Tick(30*time.Millisecond, func(time.Time) tea.Msg { return rawMsg{r, gen} })
}

// hide removes a raw picture (an overlay is about to cover the screen): the screen is cleared and
// repainted, so nothing erases the overlay's cells after it is drawn.
func (p *imagePane) hide() tea.Cmd { return p.clearScreen() }

// afterUpdate draws a sixel or iTerm2 picture again when the frame about to be drawn damages it: when
// the frame changed and a row crossing the picture changed or holds a character bubbletea repaints
// whole lines for (wide or of uncertain width). Call it after every update: the root model's Update
// ends with tea.Batch(cmd, m.image.afterUpdate(m)).
func (p *imagePane) afterUpdate(m *Model) tea.Cmd {
	if p.drawn == nil || p.drawn != p.shown || !p.cellGrid() || m.help {
		return nil
	}
	rows := strings.Split(m.frame(), "\n")
	old := p.frame
	p.frame = rows
	if old == nil || !pictureDamaged(old, rows, p.drawn.Fit.Rows, p.drawn.Fit.Cols) {
		return nil
	}
	return p.redraw(m)
}

// cellGrid reports whether raw pictures live in the terminal's cell grid (sixel, iTerm2), where writing
// or erasing a cell removes the picture's part in it; kitty pictures float above the cells.
func (p *imagePane) cellGrid() bool {
	return p.opts.Protocol == termimg.Sixel || p.opts.Protocol == termimg.ITerm2
}

// pictureDamaged reports whether drawing frame next over frame prev erases part of a picture covering
// the first rows rows and cols columns: bubbletea redraws nothing when the frames are equal; otherwise
// it rewrites the cells that changed (and may scroll rows), and repaints from the first column every row
// holding a cell whose width it cannot trust, changed or not. A row that changed right of the picture
// only (the text pane beside it) leaves the picture alone.
func pictureDamaged(prev, next []string, rows, cols int) bool {
	if slices.Equal(prev, next) {
		return false
	}
	for i := range min(rows, max(len(prev), len(next))) {
		var a, b string
		if i < len(prev) {
			a = prev[i]
		}
		if i < len(next) {
			b = next[i]
		}
		if repaintsWhole(a) || repaintsWhole(b) {
			return true
		}
		if a != b && (cols <= 0 || cellPrefix(a, cols+1) != cellPrefix(b, cols+1)) {
			return true
		}
	}
	return false
}

// cellPrefix is row up to the end of its first n cells: their text and the sequences styling them,
// without what follows (ansi.Cut keeps the next cell's opening sequences).
func cellPrefix(row string, n int) string {
	var state byte
	w, i := 0, 0
	for i < len(row) && w < n {
		_, width, k, st := ansi.DecodeSequence(row[i:], state, nil)
		if k <= 0 {
			break
		}
		state = st
		w += width
		i += k
	}
	return row[:i]
}

// repaintsWhole reports whether a row holds a character that is not one column wide (CJK, emoji,
// combining marks), for which bubbletea repaints the row from its first column.
func repaintsWhole(row string) bool {
	plain := true
	for i := 0; i < len(row); i++ {
		if row[i] >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return false
	}
	for _, r := range ansi.Strip(row) {
		if r >= 0x80 && ansi.StringWidth(string(r)) != 1 {
			return true
		}
	}
	return false
}

// clearScreen has bubbletea clear the screen and repaint every cell with its next frame, erasing a raw
// picture as part of that frame; kitty pictures, which float above the cells, are deleted.
func (p *imagePane) clearScreen() tea.Cmd {
	if p.drawn == nil {
		return nil
	}
	p.drawn, p.frame = nil, nil
	p.gen++ // a draw scheduled for the old layout is dropped
	if p.opts.Protocol == termimg.Kitty {
		// kitty (0.26 at least) frees stored images on a screen clear: send them again when shown
		p.sent = map[uint64]bool{}
		return tea.Batch(tea.Raw(termimg.KittyClearPlacements()), tea.ClearScreen)
	}
	return tea.ClearScreen
}

func (p *imagePane) wipeSeq() []byte {
	if p.drawn == nil {
		return nil
	}
	var b strings.Builder
	if p.opts.Protocol == termimg.Kitty {
		b.WriteString(termimg.KittyClearPlacements()) // kitty pictures float above the cells
	}
	for r := 0; r < p.drawn.Fit.Rows; r++ {
		fmt.Fprintf(&b, "\x1b7\x1b[%d;1H\x1b[%dX\x1b8", r+1, p.drawn.Fit.Cols)
	}
	p.drawn, p.frame = nil, nil
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

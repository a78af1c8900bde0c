// Command sshload drives N annotators against a running `loupe serve` over SSH (loopback) and measures
// how long each key takes to reach the frame that reflects it. perf/serve-load.sh runs it.
//
// Every client is a golang.org/x/crypto/ssh client with its own ed25519 key, a pty (xterm-256color,
// -cols x -rows) and a small terminal emulator that rebuilds the screen from what the server sends:
// bubbletea's renderer only rewrites the cells that changed (cursor moves, erase, insert/delete, scroll
// regions), so the text of a frame is not in the byte stream as such. The emulator answers the
// terminal queries a real terminal answers (DA1, cell size), ignores colours, and counts the sixel
// pictures (DCS ... q) it receives.
//
// Once the review screen is up (a start screen showing "Choose a queue" is answered with Enter), each
// client presses a key every -interval (staggered over the clients), cycling accept (a), next (j) and
// previous (k) - k before j when the item is the queue's last. For every key it records two times,
// measured on the client with time.Now from the write of the key:
//
//   - ack: the status bar reflects the key - for a, the accepted count (✓N) is one higher (the screen
//     only shows it once the decision is committed); for j and k, the position (P/N) moved by one;
//   - frame: the frame that shows the result - the status bar as above, the header naming a loaded
//     item other than the one before the key, and its picture: with text blocks the picture pane has no
//     "loading" box and its first and last picture rows are drawn (a square picture fills the pane's
//     rows); with sixel, a sixel sequence other than the picture shown before the key has arrived (or
//     any sixel after the frame naming the item). This is the figure the latency target is about.
//
// A key whose frame has not arrived within -timeout is counted as missed and the client resynchronises
// from the screen. A client presses no new key while one is pending (a tick then is counted as
// skipped, as is one while the screen still says "saving…"): the load is the intended one key per
// -interval per client unless the server falls behind.
//
// At the end the clients wait for their last key, read the accepted count from their screens (the
// decisions the screen acknowledged) and close; -acked writes them per annotator for `sshload count`,
// which compares them with the decisions stored in the workspace (lost = acknowledged - stored). With
// -pid the server's resident memory (VmRSS, VmHWM) and CPU time (utime+stime) are read from /proc
// during the run.
//
//	sshload run -addr 127.0.0.1:2323 -keys DIR -n 16 -duration 60s -cols 150 -rows 32 [-pid PID] [-acked FILE]
//	sshload overlap -db W -queue Q -k 2     set a queue's overlap (what loupe review --overlap does)
//	sshload count -db W -queue Q -acked FILE  decisions stored per annotator vs acknowledged
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/store"
	_ "github.com/mattn/go-sqlite3"
	gossh "golang.org/x/crypto/ssh"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sshload run|overlap|count [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(os.Args[2:])
	case "overlap":
		err = overlapCmd(os.Args[2:])
	case "count":
		err = countCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if errors.Is(err, errTarget) {
		os.Exit(3)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sshload:", err)
		os.Exit(1)
	}
}

// ---------------------------------------------------------------------------------------------------
// A minimal terminal: the cells' characters, the cursor, the scroll region, autowrap and insert mode.

type term struct {
	w, h      int
	cells     [][]cell
	bg        bool // the current style has a background colour
	x, y      int
	top, bot  int // scroll region, inclusive
	autowrap  bool
	wrapNext  bool
	insert    bool
	sx, sy    int // DECSC
	tabs      []bool
	last      rune // the last printed character (REP)
	reply     func(string)
	onSixel   func(hash uint64)
	parser    *ansi.Parser
	sixels    int
	lastSixel uint64
}

func newTerm(w, h int) *term {
	t := &term{w: w, h: h, autowrap: true, bot: h - 1}
	t.cells = make([][]cell, h)
	for i := range t.cells {
		t.cells[i] = blankRow(w)
	}
	t.tabs = make([]bool, w)
	for i := 0; i < w; i += 8 {
		t.tabs[i] = true
	}
	t.parser = ansi.NewParser()
	t.parser.SetHandler(ansi.Handler{
		Print:     t.print,
		Execute:   t.execute,
		HandleCsi: t.csi,
		HandleEsc: t.esc,
		HandleDcs: t.dcs,
	})
	return t
}

// cell is one cell: its character (0: the right half of a wide character) and whether it has a
// background colour (text-block pictures are mostly coloured spaces).
type cell struct {
	r  rune
	bg bool
}

func blankRow(w int) []cell {
	r := make([]cell, w)
	for i := range r {
		r[i] = cell{r: ' '}
	}
	return r
}

// painted reports whether row y holds anything visible between x0 and x1: a character or a colour.
func (t *term) painted(y, x0, x1 int) bool {
	for _, c := range t.cells[y][max(0, x0):min(t.w, x1)] {
		if c.bg || (c.r != ' ' && c.r != 0) {
			return true
		}
	}
	return false
}

func (t *term) write(b []byte) { t.parser.Parse(b) }

// row is line y's text (wide characters once).
func (t *term) row(y int) string { return t.span(y, 0, t.w) }

func (t *term) span(y, x0, x1 int) string {
	var b strings.Builder
	for _, c := range t.cells[y][max(0, x0):min(t.w, x1)] {
		if c.r != 0 {
			b.WriteRune(c.r)
		}
	}
	return b.String()
}

func (t *term) text() string {
	rows := make([]string, t.h)
	for y := range rows {
		rows[y] = strings.TrimRight(t.row(y), " ")
	}
	return strings.Join(rows, "\n")
}

func (t *term) clampX() { t.x = max(0, min(t.x, t.w-1)) }

func (t *term) put(r rune, width int) {
	if t.wrapNext && t.autowrap {
		t.x = 0
		t.lineFeed()
	}
	t.wrapNext = false
	if t.x+width > t.w {
		if !t.autowrap {
			t.x = t.w - width
		} else {
			t.x = 0
			t.lineFeed()
		}
	}
	row := t.cells[t.y]
	if t.insert {
		copy(row[t.x+width:], row[t.x:])
	}
	row[t.x] = cell{r: r, bg: t.bg}
	if width == 2 {
		row[t.x+1] = cell{bg: t.bg}
	}
	t.x += width
	if t.x >= t.w {
		t.x = t.w - 1
		t.wrapNext = t.autowrap
	}
}

func (t *term) print(r rune) {
	w := ansi.StringWidth(string(r))
	if w == 0 {
		return // a combining mark: its base cell stays
	}
	t.last = r
	t.put(r, min(w, 2))
}

func (t *term) execute(b byte) {
	switch b {
	case '\r':
		t.x, t.wrapNext = 0, false
	case '\n', 0x0b, 0x0c:
		t.lineFeed()
	case '\b':
		t.x, t.wrapNext = max(0, t.x-1), false
	case '\t':
		t.tab(1)
	}
}

func (t *term) tab(n int) {
	for ; n > 0; n-- {
		t.x++
		for t.x < t.w-1 && !t.tabs[t.x] {
			t.x++
		}
	}
	t.clampX()
	t.wrapNext = false
}

func (t *term) backTab(n int) {
	for ; n > 0; n-- {
		t.x--
		for t.x > 0 && !t.tabs[t.x] {
			t.x--
		}
	}
	t.clampX()
	t.wrapNext = false
}

func (t *term) lineFeed() {
	t.wrapNext = false
	if t.y == t.bot {
		t.scrollUp(1)
	} else if t.y < t.h-1 {
		t.y++
	}
}

func (t *term) reverseIndex() {
	t.wrapNext = false
	if t.y == t.top {
		t.scrollDown(1)
	} else if t.y > 0 {
		t.y--
	}
}

// scrollUp moves the scroll region's lines up n, blank lines entering at the bottom.
func (t *term) scrollUp(n int) { t.deleteLines(t.top, n) }

func (t *term) scrollDown(n int) { t.insertLines(t.top, n) }

func (t *term) deleteLines(at, n int) {
	if at < t.top || at > t.bot {
		return
	}
	n = min(n, t.bot-at+1)
	copy(t.cells[at:t.bot+1], t.cells[at+n:t.bot+1])
	for i := t.bot - n + 1; i <= t.bot; i++ {
		t.cells[i] = blankRow(t.w)
	}
}

func (t *term) insertLines(at, n int) {
	if at < t.top || at > t.bot {
		return
	}
	n = min(n, t.bot-at+1)
	copy(t.cells[at+n:t.bot+1], t.cells[at:t.bot+1-n])
	for i := at; i < at+n; i++ {
		t.cells[i] = blankRow(t.w)
	}
}

func (t *term) eraseRow(y, x0, x1 int) {
	for x := max(0, x0); x < min(t.w, x1); x++ {
		t.cells[y][x] = cell{r: ' ', bg: t.bg}
	}
}

func (t *term) moveTo(y, x int) {
	t.y, t.x, t.wrapNext = max(0, min(y, t.h-1)), max(0, min(x, t.w-1)), false
}

func (t *term) csi(cmd ansi.Cmd, params ansi.Params) {
	p := func(i, def int) int {
		v, _, _ := params.Param(i, def)
		if v == 0 {
			v = def
		}
		return v
	}
	p0 := func(i int) int { v, _, _ := params.Param(i, 0); return v }
	if pre := cmd.Prefix(); pre != 0 {
		switch {
		case pre == '?' && (cmd.Final() == 'h' || cmd.Final() == 'l'):
			on := cmd.Final() == 'h'
			params.ForEach(0, func(_, mode int, _ bool) {
				switch mode {
				case 7:
					t.autowrap = on
					if !on {
						t.wrapNext = false
					}
				case 47, 1047, 1049:
					for y := range t.cells {
						t.cells[y] = blankRow(t.w)
					}
				}
			})
		}
		return
	}
	if cmd.Intermediate() != 0 {
		return
	}
	switch cmd.Final() {
	case 'm':
		t.sgr(params)
	case 'H', 'f':
		t.moveTo(p(0, 1)-1, p(1, 1)-1)
	case 'A':
		t.moveTo(max(t.y-p(0, 1), min(t.y, t.top)), t.x)
	case 'B':
		t.moveTo(min(t.y+p(0, 1), max(t.y, t.bot)), t.x)
	case 'C', 'a':
		t.moveTo(t.y, t.x+p(0, 1))
	case 'D':
		t.moveTo(t.y, t.x-p(0, 1))
	case 'E':
		t.moveTo(t.y+p(0, 1), 0)
	case 'F':
		t.moveTo(t.y-p(0, 1), 0)
	case 'G', '`':
		t.moveTo(t.y, p(0, 1)-1)
	case 'd':
		t.moveTo(p(0, 1)-1, t.x)
	case 'e':
		t.moveTo(t.y+p(0, 1), t.x)
	case 'I':
		t.tab(p(0, 1))
	case 'Z':
		t.backTab(p(0, 1))
	case 'J':
		switch p0(0) {
		case 0:
			t.eraseRow(t.y, t.x, t.w)
			for y := t.y + 1; y < t.h; y++ {
				t.eraseRow(y, 0, t.w)
			}
		case 1:
			t.eraseRow(t.y, 0, t.x+1)
			for y := 0; y < t.y; y++ {
				t.eraseRow(y, 0, t.w)
			}
		default:
			for y := 0; y < t.h; y++ {
				t.eraseRow(y, 0, t.w)
			}
		}
		t.wrapNext = false
	case 'K':
		switch p0(0) {
		case 0:
			t.eraseRow(t.y, t.x, t.w)
		case 1:
			t.eraseRow(t.y, 0, t.x+1)
		default:
			t.eraseRow(t.y, 0, t.w)
		}
		t.wrapNext = false
	case 'X':
		t.eraseRow(t.y, t.x, t.x+p(0, 1))
		t.wrapNext = false
	case 'b':
		for range p(0, 1) {
			t.put(t.last, max(1, min(2, ansi.StringWidth(string(t.last)))))
		}
	case '@':
		n := min(p(0, 1), t.w-t.x)
		row := t.cells[t.y]
		copy(row[t.x+n:], row[t.x:])
		for i := t.x; i < t.x+n; i++ {
			row[i] = cell{r: ' ', bg: t.bg}
		}
		t.wrapNext = false
	case 'P':
		n := min(p(0, 1), t.w-t.x)
		row := t.cells[t.y]
		copy(row[t.x:], row[t.x+n:])
		for i := t.w - n; i < t.w; i++ {
			row[i] = cell{r: ' ', bg: t.bg}
		}
		t.wrapNext = false
	case 'L':
		t.insertLines(t.y, p(0, 1))
		t.x, t.wrapNext = 0, false
	case 'M':
		t.deleteLines(t.y, p(0, 1))
		t.x, t.wrapNext = 0, false
	case 'S':
		t.scrollUp(p(0, 1))
	case 'T':
		t.scrollDown(p(0, 1))
	case 'r':
		top, bot := p(0, 1)-1, p(1, t.h)-1
		if top < bot && bot < t.h {
			t.top, t.bot = top, bot
		} else {
			t.top, t.bot = 0, t.h-1
		}
		t.moveTo(0, 0)
	case 'g':
		switch p0(0) {
		case 0:
			t.tabs[t.x] = false
		case 3:
			clear(t.tabs)
		}
	case 'h', 'l':
		params.ForEach(0, func(_, mode int, _ bool) {
			if mode == 4 {
				t.insert = cmd.Final() == 'h'
			}
		})
	case 's':
		t.sx, t.sy = t.x, t.y
	case 'u':
		t.moveTo(t.sy, t.sx)
	case 'c':
		if p0(0) == 0 && t.reply != nil {
			t.reply("\x1b[?62;4;22c") // a VT220-class terminal with sixel (4)
		}
	case 't':
		if p0(0) == 16 && t.reply != nil {
			t.reply("\x1b[6;16;8t") // cells of 8x16 pixels
		}
	}
}

// sgr follows whether a background colour is set (the rest of the style does not matter here).
func (t *term) sgr(params ansi.Params) {
	if len(params) == 0 {
		t.bg = false
		return
	}
	for i := 0; i < len(params); i++ {
		v := params[i].Param(0)
		switch {
		case v == 0 || v == 49:
			t.bg = false
		case (v >= 40 && v <= 47) || (v >= 100 && v <= 107):
			t.bg = true
		case v == 48:
			t.bg = true
			fallthrough
		case v == 38 || v == 58:
			// colour arguments: 5;N or 2;R;G;B, as separate parameters or sub-parameters (colons)
			if params[i].HasMore() {
				for i < len(params) && params[i].HasMore() {
					i++
				}
				continue
			}
			if i+1 < len(params) {
				switch params[i+1].Param(0) {
				case 5:
					i += 2
				case 2:
					i += 4
				}
			}
		}
	}
}

func (t *term) esc(cmd ansi.Cmd) {
	if cmd.Intermediate() != 0 {
		return
	}
	switch cmd.Final() {
	case '7':
		t.sx, t.sy = t.x, t.y
	case '8':
		t.moveTo(t.sy, t.sx)
	case 'D':
		t.lineFeed()
	case 'E':
		t.x = 0
		t.lineFeed()
	case 'M':
		t.reverseIndex()
	case 'H':
		t.tabs[t.x] = true
	}
}

func (t *term) dcs(cmd ansi.Cmd, _ ansi.Params, data []byte) {
	if cmd.Final() != 'q' || cmd.Intermediate() != 0 || cmd.Prefix() != 0 {
		return
	}
	h := fnv.New64a()
	h.Write(data) // the first 64 KB the parser keeps: header and palette, enough to tell pictures apart
	t.sixels++
	t.lastSixel = h.Sum64()
	if t.onSixel != nil {
		t.onSixel(t.lastSixel)
	}
}

// ---------------------------------------------------------------------------------------------------
// The review screen as the client sees it.

var (
	posRe    = regexp.MustCompile(`(\d+)/(\d+)`)
	countsRe = regexp.MustCompile(`✓(\d+) ✗(\d+)`)
)

// view is what the client reads off the screen.
type view struct {
	ok       bool // the review screen's status bar is there
	pos, n   int
	acc, rej int
	ext      string // the header's item id; "" while it loads
	picture  bool   // blocks: the picture pane shows a complete picture
	status   string
	startScr bool // the start screen (choose a queue) is shown
}

// leftWidth is the review screen's picture pane width (tui: max(24, w*2/5)).
func leftWidth(w int) int { return max(24, w*2/5) }

func readView(t *term, picRows int) view {
	var v view
	full := t.text()
	v.startScr = strings.Contains(full, "Choose a queue")
	status := t.row(t.h - 2)
	v.status = strings.TrimSpace(status)
	m := countsRe.FindStringSubmatch(status)
	pm := posRe.FindStringSubmatch(status)
	if m == nil || pm == nil {
		return v
	}
	v.ok = true
	v.pos, _ = strconv.Atoi(pm[1])
	v.n, _ = strconv.Atoi(pm[2])
	v.acc, _ = strconv.Atoi(m[1])
	v.rej, _ = strconv.Atoi(m[2])
	lw := leftWidth(t.w)
	head := strings.TrimSpace(t.span(0, lw+1, t.w))
	if f := strings.Fields(head); len(f) > 0 && !strings.HasPrefix(f[0], "loading") {
		v.ext = f[0]
	}
	pane := ""
	for y := 0; y < min(picRows, t.h-2); y++ {
		pane += t.span(y, 0, lw) + "\n"
	}
	v.picture = !strings.Contains(pane, "loading") && !strings.Contains(pane, "no picture") &&
		t.painted(0, 0, lw) && t.painted(min(picRows, t.h-2)-1, 0, lw)
	return v
}

// ---------------------------------------------------------------------------------------------------
// One client.

type sample struct {
	key       byte
	ack, full time.Duration
}

type pending struct {
	key        byte
	sent       time.Time
	before     view
	beforeHash uint64
	wantPos    int
	ackAt      time.Time
	chunk0     int      // reads before the key
	stateChunk int      // the read in which the frame's text first matched (sixel: the picture must follow)
	sixels     []sixelE // sixels received since the key
}

type sixelE struct {
	chunk int
	hash  uint64
}

type client struct {
	name     string
	cfg      *runCfg
	mu       sync.Mutex
	t        *term
	in       io.Writer
	inMu     sync.Mutex
	chunk    int
	bytes    int64
	pend     *pending
	samples  []sample
	missed   []string
	skipped  int
	sent     int
	errs     []string
	ready    chan struct{}
	readyAt  time.Time
	enterAt  time.Time
	closed   chan struct{}
	readErr  error
	first    view
	last     view
	cycle    int
	startLat time.Duration
}

type runCfg struct {
	addr       string
	n          int
	dur        time.Duration
	interval   time.Duration
	timeout    time.Duration
	cols, rows int
	picRows    int
	sixel      bool
	debug      bool
	keys       []string // private key files, one per client
}

func (c *client) send(s string) error {
	c.inMu.Lock()
	defer c.inMu.Unlock()
	_, err := io.WriteString(c.in, s)
	return err
}

// reader feeds the server's output to the terminal and checks the pending key after every read.
func (c *client) reader(r io.Reader, start time.Time) {
	defer close(c.closed)
	buf := make([]byte, 64<<10)
	isReady := false
	for {
		k, err := r.Read(buf)
		now := time.Now()
		if k > 0 {
			c.mu.Lock()
			c.chunk++
			c.bytes += int64(k)
			c.t.write(buf[:k])
			v := readView(c.t, c.cfg.picRows)
			if !isReady {
				switch {
				case v.startScr && c.enterAt.IsZero():
					c.enterAt = now
					go c.send("\r")
				case v.ok && v.ext != "" && c.pictureShown(v, nil):
					isReady = true
					c.readyAt, c.startLat = now, now.Sub(start)
					c.first = v
					close(c.ready)
				}
			}
			c.check(v, now)
			c.mu.Unlock()
		}
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			c.mu.Unlock()
			return
		}
	}
}

// pictureShown reports whether the picture of the item on screen has been drawn: blocks, from the
// pane's text; sixel, a new sixel received since the key (p nil: any sixel so far).
func (c *client) pictureShown(v view, p *pending) bool {
	if !c.cfg.sixel {
		return v.picture
	}
	if p == nil {
		return c.t.sixels > 0
	}
	// A sixel after the key is the new picture unless it is the old one drawn again (same bytes); one
	// after the frame that names the new item is the new picture even when it looks the same (two items
	// may share a picture). The renderer may write a picture before the frame that names its item.
	for _, s := range p.sixels {
		if s.hash != p.beforeHash || (p.stateChunk > 0 && s.chunk > p.stateChunk) {
			return true
		}
	}
	return false
}

// check settles the pending key when the screen reflects it. Called with c.mu held.
func (c *client) check(v view, now time.Time) {
	p := c.pend
	if p == nil || !v.ok {
		return
	}
	if strings.Contains(v.status, "error:") && len(c.errs) < 5 && !slices.Contains(c.errs, v.status) {
		c.errs = append(c.errs, v.status)
	}
	var acked bool
	switch p.key {
	case 'a':
		acked = v.acc == p.before.acc+1
	default:
		acked = v.pos == p.wantPos
	}
	if !acked {
		return
	}
	if p.ackAt.IsZero() {
		p.ackAt = now
	}
	if v.ext == "" || v.ext == p.before.ext || v.pos == p.before.pos {
		return
	}
	if p.stateChunk == 0 {
		p.stateChunk = c.chunk
	}
	if !c.pictureShown(v, p) {
		return
	}
	c.samples = append(c.samples, sample{key: p.key, ack: p.ackAt.Sub(p.sent), full: now.Sub(p.sent)})
	if c.cfg.debug {
		fmt.Fprintf(os.Stderr, "%s %c %d/%d -> %d/%d %s: ack %s frame %s (reads %d)\n", c.name, p.key, p.before.pos, p.before.n, v.pos, v.n, v.ext,
			p.ackAt.Sub(p.sent).Round(100*time.Microsecond), now.Sub(p.sent).Round(100*time.Microsecond), c.chunk-p.chunk0)
	}
	c.pend = nil
	c.last = v
}

// press sends the next key of the cycle unless one is pending; it settles a key pending too long.
func (c *client) press(now time.Time) error {
	c.mu.Lock()
	if p := c.pend; p != nil {
		if now.Sub(p.sent) < c.cfg.timeout {
			c.skipped++
			c.mu.Unlock()
			return nil
		}
		v := readView(c.t, c.cfg.picRows)
		what := "no ack"
		if !p.ackAt.IsZero() {
			what = fmt.Sprintf("acked after %s, frame incomplete (ext %q, picture %v, sixels %d)", p.ackAt.Sub(p.sent).Round(time.Millisecond), v.ext, v.picture, len(p.sixels))
		}
		c.missed = append(c.missed, fmt.Sprintf("%s key %q at %d/%d: %s; status %q", c.name, p.key, p.before.pos, p.before.n, what, v.status))
		if c.cfg.debug {
			fmt.Fprintf(os.Stderr, "%s: the screen when key %q was missed:\n%s\n", c.name, p.key, c.t.text())
		}
		c.pend = nil
	}
	v := readView(c.t, c.cfg.picRows)
	if !v.ok || v.ext == "" {
		c.skipped++
		c.mu.Unlock()
		return nil
	}
	if strings.Contains(v.status, "queue done") {
		c.mu.Unlock()
		return nil
	}
	if strings.Contains(v.status, "saving…") { // a missed key's save is still running: wait for it
		c.skipped++
		c.mu.Unlock()
		return nil
	}
	seq := []byte("ajk")
	if v.pos >= v.n {
		seq = []byte("akj")
	}
	key := seq[c.cycle%3]
	if key != 'a' && v.pos <= 1 && v.n > 1 && key == 'k' {
		key = 'j'
	}
	c.cycle++
	p := &pending{key: key, before: v, beforeHash: c.t.lastSixel, wantPos: v.pos}
	switch key {
	case 'j':
		p.wantPos = v.pos + 1
	case 'k':
		p.wantPos = v.pos - 1
	}
	p.sent = time.Now()
	p.chunk0 = c.chunk
	c.pend = p
	c.sent++
	c.mu.Unlock()
	return c.send(string(key))
}

// startSignal starts the clients' keys together: at is set before ch is closed.
type startSignal struct {
	ch chan struct{}
	at time.Time
}

func (c *client) run(ctx context.Context, idx int, done *sync.WaitGroup, start *startSignal, errc chan<- error) {
	defer done.Done()
	fail := func(err error) { errc <- fmt.Errorf("%s: %w", c.name, err) }
	pem, err := os.ReadFile(c.cfg.keys[idx])
	if err != nil {
		fail(err)
		return
	}
	signer, err := gossh.ParsePrivateKey(pem)
	if err != nil {
		fail(err)
		return
	}
	t0 := time.Now()
	conn, err := gossh.Dial("tcp", c.cfg.addr, &gossh.ClientConfig{
		User:            c.name,
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		fail(err)
		return
	}
	defer conn.Close()
	s, err := conn.NewSession()
	if err != nil {
		fail(err)
		return
	}
	defer s.Close()
	if err := s.RequestPty("xterm-256color", c.cfg.rows, c.cfg.cols, gossh.TerminalModes{}); err != nil {
		fail(err)
		return
	}
	out, err := s.StdoutPipe()
	if err != nil {
		fail(err)
		return
	}
	in, err := s.StdinPipe()
	if err != nil {
		fail(err)
		return
	}
	c.in = in
	c.t.reply = func(r string) { go c.send(r) }
	c.t.onSixel = func(h uint64) {
		if c.pend != nil {
			c.pend.sixels = append(c.pend.sixels, sixelE{chunk: c.chunk, hash: h})
		}
	}
	if err := s.Shell(); err != nil {
		fail(err)
		return
	}
	go c.reader(out, t0)
	select {
	case <-c.ready:
	case <-c.closed:
		fail(fmt.Errorf("the session ended before the review screen showed: %v\n%s", c.readErr, c.screen()))
		return
	case <-time.After(30 * time.Second):
		fail(fmt.Errorf("no review screen after 30 s:\n%s", c.screen()))
		return
	case <-ctx.Done():
		return
	}
	select {
	case <-start.ch:
	case <-ctx.Done():
		return
	}
	// Staggered: client idx presses its keys idx/n of an interval after client 0.
	offset := c.cfg.interval * time.Duration(idx) / time.Duration(c.cfg.n)
	next := start.at.Add(offset)
	for {
		select {
		case <-ctx.Done():
			c.finish()
			_ = c.send("q")
			return
		case <-c.closed:
			fail(fmt.Errorf("session ended: %v", c.readErr))
			return
		case <-time.After(time.Until(next)):
		}
		if err := c.press(time.Now()); err != nil {
			fail(err)
			return
		}
		next = next.Add(c.cfg.interval)
	}
}

// finish waits for the pending key (up to the timeout) and reads the final status bar.
func (c *client) finish() {
	deadline := time.Now().Add(c.cfg.timeout)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		p := c.pend
		c.mu.Unlock()
		if p == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.pend; p != nil {
		c.missed = append(c.missed, fmt.Sprintf("%s key %q at the end: no frame", c.name, p.key))
		c.pend = nil
	}
	c.last = readView(c.t, c.cfg.picRows)
}

func (c *client) screen() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t.text()
}

// ---------------------------------------------------------------------------------------------------
// The server's memory and CPU, from /proc.

type procStat struct {
	rss, hwm int64   // kB
	cpu      float64 // seconds, user + system
}

func readProc(pid int) (procStat, error) {
	var ps procStat
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 {
			switch f[0] {
			case "VmRSS:":
				ps.rss, _ = strconv.ParseInt(f[1], 10, 64)
			case "VmHWM:":
				ps.hwm, _ = strconv.ParseInt(f[1], 10, 64)
			}
		}
	}
	b, err = os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 (state) on
	if len(f) > 13 {
		ut, _ := strconv.ParseFloat(f[11], 64) // field 14
		st, _ := strconv.ParseFloat(f[12], 64) // field 15
		ps.cpu = (ut + st) / 100               // USER_HZ is 100 on Linux
	}
	return ps, nil
}

// ---------------------------------------------------------------------------------------------------

func pct(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(q*float64(len(d))+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func line(label string, d []time.Duration) string {
	d = slices.Clone(d)
	slices.Sort(d)
	if len(d) == 0 {
		return fmt.Sprintf("  %-22s n=0", label)
	}
	return fmt.Sprintf("  %-22s n=%-5d p50 %6s  p95 %6s  p99 %6s  max %6s ms", label, len(d), ms(pct(d, .5)), ms(pct(d, .95)), ms(pct(d, .99)), ms(d[len(d)-1]))
}

func runCmd(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	cfg := &runCfg{}
	keysDir := fs.String("keys", "", "folder of private keys named NAME (one client per key, in name order)")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:2323", "server address")
	fs.IntVar(&cfg.n, "n", 16, "clients")
	fs.DurationVar(&cfg.dur, "duration", 60*time.Second, "how long the clients press keys")
	fs.DurationVar(&cfg.interval, "interval", 500*time.Millisecond, "time between one client's keys")
	fs.DurationVar(&cfg.timeout, "timeout", 2*time.Second, "a key whose frame has not arrived by then is missed")
	fs.IntVar(&cfg.cols, "cols", 150, "terminal columns")
	fs.IntVar(&cfg.rows, "rows", 32, "terminal rows")
	fs.IntVar(&cfg.picRows, "pic-rows", 0, "rows of the picture in its pane (default: the pane's, rows-2)")
	proto := fs.String("protocol", "blocks", "the server's picture protocol: blocks or sixel")
	pid := fs.Int("pid", 0, "the server's process id (memory and CPU from /proc)")
	fs.BoolVar(&cfg.debug, "debug", false, "print the screen of every missed key")
	target := fs.Duration("target", 0, "the p95 key-to-frame target: print whether it is met, exit 3 if not")
	ackedOut := fs.String("acked", "", "write the decisions each screen acknowledged here (JSON)")
	fs.Parse(args)
	cfg.sixel = *proto == "sixel"
	if cfg.picRows <= 0 {
		cfg.picRows = cfg.rows - 2
	}
	ents, err := os.ReadDir(*keysDir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && !strings.HasSuffix(e.Name(), ".pub") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) < cfg.n {
		return fmt.Errorf("%d keys in %s, want %d", len(names), *keysDir, cfg.n)
	}
	names = names[:cfg.n]
	for _, n := range names {
		cfg.keys = append(cfg.keys, filepath.Join(*keysDir, n))
	}

	var ps0 procStat
	if *pid > 0 {
		ps0, _ = readProc(*pid)
	}
	clients := make([]*client, cfg.n)
	for i := range clients {
		clients[i] = &client{name: names[i], cfg: cfg, t: newTerm(cfg.cols, cfg.rows), ready: make(chan struct{}), closed: make(chan struct{})}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, cfg.n)
	var wg sync.WaitGroup
	// Everyone connects first (the start of the sessions is reported apart), then the clock starts.
	go_ := &startSignal{ch: make(chan struct{})}
	for i, c := range clients {
		wg.Add(1)
		go c.run(ctx, i, &wg, go_, errc)
	}
	for _, c := range clients {
		select {
		case <-c.ready:
		case err := <-errc:
			cancel()
			return err
		case <-time.After(60 * time.Second):
			cancel()
			return fmt.Errorf("%s: no review screen after 60 s", c.name)
		}
	}
	startAll := time.Now().Add(100 * time.Millisecond)
	go_.at = startAll
	close(go_.ch)
	var ps1 procStat
	if *pid > 0 {
		ps1, _ = readProc(*pid)
	}
	// Sample the server during the run.
	var peakRSS int64
	stopSample := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		if *pid <= 0 {
			return
		}
		tk := time.NewTicker(250 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stopSample:
				return
			case <-tk.C:
				if ps, err := readProc(*pid); err == nil {
					peakRSS = max(peakRSS, ps.rss)
				}
			}
		}
	}()
	var runErr error
	select {
	case <-time.After(time.Until(startAll) + cfg.dur):
	case runErr = <-errc:
	}
	measured := time.Since(startAll)
	var ps2 procStat
	if *pid > 0 {
		ps2, _ = readProc(*pid)
	}
	cancel()
	wg.Wait()
	close(stopSample)
	<-sampled
	if runErr == nil {
		select {
		case runErr = <-errc:
		default:
		}
	}
	var ps3 procStat
	if *pid > 0 {
		time.Sleep(500 * time.Millisecond)
		ps3, _ = readProc(*pid)
	}

	// Report.
	var ackD, ackM, fullD, fullM, fullAll, startLat []time.Duration
	var sent, skipped, missed, acked int
	var bytesTotal int64
	var startScreens int
	var missedLines, errLines []string
	ackedBy := map[string]int{}
	for _, c := range clients {
		c.mu.Lock()
		for _, s := range c.samples {
			fullAll = append(fullAll, s.full)
			if s.key == 'a' {
				ackD, fullD = append(ackD, s.ack), append(fullD, s.full)
			} else {
				ackM, fullM = append(ackM, s.ack), append(fullM, s.full)
			}
		}
		sent += c.sent
		skipped += c.skipped
		missed += len(c.missed)
		missedLines = append(missedLines, c.missed...)
		errLines = append(errLines, c.errs...)
		a := 0
		if c.last.ok {
			a = c.last.acc - c.first.acc
		}
		ackedBy[c.name] = a
		acked += a
		bytesTotal += c.bytes
		startLat = append(startLat, c.startLat)
		if !c.enterAt.IsZero() {
			startScreens++
		}
		c.mu.Unlock()
	}
	proto2 := "blocks"
	if cfg.sixel {
		proto2 = "sixel"
	}
	fmt.Printf("sshload: %d clients, %s terminals (picture pane %dx%d cells), %s, one key per %s each, %s measured\n",
		cfg.n, fmt.Sprintf("%dx%d", cfg.cols, cfg.rows), leftWidth(cfg.cols), cfg.rows-2, proto2, cfg.interval, measured.Round(time.Millisecond))
	fmt.Println(line("session start (conn→screen)", startLat))
	fmt.Printf("  (%d of %d sessions opened on the start screen, answered with Enter)\n", startScreens, cfg.n)
	fmt.Println("key → frame with the new item and its picture:")
	fmt.Println(line("all keys", fullAll))
	fmt.Println(line("accept (a)", fullD))
	fmt.Println(line("move (j/k)", fullM))
	fmt.Println("key → status bar acknowledges (a: ✓ count; j/k: position):")
	fmt.Println(line("accept (a)", ackD))
	fmt.Println(line("move (j/k)", ackM))
	fmt.Printf("keys sent %d, frames %d, missed (no frame within %s) %d, ticks skipped (a key still pending) %d\n",
		sent, len(fullAll), cfg.timeout, missed, skipped)
	fmt.Printf("decisions acknowledged by the screens %d (%.2f/s)\n", acked, float64(acked)/measured.Seconds())
	perClient := float64(bytesTotal) / float64(cfg.n)
	frames := max(1, len(fullAll))
	fmt.Printf("received %.1f MB in all, %.2f MB per client, %.1f KB per client per item shown\n",
		float64(bytesTotal)/1e6, perClient/1e6, float64(bytesTotal)/float64(frames)/1e3)
	if *pid > 0 {
		cpu := ps2.cpu - ps1.cpu
		fmt.Printf("server: RSS %.1f MB after connect, peak %.1f MB sampled during the run, %.1f MB at the end of the run, %.1f MB after the sessions closed; VmHWM %.1f MB\n",
			float64(ps1.rss)/1024, float64(peakRSS)/1024, float64(ps2.rss)/1024, float64(ps3.rss)/1024, float64(ps3.hwm)/1024)
		fmt.Printf("server: CPU %.2f s over %s = %.2f cores; %.2f CPU-s per session per minute (connect and start: %.2f s)\n",
			cpu, measured.Round(time.Millisecond), cpu/measured.Seconds(), cpu/float64(cfg.n)/measured.Minutes(), ps1.cpu-ps0.cpu)
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		self := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		fmt.Printf("sshload itself: CPU %.2f s (on the same machine)\n", self.Seconds())
	}
	for i, l := range missedLines {
		if i == 10 {
			fmt.Printf("  ... %d more missed\n", len(missedLines)-10)
			break
		}
		fmt.Println("  missed:", l)
	}
	for _, l := range errLines {
		fmt.Println("  error on screen:", l)
	}
	if runErr == nil && *target > 0 {
		d := slices.Clone(fullAll)
		slices.Sort(d)
		p95 := pct(d, .95)
		verdict := "met"
		if p95 >= *target || missed > 0 {
			verdict = "NOT met"
			runErr = errTarget
		}
		fmt.Printf("target: p95 key → frame %s ms < %s ms with no missed frame: %s\n", ms(p95), ms(*target), verdict)
	}
	if *ackedOut != "" {
		b, _ := json.MarshalIndent(ackedBy, "", "  ")
		if err := os.WriteFile(*ackedOut, b, 0o644); err != nil {
			return err
		}
	}
	return runErr
}

var errTarget = errors.New("the latency target was not met")

func overlapCmd(args []string) error {
	fs := flag.NewFlagSet("overlap", flag.ExitOnError)
	db := fs.String("db", "", "workspace")
	queue := fs.String("queue", "", "queue")
	k := fs.Int("k", 2, "annotators per item")
	fs.Parse(args)
	ctx := context.Background()
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.SetOverlap(ctx, *queue, *k)
}

func countCmd(args []string) error {
	fs := flag.NewFlagSet("count", flag.ExitOnError)
	db := fs.String("db", "", "workspace")
	queue := fs.String("queue", "", "queue")
	ackedIn := fs.String("acked", "", "the acknowledged decisions (sshload run -acked)")
	fs.Parse(args)
	acked := map[string]int{}
	if *ackedIn != "" {
		b, err := os.ReadFile(*ackedIn)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &acked); err != nil {
			return err
		}
	}
	h, err := sql.Open("sqlite3", "file:"+*db+"?mode=ro")
	if err != nil {
		return err
	}
	defer h.Close()
	rows, err := h.Query(`SELECT a.name, count(*) FROM events e
		JOIN annotators a ON a.id = e.annotator_id
		JOIN queues q ON q.id = e.queue_id
		JOIN dimensions d ON d.id = e.dimension_id
		WHERE q.name = ? AND d.name = 'decision' AND e.kind = 'set'
		GROUP BY a.name`, *queue)
	if err != nil {
		return err
	}
	defer rows.Close()
	stored := map[string]int{}
	for rows.Next() {
		var n string
		var c int
		if err := rows.Scan(&n, &c); err != nil {
			return err
		}
		stored[n] = c
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var names []string
	for n := range acked {
		names = append(names, n)
	}
	for n := range stored {
		if _, ok := acked[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var ta, ts, lost, extra int
	var per bytes.Buffer
	for _, n := range names {
		a, s := acked[n], stored[n]
		ta, ts = ta+a, ts+s
		if a > s {
			lost += a - s
		} else {
			extra += s - a
		}
		fmt.Fprintf(&per, " %s %d/%d", n, a, s)
	}
	var dup int
	if err := h.QueryRow(`SELECT count(*) FROM (SELECT e.item_id FROM events e
		JOIN queues q ON q.id = e.queue_id JOIN dimensions d ON d.id = e.dimension_id
		WHERE q.name = ? AND d.name = 'decision' AND e.kind = 'set'
		GROUP BY e.item_id, e.annotator_id HAVING count(*) > 1)`, *queue).Scan(&dup); err != nil {
		return err
	}
	var over int
	if err := h.QueryRow(`SELECT count(*) FROM (SELECT e.item_id, count(DISTINCT e.annotator_id) k FROM events e
		JOIN queues q ON q.id = e.queue_id JOIN dimensions d ON d.id = e.dimension_id
		WHERE q.name = ? AND d.name = 'decision' AND e.kind = 'set'
		GROUP BY e.item_id) x JOIN queues q ON q.name = ? WHERE x.k > q.overlap`, *queue, *queue).Scan(&over); err != nil {
		return err
	}
	fmt.Printf("decisions: acknowledged %d, stored %d, lost %d, stored but not acknowledged %d; items decided twice by one annotator %d, items past the overlap %d\n",
		ta, ts, lost, extra, dup, over)
	fmt.Printf("  per annotator (acknowledged/stored):%s\n", per.String())
	if lost > 0 {
		return errors.New("decisions were lost")
	}
	return nil
}

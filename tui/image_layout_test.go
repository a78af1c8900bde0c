package tui

import (
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"weak"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/termimg"
)

// termWrites runs cmd's tree like bubbletea would, feeding the model its messages, and returns what it
// writes with tea.Raw and whether it asked for the screen to be cleared (and repainted).
func termWrites(m *Model, cmd tea.Cmd) (raw string, cleared bool) {
	var out strings.Builder
	drain(cmd, 0, func(msg tea.Msg) tea.Cmd {
		switch msg := msg.(type) {
		case tea.RawMsg:
			out.WriteString(msg.Msg.(string))
		case itemMsg, imageMsg, rawMsg, savedMsg:
			_, next := m.Update(msg)
			return next
		default:
			if fmt.Sprintf("%T", msg) == "tea.clearScreenMsg" {
				cleared = true
			}
		}
		return nil
	})
	return out.String(), cleared
}

var reECH = regexp.MustCompile(`\x1b\[(\d+)X`)

// widestErase is the most columns a raw write erases with ECH (from column 1).
func widestErase(raw string) int {
	n := 0
	for _, m := range reECH.FindAllStringSubmatch(raw, -1) {
		v, _ := strconv.Atoi(m[1])
		n = max(n, v)
	}
	return n
}

// Issue #15 (10a): after z z the right pane's columns over the zoomed picture stayed blank: the zoomed
// picture was erased with ECH 30 ms after the frame of the new layout had drawn the text there. A
// layout change must erase the old picture with (or before) the new frame, never after it.
func TestLayoutChangeErasesOldPictureWithTheFrame(t *testing.T) {
	st := pictureQueue(t, 3)
	m := openWith(t, st, termimg.Caps{Protocol: termimg.Sixel, Cell: termimg.CellSize{W: 8, H: 16}})
	termWrites(m, m.Init())
	_, cmd := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	termWrites(m, cmd)
	_, cmd = m.Update(key("z"))
	raw, _ := termWrites(m, cmd)
	if !strings.Contains(raw, "\x1bP") || m.image.drawn == nil || m.image.drawn.Fit.Cols <= m.leftWidth() {
		t.Fatalf("zoomed picture not drawn wider than the pane: %+v", m.image.drawn)
	}
	_, cmd = m.Update(key("z"))
	raw, cleared := termWrites(m, cmd)
	if n := widestErase(raw); n > m.leftWidth() {
		t.Errorf("un-zoom erases %d columns after the frame (the right pane starts at %d)", n, m.leftWidth()+2)
	}
	if !cleared {
		t.Error("un-zoom did not have the frame repaint the screen over the zoomed picture")
	}
	if !strings.Contains(raw, "\x1bP") {
		t.Error("the pane's picture was not drawn again")
	}
	// A narrower window: the old picture reached into what is now the right pane.
	_, cmd = m.Update(tea.WindowSizeMsg{Width: 90, Height: 30})
	raw, cleared = termWrites(m, cmd)
	if n := widestErase(raw); n > m.leftWidth() || !cleared {
		t.Errorf("resize: erases %d columns after the frame (pane %d), cleared %v", n, m.leftWidth(), cleared)
	}
	if m.image.drawn == nil {
		t.Fatal("no picture after the resize")
	}
	// An overlay (help) is drawn after the picture is gone, not erased after it.
	_, cmd = m.Update(key("?"))
	raw, cleared = termWrites(m, cmd)
	if n := widestErase(raw); n > 0 || !cleared {
		t.Errorf("help: erases %d columns after the frame, cleared %v", n, cleared)
	}
}

// update is the root model's Update followed by the image pane's check, as the screen's Update ends.
func updateChecked(m *Model, msg tea.Msg) tea.Cmd {
	_, cmd := m.Update(msg)
	return tea.Batch(cmd, m.image.afterUpdate(m))
}

// Issue #15 (10b): t (caption language) or tab on a PRISM item erased rows of the sixel picture: the
// renderer repaints lines holding wide (CJK) characters from their first column, over the picture's
// cells, and nothing drew the picture again.
func TestTextChangeDrawsSixelAgain(t *testing.T) {
	st := pictureQueue(t, 3)
	m := openWith(t, st, termimg.Caps{Protocol: termimg.Sixel, Cell: termimg.CellSize{W: 8, H: 16}})
	termWrites(m, m.Init())
	termWrites(m, updateChecked(m, tea.WindowSizeMsg{Width: 160, Height: 40}))
	// (160 columns: the picture pane is 64 wide, the picture 24 rows tall - over the prompt's rows)
	termWrites(m, updateChecked(m, key("space"))) // on to the next item
	d := m.cur()
	if d == nil || m.image.drawn == nil {
		t.Fatal("no picture drawn")
	}
	d.texts = append(d.texts, review.Text{Kind: "prompt", Lang: "en", Body: "a cat on a windowsill"},
		review.Text{Kind: "prompt", Lang: "zh", Body: "一只猫坐在窗台上，阳光照在它的毛上"})
	termWrites(m, updateChecked(m, key("i"))) // any update (a flash: no guidelines): the pane learns the frame
	// t shows the Chinese prompt (rows with wide characters, repainted whole), tab changes the focus
	// while they are shown, t goes back (the rows that held them are repainted): the picture is drawn
	// again each time. Then tab with English text changes cells right of the picture only: it is not
	// sent again (#19: bandwidth over SSH).
	for i, k := range []string{"t", "tab", "t", "tab"} {
		raw, _ := termWrites(m, updateChecked(m, key(k)))
		if want := i < 3; strings.Contains(raw, "\x1bP") != want {
			t.Fatalf("key %d (%s): sixel picture drawn again %v, want %v", i, k, !want, want)
		}
		if n := widestErase(raw); n > m.leftWidth() {
			t.Fatalf("key %s erases %d columns", k, n)
		}
	}
	// Nothing changed: nothing is drawn.
	if raw, _ := termWrites(m, m.image.afterUpdate(m)); raw != "" {
		t.Fatalf("an unchanged frame drew %d bytes", len(raw))
	}
}

func TestPictureDamage(t *testing.T) {
	left := "\x1b[8m" + strings.Repeat(" ", 10) + "\x1b[28m│"
	a := []string{left + "title", left + "a cat", left + "", "status 1/3"}
	for _, tc := range []struct {
		name string
		next []string
		rows int
		want bool
	}{
		{"same frame", a, 3, false},
		{"status only", []string{a[0], a[1], a[2], "status 2/3"}, 3, false},
		{"row under the picture, changed beside it", []string{a[0], left + "a dog", a[2], a[3]}, 3, false},
		{"row under the picture, changed in it", []string{a[0], "\x1b[8m" + strings.Repeat(" ", 9) + "x\x1b[28m│a cat", a[2], a[3]}, 3, true},
		{"row below the picture", []string{a[0], a[1], left + "x", a[3]}, 2, false},
	} {
		if got := pictureDamaged(a, tc.next, tc.rows, 10); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
	cjk := []string{left + "title", left + "一只猫", left + "", "status 1/3"}
	if !pictureDamaged(cjk, []string{cjk[0], cjk[1], cjk[2], "status 2/3"}, 3, 10) {
		t.Error("a row with wide characters is repainted whole whenever the frame changes")
	}
	// styles opening the cell right of the picture do not count as a change in it
	styled := []string{left + "\x1b[7m\x1b[mtitle", a[1], a[2], a[3]}
	if pictureDamaged(a, styled, 3, 10) {
		t.Error("a style change right of the picture counted as damage")
	}
	if repaintsWhole(left+"café ── │ naïve") || !repaintsWhole(left+"🐱") {
		t.Error("width check")
	}
}

// Issue #15 (memory): kitty transmissions were remembered by their rendering, which kept up to 256
// pictures' bytes alive beyond the cache's budget.
func TestSentKittyPicturesAreNotKeptAlive(t *testing.T) {
	st := pictureQueue(t, 6)
	m := openWith(t, st, termimg.Caps{Protocol: termimg.Kitty, Placeholders: true, Cell: termimg.CellSize{W: 8, H: 16}})
	m.image.cache.Close()
	m.image.cache = termimg.NewCache(m.image.opts, m.image.ids, true, 1, 1) // keeps only the newest
	termWrites(m, m.Init())
	termWrites(m, updateChecked(m, tea.WindowSizeMsg{Width: 100, Height: 30}))
	first := m.image.shown
	if first == nil || first.Transmit == nil {
		t.Fatal("no kitty picture shown")
	}
	w := weak.Make(first)
	first = nil
	for range 4 {
		termWrites(m, updateChecked(m, key("j")))
	}
	runtime.GC()
	runtime.GC()
	if w.Value() != nil {
		t.Fatal("a picture shown earlier and evicted from the cache is still in memory")
	}
	runtime.KeepAlive(m) // the screen, and all it holds, is alive while the check runs
}

// Issue #15 (10d): the screen's renderer gets termimg's colour profile (TERM=xterm: 256 colours, as
// `loupe view` draws), not bubbletea's own guess (16 colours for TERM=xterm).
func TestScreenColorProfileIsTermimgs(t *testing.T) {
	env := func(k string) string { return map[string]string{"TERM": "xterm"}[k] }
	caps := termimg.Detect(nil, termimg.Blocks, env, 0)
	p := newImagePane(caps, nil)
	defer p.cache.Close()
	if got := p.colorProfile(); got.String() != "ANSI256" {
		t.Fatalf("TERM=xterm: the screen renders with %v", got)
	}
}

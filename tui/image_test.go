package tui

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/store/storetest"
	"github.com/loupe-dev/loupe/termimg"
)

// pictureQueue makes queue "q" of n items with a small PNG each.
func pictureQueue(t testing.TB, n int) *store.Store {
	t.Helper()
	st := storetest.Open(t)
	dir := t.TempDir()
	var cands []review.Candidate
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		for y := range 48 {
			for x := range 64 {
				img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8(i * 40), 255})
			}
		}
		path := filepath.Join(dir, "p"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".png")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
		id, _, err := store.InsertItem(ctx, st.DB, store.NewItem{ExtID: filepath.Base(path), Kind: review.Sample, ImagePath: path, Scores: review.NoScores})
		if err != nil {
			t.Fatal(err)
		}
		cands = append(cands, review.Candidate{ID: id})
	}
	if _, err := st.CreateQueue(ctx, store.QueueSpec{Name: "q", Strategy: "random", Seed: 1}, cands); err != nil {
		t.Fatal(err)
	}
	return st
}

func openWith(t testing.TB, st *store.Store, caps termimg.Caps) *Model {
	ses, err := st.OpenSession(ctx, "q", "ana")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ctx, Config{Session: session(st, ses), Caps: caps, Start: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.image.cache.Close)
	return m
}

// rawWrites runs cmd's tree and returns what it would write to the terminal with tea.Raw.
func rawWrites(t *testing.T, m *Model, cmd tea.Cmd) string {
	var out strings.Builder
	drain(cmd, 0, func(msg tea.Msg) tea.Cmd {
		switch msg := msg.(type) {
		case tea.RawMsg:
			out.WriteString(msg.Msg.(string))
		case itemMsg, imageMsg, rawMsg, savedMsg:
			_, next := m.Update(msg)
			return next
		}
		return nil
	})
	return out.String()
}

func TestSixelDrawnAfterFrameAndWiped(t *testing.T) {
	st := pictureQueue(t, 3)
	m := openWith(t, st, termimg.Caps{Protocol: termimg.Sixel, Cell: termimg.CellSize{W: 8, H: 16}})
	raw := rawWrites(t, m, m.Init())
	_, cmd := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	raw += rawWrites(t, m, cmd)
	if !strings.Contains(raw, "\x1b7\x1b[1;1H\x1bP") {
		t.Fatalf("no sixel drawn at the pane's corner: %q", raw[:min(len(raw), 80)])
	}
	if v := m.render(); strings.Contains(v, "\x1bP") {
		t.Fatal("sixel data inside the frame")
	}
	_, cmd = m.Update(key("j"))
	raw = rawWrites(t, m, cmd)
	if !strings.Contains(raw, "X\x1b8") || !strings.Contains(raw, "\x1bP") {
		t.Fatalf("moving did not wipe the old picture and draw the next: %q", raw[:min(len(raw), 80)])
	}
	_, cmd = m.Update(key("?"))
	if _, cleared := termWrites(m, cmd); !cleared {
		t.Fatal("help did not clear the picture")
	}
}

func TestBlocksPictureInFrame(t *testing.T) {
	st := pictureQueue(t, 2)
	m := openWith(t, st, termimg.Caps{Protocol: termimg.Blocks, Cell: termimg.CellSize{W: 8, H: 16}, Profile: termimg.TrueColor})
	rawWrites(t, m, m.Init())
	_, cmd := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	rawWrites(t, m, cmd)
	if v := m.render(); !strings.Contains(v, "\x1b[38;2;") || strings.Contains(v, "loading picture") {
		t.Fatal("blocks picture not in the frame")
	}
}

// BenchmarkNavigate drives the model: one op is a move to the next item with its picture rendered
// (text blocks, 80x24), prefetching included; the queue wraps around.
func BenchmarkNavigate(b *testing.B) {
	st := pictureQueue(b, 50)
	m := openWith(b, st, termimg.Caps{Protocol: termimg.Blocks, Cell: termimg.CellSize{W: 8, H: 16}, Profile: termimg.TrueColor})
	settle := func(cmd tea.Cmd) {
		drain(cmd, 0, func(msg tea.Msg) tea.Cmd {
			switch msg.(type) {
			case itemMsg, imageMsg:
				_, next := m.Update(msg)
				return next
			}
			return nil
		})
	}
	settle(m.Init())
	_, cmd := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	settle(cmd)
	b.ResetTimer()
	for range b.N {
		k := key("j")
		if m.pos == len(m.ids)-1 {
			k = key("g")
		}
		_, cmd := m.Update(k)
		settle(cmd)
		_ = m.render()
	}
}

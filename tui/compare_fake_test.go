package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/termimg"
)

// fakePairs is a PairSession in memory: pairs of two models' pictures, one annotator, leases that
// hand out the lowest pair not answered in full (the ones held first, as the workspace's do).
type fakePairs struct {
	mu      sync.Mutex
	info    review.PairInfo
	pairs   []review.Pair
	choices map[int]map[string]review.Choice
	stack   map[int][]string // per pair, the dimensions chosen in order (Undo withdraws the latest)
	old     map[int]map[string][]review.Choice
	notes   map[int][]string
	held    map[int]bool
	log     []string // the writes, in order: "choose 0 overall left", "undo 0", "mark 0 note hi"
	refuse  error    // Choose returns it when set
	pics    map[int64][]byte
	size    int // pictures' side in pixels
}

var _ PairSession = (*fakePairs)(nil)

// newFakePairs makes n pairs of models "model-alpha" (A) and "model-beta" (B); A is on the left on
// even positions. dims empty: overall.
func newFakePairs(n int, dims ...string) *fakePairs {
	if len(dims) == 0 {
		dims = []string{review.PairDimensionOverall}
	}
	f := &fakePairs{info: review.PairInfo{Queue: "arena", Annotator: "ana", Dimensions: dims, Overlap: 1, Blind: true, Pairs: n},
		choices: map[int]map[string]review.Choice{}, stack: map[int][]string{}, old: map[int]map[string][]review.Choice{},
		notes: map[int][]string{}, held: map[int]bool{}, pics: map[int64][]byte{}, size: 64}
	for i := range n {
		f.pairs = append(f.pairs, review.Pair{Queue: "arena", Pos: i, PromptID: int64(100 + i), PromptKey: fmt.Sprintf("prism/en/imagination/%d", i),
			Prompt: fmt.Sprintf("A lighthouse number %d on a cliff at dusk, \x1b[31mwaves\x1b[0m crashing below, seen from the sea", i+1),
			Track:  "imagination", Lang: "en",
			A:     review.PairSide{Item: int64(1000 + 2*i), ExtID: fmt.Sprintf("a-%d", i), Model: "model-alpha"},
			B:     review.PairSide{Item: int64(1001 + 2*i), ExtID: fmt.Sprintf("b-%d", i), Model: "model-beta"},
			ALeft: i%2 == 0})
	}
	return f
}

func (f *fakePairs) Info() review.PairInfo { return f.info }

func (f *fakePairs) completeLocked(pos int) bool {
	for _, d := range f.info.Dimensions {
		if !f.choices[pos][d].Valid() {
			return false
		}
	}
	return true
}

func (f *fakePairs) Lease(_ context.Context, _ time.Duration, except int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, held := range []bool{true, false} {
		for i := range f.pairs {
			if i != except && !f.completeLocked(i) && f.held[i] == held {
				f.held[i] = true
				return i, nil
			}
		}
	}
	return -1, nil
}

func (f *fakePairs) Pair(_ context.Context, pos int) (review.Pair, error) {
	if pos < 0 || pos >= len(f.pairs) {
		return review.Pair{}, fmt.Errorf("no pair %d", pos)
	}
	return f.pairs[pos], nil
}

// picture is a size x size PNG of an item: a gradient with noise, different per item.
func picture(item int64, size int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	rng := rand.New(rand.NewPCG(uint64(item), 7))
	base := uint8(item * 37)
	for y := range size {
		for x := range size {
			n := uint8(rng.IntN(24))
			img.Set(x, y, color.RGBA{base + uint8(x*255/size) + n, uint8(y*255/size) + n, base ^ uint8((x+y)*127/size), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func (f *fakePairs) Picture(_ context.Context, item int64) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b, ok := f.pics[item]; ok {
		return b, nil
	}
	b := picture(item, f.size)
	f.pics[item] = b
	return b, nil
}

func (f *fakePairs) Choose(_ context.Context, pos int, dim string, c review.Choice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse != nil {
		return f.refuse
	}
	if !slices.Contains(f.info.Dimensions, dim) {
		return fmt.Errorf("no dimension %q", dim)
	}
	if f.choices[pos] == nil {
		f.choices[pos], f.old[pos] = map[string]review.Choice{}, map[string][]review.Choice{}
	}
	f.old[pos][dim] = append(f.old[pos][dim], f.choices[pos][dim])
	f.choices[pos][dim] = c
	f.stack[pos] = append(f.stack[pos], dim)
	f.log = append(f.log, fmt.Sprintf("choose %d %s %s", pos, dim, c))
	return nil
}

func (f *fakePairs) Undo(_ context.Context, pos int) (review.PairUndone, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stack[pos]
	if len(s) == 0 {
		return review.PairUndone{}, fmt.Errorf("nothing to undo on pair %d", pos)
	}
	dim := s[len(s)-1]
	f.stack[pos] = s[:len(s)-1]
	u := review.PairUndone{Pos: pos, Dimension: dim, New: f.choices[pos][dim].String(), Old: "none"}
	olds := f.old[pos][dim]
	prev := olds[len(olds)-1]
	f.old[pos][dim] = olds[:len(olds)-1]
	if prev.Valid() {
		f.choices[pos][dim], u.Old = prev, prev.String()
	} else {
		delete(f.choices[pos], dim)
	}
	f.log = append(f.log, fmt.Sprintf("undo %d", pos))
	return u, nil
}

func (f *fakePairs) Mark(_ context.Context, pos int, kind, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes[pos] = append(f.notes[pos], kind+": "+text)
	f.log = append(f.log, fmt.Sprintf("mark %d %s %s", pos, kind, text))
	return nil
}

func (f *fakePairs) Choices(_ context.Context, pos int) (map[string]review.Choice, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]review.Choice{}
	for k, v := range f.choices[pos] {
		out[k] = v
	}
	return out, nil
}

func (f *fakePairs) Notes(_ context.Context, pos int) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.notes[pos]), nil
}

func (f *fakePairs) Progress(context.Context) (review.PairProgress, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := review.PairProgress{Total: len(f.pairs)}
	for i := range f.pairs {
		if f.completeLocked(i) {
			p.Mine++
			p.Complete++
		}
	}
	return p, nil
}

// Reveal: a judge's scores (7 for model-alpha, 4 for model-beta) and a pairwise judge preferring
// model-alpha, told in the sides shown.
func (f *fakePairs) Reveal(_ context.Context, pos int) (review.PairReveal, error) {
	p := f.pairs[pos]
	l, r := p.Left(), p.Right()
	score := map[string]float64{"model-alpha": 7, "model-beta": 4}
	pick := "right"
	if p.ALeft {
		pick = "left"
	}
	return review.PairReveal{LeftModel: l.Model, RightModel: r.Model,
		Scores: []review.PairScore{{Rater: "judge-x", Dimension: "prism_alignment", Left: score[l.Model], Right: score[r.Model], HasLeft: true, HasRight: true}},
		Judges: []review.PairJudgeAnswer{{Rater: "pw-judge", Dimension: "overall", LeftFirst: true, Pick: pick}}}, nil
}

// writes returns the fake's log.
func (f *fakePairs) writes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

// errRefused is what a fake refusing answers says.
var errRefused = errors.New("pair 1: this pair already has the answers the queue asks for (1)")

// openCompare opens the comparison screen on f at w x h with Unicode-block pictures and runs its start.
func openCompare(t testing.TB, f *fakePairs, w, h int) *Compare {
	t.Helper()
	m, err := NewCompare(ctx, CompareConfig{Session: f, Caps: termimg.Caps{Protocol: termimg.Blocks, Profile: termimg.ANSI256, Cell: termimg.CellSize{W: 8, H: 16}}, NoColor: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	runCmp(t, m, m.Init())
	sendCmp(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// runCmp executes cmd and everything it leads to, synchronously, feeding the screen's messages to m.
func runCmp(t testing.TB, m *Compare, cmd tea.Cmd) {
	t.Helper()
	if !drain(cmd, 500, func(msg tea.Msg) tea.Cmd {
		switch msg.(type) {
		case cmpPairMsg, cmpAheadMsg, cmpLeasedMsg, cmpSavedMsg, cmpProgressMsg, cmpImageMsg, cmpRawMsg, tea.WindowSizeMsg, tea.KeyPressMsg:
			_, next := m.Update(msg)
			return next
		}
		return nil
	}) {
		t.Fatal("commands do not settle")
	}
}

func sendCmp(t testing.TB, m *Compare, msg tea.Msg) {
	t.Helper()
	_, cmd := m.Update(msg)
	runCmp(t, m, cmd)
}

func pressCmp(t testing.TB, m *Compare, keys ...string) {
	t.Helper()
	for _, k := range keys {
		sendCmp(t, m, cmpKey(k))
	}
}

// cmpKey builds a key press as bubbletea v2 reports it, arrows and shift+tab included.
func cmpKey(s string) tea.KeyPressMsg {
	switch s {
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	}
	return key(s)
}

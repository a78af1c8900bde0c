package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/termimg"
)

// fakeSession is a Session in memory: three items, one annotator, no workspace.
type fakeSession struct {
	items  []int64
	state  map[int64]int8
	done   []int64  // items decided, in order (Undo withdraws the latest)
	log    []string // the calls that write
	info   review.SessionInfo
	labels map[int64][]review.Label // extra labels per item
	agree  review.AgreementCount
	refuse error // Record of a decision returns this when set
}

var _ Session = (*fakeSession)(nil)

func newFake() *fakeSession {
	return &fakeSession{items: []int64{11, 12, 13}, state: map[int64]int8{}, labels: map[int64][]review.Label{},
		info: review.SessionInfo{Queue: "fq", Annotator: "fay", Overlap: 1}}
}

func (f *fakeSession) Info() review.SessionInfo        { return f.info }
func (f *fakeSession) Items() []int64                  { return f.items }
func (f *fakeSession) CheckFilter(review.Filter) error { return nil }
func (f *fakeSession) Restrict(context.Context, review.Filter) ([]int64, error) {
	return nil, errors.New("fake: no filters")
}

func (f *fakeSession) States(context.Context) ([]int8, error) {
	out := make([]int8, len(f.items))
	for i, id := range f.items {
		out[i] = f.state[id]
	}
	return out, nil
}
func (f *fakeSession) State(_ context.Context, item int64) (int8, error) { return f.state[item], nil }
func (f *fakeSession) Resume(ctx context.Context) (int, error) {
	st, _ := f.States(ctx)
	for i, s := range st {
		if s == 0 {
			return i, nil
		}
	}
	return len(st), nil
}
func (f *fakeSession) Lease(context.Context, time.Duration) (int, error) { return -1, nil }
func (f *fakeSession) LeaseAhead(context.Context, time.Duration, int64) (int, error) {
	return -1, nil
}

func (f *fakeSession) Record(_ context.Context, a review.Action) (int64, error) {
	switch a.Kind {
	case review.ActDecide:
		if f.refuse != nil {
			return 0, f.refuse
		}
		f.state[a.Item] = map[bool]int8{true: 1, false: -1}[a.Accept]
		f.done = append(f.done, a.Item)
		f.log = append(f.log, fmt.Sprintf("decide %d %v", a.Item, a.Accept))
	case review.ActScore:
		f.log = append(f.log, fmt.Sprintf("score %d %s %v%s", a.Item, a.Dimension, a.Value, map[bool]string{true: " after-reveal"}[a.AfterReveal]))
	case review.ActSkip:
		f.log = append(f.log, fmt.Sprintf("skip %d", a.Item))
	case review.ActFlag:
		f.log = append(f.log, fmt.Sprintf("flag %d %s", a.Item, a.Text))
	case review.ActUnflag:
		f.log = append(f.log, fmt.Sprintf("unflag %d", a.Item))
	case review.ActNote:
		f.log = append(f.log, fmt.Sprintf("note %d %s", a.Item, a.Text))
	default:
		return 0, fmt.Errorf("fake: unknown action %d", a.Kind)
	}
	return int64(len(f.log)), nil
}
func (f *fakeSession) Undo(_ context.Context, only int64) (review.Undone, error) {
	for i := len(f.done) - 1; i >= 0; i-- {
		item := f.done[i]
		if only != 0 && item != only {
			continue
		}
		f.done = append(f.done[:i], f.done[i+1:]...)
		delete(f.state, item)
		f.log = append(f.log, fmt.Sprintf("undo %d", item))
		return review.Undone{Item: item, ExtID: fmt.Sprintf("fake-%d", item), Kind: "set", Dimension: "decision", New: "accept", Old: "none"}, nil
	}
	return review.Undone{}, nil
}

func (f *fakeSession) Find(_ context.Context, ref string) (int64, error) {
	var id int64
	if _, err := fmt.Sscanf(ref, "fake-%d", &id); err != nil {
		return 0, fmt.Errorf("no item %q", ref)
	}
	return id, nil
}

func (f *fakeSession) Agreement(context.Context) (review.AgreementCount, error) { return f.agree, nil }

func (f *fakeSession) Content(_ context.Context, item int64) (*review.Item, []review.Text, func() ([]byte, error), error) {
	texts := []review.Text{{Kind: "detail", Lang: "en", Body: fmt.Sprintf("fake caption %d", item)}}
	it := &review.Item{ID: item, ExtID: fmt.Sprintf("fake-%d", item), Texts: texts, Labels: f.labels[item]}
	for _, e := range f.log { // the fake's flags show as events, as the workspace's do
		var id int64
		if _, err := fmt.Sscanf(e, "flag %d", &id); err == nil && id == item {
			it.Events = append(it.Events, review.Event{Annotator: f.info.Annotator, Kind: "flag"})
		}
		if _, err := fmt.Sscanf(e, "unflag %d", &id); err == nil && id == item {
			it.Events = append(it.Events, review.Event{Annotator: f.info.Annotator, Kind: "unflag"})
		}
	}
	return it, texts, func() ([]byte, error) { return nil, errors.New("fake: no picture") }, nil
}

func (f *fakeSession) Stats(context.Context) (*review.AgreementReport, error) {
	return &review.AgreementReport{}, nil
}

// TestScreenOnFakeSession: the screen needs nothing but its Session: it shows the fake's items, a
// decision and an undo go through it, and the screen follows what it returned.
func TestScreenOnFakeSession(t *testing.T) {
	f := newFake()
	f.state[11] = 1 // decided before: the screen resumes at the second item
	m, err := New(ctx, Config{Session: f, Caps: termimg.Caps{Protocol: termimg.None}, Start: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.image.cache.Close)
	run(t, m, m.Init())
	send(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	view := ansi.Strip(m.View().Content)
	if m.pos != 1 || !strings.Contains(view, "fake caption 12") || !strings.Contains(view, "fq") || !strings.Contains(view, "fay") {
		t.Fatalf("pos %d:\n%s", m.pos, view)
	}
	press(t, m, "x")
	if len(f.log) != 1 || f.log[0] != "decide 12 false" || m.pos != 2 || m.state[1] != -1 {
		t.Fatalf("after x: log %v pos %d state %v", f.log, m.pos, m.state)
	}
	press(t, m, "U")
	if f.log[len(f.log)-1] != "undo 12" || m.pos != 1 || m.state[1] != 0 || !strings.HasPrefix(m.flash, "undone on fake-12") {
		t.Fatalf("after u: log %v pos %d state %v flash %q", f.log, m.pos, m.state, m.flash)
	}
}

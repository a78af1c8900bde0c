package termimg

import (
	"bytes"
	"context"
	"image/color"
	"image/png"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sixelSize reads the raster attributes ("1;1;W;H) of a sixel sequence.
func sixelSize(t *testing.T, seq []byte) (w, h int) {
	t.Helper()
	m := regexp.MustCompile(`"1;1;(\d+);(\d+)`).FindSubmatch(seq)
	if m == nil {
		t.Fatalf("no raster attributes in %q", seq[:min(len(seq), 40)])
	}
	w, _ = strconv.Atoi(string(m[1]))
	h, _ = strconv.Atoi(string(m[2]))
	return w, h
}

// Issue #15 (10c): xterm refuses sixel pictures above its geometry limit (1000x1000 by default), so a
// zoomed picture 1003 px tall showed nothing. The limit is asked (XTSMGRAPHICS) and kept.
func TestSixelGeometryLimit(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c := FromEnv(env(map[string]string{"TERM": "xterm"}))
	if !parseReplies([]byte("\x1bP>|XTerm(379)\x1b\\\x1b[?2;0;1200;800S\x1b[?63;1;2;4;6;9;15;22c"), &c) {
		t.Fatal("DA1 not recognised")
	}
	if c.SixelMax != (Size{1200, 800}) {
		t.Fatalf("XTSMGRAPHICS reply not read: %+v", c.SixelMax)
	}
	c = FromEnv(env(map[string]string{"TERM": "xterm"}))
	parseReplies([]byte("\x1bP>|XTerm(379)\x1b\\\x1b[?63;1;2;4;6;9;15;22c"), &c)
	if c.SixelMax != (Size{1000, 1000}) {
		t.Fatalf("xterm without an answer: want its default 1000x1000, got %+v", c.SixelMax)
	}
	c = FromEnv(env(nil))
	parseReplies([]byte("\x1b[6;14;7t\x1b[?63;1;2;3;4;7;29c"), &c) // mlterm: no limit known
	if c.SixelMax != (Size{}) {
		t.Fatalf("mlterm got a limit %+v", c.SixelMax)
	}

	var buf bytes.Buffer
	png.Encode(&buf, solid(1024, 1024, color.RGBA{200, 30, 30, 255}))
	src, err := DecodeBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	// The zoom of issue #15: 200x59 cells of 10x17 px, a 1003 px tall box.
	o := Options{Protocol: Sixel, Cell: CellSize{10, 17}, SixelMax: Size{1000, 1000}}
	key := Key{Source: "a", Box: Box{200, 59}, Protocol: Sixel, Cell: o.Cell}
	r := Render(key, src, nil, nil, false, o)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if w, h := sixelSize(t, r.Raw); w > 1000 || h > 1000 || r.Fit.H > 1000 || h < 990 {
		t.Fatalf("sixel %dx%d (fit %+v), want within 1000x1000 and as large as allowed", w, h, r.Fit)
	}
	if r.Fit.Rows > 59 || len(r.Lines) != r.Fit.Rows {
		t.Fatalf("fit %+v with %d lines", r.Fit, len(r.Lines))
	}
	seq, fit, err := Inline(src, Box{200, 59}, o)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := sixelSize(t, seq); w > 1000 || h > 1000 || fit.H > 1000 {
		t.Fatalf("inline sixel %dx%d", w, h)
	}
	// Other protocols are not limited.
	o.Protocol, key.Protocol = Kitty, Kitty
	if r := Render(key, src, nil, nil, false, o); r.Fit.H != 1003 {
		t.Fatalf("kitty fit %+v", r.Fit)
	}
}

// Issue #15 (10d): the review screen and `loupe view` use one colour detection.
func TestColorProfileFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want Profile
	}{
		{map[string]string{"TERM": "xterm"}, ANSI256},
		{map[string]string{"TERM": "xterm-256color"}, ANSI256},
		{map[string]string{"TERM": "xterm", "COLORTERM": "truecolor"}, TrueColor},
		{map[string]string{"TERM": "xterm-kitty"}, TrueColor},
		{map[string]string{"TERM": "linux"}, ANSI16},
	} {
		if got := ColorProfile(env(tc.env)); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.env, got, tc.want)
		}
		if got := Detect(nil, Blocks, env(tc.env), 0).Profile; got != tc.want {
			t.Errorf("Detect %v: %v, want %v", tc.env, got, tc.want)
		}
	}
}

// The cache's budget is real memory: a rendering keeps no spare capacity beyond what it counts.
func TestRenderedKeepsNoSpareCapacity(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, solid(300, 200, color.RGBA{20, 90, 200, 255}))
	src, _ := DecodeBytes(buf.Bytes())
	for _, p := range []Protocol{Sixel, Kitty, ITerm2} {
		for _, holders := range []bool{false, true} {
			o := Options{Protocol: p, Cell: CellSize{8, 16}}
			r := Render(Key{Source: "x", Box: Box{40, 20}, Protocol: p, Cell: o.Cell}, src, nil, NewKittyIDs(), holders, o)
			if cap(r.Raw) != len(r.Raw) || cap(r.Transmit) != len(r.Transmit) {
				t.Errorf("%s placeholders=%v: raw %d/%d transmit %d/%d (len/cap)", p, holders,
					len(r.Raw), cap(r.Raw), len(r.Transmit), cap(r.Transmit))
			}
			if r.size() < int64(len(r.Raw)+len(r.Transmit)) {
				t.Errorf("%s: size %d", p, r.size())
			}
		}
	}
}

// Prefetching is a hint for the next moves: when moves outrun the worker, stale requests are dropped
// instead of rendering (and holding) a queue of pictures the screen has moved past.
func TestPrefetchKeepsOnlyRecentRequests(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, solid(32, 32, color.RGBA{1, 2, 3, 255}))
	gate := make(chan struct{})
	var loads atomic.Int32
	var mu sync.Mutex
	var loaded []string
	c := NewCache(Options{Protocol: Sixel, Cell: CellSize{8, 16}}, nil, false, 1<<30, 1)
	defer c.Close()
	first := true
	for i := range 12 {
		name := strconv.Itoa(i)
		block := first
		first = false
		c.Prefetch(Key{Source: name, Box: Box{4, 2}, Protocol: Sixel}, func(context.Context) (*Source, error) {
			if block {
				<-gate
			}
			loads.Add(1)
			mu.Lock()
			loaded = append(loaded, name)
			mu.Unlock()
			return DecodeBytes(buf.Bytes())
		})
		if i == 0 {
			time.Sleep(20 * time.Millisecond) // the worker takes the first and blocks
		}
	}
	close(gate)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok := c.Peek(Key{Source: "11", Box: Box{4, 2}, Protocol: Sixel}); ok {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if _, ok := c.Peek(Key{Source: "11", Box: Box{4, 2}, Protocol: Sixel}); !ok {
		t.Fatal("the newest prefetch was dropped")
	}
	if n := loads.Load(); n > 1+prefetchQueue {
		mu.Lock()
		t.Fatalf("%d prefetches rendered (%v), want at most %d", n, loaded, 1+prefetchQueue)
	}
}

// Moves faster than pictures render started a render per move, all at once: every decode in flight
// at the same time (the screen's peak memory). Renders are bounded, and a request cancelled while it
// waits does no work.
func TestCacheBoundsRendersAndSkipsCancelled(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, solid(32, 32, color.RGBA{1, 2, 3, 255}))
	var running, peak, loads atomic.Int32
	gate := make(chan struct{})
	load := func(context.Context) (*Source, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		loads.Add(1)
		<-gate
		running.Add(-1)
		return DecodeBytes(buf.Bytes())
	}
	c := NewCache(Options{Protocol: Sixel, Cell: CellSize{8, 16}}, nil, false, 1<<30, 1)
	defer c.Close()
	var wg sync.WaitGroup
	var cancels []context.CancelFunc
	for i := range 8 {
		ctx, cancel := context.WithCancel(context.Background())
		cancels = append(cancels, cancel)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Get(ctx, Key{Source: strconv.Itoa(i), Box: Box{4, 2}, Protocol: Sixel}, load)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	for _, cancel := range cancels[:7] { // the screen moved on to the last one
		cancel()
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	wg.Wait()
	if p := peak.Load(); p > maxRenders {
		t.Errorf("%d renders at once, want at most %d", p, maxRenders)
	}
	if n := loads.Load(); n > maxRenders+1 {
		t.Errorf("%d pictures loaded for 8 requests of which 7 were cancelled", n)
	}
	if _, ok := c.Peek(Key{Source: "7", Box: Box{4, 2}, Protocol: Sixel}); !ok {
		t.Error("the request not cancelled was not rendered")
	}
	// A request for a key whose render was cancelled renders it.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k := Key{Source: "again", Box: Box{4, 2}, Protocol: Sixel}
	if r := c.Get(ctx, k, load); r.Err == nil {
		t.Error("cancelled request rendered")
	}
	if r := c.Get(context.Background(), k, load); r.Err != nil {
		t.Errorf("after a cancelled request: %v", r.Err)
	}
}

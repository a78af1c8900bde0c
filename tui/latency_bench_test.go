package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
	"github.com/loupe-dev/loupe/termimg"
)

// millionWorkspace: 1,000,000 indexed rows, of which the queue "q" holds 300 with real 1024 px JPEGs in
// a FLUX-Reason-6M-schema shard (50 row groups), like a workspace over the published dataset.
func millionWorkspace(b *testing.B) *store.Store {
	b.Helper()
	dir := b.TempDir()
	paths, err := dataset.WriteShards(dataset.GenOptions{Out: dir, Shards: 1, Rows: 300, Seed: 2, ImageSize: 1024,
		ImagePool: 24, RowGroups: 50, Subset: "aesthetics-part01"})
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "w.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	idx, err := dataset.IndexShard(paths[0])
	if err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(paths[0])
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.IndexShard(ctx, paths[0], fi.Size(), fi.ModTime().UnixNano(), idx.NumRows, idx.Rows, dataset.SubsetOf); err != nil {
		b.Fatal(err)
	}
	for s := 0; s < 200; s++ { // filler rows elsewhere in the dataset
		rows := make([]review.IndexedRow, 5000)
		for i := range rows {
			rows[i] = review.IndexedRow{ExtID: fmt.Sprintf("text-%08d", s*5000+i), Row: int64(i), Scores: review.Scores{5, 5, 5, 5, 5, 5, 5, 8, 8}}
		}
		if _, err := st.IndexShard(ctx, fmt.Sprintf("/elsewhere/%d.parquet", s), 1, 1, 5000, rows, dataset.SubsetOf); err != nil {
			b.Fatal(err)
		}
	}
	var cands []review.Candidate
	for _, r := range idx.Rows {
		id, err := store.ItemIDByExt(ctx, st.DB, r.ExtID)
		if err != nil {
			b.Fatal(err)
		}
		cands = append(cands, review.Candidate{ID: id})
	}
	if _, err := st.CreateQueue(ctx, store.QueueSpec{Name: "q", Strategy: "random"}, cands); err != nil {
		b.Fatal(err)
	}
	return st
}

// runUntilShown runs cmd's tree until the current item's picture is in the frame and returns the
// commands not yet run (prefetch loads), which the program would run concurrently.
func runUntilShown(m *Model, cmd tea.Cmd) []tea.Cmd {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 && !(m.cur() != nil && m.image.shown != nil && m.image.want == m.image.key(m, m.cur())) {
		queue = step(m, queue)
	}
	return queue
}

// step runs the first command of the queue (skipping timers, which only schedule redraws).
func step(m *Model, queue []tea.Cmd) []tea.Cmd {
	c := queue[0]
	queue = queue[1:]
	if c == nil {
		return queue
	}
	msg := c()
	if cmds, ok := sequence(msg); ok { // a batch too
		return append(queue, cmds...)
	}
	switch msg := msg.(type) {
	case itemMsg, imageMsg:
		_, next := m.Update(msg)
		queue = append(queue, next)
	}
	return queue
}

func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.Fields(v)[0])
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkNextItem1M drives the review screen over a queue in a 1,000,000-item workspace: start-up
// (session, model, first picture on screen), then "j" to the next item after the annotator's usual
// pause (the prefetch of the next item and its picture has had time to finish), measuring from the key
// to the next item's picture in the frame. Reports start-up, p50/p95 latency and the process's RSS.
func BenchmarkNextItem1M(b *testing.B) {
	st := millionWorkspace(b)
	for _, run := range []struct {
		proto termimg.Protocol
		pause bool
	}{{termimg.Sixel, true}, {termimg.Blocks, true}, {termimg.Kitty, true}, {termimg.Sixel, false}} {
		proto := run.proto
		name := string(proto)
		if !run.pause {
			name += "-no-pause" // keys faster than prefetch: every move renders its picture
		}
		b.Run(name, func(b *testing.B) {
			caps := termimg.Caps{Protocol: proto, Cell: termimg.CellSize{W: 8, H: 16}, Profile: termimg.TrueColor}
			t0 := time.Now()
			ses, err := st.OpenSession(ctx, "q", "bench-"+name)
			if err != nil {
				b.Fatal(err)
			}
			m, err := New(ctx, Config{Session: session(st, ses), Caps: caps, Start: 0})
			if err != nil {
				b.Fatal(err)
			}
			defer func() { m.image.cache.Close() }()
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
			pending := runUntilShown(m, m.Init())
			_ = m.render()
			startup := time.Since(t0)
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				// The annotator looks at the item: prefetches complete meanwhile.
				for run.pause && len(pending) > 0 {
					pending = step(m, pending)
				}
				if !run.pause {
					pending = nil
					m.image.cache.Close()
					m.image = newImagePane(caps, nil) // no picture rendered ahead
				}
				if run.pause && m.pos+1 < len(m.ids) {
					if d, ok := m.items[m.pos+1]; ok && d.it != nil {
						k := m.image.key(m, d)
						for w := 0; w < 200; w++ {
							if _, ok := m.image.cache.Peek(k); ok {
								break
							}
							time.Sleep(5 * time.Millisecond)
						}
					}
				}
				k := key("j")
				if m.pos == len(m.ids)-1 {
					k = key("g")
				}
				b.StartTimer()
				start := time.Now()
				_, cmd := m.Update(k)
				pending = runUntilShown(m, cmd)
				_ = m.render()
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(float64(startup.Microseconds())/1000, "startup-ms")
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
			runtime.GC()
			b.ReportMetric(rssMB(), "rss-MB")
		})
	}
}

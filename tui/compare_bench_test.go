package tui

import (
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/loupe-dev/loupe/termimg"
)

// cmpStep runs the first command of the queue, feeding the comparison screen's messages to m (timers,
// which only schedule raw redraws, are skipped).
func cmpStep(m *Compare, queue []tea.Cmd) []tea.Cmd {
	c := queue[0]
	queue = queue[1:]
	if c == nil {
		return queue
	}
	msg := c()
	if cmds, ok := sequence(msg); ok {
		return append(queue, cmds...)
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		queue = append(queue, msg...)
	case cmpPairMsg, cmpAheadMsg, cmpLeasedMsg, cmpSavedMsg, cmpProgressMsg, cmpImageMsg:
		_, next := m.Update(msg)
		queue = append(queue, next)
	}
	return queue
}

// cmpShown reports whether the pair on screen has both pictures in the frame at the current layout.
func cmpShown(m *Compare) bool {
	d := m.curData()
	return d != nil && m.pics.shownAll() && m.pics.want == m.pics.keys(m, d)
}

// BenchmarkCompareNextPair answers pairs on the comparison screen (160x48, 512x512 PNG pictures decoded
// and rendered through the real path) after the annotator's usual pause, in which the next pair is
// reserved, read and both its pictures rendered: from the answer key to the frame showing the next
// pair with both pictures. Reports p50/p95 latency.
func BenchmarkCompareNextPair(b *testing.B) {
	for _, proto := range []termimg.Protocol{termimg.Blocks, termimg.Sixel, termimg.Kitty} {
		b.Run(string(proto), func(b *testing.B) {
			f := newFakePairs(5000)
			f.size = 512
			pics := map[int64][]byte{} // 24 distinct pictures, as a queue over a few prompts would repeat none
			for i := range int64(24) {
				pics[i] = picture(i, 512)
			}
			for i := range f.pairs {
				f.pics[f.pairs[i].A.Item], f.pics[f.pairs[i].B.Item] = pics[int64(2*i)%24], pics[int64(2*i+1)%24]
			}
			benchNextPair(b, f, proto)
		})
	}
}

// benchNextPair measures the next-pair latency of the comparison screen over ses (see
// BenchmarkCompareNextPair); b.N must not exceed the pairs ses can hand out.
func benchNextPair(b *testing.B, ses PairSession, proto termimg.Protocol) {
	{
		{
			caps := termimg.Caps{Protocol: proto, Cell: termimg.CellSize{W: 8, H: 16}, Profile: termimg.TrueColor}
			m, err := NewCompare(ctx, CompareConfig{Session: ses, Caps: caps})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
			pending := []tea.Cmd{m.Init()}
			for len(pending) > 0 && !cmpShown(m) {
				pending = cmpStep(m, pending)
			}
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				// The annotator looks at the pair: the next one is reserved, read and rendered meanwhile.
				for len(pending) > 0 {
					pending = cmpStep(m, pending)
				}
				if m.ahead < 0 || m.pairs[m.ahead] == nil {
					b.Fatalf("pair %d: nothing reserved ahead (%d)", m.cur(), m.ahead)
				}
				for _, k := range m.pics.keys(m, m.pairs[m.ahead]) {
					if _, ok := m.pics.cache.Peek(k); !ok {
						b.Fatalf("pair %d: the reserved pair's pictures are not rendered", m.ahead)
					}
				}
				b.StartTimer()
				from := m.cur()
				start := time.Now()
				_, cmd := m.Update(cmpKey("1"))
				pending = []tea.Cmd{cmd}
				for len(pending) > 0 && !(cmpShown(m) && m.cur() != from) {
					pending = cmpStep(m, pending)
				}
				_ = m.render()
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.95), "p95-ms")
		}
	}
}

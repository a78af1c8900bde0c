package tui

import (
	"context"
	"math"
	"runtime/debug"

	tea "charm.land/bubbletea/v2"
)

// memoryLimit is the Go heap's soft limit while the screen runs (GOMEMLIMIT overrides it).
const memoryLimit = 80 << 20

// Run opens the review screen on the terminal and returns when the annotator quits. Every decision is
// committed by the time the screen showed it, so quitting (or being killed) loses nothing acknowledged.
func Run(ctx context.Context, cfg Config) error {
	m, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	// Decoding 1024 px pictures makes short-lived buffers of several MB each; a soft limit makes the
	// collector return them before the heap doubles (the screen is meant to run for hours beside others).
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		debug.SetMemoryLimit(memoryLimit)
	}
	defer m.Close()
	_, err = tea.NewProgram(m, tea.WithContext(ctx), tea.WithColorProfile(m.image.colorProfile())).Run()
	return err
}

// Close releases what a screen made with New holds beyond its program (the picture cache's worker):
// call it once the program has ended (loupe serve runs one screen per SSH session).
func (m *Model) Close() {
	if !m.image.shared {
		m.image.cache.Close()
	}
}

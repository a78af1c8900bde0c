package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"
)

// Run opens the review screen on the terminal and returns when the annotator quits. Every decision is
// committed by the time the screen showed it, so quitting (or being killed) loses nothing acknowledged.
func Run(ctx context.Context, cfg Config) error {
	m, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.image.cache.Close()
	_, err = tea.NewProgram(m, tea.WithContext(ctx)).Run()
	return err
}

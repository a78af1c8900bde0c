// Package storetest opens migrated workspaces in temporary folders for tests.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/loupe-dev/loupe/store"
)

// Open returns a new, migrated workspace in t's temporary folder, closed when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "loupe.db"))
	if err != nil {
		t.Fatalf("open workspace: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

//go:build !unix

package dataset

import (
	"os"
)

// mappedFile falls back to plain reads where memory maps are not available.
type mappedFile struct {
	f *os.File
}

func mapFile(f *os.File, size int64) (*mappedFile, error) { return &mappedFile{f: f}, nil }

func (m *mappedFile) ReadAt(p []byte, off int64) (int, error) { return m.f.ReadAt(p, off) }

func (m *mappedFile) Close() error { return nil }

// bytes returns nil: without a map the fast reader is not used.
func (m *mappedFile) bytes() []byte { return nil }

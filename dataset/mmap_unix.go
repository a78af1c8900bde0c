//go:build unix

package dataset

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// mappedFile is a read-only memory map of a whole file. Reading Parquet metadata columns makes tens of
// thousands of small reads per shard set; from a map they are copies, not system calls.
type mappedFile struct {
	data []byte
}

func mapFile(f *os.File, size int64) (*mappedFile, error) {
	if size == 0 {
		return &mappedFile{}, nil
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("file too large to map (%d bytes)", size)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	return &mappedFile{data: b}, nil
}

func (m *mappedFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(m.data)) {
		return 0, fmt.Errorf("read at offset %d: outside the file (%d bytes)", off, len(m.data))
	}
	n := copy(p, m.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *mappedFile) Close() error {
	if m.data == nil {
		return nil
	}
	err := syscall.Munmap(m.data)
	m.data = nil
	return err
}

// bytes returns the mapped file.
func (m *mappedFile) bytes() []byte { return m.data }

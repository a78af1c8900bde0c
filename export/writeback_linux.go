package export

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing a range of f to disk now, without waiting for it
// (sync_file_range SYNC_FILE_RANGE_WRITE), so that the fsync that completes the file finds little left
// to write. Errors are ignored: the fsync that follows is what makes the data durable.
func startWriteback(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}

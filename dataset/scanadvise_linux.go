package dataset

import (
	"os"

	"golang.org/x/sys/unix"
)

// adviseWillNeed asks the kernel to start reading [off, off+n) of f into the page cache, without
// waiting for it: the scanner's read-ahead of the row groups it reads next.
func adviseWillNeed(f *os.File, off, n int64) {
	_ = unix.Fadvise(int(f.Fd()), off, n, unix.FADV_WILLNEED) // advice: reads work without it
}

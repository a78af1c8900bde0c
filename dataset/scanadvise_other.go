//go:build !linux

package dataset

import "os"

// adviseWillNeed does nothing where posix_fadvise is not available: the reads come all the same.
func adviseWillNeed(f *os.File, off, n int64) {}

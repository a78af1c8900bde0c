//go:build !linux

package dataset

import "os"

// adviseRandom does nothing where posix_fadvise is not available: reads are exact ranges all the same.
func adviseRandom(f *os.File) {}

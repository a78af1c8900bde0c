//go:build !unix

package store

import "os"

// writable reports whether path's mode lets its owner write it (where access(2) is not available).
func writable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().Perm()&0o200 != 0
}

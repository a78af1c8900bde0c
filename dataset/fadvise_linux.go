package dataset

import (
	"os"

	"golang.org/x/sys/unix"
)

// adviseRandom turns the kernel's read-ahead off for reads through f (this open file only): a shard is
// read in exact ranges - metadata column chunks, one row's pages - and read-ahead around them would pull
// in the pictures beside them (8 MB of them per read where the device's read-ahead is 8 MB).
func adviseRandom(f *os.File) {
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_RANDOM) // advice: reads work without it
}

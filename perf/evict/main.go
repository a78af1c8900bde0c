// Command evict drops files from the page cache (posix_fadvise POSIX_FADV_DONTNEED, after an fdatasync
// so that no dirty page stays behind), so that the next read of them comes from the disk. Folders are
// walked. (`fincore` from util-linux tells what of them is resident.)
//
//	go run ./perf/evict DIR...
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

func main() {
	flag.Parse()
	for _, a := range flag.Args() {
		err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			unix.Fdatasync(int(f.Fd()))
			return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "evict:", err)
			os.Exit(1)
		}
	}
}

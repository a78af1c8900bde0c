package termimg

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-dev/loupe/internal/imagesafe/imagesafetest"
)

// TestBombsAreRefusedCheaply: the viewer refuses both kinds of decompression bomb - from bytes (shard
// rows), from a file and through the render cache the review screen uses - with the shared guard's
// message, in well under a second and 100 MB.
func TestBombsAreRefusedCheaply(t *testing.T) {
	dir := t.TempDir()
	for _, b := range []struct {
		name, want string
		data       []byte
	}{
		{"header bomb", "picture is 30000x30000 (900 Mpx), over the 64 Mpx limit", imagesafetest.HeaderBomb(30000, 30000)},
		{"zero png", "picture is 12000x12000 (144 Mpx), over the 64 Mpx limit", imagesafetest.ZeroPNG(12000, 12000)},
	} {
		path := filepath.Join(dir, b.name+".png")
		if err := os.WriteFile(path, b.data, 0o644); err != nil {
			t.Fatal(err)
		}
		imagesafetest.Refuses(t, "DecodeBytes, "+b.name, b.want, func() error { _, err := DecodeBytes(b.data); return err })
		imagesafetest.Refuses(t, "DecodeFile, "+b.name, path+": "+b.want, func() error { _, err := DecodeFile(path); return err })
		c := NewCache(Options{Protocol: Blocks}, nil, false, 1<<20, 1)
		imagesafetest.Refuses(t, "Cache.Get, "+b.name, b.want, func() error {
			r := c.Get(context.Background(), Key{Source: b.name, Box: Box{Cols: 80, Rows: 20}, Protocol: Blocks},
				func(context.Context) (*Source, error) { return DecodeFile(path) })
			return r.Err
		})
		c.Close()
	}
}

package imagesafe

import (
	"context"
	"image"
	"runtime"
	"testing"

	"github.com/loupe-dev/loupe/internal/imagesafe/imagesafetest"
)

// seeds are pictures of every format, bombs, truncations and garbage.
func seeds(f *testing.F) {
	for _, format := range []string{"png", "jpeg", "gif"} {
		data := encoded(f, format, 7, 5)
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add(webp1x1)
	f.Add(imagesafetest.HeaderBomb(30000, 30000))
	f.Add(imagesafetest.HeaderBomb(8000, 8000))
	f.Add(imagesafetest.HeaderBomb(0, 1))
	f.Add(imagesafetest.ZeroPNG(40, 3))
	f.Add([]byte("GIF89a\xff\xff\xff\xff"))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"))
	f.Add([]byte("RIFF\xff\xff\xff\xffWEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte{})
}

// allocated runs fn and returns the bytes it allocated.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// FuzzCheck: the header check never panics, reads headers in bounded memory, and whatever it accepts
// is within the limits.
func FuzzCheck(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var cfg image.Config
		var format string
		var err error
		if n := allocated(func() { cfg, format, err = Check(data) }); n > 1<<20+2*uint64(len(data)) {
			t.Errorf("the header check allocated %d bytes", n)
		}
		if err != nil {
			return
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxSide || cfg.Height > MaxSide || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
			t.Fatalf("accepted %dx%d", cfg.Width, cfg.Height)
		}
		if c := Cost(cfg, format); c <= 0 || c > 20*MaxPixels {
			t.Fatalf("cost %d for %dx%d %s", c, cfg.Width, cfg.Height, format)
		}
	})
}

// FuzzDecode: decoding never panics, never returns a picture over the limits or other than the header
// said, and allocates a bounded multiple of the Cost it was charged (pictures whose header claims more
// than 16 MiB are only checked, to keep the fuzzer fast).
func FuzzDecode(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, format, err := Check(data)
		if err != nil || Cost(cfg, format) > 16<<20 {
			return
		}
		var img image.Image
		n := allocated(func() { img, _, err = Decode(context.Background(), data) })
		if limit := 4*uint64(Cost(cfg, format)) + 16<<20 + 4*uint64(len(data)); n > limit {
			t.Errorf("%dx%d %s: decoding allocated %d bytes (limit %d)", cfg.Width, cfg.Height, format, n, limit)
		}
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Dx() > cfg.Width || b.Dy() > cfg.Height {
			t.Errorf("header %dx%d, picture %v", cfg.Width, cfg.Height, b)
		}
	})
}

package imagesafe

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/internal/imagesafe/imagesafetest"
)

// webp1x1 is a 1x1 lossless WebP.
var webp1x1 = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

func encoded(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckSaysWhatIsWrong(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string // "" accepted
		is   error
	}{
		{"header bomb", imagesafetest.HeaderBomb(30000, 30000), "picture is 30000x30000 (900 Mpx), over the 64 Mpx limit", ErrTooLarge},
		{"zero png bomb", imagesafetest.ZeroPNG(12000, 12000), "picture is 12000x12000 (144 Mpx), over the 64 Mpx limit", ErrTooLarge},
		{"just over", imagesafetest.HeaderBomb(8001, 8000), "picture is 8001x8000 (64.008 Mpx), over the 64 Mpx limit", ErrTooLarge},
		{"too wide", imagesafetest.HeaderBomb(25000, 100), "picture is 25000x100 (2.5 Mpx), over the limit of 20000 pixels a side", ErrTooLarge},
		{"no pixels", imagesafetest.HeaderBomb(0, 5), "not a readable picture: png: invalid format", ErrUnreadable},
		{"no pixels gif", []byte("GIF89a\x00\x00\x05\x00\x00\x00\x00"), "not a readable picture: its gif header says 0x5", ErrUnreadable},
		{"text", []byte("hello"), "not a readable picture: image: unknown format", ErrUnreadable},
		{"empty", nil, "not a readable picture", ErrUnreadable},
		{"at the limit", imagesafetest.HeaderBomb(8000, 8000), "", nil},
		{"png", encoded(t, "png", 5, 4), "", nil},
		{"jpeg", encoded(t, "jpeg", 5, 4), "", nil},
		{"gif", encoded(t, "gif", 5, 4), "", nil},
		{"webp", webp1x1, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, _, err := Check(c.data)
			if c.want == "" {
				if err != nil || cfg.Width <= 0 {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, c.is) {
				t.Fatalf("got %v, want %q (%v)", err, c.want, c.is)
			}
		})
	}
}

// TestBombsCostNothing: both kinds of bomb are refused by Decode and Use in well under a second and
// 100 MB (they used to allocate their whole decoded size: 3.6 GB and 576 MB).
func TestBombsCostNothing(t *testing.T) {
	for name, data := range map[string][]byte{
		"header bomb 30000x30000": imagesafetest.HeaderBomb(30000, 30000),
		"zero png 12000x12000":    imagesafetest.ZeroPNG(12000, 12000),
	} {
		imagesafetest.Refuses(t, "Decode "+name, "Mpx), over the 64 Mpx limit", func() error {
			_, _, err := Decode(context.Background(), data)
			return err
		})
		imagesafetest.Refuses(t, "Use "+name, "Mpx), over the 64 Mpx limit", func() error {
			return Use(context.Background(), data, func(image.Image, string) error {
				t.Error("fn called")
				return nil
			})
		})
	}
	if used, _ := pixels.stats(); used != 0 {
		t.Errorf("%d bytes still held", used)
	}
}

func TestDecode(t *testing.T) {
	img, format, err := Decode(context.Background(), encoded(t, "png", 5, 4))
	if err != nil || format != "png" || img.Bounds().Dx() != 5 || img.Bounds().Dy() != 4 {
		t.Fatalf("png: %v %s", err, format)
	}
	for _, f := range []string{"jpeg", "gif"} {
		if img, format, err := Decode(context.Background(), encoded(t, f, 9, 3)); err != nil || format != f || img.Bounds().Dx() != 9 {
			t.Errorf("%s: %v %s", f, err, format)
		}
	}
	if _, format, err := Decode(context.Background(), webp1x1); err != nil || format != "webp" {
		t.Errorf("webp: %v %s", err, format)
	}
	if _, _, err := Decode(context.Background(), imagesafetest.HeaderBomb(64, 64)); err == nil || !strings.Contains(err.Error(), "corrupt png picture") {
		t.Errorf("truncated: %v", err)
	}
	sentinel := errors.New("fn failed")
	if err := Use(context.Background(), encoded(t, "png", 3, 3), func(image.Image, string) error { return sentinel }); err != sentinel {
		t.Errorf("Use: %v", err)
	}
	if used, _ := pixels.stats(); used != 0 {
		t.Errorf("%d bytes still held", used)
	}
}

// TestZeroPNGIsAPicture: the test bombs are real pictures, so what refuses them is the guard and not a
// format error.
func TestZeroPNGIsAPicture(t *testing.T) {
	for _, s := range [][2]int{{67, 5}, {600, 600}, {1, 1}} {
		img, err := png.Decode(bytes.NewReader(imagesafetest.ZeroPNG(s[0], s[1])))
		if err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		n := img.(*image.NRGBA)
		if n.Bounds().Dx() != s[0] || n.Bounds().Dy() != s[1] || bytes.ContainsFunc(n.Pix, func(r rune) bool { return r != 0 }) {
			t.Errorf("%v: %v", s, n.Bounds())
		}
	}
	if n := len(imagesafetest.ZeroPNG(12000, 12000)); n > 1<<20 {
		t.Errorf("the 12000x12000 bomb is %d bytes", n)
	}
}

func TestCost(t *testing.T) {
	for _, c := range []struct {
		m      color.Model
		format string
		want   int64
	}{
		{color.GrayModel, "png", 100}, {color.Gray16Model, "png", 200}, {color.NRGBAModel, "png", 400},
		{color.NRGBA64Model, "png", 800}, {color.Palette{color.Black}, "gif", 100},
		{color.YCbCrModel, "jpeg", 1500}, {color.GrayModel, "jpeg", 500}, {color.CMYKModel, "jpeg", 2000},
	} {
		if got := Cost(image.Config{ColorModel: c.m, Width: 10, Height: 10}, c.format); got != c.want {
			t.Errorf("%T %s: %d, want %d", c.m, c.format, got, c.want)
		}
	}
}

// TestBudgetBoundsConcurrentUse: sixteen goroutines using 1 MiB pictures under a 3 MiB budget never
// hold more than three at once, and all finish.
func TestBudgetBoundsConcurrentUse(t *testing.T) {
	defer func(b *budget) { pixels = b }(pixels)
	pixels = newBudget(3 << 20)
	data := encoded(t, "png", 512, 512) // NRGBA: 1 MiB
	var inUse, most atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			err := Use(context.Background(), data, func(image.Image, string) error {
				n := inUse.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(5 * time.Millisecond)
				inUse.Add(-1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	used, peak := pixels.stats()
	if used != 0 || peak > 3<<20 || most.Load() > 3 || most.Load() < 2 {
		t.Errorf("used %d, peak %d, %d at once", used, peak, most.Load())
	}
	// A picture over the whole budget is decoded alone.
	pixels = newBudget(1 << 10)
	if _, _, err := Decode(context.Background(), data); err != nil {
		t.Fatal(err)
	}
}

// TestBudgetOrderAndCancel: waiters are served in order, and one that gives up lets those behind it in.
func TestBudgetOrderAndCancel(t *testing.T) {
	b := newBudget(10)
	ctx := context.Background()
	if err := b.acquire(ctx, 8); err != nil {
		t.Fatal(err)
	}
	big, cancel := context.WithCancel(ctx)
	bigErr := make(chan error)
	go func() { bigErr <- b.acquire(big, 5) }()
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.waiters.Len() == 1 })
	small := make(chan error)
	go func() { small <- b.acquire(ctx, 1) }() // fits, but queues behind the big one
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.waiters.Len() == 2 })
	select {
	case <-small:
		t.Fatal("a later small request went ahead of a waiting large one")
	case <-time.After(20 * time.Millisecond):
	}
	cancel()
	if err := <-bigErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	if err := <-small; err != nil {
		t.Fatal(err)
	}
	b.release(1)
	b.release(8)
	if used, _ := b.stats(); used != 0 {
		t.Errorf("%d held", used)
	}
	// Decode gives up waiting with its context.
	done, stop := context.WithCancel(ctx)
	stop()
	defer func(old *budget) { pixels = old }(pixels)
	pixels = newBudget(1)
	pixels.acquire(ctx, 1)
	if _, _, err := Decode(done, encoded(t, "png", 4, 4)); !errors.Is(err, context.Canceled) {
		t.Errorf("Decode with a done context: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("timed out")
}

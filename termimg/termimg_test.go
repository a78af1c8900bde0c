package termimg

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/kitty"
)

func solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

func TestFitImage(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		box  Box
		cell CellSize
		want Fit
	}{
		{1024, 1024, Box{60, 30}, CellSize{8, 16}, Fit{480, 480, 60, 30}},
		{1024, 1024, Box{60, 30}, CellSize{10, 20}, Fit{600, 600, 60, 30}},
		{2048, 1024, Box{60, 30}, CellSize{8, 16}, Fit{480, 240, 60, 15}},
		{100, 400, Box{80, 24}, CellSize{8, 16}, Fit{96, 384, 12, 24}},
		{10, 10, Box{4, 2}, CellSize{0, 0}, Fit{32, 32, 4, 2}},
		{1, 5000, Box{10, 10}, CellSize{8, 16}, Fit{1, 160, 1, 10}},
	} {
		if got := FitImage(tc.w, tc.h, tc.box, tc.cell); got != tc.want {
			t.Errorf("FitImage(%d, %d, %v, %v) = %+v, want %+v", tc.w, tc.h, tc.box, tc.cell, got, tc.want)
		}
	}
	if _, err := ParseBox("60x"); err == nil {
		t.Error("ParseBox accepted 60x")
	}
}

func TestScaleAveragesWithoutShimmer(t *testing.T) {
	// A one-pixel checkerboard shrinks to flat grey, never to black or white stripes.
	img := image.NewRGBA(image.Rect(0, 0, 101, 77))
	for y := 0; y < 77; y++ {
		for x := 0; x < 101; x++ {
			v := uint8(0)
			if (x+y)%2 == 0 {
				v = 255
			}
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	out := Scale(img, 20, 15)
	if out.Rect.Dx() != 20 || out.Rect.Dy() != 15 {
		t.Fatalf("size %v", out.Rect)
	}
	for i := 0; i < len(out.Pix); i += 4 {
		if v := out.Pix[i]; v < 100 || v > 155 {
			t.Fatalf("pixel %d = %d: the checkerboard did not average", i/4, v)
		}
	}
	up := Scale(solid(3, 3, color.RGBA{10, 200, 30, 255}), 9, 9)
	if c := up.RGBAAt(4, 4); c != (color.RGBA{10, 200, 30, 255}) {
		t.Fatalf("upscaled %v", c)
	}
}

// pngHeader is a PNG whose header claims w x h pixels, with no real data: a decompression bomb's start.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return append(b.Bytes(), bytes.Repeat([]byte{0}, 64)...)
}

func TestDecodeRefusesBombsAndCorruptData(t *testing.T) {
	_, err := DecodeBytes(pngHeader(60000, 60000))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "60000x60000") {
		t.Fatalf("bomb: %v", err)
	}
	if _, err := DecodeBytes(pngHeader(64, 64)); err == nil || !strings.Contains(err.Error(), "corrupt png") {
		t.Fatalf("truncated png: %v", err)
	}
	if _, err := DecodeBytes([]byte("hello")); err == nil || !strings.Contains(err.Error(), "not a readable picture") {
		t.Fatalf("text: %v", err)
	}
	var buf bytes.Buffer
	png.Encode(&buf, solid(5, 4, color.RGBA{1, 2, 3, 255}))
	src, err := DecodeBytes(buf.Bytes())
	if err != nil || src.Format != "png" || src.Image.Bounds().Dx() != 5 {
		t.Fatalf("good png: %v", err)
	}
}

var apc = regexp.MustCompile(`\x1b_G([^;]*);([^\x1b]*)\x1b\\`)

func TestKittyImageChunksAndPixels(t *testing.T) {
	img := solid(70, 50, color.RGBA{200, 100, 50, 255})
	img.SetRGBA(3, 4, color.RGBA{1, 2, 3, 255})
	var out bytes.Buffer
	if err := kittyImage(&out, img, KittyDisplay, 0, 10, 5, true, false); err != nil {
		t.Fatal(err)
	}
	chunks := apc.FindAllStringSubmatch(out.String(), -1)
	if len(chunks) < 2 {
		t.Fatalf("%d chunks", len(chunks))
	}
	if !strings.HasPrefix(chunks[0][1], "a=T,q=2,f=24,s=70,v=50,c=10,r=5,C=1,m=1") {
		t.Errorf("first chunk keys %q", chunks[0][1])
	}
	var raw []byte
	for i, c := range chunks {
		if len(c[2]) > 4096 {
			t.Fatalf("chunk %d has %d base64 bytes", i, len(c[2]))
		}
		last := i == len(chunks)-1
		if strings.Contains(c[1], "m=1") == last {
			t.Fatalf("chunk %d: m flag wrong in %q", i, c[1])
		}
		b, err := base64.StdEncoding.DecodeString(c[2])
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if len(raw) != 70*50*3 || !bytes.Equal(raw[(4*70+3)*3:(4*70+3)*3+3], []byte{1, 2, 3}) || raw[0] != 200 {
		t.Fatalf("pixels: %d bytes", len(raw))
	}
	// Compressed: o=z, and the zlib stream inflates to the same pixels.
	out.Reset()
	if err := KittyImageZ(&out, img, KittyStore, 9, 0, 0, true); err != nil {
		t.Fatal(err)
	}
	var z []byte
	for _, c := range apc.FindAllStringSubmatch(out.String(), -1) {
		b, _ := base64.StdEncoding.DecodeString(c[2])
		z = append(z, b...)
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil || !strings.Contains(out.String(), ",o=z") {
		t.Fatalf("zlib: %v", err)
	}
	inflated, _ := io.ReadAll(zr)
	if !bytes.Equal(inflated, raw) || len(z) >= len(raw)/4 {
		t.Fatalf("inflated %d bytes (want %d), compressed %d", len(inflated), len(raw), len(z))
	}
	// Transparency keeps the alpha channel.
	out.Reset()
	kittyImage(&out, solid(2, 2, color.RGBA{0, 0, 0, 0}), KittyStore, 7, 0, 0, false, false)
	if !strings.HasPrefix(out.String(), "\x1b_Ga=t,q=2,f=32,s=2,v=2,i=7,m=0;") {
		t.Errorf("rgba store: %q", out.String()[:40])
	}
}

func TestKittyPlaceholders(t *testing.T) {
	rows := KittyPlaceholders(42, 5, 3)
	if len(rows) != 3 {
		t.Fatal(len(rows))
	}
	for r, row := range rows {
		if w := ansi.StringWidth(row); w != 5 {
			t.Errorf("row %d width %d", r, w)
		}
		if !strings.HasPrefix(row, "\x1b[38;5;42m") || !strings.HasSuffix(row, "\x1b[39m") {
			t.Errorf("row %d colours: %q", r, row)
		}
		cells := []rune(ansi.Strip(row))
		for c := 0; c < 5; c++ {
			if cells[3*c] != kitty.Placeholder || cells[3*c+1] != kitty.Diacritic(r) || cells[3*c+2] != kitty.Diacritic(c) {
				t.Fatalf("cell %d,%d wrong", r, c)
			}
		}
	}
}

func TestKittyIDsReuseLeastRecent(t *testing.T) {
	ids := NewKittyIDs()
	first, fresh, _ := ids.Acquire("img-0")
	if first != 1 || !fresh {
		t.Fatal(first, fresh)
	}
	for i := 1; i < 255; i++ {
		ids.Acquire(fmt.Sprint("img-", i))
	}
	if id, fresh, _ := ids.Acquire("img-0"); id != 1 || fresh {
		t.Fatalf("known key: %d %v", id, fresh)
	}
	id, fresh, evicted := ids.Acquire("img-new")
	if !fresh || evicted != 2 || id != 2 {
		t.Fatalf("eviction: id %d fresh %v evicted %d (want the least recent, 2)", id, fresh, evicted)
	}
	if len(ids.All()) != 255 {
		t.Errorf("%d ids in use", len(ids.All()))
	}
}

func TestFrameIsCleanAndExact(t *testing.T) {
	rows := Frame(20, 5, "corrupt \x1b[31mpng\x07: unexpected EOF and a very long tail")
	for _, r := range rows {
		if ansi.StringWidth(r) != 20 {
			t.Errorf("row %q width %d", r, ansi.StringWidth(r))
		}
		if strings.ContainsAny(r, "\x1b\x07") {
			t.Errorf("control characters in %q", r)
		}
	}
	if !strings.Contains(rows[2], "corrupt png") {
		t.Errorf("message row %q", rows[2])
	}
	if got := string(AtCell(3, 7, []byte("X"), false)); got != "\x1b7\x1b[7;3HX\x1b8" {
		t.Errorf("AtCell %q", got)
	}
}

func TestDetectionParsing(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name    string
		env     map[string]string
		replies string
		want    Protocol
		cell    CellSize
		holders bool
	}{
		{"kitty 0.26", map[string]string{"TERM": "xterm-kitty"}, "\x1b_Gi=31;OK\x1b\\\x1bP>|kitty(0.26.5)\x1b\\\x1b[6;17;8t\x1b[?62;c", Kitty, CellSize{8, 17}, false},
		{"kitty 0.35", nil, "\x1b_Gi=31;OK\x1b\\\x1bP>|kitty(0.35.2)\x1b\\\x1b[?62;c", Kitty, DefaultCell, true},
		{"xterm vt340", map[string]string{"TERM": "xterm"}, "\x1bP>|XTerm(379)\x1b\\\x1b[?63;1;2;4;6;9;15;22c", Sixel, DefaultCell, false},
		{"mlterm", nil, "\x1b[6;14;7t\x1b[?63;1;2;3;4;7;29c", Sixel, CellSize{7, 14}, false},
		// mlterm speaks sixel and iTerm2; its iTerm2 pictures are the exact pixels (+15 dB on screen)
		{"mlterm by TERM", map[string]string{"TERM": "mlterm"}, "\x1b[6;14;7t\x1b[?63;1;2;3;4;7;29c", ITerm2, CellSize{7, 14}, false},
		{"tmux", map[string]string{"TMUX": "/tmp/x"}, "\x1b[?1;2c", Blocks, DefaultCell, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := FromEnv(env(tc.env))
			if !parseReplies([]byte(tc.replies), &c) {
				t.Fatal("DA1 not recognised")
			}
			if c.Protocol != tc.want || c.Cell != tc.cell || c.Placeholders != tc.holders {
				t.Fatalf("caps %+v", c)
			}
		})
	}
	if parseReplies([]byte("\x1b_Gi=31;OK\x1b\\"), &Caps{}) {
		t.Error("finished without DA1")
	}
	c := Detect(nil, "", env(map[string]string{EnvVar: "sixel", "TERM": "xterm-kitty"}), 0)
	if c.Protocol != Sixel || c.Reason != "forced" {
		t.Errorf("env override: %+v", c)
	}
	c = Detect(nil, Blocks, env(map[string]string{EnvVar: "sixel"}), 0)
	if c.Protocol != Blocks {
		t.Errorf("flag should beat env: %+v", c)
	}
	if p := FromEnv(env(map[string]string{"TERM_PROGRAM": "WezTerm"})); p.Protocol != ITerm2 {
		t.Errorf("WezTerm: %+v", p)
	}
	if _, err := ParseProtocol("braille"); err == nil {
		t.Error("unknown protocol accepted")
	}
}

func TestCacheSharesWorkAndEvicts(t *testing.T) {
	var buf bytes.Buffer
	png.Encode(&buf, solid(64, 64, color.RGBA{9, 9, 9, 255}))
	var loads atomic.Int32
	load := func(ctx context.Context) (*Source, error) {
		loads.Add(1)
		return DecodeBytes(buf.Bytes())
	}
	c := NewCache(Options{Protocol: Kitty, Cell: CellSize{8, 16}}, NewKittyIDs(), true, 1<<30, 1)
	defer c.Close()
	key := Key{Source: "a", Box: Box{10, 5}, Protocol: Kitty, Cell: CellSize{8, 16}}
	done := make(chan *Rendered, 4)
	for range 4 {
		go func() { done <- c.Get(context.Background(), key, load) }()
	}
	var first *Rendered
	for range 4 {
		r := <-done
		if first == nil {
			first = r
		}
		if r != first {
			t.Fatal("concurrent gets rendered twice")
		}
	}
	if loads.Load() != 1 {
		t.Fatalf("%d loads", loads.Load())
	}
	if first.KittyID != 1 || len(first.Lines) != 5 || len(first.Transmit) == 0 || first.Raw != nil {
		t.Fatalf("rendered %+v", first)
	}
	// An error gives a frame, not a crash.
	bad := c.Get(context.Background(), Key{Source: "bad", Box: Box{30, 3}, Protocol: Kitty}, func(context.Context) (*Source, error) {
		return DecodeBytes(pngHeader(60000, 60000))
	})
	if bad.Err == nil || len(bad.Lines) != 3 || !strings.Contains(bad.Lines[1], "picture is 60000x60000") {
		t.Fatalf("error frame %q", bad.Lines)
	}
	// A tiny budget keeps only the newest.
	small := NewCache(Options{}, nil, false, 10, 1)
	defer small.Close()
	k1, k2 := Key{Source: "1", Box: Box{4, 2}, Protocol: Sixel}, Key{Source: "2", Box: Box{4, 2}, Protocol: Sixel}
	small.Get(context.Background(), k1, load)
	small.Get(context.Background(), k2, load)
	if _, ok := small.Peek(k1); ok {
		t.Error("over budget, the oldest stayed")
	}
	if r, ok := small.Peek(k2); !ok || r.Raw == nil || !bytes.HasPrefix(r.Raw, []byte("\x1bP")) {
		t.Error("newest sixel rendering missing")
	}
}

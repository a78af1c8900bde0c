package termimg

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/loupe-dev/loupe/dataset/synth"
)

// sgrRE matches one SGR sequence; blocks output may contain nothing else but printable characters.
var sgrRE = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// plasma is a smooth photo-like test image with some sharper bands.
func plasma(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 128 + 127*math.Sin(fx*9+math.Sin(fy*5)*2)
			g := 128 + 127*math.Sin(fy*7+fx*3)
			b := 128 + 127*math.Sin((fx+fy)*11)
			if math.Mod(fx*6+fy*2, 1) < 0.08 { // thin dark stripes: edges the symbols must follow
				r, g, b = r/4, g/4, b/4
			}
			img.SetRGBA(x, y, color.RGBA{uint8(r), uint8(g), uint8(b), 255})
		}
	}
	return img
}

func psnr(a, b *image.RGBA) float64 {
	if a.Rect != b.Rect {
		panic("psnr: sizes differ")
	}
	var se float64
	n := 0
	for i := 0; i < len(a.Pix); i += 4 {
		for c := range 3 {
			d := float64(a.Pix[i+c]) - float64(b.Pix[i+c])
			se += d * d
		}
		n += 3
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

func checkRows(t *testing.T, rows []string, cols, nrows int, codes *regexp.Regexp) {
	t.Helper()
	if len(rows) != nrows {
		t.Fatalf("%d rows, want %d", len(rows), nrows)
	}
	for i, r := range rows {
		if w := ansi.StringWidth(r); w != cols {
			t.Errorf("row %d is %d cells wide, want %d", i, w, cols)
		}
		if !strings.HasSuffix(r, "\x1b[0m") {
			t.Errorf("row %d does not end with a reset", i)
		}
		rest := sgrRE.ReplaceAllString(r, "")
		for _, c := range rest {
			if c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 {
				t.Fatalf("row %d has control character %q", i, c)
			}
		}
		if codes != nil {
			for _, seq := range sgrRE.FindAllString(r, -1) {
				if seq != "\x1b[0m" && !codes.MatchString(seq) {
					t.Fatalf("row %d: SGR %q not allowed for this profile", i, seq)
				}
			}
		}
	}
}

func TestEncodeBlocksShape(t *testing.T) {
	photo := plasma(1024, 1024)
	tests := []struct {
		name       string
		img        image.Image
		cols, rows int
		o          BlockOptions
		codes      string // the only SGR forms allowed (besides the final reset)
	}{
		{"truecolor", photo, 60, 30, BlockOptions{}, `^\x1b\[(38;2;\d+;\d+;\d+)?;?(48;2;\d+;\d+;\d+)?m$`},
		{"256", photo, 60, 30, BlockOptions{Profile: ANSI256}, `^\x1b\[(38;5;\d+)?;?(48;5;\d+)?m$`},
		{"16", photo, 60, 30, BlockOptions{Profile: ANSI16}, `^\x1b\[(3[0-7]|9[0-7])?;?(4[0-7]|10[0-7])?m$`},
		{"quadrants", photo, 40, 20, BlockOptions{Symbols: "quadrants"}, ""},
		{"half", photo, 40, 20, BlockOptions{Symbols: "half", Profile: ANSI256}, ""},
		{"1x1", photo, 1, 1, BlockOptions{}, ""},
		{"tiny source", plasma(3, 2), 17, 9, BlockOptions{}, ""},
		{"very wide", plasma(4000, 20), 200, 2, BlockOptions{}, ""},
		{"very tall", plasma(15, 3000), 2, 150, BlockOptions{Profile: ANSI16}, ""},
		{"empty image", image.NewRGBA(image.Rect(0, 0, 0, 0)), 5, 3, BlockOptions{}, ""},
		{"offset bounds", plasma(300, 300).SubImage(image.Rect(50, 70, 250, 170)), 20, 5, BlockOptions{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := EncodeBlocks(tc.img, tc.cols, tc.rows, tc.o)
			var re *regexp.Regexp
			if tc.codes != "" {
				re = regexp.MustCompile(tc.codes)
			}
			checkRows(t, rows, tc.cols, tc.rows, re)
			if tc.o.Symbols == "half" {
				for _, r := range rows {
					for _, c := range sgrRE.ReplaceAllString(r, "") {
						if c != ' ' && c != '▀' && c != '█' {
							t.Fatalf("half symbols gave %q", c)
						}
					}
				}
			}
			if _, err := RasterizeBlocks(rows, tc.cols, 3, 5); err != nil {
				t.Fatal(err)
			}
			again := EncodeBlocks(tc.img, tc.cols, tc.rows, tc.o)
			if strings.Join(again, "\n") != strings.Join(rows, "\n") {
				t.Fatal("output is not deterministic")
			}
		})
	}
	if EncodeBlocks(photo, 0, 3, BlockOptions{}) != nil || EncodeBlocks(photo, 3, 0, BlockOptions{}) != nil {
		t.Error("an empty box should give no rows")
	}
}

// TestEncodeBlocksExact draws images that the symbol set represents exactly - each cell one shape in two
// colours - and checks that rasterizing the output gives them back pixel for pixel.
func TestEncodeBlocksExact(t *testing.T) {
	red, blue := color.RGBA{200, 30, 40, 255}, color.RGBA{20, 40, 220, 255}
	split := image.NewRGBA(image.Rect(0, 0, 8*8, 3*8)) // left 3 cells red, right 5 blue
	for y := range 24 {
		for x := range 64 {
			c := blue
			if x < 24 {
				c = red
			}
			split.SetRGBA(x, y, c)
		}
	}
	checker := image.NewRGBA(image.Rect(0, 0, 10*8, 6*8)) // squares of half a cell: quadrant ▚ / ▞
	for y := range 48 {
		for x := range 80 {
			c := blue
			if (x/4+y/4)%2 == 0 {
				c = red
			}
			checker.SetRGBA(x, y, c)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, set := range []string{"all", "quadrants", "half"} {
		shapes := blockShapes(set)
		mixed := image.NewRGBA(image.Rect(0, 0, 12*8, 7*8)) // every cell a random shape of the set
		for cy := range 7 {
			for cx := range 12 {
				sh := shapes[rng.IntN(len(shapes))]
				a := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
				b := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
				for y := range 8 {
					for x := range 8 {
						c := b
						if sh.paints(x, y) {
							c = a
						}
						mixed.SetRGBA(cx*8+x, cy*8+y, c)
					}
				}
			}
		}
		tests := []struct {
			name string
			img  *image.RGBA
		}{{"split", split}, {"checker", checker}, {"mixed", mixed}}
		for _, tc := range tests {
			if set == "half" && tc.name != "mixed" {
				continue // halves cannot draw vertical edges inside a cell
			}
			t.Run(set+"/"+tc.name, func(t *testing.T) {
				cols, rows := tc.img.Rect.Dx()/8, tc.img.Rect.Dy()/8
				out := EncodeBlocks(tc.img, cols, rows, BlockOptions{Symbols: set})
				got, err := RasterizeBlocks(out, cols, 8, 8)
				if err != nil {
					t.Fatal(err)
				}
				for i := range got.Pix {
					if got.Pix[i] != tc.img.Pix[i] {
						p := i / 4
						t.Fatalf("pixel %d,%d differs: %v vs %v\n%q", p%got.Rect.Dx(), p/got.Rect.Dx(),
							got.Pix[i-i%4:i-i%4+4], tc.img.Pix[i-i%4:i-i%4+4], out)
					}
				}
			})
		}
	}
	// The split at a cell boundary is plain spaces on two exact backgrounds.
	out := EncodeBlocks(split, 8, 3, BlockOptions{})
	if want := "\x1b[48;2;200;30;40m   \x1b[48;2;20;40;220m     \x1b[0m"; out[0] != want {
		t.Errorf("split row = %q, want %q", out[0], want)
	}
}

// TestEncodeBlocksQuality checks the picture a terminal would show against the scaled source, and that
// the richer symbol sets are sharper than half blocks. Floors are about 1 dB under what was measured
// (plasma: 23.7 / 23.6 / 21.5 / 20.6 / 14.5 dB; synth aesthetics 35.2 dB where chafa --symbols block
// gives 34.0 dB).
func TestEncodeBlocksQuality(t *testing.T) {
	plasmaSrc := plasma(1024, 1024)
	photo := synth.New(1).Sample("aesthetics-part01", 0).Render(1024)
	tests := []struct {
		name string
		src  *image.RGBA
		o    BlockOptions
		min  float64
	}{
		{"plasma/truecolor/all", plasmaSrc, BlockOptions{}, 22.7},
		{"plasma/truecolor/quadrants", plasmaSrc, BlockOptions{Symbols: "quadrants"}, 22.6},
		{"plasma/truecolor/half", plasmaSrc, BlockOptions{Symbols: "half"}, 20.5},
		{"plasma/256/all", plasmaSrc, BlockOptions{Profile: ANSI256}, 19.6},
		{"plasma/16/all", plasmaSrc, BlockOptions{Profile: ANSI16}, 13.5},
		{"synth/truecolor/all", photo, BlockOptions{}, 33},
		{"synth/truecolor/half", photo, BlockOptions{Symbols: "half"}, 30},
	}
	got := map[string]float64{}
	for _, tc := range tests {
		img, err := RasterizeBlocks(EncodeBlocks(tc.src, 60, 30, tc.o), 60, 8, 16)
		if err != nil {
			t.Fatal(err)
		}
		p := psnr(img, Scale(tc.src, 60*8, 30*16))
		got[tc.name] = p
		t.Logf("%-28s PSNR %.2f dB", tc.name, p)
		if p < tc.min {
			t.Errorf("%s: PSNR %.2f dB, want at least %.1f", tc.name, p, tc.min)
		}
	}
	if got["plasma/truecolor/all"] < got["plasma/truecolor/quadrants"] ||
		got["plasma/truecolor/quadrants"] <= got["plasma/truecolor/half"]+1 ||
		got["synth/truecolor/all"] <= got["synth/truecolor/half"]+1 {
		t.Errorf("richer symbol sets should be sharper: %v", got)
	}
}

func TestQuantize(t *testing.T) {
	tests := []struct {
		p    Profile
		c    [3]int32
		want int32
	}{
		{ANSI256, [3]int32{0, 0, 0}, 16},
		{ANSI256, [3]int32{255, 255, 255}, 231},
		{ANSI256, [3]int32{255, 0, 0}, 196},
		{ANSI256, [3]int32{128, 128, 128}, 244},
		{ANSI256, [3]int32{95, 135, 175}, 16 + 36*1 + 6*2 + 3},
		{ANSI16, [3]int32{250, 10, 10}, 9},
		{ANSI16, [3]int32{10, 10, 10}, 0},
		{ANSI16, [3]int32{200, 200, 200}, 7},
	}
	for _, tc := range tests {
		if got := quantize(tc.p, tc.c); got.key != tc.want {
			t.Errorf("quantize(%v, %v) = %d, want %d", tc.p, tc.c, got.key, tc.want)
		}
		if tc.p == ANSI256 {
			if got, want := quantize(tc.p, tc.c), paletteRGB(int(tc.want)); got != want {
				t.Errorf("palette entry %d: %v vs %v", tc.want, got, want)
			}
		}
	}
}

func TestRasterizeBlocksErrors(t *testing.T) {
	for _, rows := range [][]string{
		{"ab"},                // unknown characters
		{"\x1b[2J  "},         // not SGR
		{"   "},               // too wide
		{" "},                 // too narrow
		{"\x1b[38;2;1;2m  "},  // short colour
		{"\x1b[1m  \x1b[0m"},  // bold
		{"\x1b[38;5;300m  "},  // out of range
		{"\x1b]8;;x\x1b\\  "}, // OSC
	} {
		if _, err := RasterizeBlocks(rows, 2, 2, 2); err == nil {
			t.Errorf("%q: no error", rows)
		}
	}
}

func BenchmarkEncodeBlocks(b *testing.B) {
	src := plasma(1024, 1024)
	for _, box := range []struct{ cols, rows int }{{60, 30}, {80, 40}} {
		for _, o := range []BlockOptions{{}, {Profile: ANSI256}} {
			b.Run(fmt.Sprintf("%dx%d/%s", box.cols, box.rows, o.Profile), func(b *testing.B) {
				for b.Loop() {
					EncodeBlocks(src, box.cols, box.rows, o)
				}
			})
		}
	}
}

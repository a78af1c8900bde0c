package termimg

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	gosixel "github.com/mattn/go-sixel"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// sixelTestPhoto is a photo-like picture: smooth waves plus a little noise.
func sixelTestPhoto(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 7))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(max(w, 1)), float64(y)/float64(max(h, 1))
			v1 := math.Sin(fx*7+math.Sin(fy*3)) + math.Sin(fy*5+fx*2)
			v2 := math.Cos(fx*4-fy*6) + math.Sin(math.Hypot(fx-0.4, fy-0.6)*14)
			c := func(v float64) uint8 { return uint8(min(max(v*60+128+r.NormFloat64()*3, 0), 255)) }
			img.SetRGBA(x, y, color.RGBA{c(v1), c(v2), c((v1 - v2) / 2), 255})
		}
	}
	return img
}

// sixelTestPalette are colours a sixel percentage shows exactly (multiples of 51 = 20%).
var sixelTestPalette = []color.RGBA{
	{255, 255, 255, 255}, {204, 51, 51, 255}, {51, 102, 204, 255}, {255, 204, 0, 255},
	{0, 153, 102, 255}, {0, 0, 0, 255}, {153, 153, 153, 255}, {102, 0, 153, 255},
}

// sixelTestShapes is flat hard-edged shapes in the exactly representable colours.
func sixelTestShapes(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := 0
			switch {
			case (x-w/3)*(x-w/3)+(y-h/3)*(y-h/3) < w*h/30:
				c = 1
			case x > w/2 && x < w*9/10 && y > h/6 && y < h/2:
				c = 2
			case y > h*6/10 && x > w/10 && x < w/10+(y-h*6/10):
				c = 3
			case (x/5+y/7)%9 == 0:
				c = 4 + (x+y)%4
			}
			img.SetRGBA(x, y, sixelTestPalette[c])
		}
	}
	return img
}

// sixelTestSign is dark text on a light gradient board, anti-aliased by the font drawer.
func sixelTestSign(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(230 - y*40/h), uint8(220 - x*30/w), 190, 255})
		}
	}
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{20, 30, 90, 255}), Face: basicfont.Face7x13}
	for i, line := range []string{"OPEN 24 HOURS", "Fresh bread & coffee", "loupe sixel test 0123456789"} {
		d.Dot = fixed.P(8, 20+i*18)
		d.DrawString(line)
	}
	return img
}

// sixelEncode encodes img and fails the test on error.
func sixelEncode(t testing.TB, img image.Image, o SixelOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := EncodeSixel(&b, img, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sixelDecode reads a sixel sequence back with go-sixel's decoder.
func sixelDecode(t testing.TB, data []byte) *image.NRGBA {
	t.Helper()
	var img image.Image
	if err := gosixel.NewDecoder(bytes.NewReader(data)).Decode(&img); err != nil {
		t.Fatalf("decode: %v", err)
	}
	n := image.NewNRGBA(img.Bounds())
	draw.Draw(n, n.Rect, img, img.Bounds().Min, draw.Src)
	return n
}

// sixelPSNR compares a decoded picture with the source, in dB over the RGB channels.
func sixelPSNR(t testing.TB, got *image.NRGBA, want image.Image) float64 {
	t.Helper()
	if got.Rect.Size() != want.Bounds().Size() {
		t.Fatalf("decoded size %v, want %v", got.Rect.Size(), want.Bounds().Size())
	}
	var se float64
	b := want.Bounds()
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			g := got.NRGBAAt(x, y)
			w := color.NRGBAModel.Convert(want.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			for _, d := range [3]float64{float64(g.R) - float64(w.R), float64(g.G) - float64(w.G), float64(g.B) - float64(w.B)} {
				se += d * d
			}
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255*3*float64(b.Dx()*b.Dy())/se)
}

var sixelPaletteRe = regexp.MustCompile(`#(\d+);2;(\d+);(\d+);(\d+)`)

func TestSixelRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name    string
		img     image.Image
		colors  int
		minPSNR float64 // +Inf: exact; otherwise above what img2sixel 1.10.3 gives for the same image
	}{
		{"shapes exact", sixelTestShapes(97, 61), 0, math.Inf(1)},
		{"shapes exact 8 colours", sixelTestShapes(64, 64), 8, math.Inf(1)},
		{"1x1", sixelTestShapes(1, 1), 0, math.Inf(1)},
		{"width 1", sixelTestShapes(1, 23), 0, math.Inf(1)},
		{"7x13", sixelTestShapes(7, 13), 0, math.Inf(1)},
		{"height 6", sixelTestShapes(31, 6), 0, math.Inf(1)},
		{"photo", sixelTestPhoto(240, 181, 1), 0, 34},              // img2sixel: 31.40 dB
		{"photo 16 colours", sixelTestPhoto(120, 90, 2), 16, 23.2}, // img2sixel -p 16: 23.16 dB
		{"photo 2 colours", sixelTestPhoto(50, 37, 3), 2, 14.5},    // img2sixel -p 2: 14.48 dB
		{"sign", sixelTestSign(200, 70), 0, 38},                    // img2sixel: 33.26 dB
		{"sign 16 colours", sixelTestSign(200, 70), 16, 37},        // img2sixel -p 16: 33.08 dB
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := sixelEncode(t, tc.img, SixelOptions{Colors: tc.colors})
			got := sixelDecode(t, data)
			p := sixelPSNR(t, got, tc.img)
			if p < tc.minPSNR {
				t.Errorf("PSNR %.2f dB, want >= %.2f", p, tc.minPSNR)
			}
			n := len(sixelPaletteRe.FindAllIndex(data, -1))
			if want := tc.colors; want > 0 && n > want {
				t.Errorf("%d palette entries, want at most %d", n, want)
			}
			t.Logf("%v: %.2f dB, %d colours, %d bytes", tc.img.Bounds().Size(), p, n, len(data))
		})
	}
}

func TestSixelFraming(t *testing.T) {
	for _, img := range []image.Image{sixelTestShapes(1, 1), sixelTestShapes(7, 13), sixelTestPhoto(33, 20, 4), sixelTestSign(50, 20)} {
		data := sixelEncode(t, img, SixelOptions{})
		b := img.Bounds()
		head := "\x1bP0;1;0q\"1;1;" + strconv.Itoa(b.Dx()) + ";" + strconv.Itoa(b.Dy()) + "#0;2;"
		if !bytes.HasPrefix(data, []byte(head)) {
			t.Fatalf("starts %q, want %q", data[:min(len(data), 30)], head)
		}
		if !bytes.HasSuffix(data, []byte("\x1b\\")) {
			t.Fatalf("ends %q, want ST", data[max(0, len(data)-10):])
		}
		body := data[len("\x1bP0;1;0q") : len(data)-2]
		for i, c := range body {
			if c < 0x20 || c > 0x7e {
				t.Fatalf("byte %d: %#x inside the DCS", i, c)
			}
		}
		if m := regexp.MustCompile(`[^0-9;#!$\-"?-~]`).Find(body); m != nil {
			t.Fatalf("unexpected %q in the sixel data", m)
		}
		// palette: registers 0..n-1 in order, percentages 0-100, defined before use
		defs := sixelPaletteRe.FindAllSubmatch(body, -1)
		for i, d := range defs {
			if n, _ := strconv.Atoi(string(d[1])); n != i {
				t.Fatalf("register %d defined as #%d", i, n)
			}
			for _, v := range d[2:] {
				if p, _ := strconv.Atoi(string(v)); p < 0 || p > 100 {
					t.Fatalf("percentage %d out of range", p)
				}
			}
		}
		for _, m := range regexp.MustCompile(`#(\d+)[^;\d]`).FindAllSubmatch(body, -1) {
			if n, _ := strconv.Atoi(string(m[1])); n >= len(defs) {
				t.Fatalf("selects undefined register %d", n)
			}
		}
		for _, m := range regexp.MustCompile(`!(\d+)`).FindAllSubmatch(body, -1) {
			if n, _ := strconv.Atoi(string(m[1])); n < 4 || n > b.Dx() {
				t.Fatalf("run of %d (width %d)", n, b.Dx())
			}
		}
		if bands := bytes.Count(body, []byte("-")) + 1; bands != (b.Dy()+5)/6 {
			t.Fatalf("%d bands for height %d", bands, b.Dy())
		}
	}
}

func TestSixelGolden(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 5, 7))
	for y := 0; y < 7; y++ {
		for x := 0; x < 5; x++ {
			c := sixelTestPalette[0]
			if x == 2 || y == 6 {
				c = sixelTestPalette[1]
			}
			img.SetRGBA(x, y, c)
		}
	}
	// white is used most in the first band: it paints the whole band, then red paints its column over it.
	want := "\x1bP0;1;0q\"1;1;5;7#0;2;100;100;100#1;2;80;20;20" +
		"#0!5~$#1??~-" +
		"#1!5@" +
		"\x1b\\"
	if got := string(sixelEncode(t, img, SixelOptions{})); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestSixelDeterministicAndFlat(t *testing.T) {
	photo := sixelTestPhoto(160, 120, 5)
	a, b := sixelEncode(t, photo, SixelOptions{}), sixelEncode(t, photo, SixelOptions{})
	if !bytes.Equal(a, b) {
		t.Fatal("two encodings of the same image differ")
	}
	// A flat area inside a photo keeps one colour: no dithering noise on a colour of the palette.
	img := sixelTestPhoto(160, 120, 6)
	flat := color.RGBA{51, 102, 204, 255}
	draw.Draw(img, image.Rect(40, 30, 120, 90), image.NewUniform(flat), image.Point{}, draw.Src)
	got := sixelDecode(t, sixelEncode(t, img, SixelOptions{}))
	first := got.NRGBAAt(40, 30)
	for y := 30; y < 90; y++ {
		for x := 40; x < 120; x++ {
			if c := got.NRGBAAt(x, y); c != first {
				t.Fatalf("flat area: pixel %d,%d is %v, %d,%d is %v", x, y, c, 40, 30, first)
			}
		}
	}
	if d := math.Abs(float64(first.R)-51) + math.Abs(float64(first.G)-102) + math.Abs(float64(first.B)-204); d > 12 {
		t.Fatalf("flat area shown as %v, want near %v", first, flat)
	}
}

func TestSixelTransparentAndOddInputs(t *testing.T) {
	// Transparent pixels stay unpainted; other image types are converted.
	img := image.NewNRGBA(image.Rect(10, 20, 22, 32))
	for y := 20; y < 32; y++ {
		for x := 10; x < 22; x++ {
			a := uint8(255)
			if x < 16 {
				a = 0
			}
			img.SetNRGBA(x, y, color.NRGBA{204, 51, 51, a})
		}
	}
	data := sixelEncode(t, img, SixelOptions{})
	if !strings.Contains(string(data), "\"1;1;12;12") || strings.Count(string(data), ";2;") != 1 {
		t.Fatalf("unexpected encoding %q", data)
	}
	got := sixelDecode(t, data)
	if c := got.NRGBAAt(11, 5); c != (color.NRGBA{204, 51, 51, 255}) {
		t.Fatalf("opaque pixel decoded as %v", c)
	}
	if c := got.NRGBAAt(2, 5); c.A != 0 {
		t.Fatalf("transparent pixel painted %v", c)
	}
	gray := image.NewGray(image.Rect(0, 0, 9, 9))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 3)
	}
	if p := sixelPSNR(t, sixelDecode(t, sixelEncode(t, gray, SixelOptions{})), gray); p < 40 {
		t.Fatalf("gray image: %.2f dB", p)
	}
	if err := EncodeSixel(&bytes.Buffer{}, image.NewRGBA(image.Rect(0, 0, 0, 0)), SixelOptions{}); err != nil {
		t.Fatalf("empty image: %v", err)
	}
}

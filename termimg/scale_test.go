package termimg

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// areaReference shrinks src to w x h by exact area averaging in float64: destination pixel (x, y) is
// the coverage-weighted mean of the source pixels its footprint [x*sw/w, (x+1)*sw/w) x [y*sh/h, ...)
// overlaps, each weighted by the area of the overlap. Slow and obviously right.
func areaReference(src *image.RGBA, w, h int) *image.RGBA {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	weights := func(n, m, k int) (lo int, wt []float64) {
		a, b := float64(k)*float64(n)/float64(m), float64(k+1)*float64(n)/float64(m)
		lo = int(math.Floor(a))
		for i := lo; float64(i) < b && i < n; i++ {
			ov := math.Min(b, float64(i+1)) - math.Max(a, float64(i))
			wt = append(wt, ov/(b-a))
		}
		return lo, wt
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		y0, wy := weights(sh, h, y)
		for x := 0; x < w; x++ {
			x0, wx := weights(sw, w, x)
			var acc [4]float64
			for j, fy := range wy {
				for i, fx := range wx {
					p := src.Pix[(y0+j)*src.Stride+(x0+i)*4:]
					for c := range 4 {
						acc[c] += fy * fx * float64(p[c])
					}
				}
			}
			for c := range 4 {
				dst.Pix[y*dst.Stride+x*4+c] = uint8(math.Round(acc[c]))
			}
		}
	}
	return dst
}

func stripes(w, h, period int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(0)
			if x%period < period/2 {
				v = 255
			}
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	return img
}

func randomRGBA(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		a := uint8(rng.IntN(256))
		if rng.IntN(3) == 0 {
			a = 255
		}
		for c := range 3 { // premultiplied: colour never exceeds alpha
			img.Pix[i+c] = uint8(rng.IntN(int(a) + 1))
		}
		img.Pix[i+3] = a
	}
	return img
}

// TestScaleStripesNoMoire: 2 px black/white stripes shrunk by a non-integer factor are flat grey, not
// alternating solid and grey blocks (whole-pixel spans average 2 or 3 source columns in turn).
func TestScaleStripesNoMoire(t *testing.T) {
	for _, tc := range []struct{ sw, w, period int }{{1024, 480, 2}, {1000, 480, 2}, {4096, 480, 2}, {2000, 480, 2}} {
		out := Scale(stripes(tc.sw, 8, tc.period), tc.w, 4)
		var sum float64
		for i := 0; i < len(out.Pix); i += 4 {
			sum += float64(out.Pix[i])
		}
		mean := sum / float64(len(out.Pix)/4)
		for i := 0; i < len(out.Pix); i += 4 {
			if d := math.Abs(float64(out.Pix[i]) - mean); d > 8 {
				t.Fatalf("%d->%d, %d px stripes: pixel %d = %d, mean %.1f", tc.sw, tc.w, tc.period, i/4, out.Pix[i], mean)
			}
		}
	}
}

// TestScaleMatchesAreaReference compares the scaler with exact area averaging per channel (alpha and
// premultiplied colour alike), for RGBA sources and for other image types converted to RGBA.
func TestScaleMatchesAreaReference(t *testing.T) {
	for i, tc := range []struct{ sw, sh, w, h int }{
		{97, 61, 30, 17}, {1024, 64, 480, 30}, {1000, 50, 333, 50}, {64, 1000, 64, 333},
		{301, 300, 300, 299}, {4096, 20, 480, 3}, {200, 200, 1, 1}, {7, 5, 7, 4},
	} {
		src := randomRGBA(tc.sw, tc.sh, uint64(i))
		want := areaReference(src, tc.w, tc.h)
		// The same pixels as a sub-image with its origin away from 0,0.
		big := image.NewRGBA(image.Rect(-3, -2, tc.sw+5, tc.sh+4))
		for y := 0; y < tc.sh; y++ {
			copy(big.Pix[big.PixOffset(1, y+1):], src.Pix[y*src.Stride:y*src.Stride+tc.sw*4])
		}
		for _, in := range []image.Image{src, big.SubImage(image.Rect(1, 1, tc.sw+1, tc.sh+1))} {
			got := Scale(in, tc.w, tc.h)
			if got.Rect != want.Rect {
				t.Fatalf("%dx%d->%dx%d: size %v", tc.sw, tc.sh, tc.w, tc.h, got.Rect)
			}
			for p := range got.Pix {
				if d := int(got.Pix[p]) - int(want.Pix[p]); d < -1 || d > 1 {
					t.Fatalf("%dx%d->%dx%d: pixel (%d,%d) channel %d = %d, reference %d", tc.sw, tc.sh, tc.w, tc.h,
						p/4%tc.w, p/4/tc.w, p%4, got.Pix[p], want.Pix[p])
				}
			}
		}
	}
}

// TestScaleYCbCrMatchesAreaReference: JPEG-decoded pictures are averaged in YCbCr, then converted;
// the result matches area-averaging the converted picture up to conversion rounding.
func TestScaleYCbCrMatchesAreaReference(t *testing.T) {
	for i, tc := range []struct {
		sw, sh, w, h int
		ratio        image.YCbCrSubsampleRatio
	}{
		{97, 61, 30, 17, image.YCbCrSubsampleRatio420}, {1024, 40, 480, 18, image.YCbCrSubsampleRatio420},
		{1000, 333, 333, 111, image.YCbCrSubsampleRatio420}, {97, 61, 30, 17, image.YCbCrSubsampleRatio444},
		{97, 61, 30, 17, image.YCbCrSubsampleRatio422}, {97, 61, 30, 17, image.YCbCrSubsampleRatio440},
		{101, 67, 40, 30, image.YCbCrSubsampleRatio411},
	} {
		rng := rand.New(rand.NewPCG(uint64(i), 2))
		src := image.NewYCbCr(image.Rect(3, 5, 3+tc.sw, 5+tc.sh), tc.ratio)
		for p := range src.Y {
			src.Y[p] = uint8(32 + rng.IntN(192))
		}
		for p := range src.Cb {
			src.Cb[p], src.Cr[p] = uint8(112+rng.IntN(33)), uint8(112+rng.IntN(33)) // in gamut: no clamping
		}
		got := Scale(src, tc.w, tc.h)
		want := areaReference(toRGBA(src), tc.w, tc.h)
		if p := psnr(got, want); p < 45 {
			t.Errorf("%v %dx%d->%dx%d: PSNR %.1f dB against area reference", tc.ratio, tc.sw, tc.sh, tc.w, tc.h, p)
		}
		for p := range got.Pix {
			if d := int(got.Pix[p]) - int(want.Pix[p]); d < -3 || d > 3 {
				t.Fatalf("%v %dx%d->%dx%d: pixel %d channel %d = %d, reference %d", tc.ratio, tc.sw, tc.sh, tc.w, tc.h,
					p/4, p%4, got.Pix[p], want.Pix[p])
			}
		}
	}
}

// TestScaleNoShift: a feature at the source centre lands at the destination centre, symmetric.
func TestScaleNoShift(t *testing.T) {
	for _, tc := range []struct{ sw, w, x0, x1 int }{
		{1024, 480, 511, 513}, // 2 px column about 512, output centre between 239 and 240
		{1001, 481, 500, 501}, // 1 px column, odd sizes
		{1000, 333, 499, 501},
		{4096, 480, 2047, 2049},
	} {
		src := solid(tc.sw, 4, color.RGBA{0, 0, 0, 255})
		for y := 0; y < 4; y++ {
			for x := tc.x0; x < tc.x1; x++ {
				src.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
			}
		}
		out := Scale(src, tc.w, 2)
		var m0, m1 float64
		for x := 0; x < tc.w; x++ {
			v := float64(out.Pix[x*4])
			m0 += v
			m1 += v * (float64(x) + 0.5)
			if l, r := out.Pix[x*4], out.Pix[(tc.w-1-x)*4]; int(l)-int(r) > 1 || int(r)-int(l) > 1 {
				t.Errorf("%d->%d: columns %d and %d differ: %d, %d", tc.sw, tc.w, x, tc.w-1-x, l, r)
				break
			}
		}
		if c := m1 / m0; math.Abs(c-float64(tc.w)/2) > 0.02 {
			t.Errorf("%d->%d: centroid at %.3f, want %.1f", tc.sw, tc.w, c, float64(tc.w)/2)
		}
	}
}

// TestScaleAlpha: image.RGBA is premultiplied, so averaging all four channels alike is right (and is
// what the scaler has always done): transparent stays transparent, a transparent/opaque mix is
// half-transparent with colour never above alpha, and other image types are converted first.
func TestScaleAlpha(t *testing.T) {
	clear := solid(64, 64, color.RGBA{})
	if out := Scale(clear, 30, 30); out.RGBAAt(15, 15) != (color.RGBA{}) {
		t.Fatalf("transparent became %v", out.RGBAAt(15, 15))
	}
	src := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			if x%2 == 0 {
				src.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
			} else {
				src.SetNRGBA(x, y, color.NRGBA{0, 255, 0, 0}) // colour hidden by zero alpha
			}
		}
	}
	out := Scale(src, 32, 32) // 2:1, exact
	for i := 0; i < len(out.Pix); i += 4 {
		if c := (color.RGBA{out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3]}); c != (color.RGBA{128, 0, 0, 128}) {
			t.Fatalf("pixel %d = %v, want half-transparent red {128 0 0 128}", i/4, c)
		}
	}
	out = Scale(src, 30, 30) // fractional
	for i := 0; i < len(out.Pix); i += 4 {
		if out.Pix[i] > out.Pix[i+3] || out.Pix[i+1] != 0 || out.Pix[i+3] < 100 || out.Pix[i+3] > 155 {
			t.Fatalf("pixel %d = %v", i/4, out.Pix[i:i+4])
		}
	}
}

// TestScaleSignPSNR reports (and bounds) how close a picture with fine detail comes to exact area
// averaging at the review screen's reduction.
func TestScaleSignPSNR(t *testing.T) {
	for _, tc := range []struct {
		name string
		img  *image.RGBA
		w, h int
	}{
		{"detail", detailPicture(1024, 1024), 480, 480},
		{"detail-4096", detailPicture(4096, 1024), 480, 120},
		{"shapes", sixelTestShapes(1024, 1024), 480, 480},
		{"stripes", stripes(1024, 256, 2), 480, 120},
		{"photo", sixelTestPhoto(1024, 768, 3), 480, 360},
		{"random", randomRGBA(1000, 500, 9), 333, 166},
	} {
		p := psnr(Scale(tc.img, tc.w, tc.h), areaReference(tc.img, tc.w, tc.h))
		t.Logf("%s %dx%d->%dx%d: %.1f dB against exact area averaging", tc.name, tc.img.Rect.Dx(), tc.img.Rect.Dy(), tc.w, tc.h, p)
		if p < 45 {
			t.Errorf("%s: PSNR %.1f dB, want >= 45", tc.name, p)
		}
	}
}

// detailPicture is a sign-like test card: small text, 1-3 px lines, an 8 px checker, 2 and 4 px
// stripes: what whole-pixel box spans turn into moiré.
func detailPicture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{uint8(230 - y*40/h), uint8(220 - x*30/w), 190, 255}
			switch q := x * 4 / w; {
			case y > h/2 && q == 0 && x%2 == 0, y > h/2 && q == 1 && x%4 < 2:
				c = color.RGBA{0, 0, 0, 255}
			case y > h/2 && q == 2 && (x/8+y/8)%2 == 0:
				c = color.RGBA{200, 30, 30, 255}
			case y > h/2 && q == 3 && (y%12 < 1+(x/40)%3 || x%16 < 1+(y/40)%3):
				c = color.RGBA{20, 30, 90, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{20, 30, 90, 255}), Face: basicfont.Face7x13}
	for i := 0; 20+i*16 < h/2; i++ {
		d.Dot = fixed.P(4+i%3, 20+i*16)
		d.DrawString(fmt.Sprintf("OPEN 24 HOURS - Fresh bread & coffee - loupe scale test %d 0123456789 ABCDEFGHIJKLMNOP", i))
	}
	return img
}

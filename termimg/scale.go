package termimg

import (
	"image"
	"image/draw"

	xdraw "golang.org/x/image/draw"
)

// toRGBA returns img as *image.RGBA with its origin at 0,0 (converting when needed; the standard
// library has fast paths for the YCbCr images JPEG decodes to).
func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

// Scale resizes img to w x h. Shrinking averages every source pixel into its destination pixel (a box
// filter: no shimmer or moiré from skipped pixels, and cheap); enlarging uses Catmull-Rom.
func Scale(img image.Image, w, h int) *image.RGBA {
	src := toRGBA(img)
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	if w == sw && h == sh {
		return src
	}
	if w > sw || h > sh {
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		xdraw.CatmullRom.Scale(dst, dst.Rect, src, src.Rect, xdraw.Src, nil)
		return dst
	}
	return boxShrink(src, w, h)
}

// boxShrink averages areas: each destination pixel is the mean of the source pixels whose centres fall
// in its footprint. Two separable passes with integer sums.
func boxShrink(src *image.RGBA, w, h int) *image.RGBA {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	// Horizontal pass: sh rows of w pixels, sums of 4 channels and counts.
	xs := spans(sw, w)
	ys := spans(sh, h)
	tmp := make([]uint32, sh*w*4)
	for y := 0; y < sh; y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+sw*4]
		t := tmp[y*w*4 : (y+1)*w*4]
		for x := 0; x < w; x++ {
			var r, g, b, a uint32
			for i := xs[x]; i < xs[x+1]; i++ {
				p := row[i*4 : i*4+4 : i*4+4]
				r += uint32(p[0])
				g += uint32(p[1])
				b += uint32(p[2])
				a += uint32(p[3])
			}
			t[x*4], t[x*4+1], t[x*4+2], t[x*4+3] = r, g, b, a
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	acc := make([]uint32, w*4)
	for y := 0; y < h; y++ {
		clear(acc)
		for j := ys[y]; j < ys[y+1]; j++ {
			t := tmp[j*w*4 : (j+1)*w*4]
			for i := range acc {
				acc[i] += t[i]
			}
		}
		d := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		for x := 0; x < w; x++ {
			n := uint32((xs[x+1] - xs[x]) * (ys[y+1] - ys[y]))
			half := n / 2
			for c := 0; c < 4; c++ {
				d[x*4+c] = uint8((acc[x*4+c] + half) / n)
			}
		}
	}
	return dst
}

// spans splits n source pixels into m consecutive non-empty runs: run k is [s[k], s[k+1]).
func spans(n, m int) []int {
	s := make([]int, m+1)
	for k := 0; k <= m; k++ {
		s[k] = k * n / m
	}
	for k := 1; k <= m; k++ { // m <= n, so runs are non-empty; keep it so under rounding
		if s[k] <= s[k-1] {
			s[k] = s[k-1] + 1
		}
	}
	s[m] = n
	return s
}

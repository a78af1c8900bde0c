package termimg

import (
	"image"
	"image/color"
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
// filter: no shimmer or moiré from skipped pixels, and cheap); enlarging interpolates bilinearly (the
// kernel scalers' float buffers cost tens of MB per picture, for no visible gain at terminal sizes).
func Scale(img image.Image, w, h int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if w <= sw && h <= sh && (w < sw || h < sh) {
		// JPEGs decode to YCbCr: averaging before the (affine) colour conversion is the same as after,
		// and converts 5-20 times fewer pixels.
		if y, ok := img.(*image.YCbCr); ok {
			return shrinkYCbCr(y, w, h)
		}
		return boxShrink(toRGBA(img), w, h)
	}
	src := toRGBA(img)
	if w == sw && h == sh {
		return src
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.ApproxBiLinear.Scale(dst, dst.Rect, src, src.Rect, xdraw.Src, nil)
	return dst
}

// boxShrink averages areas: destination pixel (x, y) is the mean of source columns xs[x]..xs[x+1] and
// rows ys[y]..ys[y+1]. Rows stream through one accumulator row.
func boxShrink(src *image.RGBA, w, h int) *image.RGBA {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	xs, ys := spans(sw, w), spans(sh, h)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	acc := make([]uint32, w*4)
	for y := 0; y < h; y++ {
		clear(acc)
		for j := ys[y]; j < ys[y+1]; j++ {
			row := src.Pix[j*src.Stride : j*src.Stride+sw*4]
			for x := 0; x < w; x++ {
				var r, g, b, al uint32
				run := row[xs[x]*4 : xs[x+1]*4]
				for i := 0; i+3 < len(run); i += 4 {
					r += uint32(run[i])
					g += uint32(run[i+1])
					b += uint32(run[i+2])
					al += uint32(run[i+3])
				}
				a := acc[x*4 : x*4+4 : x*4+4]
				a[0] += r
				a[1] += g
				a[2] += b
				a[3] += al
			}
		}
		d := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		rowsN := uint32(ys[y+1] - ys[y])
		for x := 0; x < w; x++ {
			n := uint32(xs[x+1]-xs[x]) * rowsN
			half := n / 2
			a := acc[x*4 : x*4+4 : x*4+4]
			dd := d[x*4 : x*4+4 : x*4+4]
			dd[0] = uint8((a[0] + half) / n)
			dd[1] = uint8((a[1] + half) / n)
			dd[2] = uint8((a[2] + half) / n)
			dd[3] = uint8((a[3] + half) / n)
		}
	}
	return dst
}

// shrinkYCbCr box-averages Y, Cb and Cr, then converts each destination pixel to RGB.
func shrinkYCbCr(src *image.YCbCr, w, h int) *image.RGBA {
	b := src.Rect
	sw, sh := b.Dx(), b.Dy()
	xs, ys := spans(sw, w), spans(sh, h)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	acc := make([]uint32, w*3)
	for y := 0; y < h; y++ {
		clear(acc)
		for j := ys[y]; j < ys[y+1]; j++ {
			sy := b.Min.Y + j
			yrow := src.Y[(sy-src.Rect.Min.Y)*src.YStride:]
			for x := 0; x < w; x++ {
				a := acc[x*3 : x*3+3 : x*3+3]
				for i := xs[x]; i < xs[x+1]; i++ {
					sx := b.Min.X + i
					ci := src.COffset(sx, sy)
					a[0] += uint32(yrow[sx-src.Rect.Min.X])
					a[1] += uint32(src.Cb[ci])
					a[2] += uint32(src.Cr[ci])
				}
			}
		}
		d := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		rowsN := uint32(ys[y+1] - ys[y])
		for x := 0; x < w; x++ {
			n := uint32(xs[x+1]-xs[x]) * rowsN
			half := n / 2
			a := acc[x*3 : x*3+3 : x*3+3]
			r, g, bb := color.YCbCrToRGB(uint8((a[0]+half)/n), uint8((a[1]+half)/n), uint8((a[2]+half)/n))
			d[x*4], d[x*4+1], d[x*4+2], d[x*4+3] = r, g, bb, 255
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

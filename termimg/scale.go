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

// Scale resizes img to w x h. Shrinking is an area-weighted box filter: each destination pixel is the
// coverage-weighted mean of the source pixels under its footprint, fractional edge pixels weighted by
// how much of them it covers (no moiré from runs of 2 or 3 whole pixels in turn, no shift; sRGB values,
// like ImageMagick's area resize). Enlarging interpolates bilinearly (the kernel scalers' float
// buffers cost tens of MB per picture, for no visible gain at terminal sizes). Shrinking splits the
// destination rows over the CPUs; the result is the same however it is split.
func Scale(img image.Image, w, h int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return image.NewRGBA(image.Rect(0, 0, max(w, 0), max(h, 0)))
	}
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

// Fixed-point weights: each destination pixel's weights sum to exactly 1<<weightBits. The vertical
// pass sums at most 255<<weightBits per channel (a uint32); the horizontal pass multiplies that by
// weights again into a uint64, rounding once at the end.
const weightBits = 16

// areaTaps are the weights of an exact-coverage box reduction of n source pixels to m (m <= n):
// destination pixel k covers source span [k*n/m, (k+1)*n/m) and takes source pixels first[k],
// first[k]+1, ... with weights w[off[k]:off[k+1]], proportional to the overlap.
type areaTaps struct {
	first, off []int32
	w          []uint32
}

func newAreaTaps(n, m int) areaTaps {
	t := areaTaps{first: make([]int32, m), off: make([]int32, m+1), w: make([]uint32, 0, m*(n/m+2))}
	for k := 0; k < m; k++ {
		// In units of 1/m of a source pixel: the footprint is [k*n, (k+1)*n), source pixel i is
		// [i*m, (i+1)*m), so overlaps are integers summing to n.
		lo, hi := k*n, (k+1)*n
		i0, i1 := lo/m, (hi+m-1)/m
		t.first[k] = int32(i0)
		var sum, bigW uint32
		big := len(t.w)
		for i := i0; i < i1; i++ {
			ov := min((i+1)*m, hi) - max(i*m, lo)
			wt := uint32((uint64(ov)<<weightBits + uint64(n)/2) / uint64(n))
			if wt > bigW {
				big, bigW = len(t.w), wt
			}
			t.w = append(t.w, wt)
			sum += wt
		}
		t.w[big] += 1<<weightBits - sum // rounding: make the weights sum exactly to one
		t.off[k+1] = int32(len(t.w))
	}
	return t
}

// sumRows sets acc to the weighted sum of the n-byte rows of pix starting at offset o, stride apart.
// Rows go up to four at a time, cutting the accumulator traffic.
func sumRows(acc []uint32, pix []uint8, o, stride, n int, ws []uint32) {
	acc = acc[:n]
	row := func(t int) []uint8 { return pix[o+t*stride : o+t*stride+n] }
	for t := 0; t < len(ws); {
		first := t == 0
		switch left := len(ws) - t; {
		case left >= 4:
			r0, r1, r2, r3 := row(t), row(t+1), row(t+2), row(t+3)
			w0, w1, w2, w3 := ws[t], ws[t+1], ws[t+2], ws[t+3]
			r1, r2, r3 = r1[:len(r0)], r2[:len(r0)], r3[:len(r0)]
			if first {
				for i, v := range r0 {
					acc[i] = w0*uint32(v) + w1*uint32(r1[i]) + w2*uint32(r2[i]) + w3*uint32(r3[i])
				}
			} else {
				for i, v := range r0 {
					acc[i] += w0*uint32(v) + w1*uint32(r1[i]) + w2*uint32(r2[i]) + w3*uint32(r3[i])
				}
			}
			t += 4
		case left >= 2:
			r0, r1 := row(t), row(t+1)
			w0, w1 := ws[t], ws[t+1]
			r1 = r1[:len(r0)]
			if first {
				for i, v := range r0 {
					acc[i] = w0*uint32(v) + w1*uint32(r1[i])
				}
			} else {
				for i, v := range r0 {
					acc[i] += w0*uint32(v) + w1*uint32(r1[i])
				}
			}
			t += 2
		default:
			addRow(acc, row(t), ws[t], first)
			t++
		}
	}
}

// addRow accumulates wt times row into acc (overwriting acc when first).
func addRow(acc []uint32, row []uint8, wt uint32, first bool) {
	acc = acc[:len(row)]
	if first {
		for i, v := range row {
			acc[i] = wt * uint32(v)
		}
		return
	}
	for i, v := range row {
		acc[i] += wt * uint32(v)
	}
}

// boxShrink reduces src by exact area averaging, separably: for each destination row the source rows
// under it are summed with their vertical weights into one accumulator row, which is then filtered
// horizontally. Premultiplied RGBA: all four channels alike.
func boxShrink(src *image.RGBA, w, h int) *image.RGBA {
	sw := src.Rect.Dx()
	tx, ty := newAreaTaps(sw, w), newAreaTaps(src.Rect.Dy(), h)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// Destination rows are split over the CPUs: each row depends only on the source, so the pixels do
	// not depend on the split.
	parts := parallelParts(w*h, 32<<10)
	parallelRun(parts, func(p int) { boxShrinkRows(dst, src, tx, ty, p*h/parts, (p+1)*h/parts) })
	return dst
}

// boxShrinkRows computes destination rows y0 to y1-1 of boxShrink.
func boxShrinkRows(dst, src *image.RGBA, tx, ty areaTaps, y0, y1 int) {
	sw, w := src.Rect.Dx(), dst.Rect.Dx()
	acc := make([]uint32, sw*4)
	for y := y0; y < y1; y++ {
		sumRows(acc, src.Pix, int(ty.first[y])*src.Stride, src.Stride, sw*4, ty.w[ty.off[y]:ty.off[y+1]])
		d := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		for x := 0; x < w; x++ {
			ws := tx.w[tx.off[x]:tx.off[x+1]]
			p := acc[int(tx.first[x])*4:]
			p = p[:len(ws)*4]
			var r, g, b, a uint64
			for t, wt := range ws {
				q := p[t*4 : t*4+4 : t*4+4]
				w64 := uint64(wt)
				r += w64 * uint64(q[0])
				g += w64 * uint64(q[1])
				b += w64 * uint64(q[2])
				a += w64 * uint64(q[3])
			}
			const round, shift = 1 << (2*weightBits - 1), 2 * weightBits
			dd := d[x*4 : x*4+4 : x*4+4]
			dd[0], dd[1], dd[2], dd[3] = uint8((r+round)>>shift), uint8((g+round)>>shift), uint8((b+round)>>shift), uint8((a+round)>>shift)
		}
	}
}

// shrinkYCbCr area-averages Y, Cb and Cr (chroma taken at each luma pixel, as the colour model
// converts it), then converts each destination pixel to RGB. The vertical pass runs on each plane at
// its own width.
func shrinkYCbCr(src *image.YCbCr, w, h int) *image.RGBA {
	b := src.Rect
	sw := b.Dx()
	tx, ty := newAreaTaps(sw, w), newAreaTaps(b.Dy(), h)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// COffset is a row part plus a column part for every subsampling ratio.
	cx := make([]int32, sw)
	for i := range cx {
		cx[i] = int32(src.COffset(b.Min.X+i, b.Min.Y) - src.COffset(b.Min.X, b.Min.Y))
	}
	parts := parallelParts(w*h, 32<<10)
	parallelRun(parts, func(p int) { shrinkYCbCrRows(dst, src, tx, ty, cx, p*h/parts, (p+1)*h/parts) })
	return dst
}

// shrinkYCbCrRows computes destination rows y0 to y1-1 of shrinkYCbCr; cx is each source column's
// chroma offset from the row's first.
func shrinkYCbCrRows(dst *image.RGBA, src *image.YCbCr, tx, ty areaTaps, cx []int32, y0, y1 int) {
	b := src.Rect
	sw, w := b.Dx(), dst.Rect.Dx()
	cw := int(cx[sw-1]) + 1
	yAcc, cbAcc, crAcc := make([]uint32, sw), make([]uint32, cw), make([]uint32, cw)
	for y := y0; y < y1; y++ {
		j0 := int(ty.first[y])
		ws := ty.w[ty.off[y]:ty.off[y+1]]
		sumRows(yAcc, src.Y, src.YOffset(b.Min.X, b.Min.Y+j0), src.YStride, sw, ws)
		// Luma rows sharing a chroma row (4:2:0) add it once, with their weights summed.
		first, cw0, c0 := true, uint32(0), src.COffset(b.Min.X, b.Min.Y+j0)
		for t, wt := range ws {
			cw0 += wt
			if t+1 < len(ws) && src.COffset(b.Min.X, b.Min.Y+j0+t+1) == c0 {
				continue
			}
			addRow(cbAcc, src.Cb[c0:c0+cw], cw0, first)
			addRow(crAcc, src.Cr[c0:c0+cw], cw0, first)
			first, cw0 = false, 0
			if t+1 < len(ws) {
				c0 = src.COffset(b.Min.X, b.Min.Y+j0+t+1)
			}
		}
		d := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		for x := 0; x < w; x++ {
			ws := tx.w[tx.off[x]:tx.off[x+1]]
			i0 := int(tx.first[x])
			ys, cs := yAcc[i0:i0+len(ws)], cx[i0:i0+len(ws)]
			var l, u, v uint64
			for t, wt := range ws {
				w64, c := uint64(wt), cs[t]
				l += w64 * uint64(ys[t])
				u += w64 * uint64(cbAcc[c])
				v += w64 * uint64(crAcc[c])
			}
			const round, shift = 1 << (2*weightBits - 1), 2 * weightBits
			r, g, bb := color.YCbCrToRGB(uint8((l+round)>>shift), uint8((u+round)>>shift), uint8((v+round)>>shift))
			d[x*4], d[x*4+1], d[x*4+2], d[x*4+3] = r, g, bb, 255
		}
	}
}

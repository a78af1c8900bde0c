package termimg

import (
	"image"
	"image/draw"
	"io"
	"slices"
	"strconv"
)

// SixelOptions tunes sixel output.
type SixelOptions struct {
	Colors int // palette size, 2-256; 0 means 256
}

// sixelAlphaMin is the alpha below which a pixel is left unpainted (transparent).
const sixelAlphaMin = 128

// EncodeSixel writes img (already scaled to its display size in pixels) as a complete sixel sequence:
// DCS "ESC P 0;1;0 q" (P2=1: pixels not painted keep the terminal's background, so only pixels with
// alpha below 128 are left unpainted; every other pixel is painted with exactly its palette colour),
// raster attributes "1;1;W;H, the palette (#n;2;r;g;b in percent), the six-pixel bands with run-length
// encoding (!count), and ST (ESC \).
//
// The palette is chosen by a variance-minimising median cut over the image's colours (exact up to 32,768
// distinct colours, else in 64x64x64 cells) refined by a few k-means passes; images with no more colours
// than the palette holds are encoded exactly. Pixels are
// mapped with serpentine Floyd-Steinberg error diffusion that leaves pixels whose own colour is in the
// palette undithered, so flat areas stay flat. Output is deterministic: the same image gives the same
// bytes (the nearest-colour searches of the palette refinement and the band encoding are split over
// the CPUs, in a way that does not change them).
func EncodeSixel(w io.Writer, img image.Image, o SixelOptions) error {
	ncol := o.Colors
	if ncol <= 0 || ncol > 256 {
		ncol = 256
	}
	ncol = max(ncol, 2)
	px := sixelPixels(img)
	out := make([]byte, 0, 64<<10)
	out = append(out, "\x1bP0;1;0q\"1;1;"...)
	out = strconv.AppendInt(out, int64(px.w), 10)
	out = append(out, ';')
	out = strconv.AppendInt(out, int64(px.h), 10)
	if px.w > 0 && px.h > 0 {
		pal, idx := sixelQuantize(px, ncol)
		out = appendSixelPalette(out, pal)
		out = appendSixelBands(out, px, idx, len(pal))
	}
	out = append(out, "\x1b\\"...)
	_, err := w.Write(out)
	return err
}

// sixelPix is an image as non-premultiplied RGBA bytes with its origin at 0,0.
type sixelPix struct {
	w, h   int
	stride int
	pix    []byte
	alpha  bool // some pixels are transparent (alpha < sixelAlphaMin)
}

func (p *sixelPix) opaque(i int) bool { return !p.alpha || p.pix[i+3] >= sixelAlphaMin }

// sixelPixels gives img's pixels without copying when it is an opaque *image.RGBA or an *image.NRGBA.
func sixelPixels(img image.Image) *sixelPix {
	b := img.Bounds()
	p := &sixelPix{w: b.Dx(), h: b.Dy()}
	if p.w <= 0 || p.h <= 0 {
		p.w, p.h = max(p.w, 0), max(p.h, 0)
		return p
	}
	switch m := img.(type) {
	case *image.NRGBA:
		p.pix, p.stride = m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride
	case *image.RGBA:
		p.pix, p.stride = m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride
		if !m.Opaque() {
			// un-premultiply into a copy
			n := image.NewNRGBA(image.Rect(0, 0, p.w, p.h))
			draw.Draw(n, n.Rect, m, b.Min, draw.Src)
			p.pix, p.stride = n.Pix, n.Stride
		}
	default:
		n := image.NewNRGBA(image.Rect(0, 0, p.w, p.h))
		draw.Draw(n, n.Rect, img, b.Min, draw.Src)
		p.pix, p.stride = n.Pix, n.Stride
	}
	for y := 0; y < p.h && !p.alpha; y++ {
		row := p.pix[y*p.stride : y*p.stride+p.w*4]
		for i := 3; i < len(row); i += 4 {
			if row[i] < sixelAlphaMin {
				p.alpha = true
				break
			}
		}
	}
	return p
}

// sixelPercent converts an 8-bit channel to the nearest sixel percentage.
func sixelPercent(v int) int { return (v*100 + 127) / 255 }

// sixelLevel is the 8-bit value a terminal shows for a percentage (xterm and most decoders truncate).
func sixelLevel(p int) int { return p * 255 / 100 }

// appendSixelPalette defines the colour registers 0..len(pal)-1.
func appendSixelPalette(out []byte, pal []sixelColor) []byte {
	for i, c := range pal {
		out = append(out, '#')
		out = strconv.AppendInt(out, int64(i), 10)
		out = append(out, ";2;"...)
		out = strconv.AppendInt(out, int64(sixelPercent(int(c.r))), 10)
		out = append(out, ';')
		out = strconv.AppendInt(out, int64(sixelPercent(int(c.g))), 10)
		out = append(out, ';')
		out = strconv.AppendInt(out, int64(sixelPercent(int(c.b))), 10)
	}
	return out
}

// appendSixelRun writes n repetitions of the sixel character for bits v.
func appendSixelRun(out []byte, n int, v byte) []byte {
	ch := '?' + v
	if n > 3 {
		out = append(out, '!')
		out = strconv.AppendInt(out, int64(n), 10)
		return append(out, ch)
	}
	for ; n > 0; n-- {
		out = append(out, ch)
	}
	return out
}

// appendSixelBands writes the six-pixel bands. Bands are independent, so runs of them are encoded
// concurrently into separate buffers and appended in order (the bytes do not depend on the split).
func appendSixelBands(out []byte, px *sixelPix, idx []uint8, ncol int) []byte {
	bands := (px.h + 5) / 6
	parts := parallelParts(bands*px.w, 32<<10)
	if parts == 1 {
		return appendSixelBandRange(out, px, idx, ncol, 0, bands)
	}
	bufs := make([][]byte, parts)
	parallelRun(parts, func(p int) {
		bufs[p] = appendSixelBandRange(make([]byte, 0, 32<<10), px, idx, ncol, p*bands/parts, (p+1)*bands/parts)
	})
	for _, b := range bufs {
		out = append(out, b...)
	}
	return out
}

// appendSixelBandRange writes bands b0 to b1-1 (each but the first band of the picture after a '-'). In
// each band the colours go from the most to the least used; a colour may also paint pixels that a
// later colour of the band paints over, which turns broken runs into long ones (a background becomes
// one run under the details drawn on it).
func appendSixelBandRange(out []byte, px *sixelPix, idx []uint8, ncol, b0, b1 int) []byte {
	w := px.w
	masks := make([]byte, ncol*w) // bits of colour c at column x: masks[c*w+x]
	full := make([]byte, w)       // bits painted in the band at column x
	painted := make([]byte, w)    // bits owned by colours already written
	var count [256]int
	var first, last [256]int
	order := make([]int, 0, ncol)
	for y0 := b0 * 6; y0 < min(b1*6, px.h); y0 += 6 {
		if y0 > 0 {
			out = append(out, '-')
		}
		rows := min(6, px.h-y0)
		order = order[:0]
		clear(full)
		for r := 0; r < rows; r++ {
			bit := byte(1) << r
			y := y0 + r
			line := idx[y*w : y*w+w]
			prow := px.pix[y*px.stride:]
			for x, c := range line {
				if px.alpha && prow[x*4+3] < sixelAlphaMin {
					continue
				}
				if count[c] == 0 {
					order = append(order, int(c))
					first[c], last[c] = x, x
				}
				count[c]++
				first[c] = min(first[c], x)
				last[c] = max(last[c], x)
				masks[int(c)*w+x] |= bit
				full[x] |= bit
			}
		}
		slices.SortFunc(order, func(a, b int) int {
			if count[a] != count[b] {
				return count[b] - count[a]
			}
			return a - b
		})
		clear(painted)
		for k, c := range order {
			if k > 0 {
				out = append(out, '$')
			}
			out = append(out, '#')
			out = strconv.AppendInt(out, int64(c), 10)
			m := masks[c*w : c*w+w]
			if first[c] > 0 {
				out = appendSixelRun(out, first[c], 0)
			}
			// Greedy longest runs: a run may use any bits between the union of the colour's own bits
			// (lo) and the intersection of what it may paint (hi: its own bits plus later colours').
			for x := first[c]; x <= last[c]; {
				lo := m[x]
				hi := lo | full[x]&^painted[x]
				j := x + 1
				for ; j <= last[c]; j++ {
					l := m[j]
					h := l | full[j]&^painted[j]
					if (lo|l)&^(hi&h) != 0 {
						break
					}
					lo |= l
					hi &= h
				}
				out = appendSixelRun(out, j-x, lo)
				x = j
			}
			for x := first[c]; x <= last[c]; x++ {
				painted[x] |= m[x]
				m[x] = 0
			}
			count[c] = 0
		}
	}
	return out
}

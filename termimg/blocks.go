package termimg

import (
	"image"
	"strings"
)

// BlockOptions tunes the text fallback.
type BlockOptions struct {
	Profile Profile // colours the terminal takes
	// Symbols picks the characters: "all" (the default: space, full block, halves, quadrants and the
	// 1/8 blocks ▁▂▃▅▆▇ ▏▎▍▋▊▉ ▔▕), "quadrants" (space, halves and quadrants) or "half" (▀ only).
	Symbols string
}

// EncodeBlocks renders img into cols x rows cells and returns one string per row: each row is the
// cells' characters with SGR colour sequences (foreground/background), ending with a reset (ESC[0m),
// and contains no cursor movement. Every row is exactly cols columns wide on screen.
//
// The image is box-filtered to 8x8 sub-pixels per cell. For each cell every symbol of the set is tried
// with its optimal colours (the mean of the sub-pixels it paints and of the rest, mapped to the
// profile's palette) and the one with the least squared error is kept; because every symbol is made of
// whole rows, columns or quadrants of the grid, each try costs a few additions. The output is
// deterministic.
func EncodeBlocks(img image.Image, cols, rows int, o BlockOptions) []string {
	if cols <= 0 || rows <= 0 {
		return nil
	}
	out := make([]string, rows)
	if img == nil || img.Bounds().Empty() {
		blank := strings.Repeat(" ", cols) + "\x1b[0m"
		for y := range out {
			out[y] = blank
		}
		return out
	}
	src := Scale(img, cols*blockGrid, rows*blockGrid)
	enc := blockEncoder{profile: o.Profile, shapes: blockShapes(o.Symbols)}
	for y := range out {
		out[y] = enc.row(src, y, cols)
	}
	return out
}

// blockEncoder holds what the cells of one image share.
type blockEncoder struct {
	profile Profile
	shapes  []blockShape
	buf     []byte
}

// cellSums are a cell's colour sums per sub-pixel row, column and quadrant (0..255 channels).
type cellSums struct {
	row, col [blockGrid][3]int32
	quad     [4][3]int32
	total    [3]int32
}

// blockCell is the choice for one cell: a shape, the colour of its painted sub-pixels and of the rest.
type blockCell struct {
	shape  blockShape
	fg, bg blockColor
}

// row encodes cell row cy of the scaled image.
func (e *blockEncoder) row(src *image.RGBA, cy, cols int) string {
	buf := e.buf[:0]
	fgKey, bgKey := int32(noColor), int32(noColor)
	var s cellSums
	for cx := 0; cx < cols; cx++ {
		s.load(src, cx*blockGrid, cy*blockGrid)
		c := e.fit(&s)
		glyph, fg, bg, needFg := c.render(fgKey, bgKey)
		setFg := needFg && fg.key != fgKey
		setBg := bg.key != bgKey
		if setFg || setBg {
			buf = append(buf, "\x1b["...)
			if setFg {
				buf = appendColorParams(buf, e.profile, fg, false)
				fgKey = fg.key
			}
			if setBg {
				if setFg {
					buf = append(buf, ';')
				}
				buf = appendColorParams(buf, e.profile, bg, true)
				bgKey = bg.key
			}
			buf = append(buf, 'm')
		}
		buf = append(buf, string(glyph)...)
	}
	buf = append(buf, "\x1b[0m"...)
	e.buf = buf
	return string(buf)
}

// load sums the 8x8 sub-pixels whose top-left corner is x0, y0.
func (s *cellSums) load(src *image.RGBA, x0, y0 int) {
	*s = cellSums{}
	for y := 0; y < blockGrid; y++ {
		off := (y0+y)*src.Stride + x0*4
		p := src.Pix[off : off+blockGrid*4 : off+blockGrid*4]
		var rs [3]int32
		for x := 0; x < blockGrid; x++ {
			r, g, b := int32(p[x*4]), int32(p[x*4+1]), int32(p[x*4+2])
			rs[0] += r
			rs[1] += g
			rs[2] += b
			c := &s.col[x]
			c[0] += r
			c[1] += g
			c[2] += b
			q := &s.quad[(y/4)*2+x/4]
			q[0] += r
			q[1] += g
			q[2] += b
		}
		s.row[y] = rs
		for ch := range 3 {
			s.total[ch] += rs[ch]
		}
	}
}

// painted returns the colour sum and sub-pixel count of the part of the cell a shape paints.
func (s *cellSums) painted(sh blockShape) (sum [3]int32, n int32) {
	add := func(v [3]int32) {
		sum[0] += v[0]
		sum[1] += v[1]
		sum[2] += v[2]
	}
	switch sh.kind {
	case shapeRows:
		for y := blockGrid - sh.k; y < blockGrid; y++ {
			add(s.row[y])
		}
		return sum, int32(sh.k * blockGrid)
	case shapeCols:
		for x := 0; x < sh.k; x++ {
			add(s.col[x])
		}
		return sum, int32(sh.k * blockGrid)
	case shapeQuads:
		for q := range 4 {
			if sh.k&(1<<q) != 0 {
				add(s.quad[q])
				n += blockGrid * blockGrid / 4
			}
		}
	}
	return sum, n
}

// fit picks the shape and colours with the least squared error for one cell.
func (e *blockEncoder) fit(s *cellSums) blockCell {
	const area = blockGrid * blockGrid
	var best blockCell
	bestScore, bestErr := -1.0, int64(0)
	for i, sh := range e.shapes {
		sf, nf := s.painted(sh)
		sb := [3]int32{s.total[0] - sf[0], s.total[1] - sf[1], s.total[2] - sf[2]}
		nb := area - nf
		if nf == 0 && i > 0 || nb == 0 {
			continue
		}
		if e.profile == TrueColor {
			// Error = sum |p|^2 - |Sf|^2/nf - |Sb|^2/nb: maximise the last two terms.
			score := sq3(sb) / float64(nb)
			if nf > 0 {
				score += sq3(sf) / float64(nf)
			}
			if score > bestScore {
				bestScore = score
				best = blockCell{sh, quantize(TrueColor, mean3(sf, nf)), quantize(TrueColor, mean3(sb, nb))}
			}
			continue
		}
		// Reduced palettes: the best palette colour for a group is the one nearest its mean, and the error
		// (less the constant sum |p|^2) is sum over groups of w.(n q^2 - 2 q S).
		bg := quantize(e.profile, mean3(sb, nb))
		err := groupErr(bg, sb, nb)
		var fg blockColor
		if nf > 0 {
			fg = quantize(e.profile, mean3(sf, nf))
			err += groupErr(fg, sf, nf)
		}
		if i == 0 || err < bestErr {
			bestErr = err
			best = blockCell{sh, fg, bg}
		}
	}
	return best
}

// render chooses how to print the cell given the colours already set: the glyph, or its inverse with
// the colours swapped, whichever changes fewer colours (the glyph on a tie). needFg is false when the
// character shows no foreground (a space).
func (c blockCell) render(fgKey, bgKey int32) (glyph rune, fg, bg blockColor, needFg bool) {
	sh := c.shape
	if sh.kind == shapeEmpty || c.fg.key == c.bg.key {
		// One colour: a space on that background, or a full block in it as foreground.
		if c.bg.key != bgKey && c.bg.key == fgKey {
			return '█', c.bg, blockColor{key: bgKey}, true
		}
		return ' ', blockColor{key: fgKey}, c.bg, false
	}
	if sh.glyph == 0 {
		return sh.inverse, c.bg, c.fg, true
	}
	if sh.inverse != 0 {
		direct := b2i(c.fg.key != fgKey) + b2i(c.bg.key != bgKey)
		swapped := b2i(c.bg.key != fgKey) + b2i(c.fg.key != bgKey)
		if swapped < direct {
			return sh.inverse, c.bg, c.fg, true
		}
	}
	return sh.glyph, c.fg, c.bg, true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sq3(v [3]int32) float64 {
	return float64(v[0])*float64(v[0]) + float64(v[1])*float64(v[1]) + float64(v[2])*float64(v[2])
}

// mean3 is the rounded mean colour of n sub-pixels summing to s (black for none).
func mean3(s [3]int32, n int32) [3]int32 {
	if n == 0 {
		return [3]int32{}
	}
	return [3]int32{(s[0] + n/2) / n, (s[1] + n/2) / n, (s[2] + n/2) / n}
}

// groupErr is a group's weighted squared error with colour q, less the constant sum of |p|^2.
func groupErr(q blockColor, s [3]int32, n int32) int64 {
	qs := [3]int64{int64(q.r), int64(q.g), int64(q.b)}
	var e int64
	for ch := range 3 {
		e += paletteWeight[ch] * (int64(n)*qs[ch]*qs[ch] - 2*qs[ch]*int64(s[ch]))
	}
	return e
}

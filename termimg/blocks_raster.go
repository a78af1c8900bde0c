package termimg

import (
	"fmt"
	"image"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Colours RasterizeBlocks uses before any SGR sets one, or after a reset (xterm's defaults).
var (
	rasterDefaultFg = blockColor{229, 229, 229, noColor}
	rasterDefaultBg = blockColor{0, 0, 0, noColor}
)

// RasterizeBlocks turns EncodeBlocks output back into pixels (cellW x cellH pixels per cell), drawing each
// symbol from its mask - the picture a terminal would show with a font that fills cells exactly.
//
// It understands the SGR sequences EncodeBlocks writes (38;2 / 48;2, 38;5 / 48;5, 30-37, 90-97, 40-47,
// 100-107, 39, 49, 0) plus reverse video (7, 27), and the characters of the "all" symbol set. Anything
// else, or a row that is not cols cells wide, is an error.
func RasterizeBlocks(rows []string, cols int, cellW, cellH int) (*image.RGBA, error) {
	if cols <= 0 || cellW <= 0 || cellH <= 0 {
		return nil, fmt.Errorf("rasterize: bad size %d cells of %dx%d", cols, cellW, cellH)
	}
	img := image.NewRGBA(image.Rect(0, 0, cols*cellW, len(rows)*cellH))
	for cy, row := range rows {
		fg, bg, reverse := rasterDefaultFg, rasterDefaultBg, false
		cx := 0
		for i := 0; i < len(row); {
			if row[i] == 0x1b {
				n, err := parseSGR(row[i:], &fg, &bg, &reverse)
				if err != nil {
					return nil, fmt.Errorf("rasterize: row %d: %w", cy, err)
				}
				i += n
				continue
			}
			r, size := utf8.DecodeRuneInString(row[i:])
			i += size
			mask, ok := blockRuneMasks[r]
			if !ok {
				return nil, fmt.Errorf("rasterize: row %d: unknown character %q", cy, r)
			}
			if cx >= cols {
				return nil, fmt.Errorf("rasterize: row %d is wider than %d cells", cy, cols)
			}
			on, off := fg, bg
			if reverse {
				on, off = bg, fg
			}
			drawCell(img, cx*cellW, cy*cellH, cellW, cellH, mask, on, off)
			cx++
		}
		if cx != cols {
			return nil, fmt.Errorf("rasterize: row %d is %d cells wide, want %d", cy, cx, cols)
		}
	}
	return img, nil
}

// drawCell paints one cell: a pixel shows on where the mask bit of its sub-pixel is set.
func drawCell(img *image.RGBA, x0, y0, w, h int, mask uint64, on, off blockColor) {
	for y := 0; y < h; y++ {
		my := y * blockGrid / h
		p := img.Pix[(y0+y)*img.Stride+x0*4:]
		for x := 0; x < w; x++ {
			c := off
			if mask>>(my*blockGrid+x*blockGrid/w)&1 != 0 {
				c = on
			}
			p[x*4], p[x*4+1], p[x*4+2], p[x*4+3] = c.r, c.g, c.b, 255
		}
	}
}

// parseSGR reads one CSI ... m sequence at the start of s and applies it; it returns its length.
func parseSGR(s string, fg, bg *blockColor, reverse *bool) (int, error) {
	if len(s) < 2 || s[1] != '[' {
		return 0, fmt.Errorf("escape sequence %q is not CSI", s[:min(len(s), 8)])
	}
	end := strings.IndexFunc(s[2:], func(r rune) bool { return r < '0' || r > ';' || r == ':' })
	if end < 0 || s[2+end] != 'm' {
		return 0, fmt.Errorf("escape sequence %q is not SGR", s[:min(len(s), 16)])
	}
	params := strings.Split(s[2:2+end], ";")
	num := func(i int) (int, error) {
		if i >= len(params) {
			return 0, fmt.Errorf("SGR %q: missing parameter", s[:3+end])
		}
		if params[i] == "" {
			return 0, nil
		}
		v, err := strconv.Atoi(params[i])
		if err != nil || v < 0 || v > 255 {
			return 0, fmt.Errorf("SGR %q: bad parameter %q", s[:3+end], params[i])
		}
		return v, nil
	}
	for i := 0; i < len(params); i++ {
		p, err := num(i)
		if err != nil {
			return 0, err
		}
		switch {
		case p == 0:
			*fg, *bg, *reverse = rasterDefaultFg, rasterDefaultBg, false
		case p == 7 || p == 27:
			*reverse = p == 7
		case p == 39:
			*fg = rasterDefaultFg
		case p == 49:
			*bg = rasterDefaultBg
		case p >= 30 && p <= 37, p >= 90 && p <= 97, p >= 40 && p <= 47, p >= 100 && p <= 107:
			idx := p % 10
			if p >= 90 {
				idx += 8
			}
			c := ansi16RGB[idx]
			if p <= 37 || p >= 90 && p <= 97 {
				*fg = blockColor{c[0], c[1], c[2], int32(idx)}
			} else {
				*bg = blockColor{c[0], c[1], c[2], int32(idx)}
			}
		case p == 38 || p == 48:
			mode, err := num(i + 1)
			if err != nil {
				return 0, err
			}
			var c blockColor
			switch mode {
			case 5:
				v, err := num(i + 2)
				if err != nil {
					return 0, err
				}
				c = paletteRGB(v)
				i += 2
			case 2:
				var ch [3]int
				for k := range ch {
					if ch[k], err = num(i + 2 + k); err != nil {
						return 0, err
					}
				}
				c = blockColor{uint8(ch[0]), uint8(ch[1]), uint8(ch[2]), int32(ch[0]<<16 | ch[1]<<8 | ch[2])}
				i += 4
			default:
				return 0, fmt.Errorf("SGR %q: colour mode %d", s[:3+end], mode)
			}
			if p == 38 {
				*fg = c
			} else {
				*bg = c
			}
		default:
			return 0, fmt.Errorf("SGR %q: unsupported parameter %d", s[:3+end], p)
		}
	}
	return 3 + end, nil
}

// paletteRGB is the RGB value of xterm 256-colour palette entry i.
func paletteRGB(i int) blockColor {
	switch {
	case i < 16:
		c := ansi16RGB[i]
		return blockColor{c[0], c[1], c[2], int32(i)}
	case i < 232:
		v := i - 16
		return blockColor{uint8(cubeLevels[v/36]), uint8(cubeLevels[v/6%6]), uint8(cubeLevels[v%6]), int32(i)}
	}
	g := uint8(8 + 10*(i-232))
	return blockColor{g, g, g, int32(i)}
}

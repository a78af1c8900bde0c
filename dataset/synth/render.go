package synth

import (
	"image"
	"math"
)

// look holds the rendering variations of a fictional model (or the neutral
// look of the dataset): detail level and a colour grade.
type look struct {
	detail   int     // 0..2: clouds, stars, texture
	sat      float64 // saturation multiplier
	warm     float64 // -1..1 shifts red/blue
	contrast float64 // contrast multiplier
	vignette float64 // 0..1 darkening of the corners
	jitter   uint64  // mixed into render randomness
}

var neutralLook = look{detail: 1, sat: 1, contrast: 1}

// render draws scene s at n x n pixels with look lk.
func render(s scene, n int, lk look) *image.RGBA {
	n = clampInt(n, 32, 2048)
	seed := mix(s.seed, lk.jitter)
	var c *canvas
	if s.sty == stPixel {
		m := min(96, max(16, n/3))
		small := newCanvas(m, stPixel, seed)
		small.drawBody(s, lk)
		c = newCanvas(n, stPixel, seed)
		upscale(small.img, c.img)
	} else {
		c = newCanvas(n, s.sty, seed)
		c.drawBody(s, lk)
	}
	c.drawLetters(s)
	c.post(lk)
	return c.img
}

// drawBody draws everything except text.
func (c *canvas) drawBody(s scene, lk look) {
	switch s.fam {
	case famLandscape:
		c.drawLandscape(s, lk)
	case famArrangement:
		c.drawArrangement(s, lk)
	case famSign:
		c.drawSign(s, lk)
	case famPattern:
		c.drawPattern(s, lk)
	default:
		c.drawSurreal(s, lk)
	}
}

// drawLetters draws the scene's text (signs and posters only).
func (c *canvas) drawLetters(s scene) {
	if s.fam == famSign {
		c.drawSignText(s)
	}
}

// upscale copies src onto the larger dst with nearest-neighbour sampling.
func upscale(src, dst *image.RGBA) {
	sn, dn := src.Rect.Dx(), dst.Rect.Dx()
	for y := 0; y < dn; y++ {
		sy := y * sn / dn
		for x := 0; x < dn; x++ {
			sx := x * sn / dn
			copy(dst.Pix[y*dst.Stride+x*4:y*dst.Stride+x*4+4], src.Pix[sy*src.Stride+sx*4:])
		}
	}
}

// post applies the colour grade and, for watercolour and line art, a paper
// grain.
func (c *canvas) post(lk look) {
	grain := 0.0
	switch c.sty {
	case stWatercolour:
		grain = 9
	case stLine:
		grain = 4
	case stPainting:
		grain = 2 * float64(lk.detail)
	}
	grade := lk.sat != 1 || lk.warm != 0 || lk.contrast != 1
	if grain == 0 && !grade && lk.vignette == 0 {
		return
	}
	half := float64(c.n) / 2
	inv := 1 / (2 * half * half)
	var lut [3][256]uint8
	for i := 0; i < 256; i++ {
		v := (float64(i)-128)*lk.contrast + 128
		lut[0][i] = clamp8(v + 18*lk.warm)
		lut[1][i] = clamp8(v + 4*lk.warm)
		lut[2][i] = clamp8(v - 18*lk.warm)
	}
	h := mix(c.r.Uint64(), 7)
	pix := c.img.Pix
	for i := 0; i+3 < len(pix); i += 4 {
		r, g, b := float64(pix[i]), float64(pix[i+1]), float64(pix[i+2])
		if grade {
			l := 0.3*r + 0.59*g + 0.11*b
			r, g, b = l+(r-l)*lk.sat, l+(g-l)*lk.sat, l+(b-l)*lk.sat
		}
		if grain > 0 {
			h ^= h << 13
			h ^= h >> 7
			h ^= h << 17
			d := (float64(h&0xff)/255 - 0.5) * grain
			r, g, b = r+d, g+d, b+d
		}
		if lk.vignette > 0 {
			px := i / 4
			dx, dy := float64(px%c.n)-half, float64(px/c.n)-half
			f := 1 - lk.vignette*(dx*dx+dy*dy)*inv
			r, g, b = r*f, g*f, b*f
		}
		pix[i], pix[i+1], pix[i+2] = lut[0][clamp8(r)], lut[1][clamp8(g)], lut[2][clamp8(b)]
	}
}

func clamp8(v float64) uint8 {
	return uint8(math.Max(0, math.Min(255, v+0.5)))
}

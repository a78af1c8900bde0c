package synth

import (
	"image/color"
	"strings"
)

var wallColours = []uint32{0xb5564a, 0xe9dcc0, 0x7f9c8a, 0x2f4560, 0xd6a24a, 0xc9c2b8}

var chalkSubs = []string{"COME ON IN", "FRESH TODAY", "WELCOME", "OPEN DAILY"}

// textOn returns a legible text colour on background bg.
func textOn(bg color.NRGBA) color.NRGBA {
	l := 0.3*float64(bg.R) + 0.59*float64(bg.G) + 0.11*float64(bg.B)
	if l > 150 {
		return rgb(0x23222a)
	}
	return rgb(0xfbf8f0)
}

// signColours returns the board and wall colours of a sign scene.
func signColours(s scene) (board, wall color.NRGBA) {
	r := newRand(mix(s.seed, 0x5167))
	board = objColours[s.signColour].c
	wall = rgb(pick(r, wallColours))
	return
}

// drawSign draws the shopfront, poster wall, neon wall or chalkboard.
func (c *canvas) drawSign(s scene, lk look) {
	board, wall := signColours(s)
	switch s.signKind {
	case sgShopfront:
		c.vgrad(0, c.n, wall, mixC(wall, black, 0.2))
		if c.sty != stFlat {
			for y := 0.42; y < 0.92; y += 0.04 {
				c.fill(alpha(black, 0.07), rectPts(0, c.u(y), c.s, c.u(y)+max(1, c.u(0.004))))
			}
		}
		c.paint(board, rectPts(c.u(0.06), c.u(0.08), c.u(0.94), c.u(0.3)))
		c.stroke(mixC(board, black, 0.4), c.u(0.008), true, rectPts(c.u(0.06), c.u(0.08), c.u(0.94), c.u(0.3)))
		for i := 0; i < 8; i++ {
			x0 := 0.06 + 0.11*float64(i)
			col := board
			if i%2 == 1 {
				col = rgb(0xf7f3ea)
			}
			c.paint(col, []pt{c.p(x0, 0.33), c.p(x0+0.11, 0.33), c.p(x0+0.12, 0.41), c.p(x0+0.11, 0.43), c.p(x0+0.055, 0.45), c.p(x0, 0.43), c.p(x0-0.01, 0.41)})
		}
		glass := rgb(0x9fc3d1)
		if s.tod == todNight {
			glass = rgb(0xf3cf7a)
		}
		c.paint(rgb(0x3b3430), rectPts(c.u(0.08), c.u(0.48), c.u(0.6), c.u(0.88)))
		c.paint(glass, rectPts(c.u(0.1), c.u(0.5), c.u(0.58), c.u(0.86)))
		c.fill(alpha(white, 0.25), []pt{c.p(0.2, 0.5), c.p(0.3, 0.5), c.p(0.18, 0.86), c.p(0.1, 0.86)})
		for i := 0; i < 3; i++ {
			c.paint(objColours[(s.signColour+i+1)%8].c, c.shapePts(i, 0.2+0.14*float64(i), 0.84, 0.04))
		}
		c.paint(rgb(0x3b3430), rectPts(c.u(0.66), c.u(0.48), c.u(0.88), c.u(0.92)))
		c.paint(mixC(board, black, 0.2), rectPts(c.u(0.68), c.u(0.5), c.u(0.86), c.u(0.92)))
		c.paint(rgb(0xe8c15a), circlePts(c.u(0.71), c.u(0.72), c.u(0.012), 0))
		c.paint(rgb(0x8d8a86), rectPts(-2, c.u(0.92), c.s+2, c.s+2))
	case sgPoster:
		c.vgrad(0, c.n, mixC(wall, white, 0.3), wall)
		c.fill(alpha(black, 0.25), rectPts(c.u(0.17), c.u(0.1), c.u(0.87), c.u(0.94)))
		c.paint(mixC(board, white, 0.1), rectPts(c.u(0.14), c.u(0.07), c.u(0.84), c.u(0.91)))
		accent := objColours[(s.signColour+3)%8].c
		c.paint(accent, circlePts(c.u(0.49), c.u(0.32), c.u(0.16), 0))
		for i := 0; i < 3; i++ {
			y := 0.4 + 0.03*float64(i)
			c.fill(mixC(board, white, 0.1), rectPts(c.u(0.3), c.u(y), c.u(0.68), c.u(y+0.012)))
		}
		for _, x := range []float64{0.14, 0.84} {
			c.fill(alpha(rgb(0xf3e9c6), 0.85), rectPts(c.u(x-0.04), c.u(0.05), c.u(x+0.04), c.u(0.09)))
		}
	case sgNeon:
		c.vgrad(0, c.n, rgb(0x1a1418), rgb(0x0b0a0e))
		for y := 0.0; y < 1; y += 0.05 {
			c.fill(alpha(black, 0.35), rectPts(0, c.u(y), c.s, c.u(y)+max(1, c.u(0.004))))
			off := 0.0
			if int(y*20+0.5)%2 == 1 {
				off = 0.05
			}
			for x := off; x < 1; x += 0.1 {
				c.fill(alpha(black, 0.35), rectPts(c.u(x), c.u(y), c.u(x)+max(1, c.u(0.004)), c.u(y+0.05)))
			}
		}
		c.glow(c.u(0.5), c.u(0.45), c.u(0.5), board, 0.25)
		c.glowStroke(objColours[(s.signColour+2)%8].c, c.u(0.006), true, roundRect(c, 0.08, 0.28, 0.92, 0.62, 0.05))
		c.glowStroke(board, c.u(0.005), false, []pt{c.p(0.3, 0.72), c.p(0.7, 0.72)})
	default:
		c.vgrad(0, c.n, rgb(0xe4d2b0), rgb(0xb89a70))
		c.paint(rgb(0x8d8a86), rectPts(-2, c.u(0.9), c.s+2, c.s+2))
		c.paint(rgb(0x7a5232), []pt{c.p(0.2, 0.95), c.p(0.25, 0.95), c.p(0.35, 0.5), c.p(0.3, 0.5)})
		c.paint(rgb(0x7a5232), []pt{c.p(0.8, 0.95), c.p(0.75, 0.95), c.p(0.65, 0.5), c.p(0.7, 0.5)})
		c.paint(rgb(0x8a5c36), rectPts(c.u(0.18), c.u(0.1), c.u(0.82), c.u(0.8)))
		c.paint(rgb(0x26302b), rectPts(c.u(0.21), c.u(0.13), c.u(0.79), c.u(0.77)))
		for i := 0; i < 3; i++ {
			c.paint(alpha(rgb(0xf2efe6), 0.8), c.shapePts(shStar, 0.32+0.18*float64(i), 0.7, 0.02))
		}
	}
}

// roundRect returns a rounded rectangle in unit coordinates.
func roundRect(c *canvas, x0, y0, x1, y1, r float64) []pt {
	var ps []pt
	corner := func(cx, cy, a0 float64) {
		for k := 0; k <= 6; k++ {
			a := a0 + 1.5708*float64(k)/6
			ps = append(ps, c.p(cx+r*cos(a), cy+r*sin(a)))
		}
	}
	corner(x1-r, y0+r, -1.5708)
	corner(x1-r, y1-r, 0)
	corner(x0+r, y1-r, 1.5708)
	corner(x0+r, y0+r, 3.14159)
	return ps
}

// headlineLines splits a poster headline into at most two lines.
func headlineLines(t string) []string {
	if i := strings.IndexByte(t, ' '); i > 0 && len(t) > 8 {
		return []string{t[:i], t[i+1:]}
	}
	return []string{t}
}

// drawSignText draws the sign's words over the body.
func (c *canvas) drawSignText(s scene) {
	board, _ := signColours(s)
	switch s.signKind {
	case sgShopfront:
		c.text(fnBold, s.text, 0.5, 0.19, 0.1, 0.78, textOn(board), true)
	case sgPoster:
		bg := mixC(board, white, 0.1)
		lines := headlineLines(s.text)
		for i, l := range lines {
			y := 0.6 + 0.12*float64(i)
			if len(lines) == 1 {
				y = 0.64
			}
			c.text(fnBold, l, 0.49, y, 0.085, 0.62, textOn(bg), false)
		}
		c.text(fnRegular, s.sub, 0.49, 0.83, 0.032, 0.6, textOn(bg), false)
	case sgNeon:
		c.text(fnBold, s.text, 0.5, 0.45, 0.13, 0.74, board, false)
	default:
		chalk := rgb(0xf2efe6)
		c.text(fnMono, s.text, 0.5, 0.33, 0.075, 0.5, chalk, false)
		c.text(fnMono, s.sub, 0.5, 0.5, 0.035, 0.5, alpha(chalk, 0.9), false)
	}
}

package synth

import "image/color"

// slot is the position of one drawn object in an arrangement.
type slot struct {
	x, r  float64
	group int
}

// arrangementSlots lays the groups out left to right along the surface.
func arrangementSlots(gs []group) []slot {
	units := 0.0
	for i, g := range gs {
		w := 1.0
		if g.big {
			w = 1.4
		}
		units += w * float64(g.count)
		if i > 0 {
			units += 0.9
		}
	}
	uw := min(0.88/units, 0.2)
	x := 0.5 - uw*units/2
	var out []slot
	for i, g := range gs {
		if i > 0 {
			x += 0.9 * uw
		}
		w := uw
		if g.big {
			w = 1.4 * uw
		}
		for k := 0; k < g.count; k++ {
			out = append(out, slot{x: x + w/2, r: w * 0.42, group: i})
			x += w
		}
	}
	return out
}

// shapePts returns shape sh standing on baseline yb at unit x with radius r.
func (c *canvas) shapePts(sh int, x, yb, r float64) []pt {
	cx, cy, rr := c.u(x), c.u(yb-r), c.u(r)
	switch sh {
	case shSquare:
		return rectPts(c.u(x-r*0.85), c.u(yb-r*1.7), c.u(x+r*0.85), c.u(yb))
	case shTriangle:
		return []pt{c.p(x-r, yb), c.p(x+r, yb), c.p(x, yb-r*1.8)}
	case shStar:
		return regPts(cx, cy, rr, 5, -1.5708, rr*0.45)
	case shDiamond:
		return []pt{c.p(x, yb), c.p(x+r*0.75, yb-r), c.p(x, yb-2*r), c.p(x-r*0.75, yb-r)}
	case shHexagon:
		return regPts(cx, cy, rr, 6, 0, 0)
	}
	return circlePts(cx, cy, rr, 0)
}

// drawArrangement draws coloured shapes on a table, lawn, beach or shelf.
func (c *canvas) drawArrangement(s scene, lk look) {
	base := 0.8
	switch s.setting {
	case setTable:
		wall := pick(c.r, []uint32{0xe9dcc9, 0xcfe0dc, 0xe4d3e0, 0xd8e2ef})
		c.vgrad(0, c.n, rgb(wall), mixC(rgb(wall), black, 0.15))
		c.paint(rgb(0xa8744a), rectPts(-2, c.u(0.6), c.s+2, c.s+2))
		if c.sty == stPainting || c.sty == stFlat || c.sty == stPixel {
			c.vgrad(int(c.u(0.6)), c.n, rgb(0xb07b4f), rgb(0x7a4f30))
			for i := 1; i < 4; i++ {
				y := 0.6 + 0.1*float64(i)
				c.fill(alpha(black, 0.12), rectPts(0, c.u(y), c.s, c.u(y)+max(1, c.u(0.003))))
			}
		}
	case setLawn, setBeach:
		p := makePalette(todDay, s.mood, c.sty)
		c.drawSky(p, todDay, 0.55, lk.detail)
		c.drawCloud(0.25+0.5*c.r.Float64(), 0.18, 0.2, alpha(white, 0.9))
		if s.setting == setLawn {
			c.paint(mixC(p.far, rgb(0x6a9a5a), 0.5), c.ridge(0.5, 0.06, 1.02, 2))
			c.paint(rgb(0x5fa14a), c.ridge(0.6, 0.02, 1.02, 1))
		} else {
			c.paint(rgb(0x2f8fb8), rectPts(-2, c.u(0.5), c.s+2, c.s+2))
			c.paint(rgb(0xe9d2a0), c.ridge(0.62, 0.015, 1.02, 1))
		}
	default:
		c.vgrad(0, c.n, rgb(0xf2efe9), rgb(0xd9d4cc))
		c.paint(rgb(0xfbfaf7), rectPts(c.u(0.02), c.u(base), c.u(0.98), c.u(base+0.04)))
		c.fill(alpha(black, 0.15), rectPts(c.u(0.02), c.u(base+0.04), c.u(0.98), c.u(base+0.06)))
	}
	for _, sl := range arrangementSlots(s.groups) {
		g := s.groups[sl.group]
		col := objColours[g.colour].c
		if s.setting != setShelf {
			c.fill(alpha(black, 0.18), ellipsePts(c.u(sl.x), c.u(base), c.u(sl.r*1.05), c.u(sl.r*0.22)))
		}
		c.paint(col, c.shapePts(g.shape, sl.x, base, sl.r))
		if c.sty == stPainting {
			hl := mixC(col, white, 0.5)
			c.fill(alpha(hl, 0.45), circlePts(c.u(sl.x-sl.r*0.3), c.u(base-sl.r*1.25), c.u(sl.r*0.22), 0))
		}
	}
}

// bgColours are pattern backgrounds.
var bgColours = []uint32{0xf3ead8, 0x1d2340, 0xe8e1f0, 0x213a32}

// drawPattern draws geometric pattern art.
func (c *canvas) drawPattern(s scene, lk look) {
	bg := rgb(pick(c.r, bgColours))
	switch c.sty {
	case stNeon:
		bg = rgb(0x07060f)
	case stLine, stWatercolour:
		bg = c.paper
	}
	c.vgrad(0, c.n, bg, mixC(bg, black, 0.12))
	col := func(i int) color.NRGBA { return objColours[s.colours[i%3]].c }
	n := s.patCount
	switch s.patKind {
	case ptRings:
		for i := 0; i < n; i++ {
			r := 0.42 * float64(n-i) / float64(n)
			c.paint(col(i), circlePts(c.u(0.5), c.u(0.5), c.u(r), 0))
		}
	case ptGrid:
		cell := 0.84 / float64(n)
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				x0, y0 := 0.08+float64(x)*cell, 0.08+float64(y)*cell
				k := (x + y) % 2
				c.paint(col(k), rectPts(c.u(x0+cell*0.04), c.u(y0+cell*0.04), c.u(x0+cell*0.96), c.u(y0+cell*0.96)))
				c.paint(col(2-k), circlePts(c.u(x0+cell/2), c.u(y0+cell/2), c.u(cell*0.3), 0))
			}
		}
	case ptWaves:
		for i := 0; i < n; i++ {
			y := 0.2 + 0.75*float64(i)/float64(n)
			var ps []pt
			for k := 0; k <= 60; k++ {
				x := float64(k) / 60
				ps = append(ps, c.p(x*1.04-0.02, y+0.03*sin(x*9+float64(i))))
			}
			ps = append(ps, c.p(1.02, 1.02), c.p(-0.02, 1.02))
			c.paint(mixC(col(0), col(1), float64(i)/float64(max(1, n-1))), ps)
		}
	default:
		cx, cy := 0.5, 0.62
		rays := 2 * n
		for i := 0; i < rays; i++ {
			a0 := 3.14159 * 2 * float64(i) / float64(rays)
			a1 := 3.14159 * 2 * float64(i+1) / float64(rays)
			ps := []pt{c.p(cx, cy), c.p(cx+1.2*cos(a0), cy+1.2*sin(a0)), c.p(cx+1.2*cos(a1), cy+1.2*sin(a1))}
			if i%2 == 0 {
				c.paint(col(0), ps)
			} else {
				c.paint(col(1), ps)
			}
		}
		c.paint(col(2), circlePts(c.u(cx), c.u(cy), c.u(0.14), 0))
	}
}

package synth

import "math"

// drawSurreal draws floating islands, a giant fruit, several moons or a
// ringed planet.
func (c *canvas) drawSurreal(s scene, lk look) {
	p := makePalette(s.tod, s.mood, c.sty)
	switch s.surKind {
	case srIslands:
		c.drawSky(p, s.tod, 1, lk.detail)
		if s.celestial > 0 {
			c.drawSun(p, 0.8, 0.16, 0.05, s.celestial == 2)
		}
		cloud := alpha(mixC(white, p.sky[len(p.sky)-1], 0.2), 0.95)
		for i := 0; i < 7; i++ {
			c.drawCloud(float64(i)/6, 0.93+0.03*c.r.Float64(), 0.3, cloud)
		}
		for i := 0; i < s.islands; i++ {
			f := (float64(i) + 0.5) / float64(s.islands)
			x := 0.08 + 0.84*f
			y := 0.35 + 0.25*math.Abs(math.Sin(float64(i)*2.3+1)) + 0.05*c.r.Float64()
			w := 0.34 / math.Sqrt(float64(s.islands)) * (0.8 + 0.5*c.r.Float64())
			c.island(p, x, y, w, s.trees > 0)
		}
	case srGiantFruit:
		c.drawSky(p, s.tod, 0.7, lk.detail)
		if s.celestial > 0 {
			c.drawSun(p, 0.18, 0.18, 0.045, s.celestial == 2)
		}
		c.drawMountains(p, 2, 0.45, 0.78)
		c.paint(p.grass, c.ridge(0.76, 0.03, 1.02, 1))
		c.house(0.8, 0.86, 0.11, s.tod == todNight)
		for i := 0; i < s.trees; i++ {
			c.drawPine(0.06+0.07*float64(i), 0.9, 0.09, mixC(p.grass, black, 0.3))
		}
		fc := objColours[s.fruitCol].c
		cx, cy, r := 0.45, 0.6, 0.25
		c.fill(alpha(black, 0.25), ellipsePts(c.u(cx), c.u(0.85), c.u(r*0.9), c.u(0.035)))
		if s.fruit == 2 {
			c.paint(fc, ellipsePts(c.u(cx), c.u(cy), c.u(r*1.1), c.u(r*0.85)))
		} else {
			c.paint(fc, circlePts(c.u(cx), c.u(cy), c.u(r), 0))
		}
		if c.sty == stPainting || c.sty == stFlat {
			c.fill(alpha(white, 0.3), ellipsePts(c.u(cx-r*0.4), c.u(cy-r*0.45), c.u(r*0.22), c.u(r*0.12)))
		}
		c.stroke(rgb(0x5b3a22), c.u(0.012), false, []pt{c.p(cx, cy-r*0.85), c.p(cx+0.02, cy-r*1.2)})
		c.paint(rgb(0x3f9a3f), []pt{c.p(cx+0.02, cy-r*1.1), c.p(cx+0.09, cy-r*1.35), c.p(cx+0.16, cy-r*1.15), c.p(cx+0.08, cy-r*1.0)})
	case srMoons:
		c.drawSky(p, s.tod, 0.66, lk.detail+1)
		for i := 0; i < s.moons; i++ {
			f := (float64(i) + 0.5) / float64(s.moons)
			r := 0.09 - 0.02*float64(i)
			c.drawSun(p, 0.1+0.8*f, 0.2+0.12*float64(i%2), r, true)
		}
		c.drawMountains(p, 1, 0.5, 0.66)
		c.drawWater(p, 0.66, 0.5)
	default:
		c.drawSky(p, s.tod, 0.7, lk.detail+1)
		pc, ring := rgb(0xd9a26a), rgb(0xf1dcb0)
		if c.sty == stNeon {
			pc, ring = rgb(0xff7a3a), rgb(0x6ae0ff)
		}
		cx, cy, r := 0.56, 0.42, 0.24
		ell := func(a0, a1 float64) []pt {
			var ps []pt
			for k := 0; k <= 40; k++ {
				a := a0 + (a1-a0)*float64(k)/40
				ps = append(ps, c.p(cx+r*1.7*math.Cos(a), cy+r*0.35*math.Sin(a)-r*0.25*math.Cos(a)))
			}
			return ps
		}
		rw := c.u(0.018)
		c.stroke(ring, rw, false, ell(math.Pi, 2*math.Pi))
		c.paint(pc, circlePts(c.u(cx), c.u(cy), c.u(r), 0))
		for i := 0; i < 3; i++ {
			y := cy - r*0.5 + r*0.35*float64(i)
			w := math.Sqrt(r*r - (y-cy)*(y-cy))
			c.fill(alpha(mixC(pc, black, 0.3), 0.35), rectPts(c.u(cx-w*0.95), c.u(y), c.u(cx+w*0.95), c.u(y+r*0.1)))
		}
		c.stroke(ring, rw, false, ell(0, math.Pi))
		sand := []uint32{0xe2b071, 0xc98a52, 0xa5663a}
		for i, v := range sand {
			col := rgb(v)
			if s.tod == todNight {
				col = mixC(col, rgb(0x141c38), 0.6)
			}
			c.paint(col, c.ridge(0.7+0.08*float64(i), 0.06, 1.02, 1+i))
		}
	}
}

// island draws a floating island centred at unit (x, y) with width w.
func (c *canvas) island(p palette, x, y, w float64, trees bool) {
	rock := mixC(rgb(0x7a6552), p.near, 0.3)
	var ps []pt
	ps = append(ps, c.p(x-w/2, y))
	for k := 1; k < 6; k++ {
		t := float64(k) / 6
		d := w * (0.5 + 0.45*math.Sin(t*math.Pi)) * (0.8 + 0.3*c.r.Float64())
		ps = append(ps, c.p(x-w/2+w*t, y+d*0.8*math.Sin(t*math.Pi)))
	}
	ps = append(ps, c.p(x+w/2, y))
	c.paint(rock, ps)
	c.paint(rgb(0x5aa34a), ellipsePts(c.u(x), c.u(y), c.u(w*0.52), c.u(w*0.08)))
	c.fill(alpha(rgb(0xd8f0ff), 0.75), rectPts(c.u(x+w*0.28), c.u(y), c.u(x+w*0.33), c.u(y+w*1.3)))
	if trees {
		c.drawPine(x-w*0.15, y, w*0.45, rgb(0x2f6a3a))
		c.drawPine(x+w*0.12, y, w*0.32, rgb(0x2f6a3a))
	}
}

package synth

import (
	"image/color"
	"math"
)

// palette holds the colours of an outdoor backdrop.
type palette struct {
	sky              []color.NRGBA // top to horizon
	far, near, grass color.NRGBA
	waterTop, waterB color.NRGBA
	sun              color.NRGBA
}

var skyStops = [4][]uint32{
	todDawn:   {0x6d8fc9, 0xb9b6d6, 0xf6c6a6},
	todDay:    {0x2f7fd6, 0x79b6ea, 0xcfe9f7},
	todSunset: {0x2c2f6e, 0x9a4a85, 0xf07a63, 0xf9c074},
	todNight:  {0x060b22, 0x122050, 0x2c3f78},
}

var mountBase = [4]uint32{0x4f5a86, 0x3d6e66, 0x4a2d5a, 0x141c38}
var grassBase = [4]uint32{0x4f6b4a, 0x4d8a3f, 0x3a2540, 0x0c1226}

// makePalette derives backdrop colours from time of day, mood and style.
func makePalette(tod, mood, sty int) palette {
	var p palette
	for _, v := range skyStops[tod] {
		col := rgb(v)
		switch mood {
		case mdMelancholy:
			col = mixC(col, rgb(0x7f8b9c), 0.35)
		case mdMysterious:
			col = mixC(col, rgb(0x3a2060), 0.25)
		case mdRomantic:
			col = mixC(col, rgb(0xf3a3c0), 0.2)
		}
		p.sky = append(p.sky, col)
	}
	hz := p.sky[len(p.sky)-1]
	base := rgb(mountBase[tod])
	p.far = mixC(hz, base, 0.35)
	p.near = mixC(base, black, 0.25)
	p.grass = rgb(grassBase[tod])
	p.waterTop = mixC(hz, p.sky[0], 0.45)
	p.waterB = mixC(p.sky[0], black, 0.35)
	p.sun = rgb(0xfff1c9)
	if tod == todSunset {
		p.sun = rgb(0xffd37a)
	}
	if tod == todNight {
		p.sun = rgb(0xeef0ff)
	}
	switch sty {
	case stNeon:
		p.sky = []color.NRGBA{rgb(0x04040c), rgb(0x120c2e), rgb(0x2c1048)}
		p.far, p.near, p.grass = rgb(0xc040ff), rgb(0x20d0ff), rgb(0x30ff9a)
		p.waterTop, p.waterB = rgb(0x140a2a), rgb(0x04040c)
		p.sun = rgb(0xff5aa8)
	case stLine:
		for i := range p.sky {
			p.sky[i] = mixC(p.sky[i], rgb(0xf7f2e6), 0.88)
		}
		p.waterTop, p.waterB = mixC(p.waterTop, rgb(0xf7f2e6), 0.8), mixC(p.waterB, rgb(0xf7f2e6), 0.8)
	case stWatercolour:
		for i := range p.sky {
			p.sky[i] = mixC(p.sky[i], rgb(0xf7f2e6), 0.3)
		}
		p.waterTop, p.waterB = mixC(p.waterTop, rgb(0xf7f2e6), 0.3), mixC(p.waterB, rgb(0xf7f2e6), 0.3)
	}
	return p
}

// drawSky fills the whole canvas with the sky gradient (and stars at night).
func (c *canvas) drawSky(p palette, tod int, horizon float64, detail int) {
	c.vgrad(0, int(c.u(horizon))+1, p.sky...)
	c.vgrad(int(c.u(horizon))+1, c.n, p.sky[len(p.sky)-1])
	if tod == todNight || c.sty == stNeon {
		n := 40 + 50*detail
		for i := 0; i < n; i++ {
			x, y := c.r.Float64(), c.r.Float64()*horizon*0.9
			rad := c.u(0.0012 + c.r.Float64()*0.0025)
			c.fill(alpha(white, 0.5+c.r.Float64()*0.5), circlePts(c.u(x), c.u(y), max(0.6, rad), 6))
		}
	}
}

// drawSun draws a sun (moon=false) or moon at unit (x,y) with radius r.
func (c *canvas) drawSun(p palette, x, y, r float64, moon bool) {
	cx, cy, rad := c.u(x), c.u(y), c.u(r)
	switch c.sty {
	case stNeon:
		c.glowStroke(p.sun, c.u(0.005), true, circlePts(cx, cy, rad, 0))
		if !moon {
			for i := 0; i < 4; i++ {
				yy := cy + rad*(0.15+0.2*float32(i))
				w := float32(math.Sqrt(float64(rad*rad - (yy-cy)*(yy-cy))))
				c.glowStroke(p.sun, c.u(0.003), false, []pt{{cx - w*0.9, yy}, {cx + w*0.9, yy}})
			}
		}
		return
	case stLine:
		if moon {
			c.paint(rgb(0xc9cfe0), circlePts(cx, cy, rad, 0))
			for i := 0; i < 3; i++ {
				a := float64(i) * 2.1
				c.stroke(c.ink, max(1, c.u(0.002)), true, circlePts(cx+rad*0.45*float32(math.Cos(a)), cy+rad*0.45*float32(math.Sin(a)), rad*0.18, 0))
			}
			return
		}
		c.paint(rgb(0xf5c842), circlePts(cx, cy, rad, 0))
		for i := 0; i < 8; i++ {
			a := float64(i) * math.Pi / 4
			ca, sa := float32(math.Cos(a)), float32(math.Sin(a))
			c.stroke(c.ink, max(1, c.u(0.003)), false, []pt{{cx + ca*rad*1.3, cy + sa*rad*1.3}, {cx + ca*rad*1.7, cy + sa*rad*1.7}})
		}
		return
	}
	c.glow(cx, cy, rad*4, p.sun, 0.45)
	c.paint(p.sun, circlePts(cx, cy, rad, 0))
	if moon {
		dark := mixC(p.sun, rgb(0x8088a8), 0.35)
		for i := 0; i < 6; i++ {
			a := c.r.Float64() * 6.28
			d := 0.2 + c.r.Float64()*0.6
			cr := 0.05 + c.r.Float64()*0.12
			c.fill(alpha(dark, 0.35), circlePts(cx+rad*float32(d*math.Cos(a)), cy+rad*float32(d*math.Sin(a)), rad*float32(cr), 0))
		}
	}
}

// drawCloud draws a puffy cloud centred at unit (x,y) of width w.
func (c *canvas) drawCloud(x, y, w float64, col color.NRGBA) {
	var cs [][3]float32
	n := 4 + c.r.IntN(3)
	for i := 0; i < n; i++ {
		t := float64(i)/float64(n-1) - 0.5
		r := w * (0.22 - 0.25*t*t) * (0.8 + 0.4*c.r.Float64())
		cs = append(cs, [3]float32{c.u(x + t*w*0.8), c.u(y - r*0.5), c.u(r)})
	}
	cs = append(cs, [3]float32{c.u(x), c.u(y - w*0.05), c.u(w * 0.24)})
	c.union(col, cs)
}

// ridge returns a mountain silhouette polygon between base and bottom.
func (c *canvas) ridge(base, amp, bottom float64, peaks int) []pt {
	type wave struct{ f, ph, a float64 }
	var ws []wave
	for i := 0; i < 4; i++ {
		f := float64(peaks) * math.Pow(2.1, float64(i)) * (0.8 + 0.4*c.r.Float64())
		ws = append(ws, wave{f, c.r.Float64() * 6.28, 1 / math.Pow(2.2, float64(i))})
	}
	var ps []pt
	steps := 90
	for i := 0; i <= steps; i++ {
		x := float64(i) / float64(steps)
		h := 0.0
		for _, w := range ws {
			h += w.a * (1 - math.Abs(math.Sin(x*w.f*math.Pi+w.ph)))
		}
		ps = append(ps, c.p(x*1.04-0.02, base-amp*h/1.6))
	}
	ps = append(ps, c.p(1.02, bottom), c.p(-0.02, bottom))
	return ps
}

// drawMountains draws n layers of mountains, far to near, above bottom.
func (c *canvas) drawMountains(p palette, n int, top, bottom float64) {
	for i := 0; i < n; i++ {
		t := float64(i+1) / float64(n)
		col := mixC(p.far, p.near, t)
		if c.sty == stNeon {
			col = mixC(p.far, p.near, t)
		}
		base := top + (bottom-top)*0.55*float64(i)/float64(n)
		poly := c.ridge(base+0.08, 0.16-0.02*float64(i), bottom, 2+i)
		if c.sty == stPainting {
			c.fill(col, poly)
			c.fill(alpha(p.sky[len(p.sky)-1], 0.25*(1-t)), poly)
			continue
		}
		c.paint(col, poly)
	}
}

// drawWater draws a lake or sea from horizon to the bottom, with a light path
// under the sun at sunX when sunX >= 0.
func (c *canvas) drawWater(p palette, horizon, sunX float64) {
	y0 := int(c.u(horizon))
	c.vgrad(y0, c.n, p.waterTop, p.waterB)
	if c.sty == stNeon {
		for i := 1; i < 8; i++ {
			f := float64(i) / 8
			y := horizon + (1-horizon)*f*f
			c.glowStroke(p.near, c.u(0.002), false, []pt{c.p(0, y), c.p(1, y)})
		}
		for i := -6; i <= 6; i++ {
			c.glowStroke(p.near, c.u(0.002), false, []pt{c.p(0.5+float64(i)*0.03, horizon), c.p(0.5+float64(i)*0.25, 1.02)})
		}
		return
	}
	line := alpha(white, 0.25)
	if c.sty == stLine {
		line = alpha(c.ink, 0.5)
	}
	for i := 0; i < 26; i++ {
		y := horizon + (1-horizon)*math.Pow(c.r.Float64(), 1.4)
		x := c.r.Float64()
		if sunX >= 0 && i%2 == 0 {
			x = sunX + (c.r.Float64()-0.5)*0.1*(1+5*(y-horizon))
		}
		w := 0.02 + 0.08*(y-horizon)
		c.fill(line, rectPts(c.u(x-w/2), c.u(y), c.u(x+w/2), c.u(y)+max(1, c.u(0.003))))
	}
}

// drawPine draws a pine tree standing at unit (x, yb) with height h.
func (c *canvas) drawPine(x, yb, h float64, col color.NRGBA) {
	c.paint(mixC(col, rgb(0x3a2a1a), 0.6), rectPts(c.u(x-h*0.04), c.u(yb-h*0.2), c.u(x+h*0.04), c.u(yb)))
	for i := 0; i < 3; i++ {
		t := float64(i)
		by := yb - h*0.15 - t*h*0.25
		w := h * (0.34 - 0.08*t)
		c.paint(col, []pt{c.p(x-w, by), c.p(x+w, by), c.p(x, by-h*0.42)})
	}
}

// drawBird draws a small bird as a "v" stroke.
func (c *canvas) drawBird(x, y, w float64) {
	col := rgb(0x2a2630)
	if c.sty == stNeon {
		c.glowStroke(rgb(0xffffff), c.u(0.002), false, []pt{c.p(x-w, y-w*0.4), c.p(x, y), c.p(x+w, y-w*0.4)})
		return
	}
	c.stroke(col, max(1, c.u(0.003)), false, []pt{c.p(x-w, y-w*0.4), c.p(x-w*0.4, y-w*0.2), c.p(x, y), c.p(x+w*0.4, y-w*0.2), c.p(x+w, y-w*0.4)})
}

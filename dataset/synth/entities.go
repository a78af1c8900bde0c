package synth

import "math"

// drawEntity draws landmark e with its base at unit (x, yb), height h.
func (c *canvas) drawEntity(e int, x, yb, h float64, night bool) {
	switch e {
	case entLighthouse:
		c.lighthouse(x, yb, h, night)
	case entSailboat:
		c.sailboat(x, yb, h)
	case entBalloon:
		c.balloon(x, yb, h)
	case entHouse:
		c.house(x, yb, h, night)
	case entWindmill:
		c.windmill(x, yb, h)
	}
}

func (c *canvas) lighthouse(x, yb, h float64, night bool) {
	bw, tw := h*0.13, h*0.085
	top := yb - h*0.72
	lerp := func(t float64) float64 { return bw + (tw-bw)*t }
	for i := 0; i < 4; i++ {
		t0, t1 := float64(i)/4, float64(i+1)/4
		y0, y1 := yb-(yb-top)*t0, yb-(yb-top)*t1
		col := rgb(0xf4efe6)
		if i%2 == 1 {
			col = rgb(0xc8323a)
		}
		c.paint(col, []pt{c.p(x-lerp(t0), y0), c.p(x+lerp(t0), y0), c.p(x+lerp(t1), y1), c.p(x-lerp(t1), y1)})
	}
	c.paint(rgb(0x2d2d38), rectPts(c.u(x-tw*1.4), c.u(top-h*0.03), c.u(x+tw*1.4), c.u(top)))
	lamp := rgb(0xffe48a)
	if night {
		c.fill(alpha(lamp, 0.18), []pt{c.p(x, top-h*0.1), c.p(x-h*1.3, top-h*0.35), c.p(x-h*1.3, top+h*0.1)})
		c.glow(c.u(x), c.u(top-h*0.1), c.u(h*0.3), lamp, 0.7)
	}
	c.paint(lamp, rectPts(c.u(x-tw*0.8), c.u(top-h*0.15), c.u(x+tw*0.8), c.u(top-h*0.03)))
	c.paint(rgb(0x2d2d38), []pt{c.p(x-tw*1.1, top-h*0.15), c.p(x+tw*1.1, top-h*0.15), c.p(x, top-h*0.26)})
}

func (c *canvas) sailboat(x, yw, h float64) {
	c.paint(rgb(0x6b3b2a), []pt{c.p(x-h*0.45, yw-h*0.12), c.p(x+h*0.5, yw-h*0.12), c.p(x+h*0.35, yw), c.p(x-h*0.32, yw)})
	c.stroke(rgb(0x3a2a1a), max(1, c.u(h*0.02)), false, []pt{c.p(x, yw-h*0.12), c.p(x, yw-h)})
	c.paint(rgb(0xfbf7ee), []pt{c.p(x+h*0.03, yw-h*0.95), c.p(x+h*0.45, yw-h*0.18), c.p(x+h*0.03, yw-h*0.18)})
	c.paint(rgb(0xe9e0cf), []pt{c.p(x-h*0.03, yw-h*0.8), c.p(x-h*0.03, yw-h*0.18), c.p(x-h*0.35, yw-h*0.18)})
}

func (c *canvas) balloon(x, yb, h float64) {
	r := h * 0.32
	cy := yb - h + r
	var env []pt
	for i := 0; i <= 40; i++ {
		a := math.Pi * (1 + float64(i)/40)
		env = append(env, c.p(x+r*math.Cos(a), cy+r*math.Sin(a)))
	}
	env = append(env, c.p(x+r*0.75, cy+r*0.9), c.p(x+r*0.2, cy+r*1.55), c.p(x-r*0.2, cy+r*1.55), c.p(x-r*0.75, cy+r*0.9))
	c.paint(rgb(0xe0483e), env)
	c.paint(rgb(0xf6c343), []pt{c.p(x-r*0.3, cy-r*0.95), c.p(x+r*0.3, cy-r*0.95), c.p(x+r*0.5, cy+r*0.2), c.p(x+r*0.15, cy+r*1.5), c.p(x-r*0.15, cy+r*1.5), c.p(x-r*0.5, cy+r*0.2)})
	c.stroke(rgb(0x3a2a1a), max(1, c.u(h*0.01)), false, []pt{c.p(x-r*0.2, cy+r*1.55), c.p(x-r*0.15, yb-h*0.08)}, []pt{c.p(x+r*0.2, cy+r*1.55), c.p(x+r*0.15, yb-h*0.08)})
	c.paint(rgb(0x8a5a32), rectPts(c.u(x-r*0.2), c.u(yb-h*0.08), c.u(x+r*0.2), c.u(yb)))
}

func (c *canvas) house(x, yb, h float64, night bool) {
	w := h * 0.55
	wall := rgb(0xf1e3c8)
	c.paint(wall, rectPts(c.u(x-w/2), c.u(yb-h*0.55), c.u(x+w/2), c.u(yb)))
	c.paint(rgb(0xa8423a), []pt{c.p(x-w*0.62, yb-h*0.52), c.p(x+w*0.62, yb-h*0.52), c.p(x, yb-h)})
	c.paint(rgb(0x6b4a32), rectPts(c.u(x-w*0.1), c.u(yb-h*0.3), c.u(x+w*0.1), c.u(yb)))
	win := rgb(0x9cc7e0)
	if night {
		win = rgb(0xffd978)
		c.glow(c.u(x+w*0.28), c.u(yb-h*0.32), c.u(h*0.18), win, 0.5)
	}
	c.paint(win, rectPts(c.u(x+w*0.18), c.u(yb-h*0.4), c.u(x+w*0.38), c.u(yb-h*0.24)))
	c.paint(win, rectPts(c.u(x-w*0.38), c.u(yb-h*0.4), c.u(x-w*0.18), c.u(yb-h*0.24)))
}

func (c *canvas) windmill(x, yb, h float64) {
	c.paint(rgb(0xe8dcc4), []pt{c.p(x-h*0.14, yb), c.p(x+h*0.14, yb), c.p(x+h*0.08, yb-h*0.6), c.p(x-h*0.08, yb-h*0.6)})
	c.paint(rgb(0x5b3a2a), []pt{c.p(x-h*0.11, yb-h*0.6), c.p(x+h*0.11, yb-h*0.6), c.p(x, yb-h*0.72)})
	c.paint(rgb(0x6b4a32), rectPts(c.u(x-h*0.04), c.u(yb-h*0.16), c.u(x+h*0.04), c.u(yb)))
	hx, hy := x, yb-h*0.6
	rot := c.r.Float64()
	for i := 0; i < 4; i++ {
		a := rot + float64(i)*math.Pi/2
		ca, sa := math.Cos(a), math.Sin(a)
		l, w := h*0.42, h*0.06
		q := func(d, s float64) pt { return c.p(hx+ca*d-sa*s, hy+sa*d+ca*s) }
		c.paint(rgb(0xf7f1e3), []pt{q(h*0.04, 0), q(l, 0), q(l, w), q(h*0.06, w)})
	}
	c.paint(rgb(0x3a2a1a), circlePts(c.u(hx), c.u(hy), c.u(h*0.03), 0))
}

package synth

// drawLandscape draws sky, sun or moon, clouds, mountains, water or ground,
// trees, birds and the landmark entity.
func (c *canvas) drawLandscape(s scene, lk look) {
	p := makePalette(s.tod, s.mood, c.sty)
	horizon := 0.62
	c.drawSky(p, s.tod, horizon, lk.detail)
	sunX := -1.0
	if s.celestial > 0 {
		sunX = 0.25 + 0.5*c.r.Float64()
		if s.entity != entNone && s.entity != entSailboat {
			// keep the sun clear of the landmark
			if s.entLeft {
				sunX = 0.55 + 0.25*c.r.Float64()
			} else {
				sunX = 0.2 + 0.25*c.r.Float64()
			}
		}
		sunY := 0.2 + 0.15*c.r.Float64()
		if s.tod == todSunset || s.tod == todDawn {
			sunY = 0.29
			if !s.water {
				sunY = 0.27
			}
		}
		c.drawSun(p, sunX, sunY, 0.055+0.02*c.r.Float64(), s.celestial == 2)
	}
	if s.tod != todNight && c.sty != stNeon {
		cloud := mixC(white, p.sky[len(p.sky)-1], 0.25)
		for i := 0; i < 2+lk.detail; i++ {
			c.drawCloud(0.1+0.8*c.r.Float64(), 0.1+0.25*c.r.Float64(), 0.16+0.12*c.r.Float64(), alpha(cloud, 0.9))
		}
	}
	if s.birds > 0 {
		bx, by := 0.3+0.4*c.r.Float64(), 0.18+0.1*c.r.Float64()
		for i := 0; i < s.birds; i++ {
			c.drawBird(bx+float64(i)*0.045, by+0.025*float64(i%2), 0.015)
		}
	}
	ex := 0.78
	if s.entLeft {
		ex = 0.22
	}
	if s.entity == entBalloon {
		c.drawEntity(entBalloon, ex, 0.42, 0.24, s.tod == todNight)
	}
	if s.water {
		c.drawMountains(p, s.layers, 0.38, horizon)
		c.drawWater(p, horizon, sunX)
		if s.entity == entSailboat {
			c.drawEntity(entSailboat, ex, 0.8, 0.2, false)
		}
	} else {
		c.drawMountains(p, s.layers, 0.42, 0.8)
		c.paint(p.grass, c.ridge(0.78, 0.05, 1.02, 1))
		c.paint(mixC(p.grass, black, 0.18), c.ridge(0.93, 0.04, 1.02, 2))
	}
	onLand := s.entity == entLighthouse || s.entity == entHouse || s.entity == entWindmill
	groundY := 0.9
	if onLand {
		rock := mixC(p.near, black, 0.2)
		if s.water {
			c.paint(rock, []pt{c.p(ex-0.22, 1.02), c.p(ex-0.14, 0.86), c.p(ex-0.02, 0.82), c.p(ex+0.1, 0.83), c.p(ex+0.2, 0.9), c.p(ex+0.24, 1.02)})
			groundY = 0.84
		}
		h := 0.36
		if s.entity == entHouse {
			h = 0.2
		}
		c.drawEntity(s.entity, ex, groundY, h, s.tod == todNight)
	}
	if s.trees > 0 {
		tc := mixC(p.grass, black, 0.3)
		for i := 0; i < s.trees; i++ {
			x := 0.06 + 0.88*float64(i)/float64(max(1, s.trees-1))
			if onLand && x > ex-0.14 && x < ex+0.14 {
				x = ex + 0.16
				if x > 0.97 {
					x = ex - 0.16
				}
			}
			yb := 0.93 + 0.05*c.r.Float64()
			if s.water {
				yb = 1.01
			}
			c.drawPine(x, yb, 0.13+0.06*c.r.Float64(), tc)
		}
	}
}

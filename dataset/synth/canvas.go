package synth

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"sync"

	"golang.org/x/image/vector"
)

// pt is a point in pixel coordinates.
type pt struct{ x, y float32 }

// canvas wraps an RGBA image with style-aware drawing helpers. Scene code
// works in unit coordinates (0..1 across the square image); u converts.
type canvas struct {
	img   *image.RGBA
	n     int
	s     float32
	sty   int
	r     *rand.Rand
	paper color.NRGBA
	ink   color.NRGBA
}

var rasterPool = sync.Pool{New: func() any { return vector.NewRasterizer(1, 1) }}

func newCanvas(n, sty int, seed uint64) *canvas {
	return &canvas{
		img:   image.NewRGBA(image.Rect(0, 0, n, n)),
		n:     n,
		s:     float32(n),
		sty:   sty,
		r:     newRand(seed),
		paper: color.NRGBA{0xf7, 0xf2, 0xe6, 0xff},
		ink:   color.NRGBA{0x2a, 0x27, 0x30, 0xff},
	}
}

// u converts a unit length to pixels.
func (c *canvas) u(v float64) float32 { return float32(v) * c.s }

// p converts a unit point to pixels.
func (c *canvas) p(x, y float64) pt { return pt{float32(x) * c.s, float32(y) * c.s} }

// mixC linearly blends a towards b by t (0..1), alpha included.
func mixC(a, b color.NRGBA, t float64) color.NRGBA {
	f := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*t + 0.5) }
	return color.NRGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), f(a.A, b.A)}
}

// alpha returns col with alpha a (0..1).
func alpha(col color.NRGBA, a float64) color.NRGBA {
	col.A = uint8(math.Max(0, math.Min(1, a)) * float64(col.A))
	return col
}

var black = color.NRGBA{0, 0, 0, 0xff}
var white = color.NRGBA{0xff, 0xff, 0xff, 0xff}

func rgb(v uint32) color.NRGBA {
	return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

// fill rasterises the polygons (nonzero-like accumulation) in col.
func (c *canvas) fill(col color.NRGBA, polys ...[]pt) {
	if col.A == 0 {
		return
	}
	minX, minY := float32(math.MaxFloat32), float32(math.MaxFloat32)
	maxX, maxY := -minX, -minY
	for _, ps := range polys {
		for _, q := range ps {
			minX, minY = min(minX, q.x), min(minY, q.y)
			maxX, maxY = max(maxX, q.x), max(maxY, q.y)
		}
	}
	r := image.Rect(int(math.Floor(float64(minX)))-1, int(math.Floor(float64(minY)))-1,
		int(math.Ceil(float64(maxX)))+1, int(math.Ceil(float64(maxY)))+1).Intersect(c.img.Rect)
	if r.Empty() {
		return
	}
	z := rasterPool.Get().(*vector.Rasterizer)
	z.Reset(r.Dx(), r.Dy())
	ox, oy := float32(r.Min.X), float32(r.Min.Y)
	for _, ps := range polys {
		if len(ps) < 3 {
			continue
		}
		z.MoveTo(ps[0].x-ox, ps[0].y-oy)
		for _, q := range ps[1:] {
			z.LineTo(q.x-ox, q.y-oy)
		}
		z.ClosePath()
	}
	z.Draw(c.img, r, image.NewUniform(col), image.Point{})
	rasterPool.Put(z)
}

// strokePolys returns quads (and small round joins) that outline the path.
func strokePolys(ps []pt, closed bool, w float32) [][]pt {
	h := w / 2
	var out [][]pt
	n := len(ps)
	last := n - 1
	if closed {
		last = n
	}
	for i := 0; i < last; i++ {
		a, b := ps[i], ps[(i+1)%n]
		dx, dy := b.x-a.x, b.y-a.y
		l := float32(math.Hypot(float64(dx), float64(dy)))
		if l < 1e-3 {
			continue
		}
		nx, ny := -dy/l*h, dx/l*h
		// same winding as circlePts, so overlaps add up instead of cancelling
		out = append(out, []pt{{a.x - nx, a.y - ny}, {b.x - nx, b.y - ny}, {b.x + nx, b.y + ny}, {a.x + nx, a.y + ny}})
	}
	if w > 2.5 {
		for _, q := range ps {
			out = append(out, circlePts(q.x, q.y, h, 8))
		}
	}
	return out
}

// stroke draws the outline of ps with width w pixels.
func (c *canvas) stroke(col color.NRGBA, w float32, closed bool, ps ...[]pt) {
	var all [][]pt
	for _, p := range ps {
		all = append(all, strokePolys(p, closed, w)...)
	}
	c.fill(col, all...)
}

// glowStroke draws a neon line: wide faint halos, the line and a pale core.
func (c *canvas) glowStroke(col color.NRGBA, w float32, closed bool, ps ...[]pt) {
	for _, k := range []struct{ w, a float64 }{{7, 0.05}, {4, 0.1}, {2.2, 0.25}} {
		c.stroke(alpha(col, k.a), w*float32(k.w), closed, ps...)
	}
	c.stroke(col, w, closed, ps...)
	c.stroke(alpha(mixC(col, white, 0.65), 0.9), w*0.35, closed, ps...)
}

// circlePts approximates a circle with n vertices (n<=0: automatic).
func circlePts(cx, cy, r float32, n int) []pt {
	if n <= 0 {
		n = int(max(16, min(160, r*0.9)))
	}
	ps := make([]pt, n)
	for i := range ps {
		a := 2 * math.Pi * float64(i) / float64(n)
		ps[i] = pt{cx + r*float32(math.Cos(a)), cy + r*float32(math.Sin(a))}
	}
	return ps
}

// ellipsePts approximates an axis-aligned ellipse.
func ellipsePts(cx, cy, rx, ry float32) []pt {
	ps := circlePts(0, 0, 1, int(max(16, min(160, max(rx, ry)*0.9))))
	for i := range ps {
		ps[i] = pt{cx + ps[i].x*rx, cy + ps[i].y*ry}
	}
	return ps
}

// rectPts returns the corners of a rectangle.
func rectPts(x0, y0, x1, y1 float32) []pt {
	return []pt{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

// regPts returns a regular polygon (or star when inner > 0) around (cx,cy).
func regPts(cx, cy, r float32, n int, rot float64, inner float32) []pt {
	var ps []pt
	for i := 0; i < n; i++ {
		a := rot + 2*math.Pi*float64(i)/float64(n)
		ps = append(ps, pt{cx + r*float32(math.Cos(a)), cy + r*float32(math.Sin(a))})
		if inner > 0 {
			a += math.Pi / float64(n)
			ps = append(ps, pt{cx + inner*float32(math.Cos(a)), cy + inner*float32(math.Sin(a))})
		}
	}
	return ps
}

// wobble returns a copy of ps subdivided and displaced radially from its
// centroid by smooth noise of amplitude amp pixels (watercolour edges).
func (c *canvas) wobble(ps []pt, amp float32) []pt {
	var cx, cy float32
	for _, q := range ps {
		cx += q.x
		cy += q.y
	}
	cx /= float32(len(ps))
	cy /= float32(len(ps))
	var out []pt
	p1, p2 := c.r.Float64()*6.28, c.r.Float64()*6.28
	f1, f2 := 3+c.r.Float64()*4, 9+c.r.Float64()*7
	total := len(ps) * 6
	for i := range ps {
		a, b := ps[i], ps[(i+1)%len(ps)]
		for k := 0; k < 6; k++ {
			t := float32(k) / 6
			q := pt{a.x + (b.x-a.x)*t, a.y + (b.y-a.y)*t}
			ph := 2 * math.Pi * float64(len(out)) / float64(total)
			d := amp * float32(0.7*math.Sin(f1*ph+p1)+0.3*math.Sin(f2*ph+p2))
			dx, dy := q.x-cx, q.y-cy
			l := float32(math.Hypot(float64(dx), float64(dy))) + 1e-3
			out = append(out, pt{q.x + dx/l*d, q.y + dy/l*d})
		}
	}
	return out
}

// paint fills a shape in the canvas style: solid, watercolour washes, ink
// outline on a pale tint, or neon outline on a dark fill.
func (c *canvas) paint(col color.NRGBA, ps []pt) {
	switch c.sty {
	case stWatercolour:
		minX, maxX := ps[0].x, ps[0].x
		for _, q := range ps {
			minX, maxX = min(minX, q.x), max(maxX, q.x)
		}
		amp := min(c.s*0.006, (maxX-minX)*0.04)
		for i := 0; i < 3; i++ {
			c.fill(alpha(col, 0.38), c.wobble(ps, amp*float32(1+i)))
		}
		c.stroke(alpha(mixC(col, black, 0.3), 0.25), max(1, c.s*0.002), true, c.wobble(ps, amp))
	case stLine:
		c.fill(mixC(col, c.paper, 0.78), ps)
		c.stroke(c.ink, max(1, c.s*0.0035), true, ps)
	case stNeon:
		c.fill(mixC(col, rgb(0x0a0a18), 0.82), ps)
		c.glowStroke(mixC(col, white, 0.15), max(1, c.s*0.004), true, ps)
	case stPainting:
		c.fill(col, ps)
		var cx, cy float32
		minX, maxX := ps[0].x, ps[0].x
		for _, q := range ps {
			cx += q.x
			cy += q.y
			minX, maxX = min(minX, q.x), max(maxX, q.x)
		}
		if maxX-minX > c.s*0.4 {
			return // soft volume only on objects, not on grounds and boards
		}
		cx, cy = cx/float32(len(ps)), cy/float32(len(ps))
		hl := make([]pt, len(ps))
		for i, q := range ps {
			hl[i] = pt{cx + (q.x-cx)*0.72 - c.s*0.004, cy + (q.y-cy)*0.72 - c.s*0.006}
		}
		c.fill(alpha(mixC(col, white, 0.5), 0.22), hl)
	default:
		c.fill(col, ps)
	}
}

// union paints a set of circles as one blob (clouds, tree crowns) so that
// outlined styles only outline the silhouette.
func (c *canvas) union(col color.NRGBA, circles [][3]float32) {
	polys := make([][]pt, len(circles))
	for i, k := range circles {
		polys[i] = circlePts(k[0], k[1], k[2], 0)
	}
	switch c.sty {
	case stLine, stNeon:
		w := max(1, c.s*0.0035)
		col.A = 0xff
		fillCol := mixC(col, c.paper, 0.78)
		if c.sty == stNeon {
			c.glowStroke(col, w, true, polys...)
			fillCol = mixC(col, rgb(0x0a0a18), 0.82)
		} else {
			c.stroke(c.ink, w, true, polys...)
		}
		inner := make([][]pt, len(circles))
		for i, k := range circles {
			inner[i] = circlePts(k[0], k[1], k[2]-w*0.6, 0)
		}
		c.fill(fillCol, inner...)
	case stWatercolour:
		for _, p := range polys {
			c.fill(alpha(col, 0.45), c.wobble(p, c.s*0.005))
		}
	default:
		c.fill(col, polys...)
	}
}

// vgrad fills rows y0..y1 (pixels) with a vertical gradient through stops.
func (c *canvas) vgrad(y0, y1 int, stops ...color.NRGBA) {
	y0, y1 = clampInt(y0, 0, c.n), clampInt(y1, 0, c.n)
	for y := y0; y < y1; y++ {
		t := float64(y-y0) / float64(max(1, y1-y0-1))
		col := gradAt(stops, t)
		row := c.img.Pix[y*c.img.Stride : y*c.img.Stride+c.n*4]
		for x := 0; x < len(row); x += 4 {
			row[x], row[x+1], row[x+2], row[x+3] = col.R, col.G, col.B, 0xff
		}
	}
}

// gradAt samples evenly spaced gradient stops at t in 0..1.
func gradAt(stops []color.NRGBA, t float64) color.NRGBA {
	if len(stops) == 1 {
		return stops[0]
	}
	f := math.Max(0, math.Min(1, t)) * float64(len(stops)-1)
	i := min(int(f), len(stops)-2)
	return mixC(stops[i], stops[i+1], f-float64(i))
}

// glow adds a soft radial halo of col around (cx,cy) with radius rad px.
func (c *canvas) glow(cx, cy, rad float32, col color.NRGBA, strength float64) {
	r := image.Rect(int(cx-rad), int(cy-rad), int(cx+rad)+1, int(cy+rad)+1).Intersect(c.img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		dy := (float32(y) - cy) / rad
		for x := r.Min.X; x < r.Max.X; x++ {
			dx := (float32(x) - cx) / rad
			d := dx*dx + dy*dy
			if d >= 1 {
				continue
			}
			a := float64((1-d)*(1-d)) * strength
			i := y*c.img.Stride + x*4
			p := c.img.Pix[i : i+3 : i+3]
			p[0] = uint8(float64(p[0]) + (float64(col.R)-float64(p[0]))*a)
			p[1] = uint8(float64(p[1]) + (float64(col.G)-float64(p[1]))*a)
			p[2] = uint8(float64(p[2]) + (float64(col.B)-float64(p[2]))*a)
		}
	}
}

func sin(v float64) float64 { return math.Sin(v) }
func cos(v float64) float64 { return math.Cos(v) }

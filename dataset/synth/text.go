package synth

import (
	"image"
	"image/color"
	"image/draw"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Font choices.
const (
	fnBold = iota
	fnRegular
	fnMono
)

var (
	fontsOnce sync.Once
	fonts     [3]*opentype.Font
)

func loadFonts() {
	for i, b := range [][]byte{gobold.TTF, goregular.TTF, gomonobold.TTF} {
		f, err := opentype.Parse(b)
		if err != nil {
			panic("synth: parsing embedded font: " + err.Error())
		}
		fonts[i] = f
	}
}

// face returns a new face (faces are not safe for concurrent use, so each
// call gets its own) of font fn at size px.
func face(fn int, px float64) font.Face {
	fontsOnce.Do(loadFonts)
	f, err := opentype.NewFace(fonts[fn], &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		panic("synth: new face: " + err.Error())
	}
	return f
}

// textBox is the result of fitting text: its face, width and cap height.
type textBox struct {
	f     font.Face
	w, ch float32
}

// fitText picks the largest size, at most capH pixels of cap height, at
// which s fits in maxW pixels.
func fitText(fn int, s string, capH, maxW float32) textBox {
	size := float64(capH) / 0.72
	f := face(fn, size)
	w := float32(font.MeasureString(f, s)) / 64
	if w > maxW && w > 0 {
		f.Close()
		size *= float64(maxW / w)
		f = face(fn, size)
		w = float32(font.MeasureString(f, s)) / 64
	}
	ch := float32(f.Metrics().CapHeight) / 64
	if ch <= 0 {
		ch = float32(size) * 0.72
	}
	return textBox{f, w, ch}
}

// drawText draws s centred on (cx, cy) pixels.
func (c *canvas) drawText(tb textBox, s string, cx, cy float32, col color.NRGBA) {
	d := font.Drawer{
		Dst:  c.img,
		Src:  image.NewUniform(col),
		Face: tb.f,
		Dot:  fixed.Point26_6{X: fixed.Int26_6((cx - tb.w/2) * 64), Y: fixed.Int26_6((cy + tb.ch/2) * 64)},
	}
	d.DrawString(s)
}

// text draws s centred at unit position (x, y) with cap height capH and
// maximum width maxW (unit lengths). Neon style adds a blurred glow; other
// styles may add a soft shadow.
func (c *canvas) text(fn int, s string, x, y, capH, maxW float64, col color.NRGBA, shadow bool) {
	tb := fitText(fn, s, c.u(capH), c.u(maxW))
	defer tb.f.Close()
	cx, cy := c.u(x), c.u(y)
	if c.sty == stNeon {
		c.neonText(tb, s, cx, cy, col)
		return
	}
	if shadow {
		off := max(1, tb.ch*0.06)
		c.drawText(tb, s, cx+off, cy+off, alpha(black, 0.35))
	}
	c.drawText(tb, s, cx, cy, col)
}

// neonText draws glowing text: a blurred copy of the glyph mask tinted col,
// the text itself, and a pale core.
func (c *canvas) neonText(tb textBox, s string, cx, cy float32, col color.NRGBA) {
	pad := int(tb.ch * 0.8)
	r := image.Rect(int(cx-tb.w/2)-pad, int(cy-tb.ch/2)-pad, int(cx+tb.w/2)+pad, int(cy+tb.ch/2)+pad).Intersect(c.img.Rect)
	if r.Empty() {
		return
	}
	mask := image.NewAlpha(r)
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: tb.f,
		Dot: fixed.Point26_6{X: fixed.Int26_6((cx - tb.w/2) * 64), Y: fixed.Int26_6((cy + tb.ch/2) * 64)}}
	d.DrawString(s)
	blurred := image.NewAlpha(r)
	copy(blurred.Pix, mask.Pix)
	rad := max(1, int(tb.ch*0.12))
	for i := 0; i < 3; i++ {
		boxBlur(blurred, rad)
	}
	for i := range blurred.Pix {
		blurred.Pix[i] = uint8(min(255, int(blurred.Pix[i])*2))
	}
	draw.DrawMask(c.img, r, image.NewUniform(col), image.Point{}, blurred, r.Min, draw.Over)
	c.drawText(tb, s, cx, cy, mixC(col, white, 0.2))
	draw.DrawMask(c.img, r, image.NewUniform(alpha(mixC(col, white, 0.75), 0.5)), image.Point{}, mask, r.Min, draw.Over)
}

// boxBlur blurs an alpha image in place with a box of radius rad
// (horizontal then vertical running sums).
func boxBlur(m *image.Alpha, rad int) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	buf := make([]int, max(w, h))
	win := 2*rad + 1
	for y := 0; y < h; y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+w]
		blur1(row, 1, w, rad, win, buf)
	}
	for x := 0; x < w; x++ {
		blur1(m.Pix[x:], m.Stride, h, rad, win, buf)
	}
}

// blur1 box-blurs n samples spaced by stride in p.
func blur1(p []uint8, stride, n, rad, win int, buf []int) {
	for i := 0; i < n; i++ {
		buf[i] = int(p[i*stride])
	}
	sum := 0
	for i := -rad; i <= rad; i++ {
		sum += buf[clampInt(i, 0, n-1)]
	}
	for i := 0; i < n; i++ {
		p[i*stride] = uint8(sum / win)
		sum += buf[clampInt(i+rad+1, 0, n-1)] - buf[clampInt(i-rad, 0, n-1)]
	}
}

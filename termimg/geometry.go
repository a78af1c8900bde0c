package termimg

import "fmt"

// CellSize is the size in pixels of one terminal cell.
type CellSize struct{ W, H int }

// DefaultCell is assumed when the terminal does not say (a common 10 pt monospace cell).
var DefaultCell = CellSize{W: 8, H: 16}

// Valid reports whether the size is usable.
func (c CellSize) Valid() bool { return c.W > 0 && c.H > 0 && c.W < 200 && c.H < 400 }

// Size is a size in pixels.
type Size struct{ W, H int }

// Box is an area of the screen in cells.
type Box struct{ Cols, Rows int }

// ParseBox reads "COLSxROWS", e.g. "60x30".
func ParseBox(s string) (Box, error) {
	var b Box
	if _, err := fmt.Sscanf(s, "%dx%d", &b.Cols, &b.Rows); err != nil || b.Cols <= 0 || b.Rows <= 0 || b.Cols > 2000 || b.Rows > 1000 {
		return Box{}, fmt.Errorf("size %q: want COLSxROWS, e.g. 60x30", s)
	}
	return b, nil
}

// Fit is where an image goes in a box: its display size in pixels and the cells it covers.
type Fit struct {
	W, H       int // pixels
	Cols, Rows int // cells covered (at most the box)
}

// FitImage scales an imgW x imgH image to the largest size that keeps its aspect ratio and fits the box,
// given the cell size, so the whole image stays visible. Images smaller than the box are enlarged.
func FitImage(imgW, imgH int, box Box, cell CellSize) Fit {
	if !cell.Valid() {
		cell = DefaultCell
	}
	if imgW <= 0 || imgH <= 0 || box.Cols <= 0 || box.Rows <= 0 {
		return Fit{}
	}
	maxW, maxH := box.Cols*cell.W, box.Rows*cell.H
	w, h := maxW, imgH*maxW/imgW
	if h > maxH {
		w, h = imgW*maxH/imgH, maxH
	}
	w, h = max(w, 1), max(h, 1)
	return Fit{W: w, H: h, Cols: min(box.Cols, (w+cell.W-1)/cell.W), Rows: min(box.Rows, (h+cell.H-1)/cell.H)}
}

// fitFor is FitImage for a protocol: a sixel picture also stays within the terminal's sixel geometry
// limit (xterm draws nothing at all for a picture above it), keeping its aspect ratio.
func fitFor(imgW, imgH int, box Box, o Options) Fit {
	f := FitImage(imgW, imgH, box, o.Cell)
	lim := o.SixelMax
	if o.Protocol != Sixel || lim.W <= 0 || lim.H <= 0 || f.W == 0 || (f.W <= lim.W && f.H <= lim.H) {
		return f
	}
	w, h := f.W, f.H
	if w > lim.W {
		w, h = lim.W, max(1, h*lim.W/w)
	}
	if h > lim.H {
		w, h = max(1, w*lim.H/h), lim.H
	}
	cell := o.Cell
	if !cell.Valid() {
		cell = DefaultCell
	}
	return Fit{W: w, H: h, Cols: min(box.Cols, (w+cell.W-1)/cell.W), Rows: min(box.Rows, (h+cell.H-1)/cell.H)}
}

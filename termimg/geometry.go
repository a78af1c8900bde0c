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
	if o.Protocol == Blocks {
		return blocksFit(imgW, imgH, box, o.Cell, f)
	}
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

// blocksFit sets the cells of a text-block picture from the exact aspect ratio, rounded to the nearest
// cell (as chafa does) rather than up: a block picture always fills whole cells, so the pixel-rounded
// Cols/Rows of FitImage stretch it by up to a cell (a square at 8x17 cells in 60x30 would take 29 rows,
// 2.7% too tall). Cells of cellW x cellH pixels keep an imgW x imgH picture's shape when
// rows*cellH / (cols*cellW) = imgH/imgW, that is rows = cols * (imgH/imgW) * (cellW/cellH); the
// half-cell glyphs only refine the picture inside those rows. The side that binds the box is taken whole
// and the other one rounded.
func blocksFit(imgW, imgH int, box Box, cell CellSize, f Fit) Fit {
	if f.W == 0 {
		return f
	}
	if !cell.Valid() {
		cell = DefaultCell
	}
	// Integer rounding to nearest of a/b for positive a, b.
	round := func(a, b int64) int { return int((2*a + b) / (2 * b)) }
	cw, ch, iw, ih := int64(cell.W), int64(cell.H), int64(imgW), int64(imgH)
	cols := box.Cols
	rows := round(int64(cols)*cw*ih, iw*ch)
	if rows > box.Rows {
		rows = box.Rows
		cols = min(box.Cols, round(int64(rows)*ch*iw, ih*cw))
	}
	f.Cols, f.Rows = max(cols, 1), max(rows, 1)
	return f
}

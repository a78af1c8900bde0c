package termimg

import (
	"math"
	"testing"
)

// TestBlocksFitExactAspect checks that text blocks keep the picture's aspect ratio to the nearest row,
// as chafa does: a square picture at 8x17 cells in a 60x30 box is 60 x round(60*8/17) = 28 rows, not 29.
func TestBlocksFitExactAspect(t *testing.T) {
	for _, tc := range []struct {
		w, h       int
		box        Box
		cell       CellSize
		cols, rows int
	}{
		{1024, 1024, Box{60, 30}, CellSize{8, 17}, 60, 28},
		{1024, 1024, Box{60, 30}, CellSize{8, 16}, 60, 30},
		{1024, 1024, Box{80, 24}, CellSize{8, 17}, 51, 24},  // height-bound: 24*17/8 = 51
		{2000, 500, Box{80, 40}, CellSize{10, 20}, 80, 10},  // wide
		{500, 2000, Box{80, 40}, CellSize{10, 20}, 20, 40},  // tall
		{3000, 10, Box{40, 20}, CellSize{8, 17}, 40, 1},     // never under one row
		{1280, 720, Box{100, 50}, CellSize{9, 19}, 100, 27}, // 100*9*720/(1280*19) = 26.6
	} {
		o := Options{Protocol: Blocks, Cell: tc.cell}
		f := fitFor(tc.w, tc.h, tc.box, o)
		if f.Cols != tc.cols || f.Rows != tc.rows {
			t.Errorf("blocks fit %dx%d in %v at %v = %dx%d cells, want %dx%d", tc.w, tc.h, tc.box, tc.cell, f.Cols, f.Rows, tc.cols, tc.rows)
		}
		// The cells' shape on screen is within half a row of the picture's exact aspect.
		exactRows := float64(f.Cols) * float64(tc.cell.W) * float64(tc.h) / (float64(tc.w) * float64(tc.cell.H))
		if f.Rows < tc.box.Rows && f.Rows > 1 && math.Abs(float64(f.Rows)-exactRows) > 0.5 {
			t.Errorf("blocks fit %dx%d: %d rows for %d cols, exact aspect gives %.2f rows", tc.w, tc.h, f.Rows, f.Cols, exactRows)
		}
	}
}

package termimg

// Symbols for the text fallback. Every cell is seen as an 8x8 grid of sub-pixels; a symbol is the set of
// sub-pixels its glyph paints in the foreground colour (bit y*8+x of a uint64), the rest showing the
// background. Only Block Elements (U+2580..U+259F) are used: measured in DejaVu Sans Mono they span the
// whole cell (x -20..1253 of a 1233 advance, y from the ascent to the descent), and terminals that draw
// block characters themselves (kitty, WezTerm, foot, iTerm2, VTE) draw them the same. Geometric shapes
// such as ◢◣◤◥ cover only the middle half of a DejaVu cell (y -1142..78), box-drawing lines are thinner
// than a sub-pixel and centred between two, and sextants (U+1FB00..) are missing from DejaVu, so none of
// them are used.

// blockGrid is the number of sub-pixels per cell side.
const blockGrid = 8

// shapeKind says how a shape's painted sub-pixels are laid out, so that their colour sum can be read
// from a cell's row, column and quadrant sums instead of from every sub-pixel.
type shapeKind uint8

const (
	shapeEmpty shapeKind = iota // nothing painted: the whole cell is background
	shapeRows                   // the bottom k rows
	shapeCols                   // the left k columns
	shapeQuads                  // a set of quadrants: bit 0 upper left, 1 upper right, 2 lower left, 3 lower right
)

// blockShape is one sub-pixel partition of a cell and the characters that draw it: glyph paints the
// shape in the foreground colour, inverse paints its complement (so it is drawn with the colours
// swapped). Either may be 0 when no character exists; never both.
type blockShape struct {
	kind    shapeKind
	k       int // rows or columns for shapeRows / shapeCols, quadrant bits for shapeQuads
	glyph   rune
	inverse rune
}

// quadrantShapes are space, the halves and the quadrants, up to swapping foreground and background.
var quadrantShapes = []blockShape{
	{kind: shapeEmpty, glyph: ' ', inverse: '█'},
	{kind: shapeRows, k: 4, glyph: '▄', inverse: '▀'},
	{kind: shapeCols, k: 4, glyph: '▌', inverse: '▐'},
	{kind: shapeQuads, k: 1, glyph: '▘', inverse: '▟'},
	{kind: shapeQuads, k: 2, glyph: '▝', inverse: '▙'},
	{kind: shapeQuads, k: 4, glyph: '▖', inverse: '▜'},
	{kind: shapeQuads, k: 8, glyph: '▗', inverse: '▛'},
	{kind: shapeQuads, k: 9, glyph: '▚', inverse: '▞'},
}

// blockSymbolSets are the shape lists for BlockOptions.Symbols.
var blockSymbolSets = map[string][]blockShape{
	"half": {
		{kind: shapeEmpty, glyph: ' ', inverse: '█'},
		{kind: shapeRows, k: 4, inverse: '▀'},
	},
	"quadrants": quadrantShapes,
	"all":       allShapes(),
}

// allShapes adds the 1/8 blocks to the quadrant set.
func allShapes() []blockShape {
	all := append([]blockShape(nil), quadrantShapes...)
	for k := 1; k < blockGrid; k++ {
		if k == 4 {
			continue // the halves are already in the quadrant set
		}
		rows := blockShape{kind: shapeRows, k: k, glyph: rune(0x2580 + k)} // ▁▂▃ ▅▆▇: lower k/8
		cols := blockShape{kind: shapeCols, k: k, glyph: rune(0x2590 - k)} // ▏▎▍ ▋▊▉: left k/8
		if k == 7 {
			rows.inverse = '▔' // upper 1/8
			cols.inverse = '▕' // right 1/8
		}
		all = append(all, rows, cols)
	}
	return all
}

// blockShapes returns the shape list for a Symbols option; unknown names and "" mean "all".
func blockShapes(name string) []blockShape {
	if s, ok := blockSymbolSets[name]; ok {
		return s
	}
	return blockSymbolSets["all"]
}

// mask returns the shape's painted sub-pixels as bits y*8+x.
func (s blockShape) mask() uint64 {
	var m uint64
	for y := 0; y < blockGrid; y++ {
		for x := 0; x < blockGrid; x++ {
			if s.paints(x, y) {
				m |= 1 << (y*blockGrid + x)
			}
		}
	}
	return m
}

// paints reports whether the shape covers sub-pixel x, y.
func (s blockShape) paints(x, y int) bool {
	switch s.kind {
	case shapeRows:
		return y >= blockGrid-s.k
	case shapeCols:
		return x < s.k
	case shapeQuads:
		q := 0
		if x >= blockGrid/2 {
			q |= 1
		}
		if y >= blockGrid/2 {
			q |= 2
		}
		return s.k&(1<<q) != 0
	}
	return false
}

// blockRuneMasks maps every character the encoder may print to its painted sub-pixels.
var blockRuneMasks = func() map[rune]uint64 {
	m := map[rune]uint64{}
	for _, s := range blockShapes("all") {
		mask := s.mask()
		if s.glyph != 0 {
			m[s.glyph] = mask
		}
		if s.inverse != 0 {
			m[s.inverse] = ^mask
		}
	}
	return m
}()

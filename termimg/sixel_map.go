package termimg

import (
	"math"
	"slices"
)

// sixelNearest finds the palette colour nearest to a colour: an exact search over the palette sorted by
// green that stops once the green distance alone exceeds the best match, behind a 64x64x64 cache.
type sixelNearest struct {
	pal   []sixelColor
	byG   []sixelColor // palette sorted by green
	ids   []uint8      // palette index of byG[i]
	cache []int32      // (r>>2, g>>2, b>>2) -> palette index; -1 unknown; -2-i: block i of sub
	sub   []int16      // blocks of 64 palette indexes, -1 unknown
}

func newSixelNearest(pal []sixelColor) *sixelNearest {
	order := make([]int, len(pal))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(pal[a].g - pal[b].g) })
	n := &sixelNearest{pal: pal, byG: make([]sixelColor, len(pal)), ids: make([]uint8, len(pal))}
	for i, k := range order {
		n.byG[i], n.ids[i] = pal[k], uint8(k)
	}
	return n
}

// search returns the index of the palette colour nearest to r, g, b (squared RGB distance; the lowest
// index wins ties), its squared distance and the squared distance of the second nearest.
func (n *sixelNearest) search(r, g, b int32) (best int, d1, d2 int32) {
	p := n.byG
	// first entry with green >= g
	lo, hi := 0, len(p)
	for lo < hi {
		m := (lo + hi) / 2
		if p[m].g < g {
			lo = m + 1
		} else {
			hi = m
		}
	}
	best, d1, d2 = -1, 1<<30, 1<<30
	try := func(i int) {
		c := p[i]
		dr, dg, db := c.r-r, c.g-g, c.b-b
		d := dr*dr + dg*dg + db*db
		switch {
		case d < d1 || d == d1 && int(n.ids[i]) < best:
			best, d1, d2 = int(n.ids[i]), d, d1
		case d < d2:
			d2 = d
		}
	}
	i, j := lo-1, lo
	for i >= 0 || j < len(p) {
		if j < len(p) {
			if dg := p[j].g - g; dg*dg > d2 {
				j = len(p)
			} else {
				try(j)
				j++
			}
		}
		if i >= 0 {
			if dg := g - p[i].g; dg*dg > d2 {
				i = -1
			} else {
				try(i)
				i--
			}
		}
	}
	return best, d1, d2
}

// lookup returns the index of the palette colour nearest to r, g, b, through a cache of 4x4x4 cells. A
// cell holds an index when it is the nearest for every colour of the cell (the cell's centre is nearer
// to it than to the second nearest by more than the cell's diameter); otherwise it holds a block of 64
// entries, one per colour of the cell, filled as colours are met.
func (n *sixelNearest) lookup(r, g, b int32) int {
	if n.cache == nil {
		n.cache = make([]int32, 1<<18)
		for i := range n.cache {
			n.cache[i] = -1
		}
	}
	k := (r>>2)<<12 | (g>>2)<<6 | b>>2
	v := n.cache[k]
	if v >= 0 {
		return int(v)
	}
	if v == -1 {
		// any colour of the cell is within sqrt(12) of the centre (offsets -2..1)
		best, d1, d2 := n.search(r&^3+2, g&^3+2, b&^3+2)
		if math.Sqrt(float64(d2))-math.Sqrt(float64(d1)) > 2*math.Sqrt(12) {
			n.cache[k] = int32(best)
			return best
		}
		v = int32(-2 - len(n.sub)/64)
		n.cache[k] = v
		for range 64 {
			n.sub = append(n.sub, -1)
		}
	}
	e := &n.sub[int(-2-v)*64+int((r&3)<<4|(g&3)<<2|b&3)]
	if *e < 0 {
		best, _, _ := n.search(r, g, b)
		*e = int16(best)
	}
	return int(*e)
}

// sixelDither maps the pixels to the palette with serpentine Floyd-Steinberg error diffusion. A pixel
// whose own colour is (nearly) a palette colour takes that colour and passes no error on, so flat areas
// and hard edges stay clean.
func sixelDither(px *sixelPix, nn *sixelNearest) []uint8 {
	w := px.w
	idx := make([]uint8, w*px.h)
	// error rows in 1/16 units, with one spare pixel at each end
	cur := make([]int32, (w+2)*3)
	next := make([]int32, (w+2)*3)
	pal := nn.pal
	for y := 0; y < px.h; y++ {
		row := px.pix[y*px.stride : y*px.stride+w*4]
		out := idx[y*w : y*w+w]
		x, dx, end := 0, 1, w
		if y&1 == 1 {
			x, dx, end = w-1, -1, -1
		}
		for ; x != end; x += dx {
			s := row[x*4 : x*4+4 : x*4+4]
			e := cur[(x+1)*3 : (x+1)*3+3 : (x+1)*3+3]
			if px.alpha && s[3] < sixelAlphaMin {
				continue
			}
			sr, sg, sb := int32(s[0]), int32(s[1]), int32(s[2])
			k := nn.lookup(sr, sg, sb)
			c := pal[k]
			if dr, dg, db := c.r-sr, c.g-sg, c.b-sb; dr*dr+dg*dg+db*db <= sixelFlatDist {
				out[x] = uint8(k)
				continue
			}
			r := min(max(sr+(e[0]+8)>>4, 0), 255)
			g := min(max(sg+(e[1]+8)>>4, 0), 255)
			b := min(max(sb+(e[2]+8)>>4, 0), 255)
			k = nn.lookup(r, g, b)
			out[x] = uint8(k)
			c = pal[k]
			er, eg, eb := (r-c.r)*sixelErrDamp/16, (g-c.g)*sixelErrDamp/16, (b-c.b)*sixelErrDamp/16
			// 7/16 ahead, 3/16 below behind, 5/16 below, 1/16 below ahead
			a := (x + 1 + dx) * 3
			cur[a] += er * 7
			cur[a+1] += eg * 7
			cur[a+2] += eb * 7
			bb := (x + 1 - dx) * 3
			next[bb] += er * 3
			next[bb+1] += eg * 3
			next[bb+2] += eb * 3
			bl := (x + 1) * 3
			next[bl] += er * 5
			next[bl+1] += eg * 5
			next[bl+2] += eb * 5
			next[a] += er
			next[a+1] += eg
			next[a+2] += eb
		}
		cur, next = next, cur
		clear(next)
	}
	return idx
}

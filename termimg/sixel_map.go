package termimg

import (
	"slices"
)

// sixelNearest finds the palette colour nearest to a colour: an exact search over the palette sorted by
// green that stops once the green distance alone exceeds the best match, behind a 64x64x64 cache.
type sixelNearest struct {
	pal   []sixelColor
	byG   []sixelColor // palette sorted by green
	ids   []uint8      // palette index of byG[i]
	cache []int16      // (r>>2, g>>2, b>>2) -> palette index + 1; 0 unknown (made by sixelDither)
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
// index wins ties) and its squared distance. It walks out from g in both directions and stops each way
// once the green distance alone exceeds the best distance so far: a colour tying with the best has a
// green distance no larger than it, so ties are still all seen. The walk starts from the entry whose
// green is nearest, so the first candidates are usually close and the bound tightens at once.
func (n *sixelNearest) search(r, g, b int32) (best int, d1 int32) {
	p := n.byG
	ids := n.ids
	// first entry with green >= g
	lo, hi := 0, len(p)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if p[m].g < g {
			lo = m + 1
		} else {
			hi = m
		}
	}
	best, d1 = -1, 1<<30
	i, j := lo-1, lo
	for i >= 0 || j < len(p) {
		if j < len(p) {
			c := &p[j]
			if dg := c.g - g; dg*dg > d1 {
				j = len(p)
			} else {
				dr, db := c.r-r, c.b-b
				if d := dr*dr + dg*dg + db*db; d < d1 || d == d1 && int(ids[j]) < best {
					best, d1 = int(ids[j]), d
				}
				j++
			}
		}
		if i >= 0 {
			c := &p[i]
			if dg := g - c.g; dg*dg > d1 {
				i = -1
			} else {
				dr, db := c.r-r, c.b-b
				if d := dr*dr + dg*dg + db*db; d < d1 || d == d1 && int(ids[i]) < best {
					best, d1 = int(ids[i]), d
				}
				i--
			}
		}
	}
	return best, d1
}

// lookup returns the index of the palette colour nearest to the centre of the 4x4x4 cell holding r, g,
// b, from a cache filled as cells are met. A colour may get the second nearest when two palette colours
// are about equally near the cell; error diffusion carries the small difference to its neighbours.
func (n *sixelNearest) lookup(r, g, b int32) int {
	k := (r>>2)<<12 | (g>>2)<<6 | b>>2
	if v := n.cache[k]; v > 0 {
		return int(v - 1)
	}
	best, _ := n.search(r&^3+2, g&^3+2, b&^3+2)
	n.cache[k] = int16(best + 1)
	return best
}

// sixelDither maps the pixels to the palette with serpentine Floyd-Steinberg error diffusion. A pixel
// whose own colour is (nearly) a palette colour takes that colour and passes no error on, so flat areas
// and hard edges stay clean.
func sixelDither(px *sixelPix, nn *sixelNearest) []uint8 {
	w := px.w
	if nn.cache == nil {
		nn.cache = make([]int16, 1<<18)
	}
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

package termimg

import (
	"slices"
)

// sixelColor is a palette colour as the terminal shows it (8-bit levels of its sixel percentages).
type sixelColor struct{ r, g, b int32 }

// Quantiser tuning.
const (
	sixelKMeans    = 3       // k-means passes over the histogram after the median cut
	sixelFlatDist  = 12      // squared distance under which a pixel counts as a palette colour (not dithered)
	sixelErrDamp   = 14      // diffused error is multiplied by sixelErrDamp/16 (less noise, no blow-up)
	sixelMaxSample = 4 << 20 // pixels the histogram counts at most (a regular subsample of larger images)
	// A box whose mean squared error (summed over r, g, b) is below sixelMinMSE is not split: colours
	// closer than that are not worth a register. It bounds the palette's own error near 42 dB PSNR and
	// keeps low-colour pictures with texture or noise from being spread over hundreds of registers, which
	// would make the output 2-4 times larger for a difference nobody sees.
	sixelMinMSE = 24
)

// sixelQuantize chooses a palette of at most ncol colours and maps every pixel to it.
func sixelQuantize(px *sixelPix, ncol int) ([]sixelColor, []uint8) {
	if pal, idx, ok := sixelExact(px, ncol); ok {
		return pal, idx
	}
	bins := sixelHistogram(px)
	pal := sixelMedianCut(bins, ncol)
	for it := 0; it < sixelKMeans; it++ {
		if !sixelKMeansPass(bins, pal) {
			break
		}
	}
	for i := range pal {
		pal[i] = sixelShown(pal[i])
	}
	return pal, sixelDither(px, newSixelNearest(pal))
}

// sixelShown rounds a colour to what the terminal shows for its sixel percentages.
func sixelShown(c sixelColor) sixelColor {
	f := func(v int32) int32 { return int32(sixelLevel(sixelPercent(int(min(max(v, 0), 255))))) }
	return sixelColor{f(c.r), f(c.g), f(c.b)}
}

// sixelExact handles images with at most ncol distinct colours: each gets its own register, in order
// of first appearance, and no pixel is dithered.
func sixelExact(px *sixelPix, ncol int) ([]sixelColor, []uint8, bool) {
	const size = 1024 // open-addressing table, at least 4x the colours it holds
	var keys [size]uint32
	var vals [size]uint8
	var used [size]bool
	var pal []sixelColor
	idx := make([]uint8, px.w*px.h)
	last, lastIdx := uint32(1<<31), uint8(0)
	for y := 0; y < px.h; y++ {
		row := px.pix[y*px.stride:]
		out := idx[y*px.w : (y+1)*px.w]
		for x := range out {
			i := x * 4
			if !px.opaque(i) {
				continue
			}
			k := uint32(row[i])<<16 | uint32(row[i+1])<<8 | uint32(row[i+2])
			if k == last {
				out[x] = lastIdx
				continue
			}
			h := (k * 2654435761) >> 22
			for used[h] && keys[h] != k {
				h = (h + 1) & (size - 1)
			}
			if !used[h] {
				if len(pal) == ncol {
					return nil, nil, false
				}
				used[h], keys[h], vals[h] = true, k, uint8(len(pal))
				pal = append(pal, sixelShown(sixelColor{int32(row[i]), int32(row[i+1]), int32(row[i+2])}))
			}
			last, lastIdx = k, vals[h]
			out[x] = lastIdx
		}
	}
	if len(pal) == 0 {
		pal = append(pal, sixelColor{})
	}
	return pal, idx, true
}

// sixelBin is one colour of the histogram (or a cell of similar colours): pixel count and channel sums.
type sixelBin struct {
	n       int64
	r, g, b int64
	key     int32    // colour or cell, for deterministic tie-breaks
	m       [3]int32 // mean colour
}

func newSixelBin(key int32, n, r, g, b int64) sixelBin {
	return sixelBin{n: n, r: r, g: g, b: b, key: key,
		m: [3]int32{int32((r + n/2) / n), int32((g + n/2) / n), int32((b + n/2) / n)}}
}

// sixelHistogram counts the opaque pixels (a regular subsample of huge images): by exact colour when
// the image has at most sixelMaxExact colours, otherwise in 64x64x64 cells.
func sixelHistogram(px *sixelPix) []sixelBin {
	step := 1
	for (px.w*px.h)/(step*step) > sixelMaxSample {
		step++
	}
	if bins := sixelExactHistogram(px, step); bins != nil {
		return bins
	}
	cells := make([]int32, 1<<18) // cell -> bin index + 1
	var bins []sixelBin
	for y := 0; y < px.h; y += step {
		row := px.pix[y*px.stride : y*px.stride+px.w*4]
		for i := 0; i < len(row); i += 4 * step {
			if px.alpha && row[i+3] < sixelAlphaMin {
				continue
			}
			r, g, b := row[i], row[i+1], row[i+2]
			k := int32(r>>2)<<12 | int32(g>>2)<<6 | int32(b>>2)
			j := cells[k] - 1
			if j < 0 {
				j = int32(len(bins))
				cells[k] = j + 1
				bins = append(bins, sixelBin{key: k})
			}
			c := &bins[j]
			c.n++
			c.r += int64(r)
			c.g += int64(g)
			c.b += int64(b)
		}
	}
	for i := range bins {
		c := &bins[i]
		bins[i] = newSixelBin(c.key, c.n, c.r, c.g, c.b)
	}
	return bins
}

// sixelMaxExact is the most distinct colours counted exactly.
const sixelMaxExact = 1 << 15

// sixelExactHistogram counts each distinct colour, or returns nil when there are more than sixelMaxExact.
func sixelExactHistogram(px *sixelPix, step int) []sixelBin {
	const size = sixelMaxExact * 2
	keys := make([]uint32, size) // colour + 1<<24; 0: empty slot
	cnt := make([]int32, size)
	distinct := 0
	last, lastSlot := uint32(0), uint32(0)
	for y := 0; y < px.h; y += step {
		row := px.pix[y*px.stride : y*px.stride+px.w*4]
		for i := 0; i < len(row); i += 4 * step {
			if px.alpha && row[i+3] < sixelAlphaMin {
				continue
			}
			k := 1<<24 | uint32(row[i])<<16 | uint32(row[i+1])<<8 | uint32(row[i+2])
			if k == last {
				cnt[lastSlot]++
				continue
			}
			h := (k * 2654435761) >> 16 & (size - 1)
			for keys[h] != 0 && keys[h] != k {
				h = (h + 1) & (size - 1)
			}
			if keys[h] == 0 {
				if distinct == sixelMaxExact {
					return nil
				}
				distinct++
				keys[h] = k
			}
			cnt[h]++
			last, lastSlot = k, h
		}
	}
	bins := make([]sixelBin, 0, distinct)
	for h, k := range keys {
		if k != 0 {
			n := int64(cnt[h])
			r, g, b := int64(k>>16&255), int64(k>>8&255), int64(k&255)
			bins = append(bins, newSixelBin(int32(k&0xffffff), n, n*r, n*g, n*b))
		}
	}
	return bins
}

// sixelBox is a run of bins (after sorting) with its totals.
type sixelBox struct {
	lo, hi int
	n      int64 // pixels
	sse    float64
}

func newSixelBox(bins []sixelBin, lo, hi int) sixelBox {
	var n int64
	for _, c := range bins[lo:hi] {
		n += c.n
	}
	return sixelBox{lo, hi, n, sixelBoxSSE(bins[lo:hi])}
}

func sixelBoxSSE(bins []sixelBin) float64 {
	var n, r, g, b, q float64
	for i := range bins {
		c := &bins[i]
		w := float64(c.n)
		n += w
		r += float64(c.r)
		g += float64(c.g)
		b += float64(c.b)
		q += w * float64(c.m[0]*c.m[0]+c.m[1]*c.m[1]+c.m[2]*c.m[2])
	}
	if n == 0 {
		return 0
	}
	return q - (r*r+g*g+b*b)/n
}

// sixelMedianCut splits the colour space into at most ncol boxes, always splitting the box with the
// largest squared error, along its widest-spread channel, where the two halves' error is least.
func sixelMedianCut(bins []sixelBin, ncol int) []sixelColor {
	boxes := []sixelBox{newSixelBox(bins, 0, len(bins))}
	var acc [3][256][5]float64
	for len(boxes) < ncol {
		best := -1
		for i, b := range boxes {
			if b.hi-b.lo > 1 && b.sse > sixelMinMSE*float64(b.n) && (best < 0 || b.sse > boxes[best].sse) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		bx := boxes[best]
		s := bins[bx.lo:bx.hi]
		// sums per channel value, for each channel: pixels, r, g, b, and squared norms
		clear(acc[:])
		for i := range s {
			c := &s[i]
			w := float64(c.n)
			q := w * float64(c.m[0]*c.m[0]+c.m[1]*c.m[1]+c.m[2]*c.m[2])
			for a := 0; a < 3; a++ {
				t := &acc[a][c.m[a]]
				t[0] += w
				t[1] += float64(c.r)
				t[2] += float64(c.g)
				t[3] += float64(c.b)
				t[4] += q
			}
		}
		// the channel with the largest variance
		axis, bestVar := 0, -1.0
		for a := 0; a < 3; a++ {
			var n, sum, sq float64
			for v, t := range acc[a] {
				n += t[0]
				sum += t[1+a]
				sq += t[1+a] * float64(v)
			}
			if v := sq - sum*sum/n; v > bestVar {
				axis, bestVar = a, v
			}
		}
		// the cut value (left: below it) minimising SSE(left)+SSE(right)
		var tot [5]float64
		for _, t := range acc[axis] {
			for k := range tot {
				tot[k] += t[k]
			}
		}
		var l [5]float64
		cut, cutSSE := -1, 0.0
		for v := 0; v < 255; v++ {
			t := acc[axis][v]
			if t[0] == 0 {
				continue
			}
			for k := range l {
				l[k] += t[k]
			}
			rn := tot[0] - l[0]
			if rn <= 0 {
				break
			}
			rr, rg, rb := tot[1]-l[1], tot[2]-l[2], tot[3]-l[3]
			e := l[4] - (l[1]*l[1]+l[2]*l[2]+l[3]*l[3])/l[0] + tot[4] - l[4] - (rr*rr+rg*rg+rb*rb)/rn
			if cut < 0 || e < cutSSE {
				cut, cutSSE = v+1, e
			}
		}
		if cut < 0 { // every bin has the same mean: leave the box whole
			boxes[best].sse = 0
			continue
		}
		// partition in place
		i, j := 0, len(s)-1
		for i <= j {
			if s[i].m[axis] < int32(cut) {
				i++
			} else {
				s[i], s[j] = s[j], s[i]
				j--
			}
		}
		cut = i
		boxes[best] = newSixelBox(bins, bx.lo, bx.lo+cut)
		boxes = append(boxes, newSixelBox(bins, bx.lo+cut, bx.hi))
	}
	slices.SortFunc(boxes, func(a, b sixelBox) int { return a.lo - b.lo })
	pal := make([]sixelColor, 0, len(boxes))
	for _, bx := range boxes {
		var n, r, g, b int64
		for _, c := range bins[bx.lo:bx.hi] {
			n += c.n
			r += c.r
			g += c.g
			b += c.b
		}
		pal = append(pal, sixelColor{int32((r + n/2) / n), int32((g + n/2) / n), int32((b + n/2) / n)})
	}
	return pal
}

// sixelKMeansPass moves each palette colour to the mean of the histogram cells nearest to it. It reports
// whether anything moved. The nearest-colour searches are split over the CPUs (each part sums into its
// own array; integer sums, so the result does not depend on the split).
func sixelKMeansPass(bins []sixelBin, pal []sixelColor) bool {
	nn := newSixelNearest(pal)
	parts := parallelParts(len(bins), 8192)
	sums := make([][][4]int64, parts)
	parallelRun(parts, func(p int) {
		s := make([][4]int64, len(pal))
		for i := p * len(bins) / parts; i < (p+1)*len(bins)/parts; i++ {
			c := &bins[i]
			k, _ := nn.search(c.m[0], c.m[1], c.m[2])
			t := &s[k]
			t[0] += c.n
			t[1] += c.r
			t[2] += c.g
			t[3] += c.b
		}
		sums[p] = s
	})
	moved := false
	for i := range pal {
		var s [4]int64
		for _, ps := range sums {
			for k := range s {
				s[k] += ps[i][k]
			}
		}
		if n := s[0]; n > 0 {
			c := sixelColor{int32((s[1] + n/2) / n), int32((s[2] + n/2) / n), int32((s[3] + n/2) / n)}
			moved = moved || c != pal[i]
			pal[i] = c
		}
	}
	return moved
}

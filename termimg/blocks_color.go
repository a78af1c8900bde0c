package termimg

import "strconv"

// blockColor is a colour the terminal can show: its RGB value and its key, the packed RGB for true
// colour or the palette index for the 256- and 16-colour profiles.
type blockColor struct {
	r, g, b uint8
	key     int32
}

// noColor is the key of "not known": the state at the start of a row.
const noColor = -1

// Palette errors weigh the channels roughly by how much the eye cares (red 2, green 4, blue 3), which
// keeps greens and skin tones from snapping to grey; true colour uses plain RGB, what PSNR measures.
var paletteWeight = [3]int64{2, 4, 3}

// ansi16RGB are xterm's default 16 colours (the ones the screenshots elsewhere are taken with).
var ansi16RGB = [16][3]uint8{
	{0, 0, 0}, {205, 0, 0}, {0, 205, 0}, {205, 205, 0}, {0, 0, 238}, {205, 0, 205}, {0, 205, 205}, {229, 229, 229},
	{127, 127, 127}, {255, 0, 0}, {0, 255, 0}, {255, 255, 0}, {92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255},
}

// cubeLevels are the channel values of the xterm 6x6x6 colour cube (indices 16..231).
var cubeLevels = [6]int32{0, 95, 135, 175, 215, 255}

// quantize maps a colour to the nearest one the profile can show (channels 0..255).
func quantize(p Profile, c [3]int32) blockColor {
	switch p {
	case ANSI256:
		return nearest256(c)
	case ANSI16:
		best, bestD := 0, int64(-1)
		for i, q := range ansi16RGB {
			if d := paletteDist(c, q); bestD < 0 || d < bestD {
				best, bestD = i, d
			}
		}
		q := ansi16RGB[best]
		return blockColor{q[0], q[1], q[2], int32(best)}
	}
	return blockColor{uint8(c[0]), uint8(c[1]), uint8(c[2]), c[0]<<16 | c[1]<<8 | c[2]}
}

// nearest256 picks the nearest of the cube and the grey ramp (232..255); the 16 system colours are left
// out because terminals change them. The weighted distance is separable, so the nearest cube colour is
// the nearest level per channel, and the nearest grey is the ramp step nearest the weighted mean.
func nearest256(c [3]int32) blockColor {
	var cube [3]uint8
	idx := int32(16)
	for ch, v := range c {
		l := 0
		for l < 5 && 2*v > cubeLevels[l]+cubeLevels[l+1] {
			l++
		}
		cube[ch] = uint8(cubeLevels[l])
		idx += int32(l) * [3]int32{36, 6, 1}[ch]
	}
	mean := (paletteWeight[0]*int64(c[0]) + paletteWeight[1]*int64(c[1]) + paletteWeight[2]*int64(c[2])) * 10 /
		(paletteWeight[0] + paletteWeight[1] + paletteWeight[2]) // tenths
	step := min(max((mean-80+50)/100, 0), 23)
	grey := uint8(8 + 10*step)
	if paletteDist(c, [3]uint8{grey, grey, grey}) < paletteDist(c, cube) {
		return blockColor{grey, grey, grey, 232 + int32(step)}
	}
	return blockColor{cube[0], cube[1], cube[2], idx}
}

// paletteDist is the weighted squared distance between a colour and a palette entry.
func paletteDist(c [3]int32, q [3]uint8) int64 {
	var d int64
	for ch := range 3 {
		e := int64(c[ch]) - int64(q[ch])
		d += paletteWeight[ch] * e * e
	}
	return d
}

// appendColorParams appends the SGR parameters that set c as foreground (or background when bg).
func appendColorParams(buf []byte, p Profile, c blockColor, bg bool) []byte {
	switch p {
	case ANSI16:
		base := int32(30)
		if c.key >= 8 {
			base = 90 - 8
		}
		if bg {
			base += 10
		}
		return strconv.AppendInt(buf, int64(base+c.key), 10)
	case ANSI256:
		if bg {
			buf = append(buf, "48;5;"...)
		} else {
			buf = append(buf, "38;5;"...)
		}
		return strconv.AppendInt(buf, int64(c.key), 10)
	}
	if bg {
		buf = append(buf, "48;2;"...)
	} else {
		buf = append(buf, "38;2;"...)
	}
	buf = strconv.AppendInt(buf, int64(c.r), 10)
	buf = append(buf, ';')
	buf = strconv.AppendInt(buf, int64(c.g), 10)
	buf = append(buf, ';')
	return strconv.AppendInt(buf, int64(c.b), 10)
}

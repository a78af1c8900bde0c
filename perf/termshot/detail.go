package main

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// detail is a fine-detail test picture (n x n, n >= 256): 1, 2 and 3 px lines, an 8 px checker, 2 and
// 4 px stripes (both directions) and 16 px text, on light grey. Shown at 480 px of 1024 most of it is
// below a cell's resolution, so it measures how a protocol averages detail it cannot draw; its PSNR is
// well below the other pictures'. No magenta (the screenshot background) and no white border, so the
// screenshot check finds its whole extent.
func detail(n int) (*image.RGBA, error) {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{200, 200, 200, 255}}, image.Point{}, draw.Src)
	ink := []color.RGBA{{20, 20, 20, 255}, {200, 30, 30, 255}, {20, 60, 190, 255}, {10, 130, 60, 255}}
	fill := func(r image.Rectangle, c color.RGBA) {
		draw.Draw(img, r.Intersect(img.Bounds()), &image.Uniform{c}, image.Point{}, draw.Src)
	}
	q := n / 2
	// Top left: lines 1, 2 and 3 px wide, 6 px apart, horizontal then vertical, in turn dark and coloured.
	for i, y := 0, 8; y < q/2-8; i, y = i+1, y+9 {
		fill(image.Rect(8, y, q-8, y+1+i%3), ink[i%len(ink)])
	}
	for i, x := 0, 8; x < q-8; i, x = i+1, x+9 {
		fill(image.Rect(x, q/2, x+1+i%3, q-8), ink[(i+1)%len(ink)])
	}
	// Top right: an 8 px checker, black and white.
	for y := 0; y < q; y++ {
		for x := q; x < n; x++ {
			if (x/8+y/8)%2 == 0 {
				img.SetRGBA(x, y, color.RGBA{15, 15, 15, 255})
			} else {
				img.SetRGBA(x, y, color.RGBA{245, 245, 245, 255})
			}
		}
	}
	// Bottom left: 2 px stripes (upper half: horizontal, lower: vertical) then 4 px stripes.
	for y := q; y < n; y++ {
		for x := 0; x < q; x++ {
			w := 2
			if x >= q/2 {
				w = 4
			}
			v := y
			if y >= q+q/2 {
				v = x
			}
			if (v/w)%2 == 0 {
				img.SetRGBA(x, y, ink[2])
			} else {
				img.SetRGBA(x, y, color.RGBA{250, 220, 60, 255})
			}
		}
	}
	// Bottom right: 16 px text, dark on light.
	fill(image.Rect(q, q, n, n), color.RGBA{240, 236, 228, 255})
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, err
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 16, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	d := font.Drawer{Dst: img, Src: &image.Uniform{ink[0]}, Face: face}
	lines := []string{"The quick brown fox jumps over", "the lazy dog. 0123456789 ()[]{}",
		"Sphinx of black quartz, judge", "my vow: ILlI1| O0o .,;:!? #@&%"}
	for i, y := 0, q+24; y < n-8; i, y = i+1, y+20 {
		d.Dot = fixed.P(q+10, y)
		d.DrawString(lines[i%len(lines)])
	}
	return img, nil
}

// Command termshot supports the terminal screenshot checks in perf/terminals.sh: it writes test
// pictures, and compares the region of a terminal screenshot that shows a picture with the picture.
//
//	termshot gen DIR            write photo.png, sign.png, shapes.png (1024 px, from the demo generator)
//	                            and detail.png (1024 px fine detail: thin lines, checker, stripes, text)
//	termshot compare SHOT SRC [XMAX [YMAX]]  find the picture in the screenshot (left of pixel column
//	                            XMAX and above row YMAX of the window if given), print its PSNR in dB
//	termshot wide SRC DST       write the middle half of SRC (a wide picture) to DST
//	termshot pty FIFO CMD...    run CMD on a pseudo-terminal, relaying this terminal and keys written to FIFO
//	termshot region A B X0 Y0 X1 Y1  PSNR in dB of a region (fractions 0-1 of the terminal window) of two
//	                            screenshots, and the share of B's region that is not the background
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"

	"github.com/loupe-dev/loupe/dataset/synth"
	"github.com/loupe-dev/loupe/termimg"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: termshot gen DIR | termshot compare SHOT.png SOURCE.png")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2])
	case "compare":
		if len(os.Args) < 4 {
			err = fmt.Errorf("compare needs SHOT and SOURCE")
			break
		}
		var psnr float64
		var box image.Rectangle
		xmax, ymax := 1<<30, 1<<30
		if len(os.Args) > 4 {
			fmt.Sscan(os.Args[4], &xmax)
		}
		if len(os.Args) > 5 {
			fmt.Sscan(os.Args[5], &ymax)
		}
		psnr, box, err = compare(os.Args[2], os.Args[3], xmax, ymax)
		if err == nil {
			fmt.Printf("%.1f %dx%d\n", psnr, box.Dx(), box.Dy())
		}
	case "wide":
		err = wide(os.Args[2], os.Args[3])
	case "pty":
		if len(os.Args) < 4 {
			err = fmt.Errorf("pty needs FIFO and a command")
			break
		}
		err = relay(os.Args[2], os.Args[3:])
	case "region":
		if len(os.Args) < 8 {
			err = fmt.Errorf("region needs A B X0 Y0 X1 Y1")
			break
		}
		var f [4]float64
		for i := range f {
			fmt.Sscan(os.Args[4+i], &f[i])
		}
		var psnr, ink float64
		psnr, ink, err = region(os.Args[2], os.Args[3], f)
		if err == nil {
			fmt.Printf("%.1f %.3f\n", psnr, ink)
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "termshot:", err)
		os.Exit(1)
	}
}

func gen(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	g := synth.New(1)
	for name, s := range map[string]synth.Sample{
		"photo":  g.Sample("aesthetics-part01", 0),
		"sign":   g.Sample("text", 3),
		"shapes": g.Sample("aesthetics-part01", 13),
	} {
		f, err := os.Create(filepath.Join(dir, name+".png"))
		if err != nil {
			return err
		}
		if err := png.Encode(f, s.Render(1024)); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	img, err := detail(1024)
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "detail.png"))
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func wide(src, dst string) error {
	img, err := load(src)
	if err != nil {
		return err
	}
	b := img.Bounds()
	r := image.Rect(b.Min.X, b.Min.Y+b.Dy()/4, b.Max.X, b.Min.Y+3*b.Dy()/4)
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			out.Set(x, y, img.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer f.Close()
	return png.Encode(f, out)
}

// load decodes a picture or screenshot through the program's decode guard (termimg, package imagesafe).
func load(path string) (image.Image, error) {
	src, err := termimg.DecodeFile(path)
	if err != nil {
		return nil, err
	}
	return src.Image, nil
}

// bg is the terminals' background in perf/terminals.sh: a colour the test pictures do not use.
var bg = color.RGBA{255, 0, 255, 255}

func isBG(c color.RGBA) bool { return absd(c.R, bg.R)+absd(c.G, bg.G)+absd(c.B, bg.B) < 40 }

// compare locates the terminal window (the magenta background) and, inside it, the picture (the
// bounding box of what is not background), scales the source to that box and returns the PSNR.
func compare(shotPath, srcPath string, xmax, ymax int) (float64, image.Rectangle, error) {
	shot, err := load(shotPath)
	if err != nil {
		return 0, image.Rectangle{}, err
	}
	src, err := load(srcPath)
	if err != nil {
		return 0, image.Rectangle{}, err
	}
	at := func(x, y int) color.RGBA { return color.RGBAModel.Convert(shot.At(x, y)).(color.RGBA) }
	b := shot.Bounds()
	win := image.Rectangle{Min: b.Max, Max: b.Min}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if isBG(at(x, y)) {
				win = win.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if win.Empty() {
		return 0, win, fmt.Errorf("no terminal window with the magenta background in %s", shotPath)
	}
	box := image.Rectangle{Min: win.Max, Max: win.Min}
	for y := win.Min.Y + 1; y < min(win.Max.Y-1, win.Min.Y+ymax); y++ {
		for x := win.Min.X + 1; x < min(win.Max.X-1, win.Min.X+xmax); x++ {
			if !isBG(at(x, y)) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if box.Empty() || box.Dx() < 16 || box.Dy() < 16 {
		return 0, box, fmt.Errorf("no picture found in %s", shotPath)
	}
	ref := termimg.Scale(src, box.Dx(), box.Dy())
	var se float64
	for y := 0; y < box.Dy(); y++ {
		for x := 0; x < box.Dx(); x++ {
			c := at(box.Min.X+x, box.Min.Y+y)
			r := ref.RGBAAt(x, y)
			for _, d := range []float64{float64(c.R) - float64(r.R), float64(c.G) - float64(r.G), float64(c.B) - float64(r.B)} {
				se += d * d
			}
		}
	}
	mse := se / float64(3*box.Dx()*box.Dy())
	if mse == 0 {
		return 99, box, nil
	}
	return 10 * math.Log10(255*255/mse), box, nil
}

func absd(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// region compares the same region of two screenshots of one terminal window (found by its magenta
// background in a), given as fractions of the window, and says how much of b's region is not background.
func region(aPath, bPath string, f [4]float64) (psnr, ink float64, err error) {
	a, err := load(aPath)
	if err != nil {
		return 0, 0, err
	}
	b, err := load(bPath)
	if err != nil {
		return 0, 0, err
	}
	at := func(img image.Image, x, y int) color.RGBA { return color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) }
	bb := a.Bounds()
	win := image.Rectangle{Min: bb.Max, Max: bb.Min}
	for y := bb.Min.Y; y < bb.Max.Y; y++ {
		for x := bb.Min.X; x < bb.Max.X; x++ {
			if isBG(at(a, x, y)) {
				win = win.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if win.Empty() {
		return 0, 0, fmt.Errorf("no terminal window with the magenta background in %s", aPath)
	}
	r := image.Rect(win.Min.X+int(f[0]*float64(win.Dx())), win.Min.Y+int(f[1]*float64(win.Dy())),
		win.Min.X+int(f[2]*float64(win.Dx())), win.Min.Y+int(f[3]*float64(win.Dy())))
	var se float64
	var n, fg int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ca, cb := at(a, x, y), at(b, x, y)
			for _, d := range []float64{float64(ca.R) - float64(cb.R), float64(ca.G) - float64(cb.G), float64(ca.B) - float64(cb.B)} {
				se += d * d
			}
			n++
			if !isBG(cb) {
				fg++
			}
		}
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("empty region")
	}
	ink = float64(fg) / float64(n)
	mse := se / float64(3*n)
	if mse == 0 {
		return 99, ink, nil
	}
	return 10 * math.Log10(255*255/mse), ink, nil
}

// Command sixel compares loupe's sixel encoder with img2sixel (libsixel) on 1024 px pictures shown at
// 480 px: time (median of several runs), fidelity (PSNR of the decoded sixel against the source scaled to
// the decoded size with a box filter) and output bytes.
//
//	go run ./perf/sixel [-n 2] [-runs 5] [-w 480] [-keep]
//
// The two are timed in turn, run by run (loupe, img2sixel, loupe, ...), so load from elsewhere falls on
// both alike; loupe may use every CPU (EncodeSixel splits its nearest-colour searches and band encoding
// over them), img2sixel uses one. img2sixel's time includes its PNG decode and scaling (`img2sixel -w W src.png`); loupe's includes
// reading and decoding the same PNG, scaling (termimg.Scale) and EncodeSixel; "ratio" is loupe's time over
// img2sixel's and "enc ms" EncodeSixel alone. The "pre" columns run both encoders on the already scaled
// picture (PSNR against that picture, and bytes), which compares the encoders without their scalers.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/dataset/synth"
	"github.com/loupe-dev/loupe/termimg"
	gosixel "github.com/mattn/go-sixel"
)

type picture struct {
	name string
	img  *image.RGBA
	jpeg []byte // the file as a JPEG (img is then the decoded JPEG); nil: img stored as a PNG
}

func main() {
	n := flag.Int("n", 2, "synth pictures per kind (landscapes/still life, signs)")
	runs := flag.Int("runs", 5, "timed runs per picture (median reported)")
	width := flag.Int("w", 480, "display width in pixels")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()

	dir, err := os.MkdirTemp("", "loupe-sixel-")
	check(err)
	if *keep {
		fmt.Println("files in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	tool, err := exec.LookPath("img2sixel")
	if err != nil {
		tool = ""
		fmt.Println("img2sixel is absent (apt-get install libsixel-bin): showing loupe's numbers only")
	}

	g := synth.New(1)
	pics := []picture{{"plasma", plasma(1024), nil}}
	for i := 0; i < *n; i++ {
		pics = append(pics, picture{fmt.Sprintf("aesthetics#%d", i), g.Sample("aesthetics-part01", i).Render(1024), nil})
	}
	for i := 0; i < *n; i++ {
		pics = append(pics, picture{fmt.Sprintf("sign#%d", i), g.Sample("text", i).Render(1024), nil})
	}
	pics = append(pics, picture{"shapes", shapes(1024), nil})
	pics = append(pics, noisyPhoto(1024, 18), noisyPhoto(1024, 80))
	// JPEG files named on the command line (a camera's 4:4:4 photo: image/jpeg cannot write one)
	for _, f := range flag.Args() {
		b, err := os.ReadFile(f)
		check(err)
		d, err := jpeg.Decode(bytes.NewReader(b))
		check(err)
		w, h := d.Bounds().Dx(), d.Bounds().Dy()
		pics = append(pics, picture{fmt.Sprintf("%s %.1fMB", strings.TrimSuffix(filepath.Base(f), ".jpg"), float64(len(b))/1e6), termimg.Scale(d, w, h), b})
	}

	fmt.Printf("%d x %d sources shown at width %d, median of %d runs; PSNR vs the box-scaled source\n\n", 1024, 1024, *width, *runs)
	fmt.Printf("%-14s | %-28s | %-28s | %-5s | %-6s | %-15s | %s\n", "image", "img2sixel ms / dB / bytes", "loupe ms / dB / bytes", "ratio", "enc ms", "pre: i2s dB / B", "pre: loupe dB / B")
	fmt.Println("---------------|------------------------------|------------------------------|-------|--------|-----------------|------------------")
	var ratios []float64
	for _, p := range pics {
		src := filepath.Join(dir, p.name+".png")
		var buf bytes.Buffer
		if p.jpeg != nil {
			src = filepath.Join(dir, p.name+".jpg")
			buf.Write(p.jpeg)
		} else {
			check(png.Encode(&buf, p.img))
		}
		check(os.WriteFile(src, buf.Bytes(), 0o644))

		// loupe: read + decode + scale + encode
		var out []byte
		runLoupe := func() {
			data, err := os.ReadFile(src)
			check(err)
			s, err := termimg.DecodeBytes(data)
			check(err)
			b := s.Image.Bounds()
			scaled := termimg.Scale(s.Image, *width, max(1, b.Dy()**width/b.Dx()))
			var o bytes.Buffer
			check(termimg.EncodeSixel(&o, scaled, termimg.SixelOptions{}))
			out = o.Bytes()
		}
		var iout []byte
		runTool := func() {
			o, err := exec.Command(tool, "-w", fmt.Sprint(*width), src).Output()
			check(err)
			iout = o
		}
		var lt, it time.Duration
		if tool != "" {
			lt, it = medians(*runs, runLoupe, runTool)
		} else {
			lt = median(*runs, runLoupe)
		}
		lp := fidelity(out, p.img)
		scaled := termimg.Scale(p.img, *width, max(1, p.img.Rect.Dy()**width/p.img.Rect.Dx()))
		var pre bytes.Buffer
		et := median(*runs, func() {
			pre.Reset()
			check(termimg.EncodeSixel(&pre, scaled, termimg.SixelOptions{}))
		})
		lpre := fmt.Sprintf("%.2f / %d", psnrExact(pre.Bytes(), scaled), pre.Len())

		i2s, ipre := "absent", "-"
		ratio := "-"
		if tool != "" {
			ip := fidelity(iout, p.img)
			i2s = fmt.Sprintf("%6.1f / %5.2f / %8d", ms(it), ip, len(iout))
			ratio = fmt.Sprintf("%.2f", float64(lt)/float64(it))
			ratios = append(ratios, float64(lt)/float64(it))
			ps := filepath.Join(dir, p.name+"-scaled.png")
			buf.Reset()
			check(png.Encode(&buf, scaled))
			check(os.WriteFile(ps, buf.Bytes(), 0o644))
			o, err := exec.Command(tool, ps).Output()
			check(err)
			ipre = fmt.Sprintf("%.2f / %d", psnrExact(o, scaled), len(o))
		}
		fmt.Printf("%-14s | %-28s | %6.1f / %5.2f / %8d | %-5s | %6.1f | %-15s | %s\n", p.name, i2s, ms(lt), lp, len(out), ratio, ms(et), ipre, lpre)
	}
	if len(ratios) > 0 {
		slices.Sort(ratios)
		fmt.Printf("\nmedian time ratio loupe/img2sixel: %.2f\n", ratios[len(ratios)/2])
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "perf/sixel:", err)
		os.Exit(1)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// medians times f and g in turn (f, g, f, g, ...), so that load from elsewhere on the machine falls on
// both alike, and returns the median time of each.
func medians(runs int, f, g func()) (time.Duration, time.Duration) {
	f() // warm-up
	g()
	tf, tg := make([]time.Duration, runs), make([]time.Duration, runs)
	for i := range tf {
		t := time.Now()
		f()
		tf[i] = time.Since(t)
		t = time.Now()
		g()
		tg[i] = time.Since(t)
	}
	slices.Sort(tf)
	slices.Sort(tg)
	return tf[len(tf)/2], tg[len(tg)/2]
}

func median(runs int, f func()) time.Duration {
	f() // warm-up
	ts := make([]time.Duration, runs)
	for i := range ts {
		t := time.Now()
		f()
		ts[i] = time.Since(t)
	}
	slices.Sort(ts)
	return ts[len(ts)/2]
}

// decode reads a sixel sequence with go-sixel's decoder.
func decode(data []byte) image.Image {
	var img image.Image
	check(gosixel.NewDecoder(bytes.NewReader(data)).Decode(&img))
	return img
}

// fidelity is the PSNR of the decoded sixel against the source box-scaled to the decoded size.
func fidelity(data []byte, src *image.RGBA) float64 {
	d := decode(data)
	b := d.Bounds()
	return psnr(d, termimg.Scale(src, b.Dx(), b.Dy()))
}

// psnrExact is the PSNR of the decoded sixel against the picture it was made from.
func psnrExact(data []byte, ref *image.RGBA) float64 {
	d := decode(data)
	if d.Bounds().Size() != ref.Rect.Size() {
		check(fmt.Errorf("decoded %v, want %v", d.Bounds().Size(), ref.Rect.Size()))
	}
	return psnr(d, ref)
}

func psnr(a image.Image, b *image.RGBA) float64 {
	ab := a.Bounds()
	var se float64
	n := 0
	for y := 0; y < min(ab.Dy(), b.Rect.Dy()); y++ {
		for x := 0; x < min(ab.Dx(), b.Rect.Dx()); x++ {
			c := color.NRGBAModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.NRGBA)
			o := b.RGBAAt(x, y)
			for _, d := range [3]float64{float64(c.R) - float64(o.R), float64(c.G) - float64(o.G), float64(c.B) - float64(o.B)} {
				se += d * d
			}
			n += 3
		}
	}
	if se == 0 {
		return 99
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// plasma is a smooth photo-like picture: overlapping waves with a little noise.
func plasma(n int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			fx, fy := float64(x)/float64(n), float64(y)/float64(n)
			v1 := math.Sin(fx*7+math.Sin(fy*3)) + math.Sin(fy*5+fx*2)
			v2 := math.Cos(fx*4-fy*6) + math.Sin(math.Hypot(fx-0.4, fy-0.6)*14)
			c := func(v float64) uint8 {
				v = v*60 + 128 + r.NormFloat64()*4
				return uint8(min(max(v, 0), 255))
			}
			img.SetRGBA(x, y, color.RGBA{c(v1), c(v2), c((v1 - v2) / 2), 255})
		}
	}
	return img
}

// noisyPhoto is a photo-like picture under per-pixel noise of standard deviation sd, stored as a
// quality-95 JPEG: 0.7 MB at sd 18, 1.2 MB at sd 80 (image/jpeg always subsamples chroma 4:2:0, so a
// 1024 px square gets little larger short of white noise; a camera's 4:4:4 file is about 1.7 MB). The
// worst case for JPEG decoding and for the quantiser (tens of thousands of colours).
// Its img is the decoded JPEG, so PSNR compares against what both encoders read.
func noisyPhoto(n int, sd float64) picture {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	r := rand.New(rand.NewPCG(3, 4))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			fx, fy := float64(x)/float64(n), float64(y)/float64(n)
			sky := math.Max(0, 1-fy*1.6)
			hill := 0.5 + 0.5*math.Sin(fx*9+math.Sin(fy*4)*2)
			c := func(base, amp float64) uint8 {
				v := base + amp + r.NormFloat64()*sd
				return uint8(min(max(v, 0), 255))
			}
			img.SetRGBA(x, y, color.RGBA{
				c(90+100*sky, 50*hill*(1-sky)),
				c(110+80*sky, 70*hill*(1-sky)+30*fy),
				c(60+170*sky, 20*hill),
				255})
		}
	}
	var buf bytes.Buffer
	check(jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}))
	d, err := jpeg.Decode(bytes.NewReader(buf.Bytes()))
	check(err)
	return picture{fmt.Sprintf("noisy%g %.1fMB", sd, float64(buf.Len())/1e6), termimg.Scale(d, n, n), buf.Bytes()}
}

// shapes is flat, hard-edged shapes on a flat background (no anti-aliasing).
func shapes(n int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	cols := []color.RGBA{{240, 236, 228, 255}, {200, 40, 40, 255}, {30, 90, 200, 255}, {250, 200, 20, 255}, {20, 150, 90, 255}, {30, 30, 30, 255}}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			c := cols[0]
			fx, fy := float64(x)/float64(n), float64(y)/float64(n)
			switch {
			case math.Hypot(fx-0.3, fy-0.3) < 0.18:
				c = cols[1]
			case fx > 0.55 && fx < 0.9 && fy > 0.15 && fy < 0.45:
				c = cols[2]
			case fy > 0.6 && fy < 0.9 && math.Abs(fx-0.3) < (fy-0.6)*0.8:
				c = cols[3]
			case math.Abs(fx-0.72)+math.Abs(fy-0.72) < 0.15:
				c = cols[4]
			case (x/32+y/32)%2 == 0 && fy > 0.93:
				c = cols[5]
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

package termimg

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// BenchmarkEncodeSixel encodes 480x480 pictures (what a 60x30-cell box shows): palette, dithering and
// sixel bytes.
func BenchmarkEncodeSixel(b *testing.B) {
	for _, bc := range []struct {
		name string
		img  image.Image
	}{
		{"photo", sixelTestPhoto(480, 480, 1)},
		{"sign", Scale(sixelTestSign(400, 140), 480, 168)},
		{"shapes", sixelTestShapes(480, 480)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := EncodeSixel(io.Discard, bc.img, SixelOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// sixelTestNoisyJPEG is a photo-like n x n picture under per-pixel noise of standard deviation sd,
// encoded as a quality-95 JPEG (what a camera or phone photo of a textured scene looks like to the
// decoder and the quantiser: tens of thousands of colours).
func sixelTestNoisyJPEG(n int, sd float64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	r := rand.New(rand.NewPCG(3, 4))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			fx, fy := float64(x)/float64(n), float64(y)/float64(n)
			sky := math.Max(0, 1-fy*1.6)
			hill := 0.5 + 0.5*math.Sin(fx*9+math.Sin(fy*4)*2)
			c := func(base float64) uint8 { return uint8(min(max(base+r.NormFloat64()*sd, 0), 255)) }
			img.SetRGBA(x, y, color.RGBA{
				c(90 + 100*sky + 50*hill*(1-sky)),
				c(110 + 80*sky + 70*hill*(1-sky) + 30*fy),
				c(60 + 170*sky + 20*hill),
				255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// BenchmarkSixelNoisyJPEG is the whole sixel path for a noisy 1024 px JPEG photo shown at 480x480:
// decode, scale, encode, and each step alone.
// LOUPE_SIXEL_JPEG names a JPEG file to time as well (a camera's 4:4:4 photo: image/jpeg writes 4:2:0).
func BenchmarkSixelNoisyJPEG(b *testing.B) {
	type input struct {
		name string
		data []byte
	}
	var ins []input
	for _, sd := range []float64{18, 80} {
		data := sixelTestNoisyJPEG(1024, sd)
		ins = append(ins, input{fmt.Sprintf("sd%g-%dKB", sd, len(data)>>10), data})
	}
	if f := os.Getenv("LOUPE_SIXEL_JPEG"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		ins = append(ins, input{fmt.Sprintf("file-%dKB", len(data)>>10), data})
	}
	for _, in := range ins {
		data, name := in.data, in.name
		src, err := DecodeBytes(data)
		if err != nil {
			b.Fatal(err)
		}
		scaled := Scale(src.Image, 480, 480)
		b.Run(name+"/decode", func(b *testing.B) {
			for b.Loop() {
				if _, err := DecodeBytes(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/scale", func(b *testing.B) {
			for b.Loop() {
				Scale(src.Image, 480, 480)
			}
		})
		b.Run(name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := EncodeSixel(io.Discard, scaled, SixelOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/all", func(b *testing.B) {
			for b.Loop() {
				s, err := DecodeBytes(data)
				if err != nil {
					b.Fatal(err)
				}
				if err := EncodeSixel(io.Discard, Scale(s.Image, 480, 480), SixelOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

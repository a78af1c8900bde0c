package termimg

import (
	"image"
	"io"
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

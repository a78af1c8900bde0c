package termimg

import (
	"fmt"
	"image"
	"testing"
)

// BenchmarkScaleShrink reduces pictures to 480x480 (a 60x30-cell box of 8x16 cells), as the review
// screen does per picture: RGBA (PNG) and YCbCr 4:2:0 (JPEG) sources.
func BenchmarkScaleShrink(b *testing.B) {
	for _, n := range []int{1024, 4096} {
		rgba := sixelTestPhoto(n, n, 1)
		ycc := image.NewYCbCr(rgba.Rect, image.YCbCrSubsampleRatio420)
		for i := range ycc.Y {
			ycc.Y[i] = uint8(i * 7)
		}
		for i := range ycc.Cb {
			ycc.Cb[i], ycc.Cr[i] = uint8(i*3), uint8(i*5)
		}
		for _, bc := range []struct {
			name string
			img  image.Image
		}{{"rgba", rgba}, {"ycbcr", ycc}} {
			b.Run(fmt.Sprintf("%s-%d", bc.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					Scale(bc.img, 480, 480)
				}
			})
		}
	}
}

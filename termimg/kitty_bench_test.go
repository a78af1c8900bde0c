package termimg

import (
	"bytes"
	"image/jpeg"
	"io"
	"testing"

	"github.com/loupe-dev/loupe/dataset/synth"
)

// BenchmarkKittyInline: a decoded 1024 px JPEG to kitty bytes written, in a 60x30-cell box (8x16 cells,
// 480x480 pixels): scaling, packing, base64 and chunking.
func BenchmarkKittyInline(b *testing.B) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, synth.New(1).Sample("aesthetics-part01", 0).Render(1024), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	src, err := DecodeBytes(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	o := Options{Protocol: Kitty, Cell: CellSize{8, 16}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _, err := Inline(src, Box{60, 30}, o)
		if err != nil {
			b.Fatal(err)
		}
		io.Discard.Write(out)
	}
}

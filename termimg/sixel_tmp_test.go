package termimg

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"testing"
)

func TestSixelTmpRef(t *testing.T) {
	for _, tc := range []struct {
		name string
		img  image.Image
		c    string
	}{{"photo", sixelTestPhoto(240, 181, 1), "256"}, {"photo16", sixelTestPhoto(120, 90, 2), "16"}, {"photo2", sixelTestPhoto(50, 37, 3), "2"}, {"sign", sixelTestSign(200, 70), "256"}, {"sign16", sixelTestSign(200, 70), "16"}} {
		f, _ := os.Create("/tmp/sx/" + tc.name + ".png")
		png.Encode(f, tc.img)
		f.Close()
		out, err := exec.Command("img2sixel", "-p", tc.c, "/tmp/sx/"+tc.name+".png").Output()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		EncodeSixel(&b, tc.img, SixelOptions{})
		t.Logf("%s: img2sixel %.2f dB %d bytes", tc.name, sixelPSNR(t, sixelDecode(t, out), tc.img), len(out))
	}
}

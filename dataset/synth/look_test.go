package synth

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// lookDir returns the folder named by SYNTH_LOOK or skips the test.
func lookDir(t *testing.T) string {
	dir := os.Getenv("SYNTH_LOOK")
	if dir == "" {
		t.Skip("set SYNTH_LOOK=/some/dir to write sample PNGs")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func savePNG(t *testing.T, path string, img image.Image) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// sheets writes contact sheets of 5x2 thumbnails (256 px) of imgs.
func sheets(t *testing.T, dir, name string, imgs []*image.RGBA) {
	for k := 0; k < len(imgs); k += 10 {
		sh := image.NewRGBA(image.Rect(0, 0, 5*256, 2*256))
		for j, im := range imgs[k:min(k+10, len(imgs))] {
			r := image.Rect((j%5)*256, (j/5)*256, (j%5+1)*256, (j/5+1)*256)
			xdraw.ApproxBiLinear.Scale(sh, r, im, im.Bounds(), xdraw.Src, nil)
		}
		savePNG(t, filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, k/10)), sh)
	}
}

// TestLookScenes writes raw scenes of every family.
func TestLookScenes(t *testing.T) {
	dir := lookDir(t)
	var imgs []*image.RGBA
	for i := 0; i < 30; i++ {
		s := buildScene(newRand(uint64(i)*7919), i%5)
		img := render(s, 512, neutralLook)
		imgs = append(imgs, img)
		savePNG(t, filepath.Join(dir, fmt.Sprintf("scene-%02d-f%d-st%d.png", i, s.fam, s.sty)), img)
	}
	sheets(t, dir, "scenes", imgs)
}

// TestLookSamples writes dataset samples of every subset with their captions.
func TestLookSamples(t *testing.T) {
	dir := lookDir(t)
	g := New(1)
	var imgs []*image.RGBA
	var txt []byte
	for _, sub := range Subsets {
		for i := 0; i < 10; i++ {
			s := g.Sample(sub, i)
			imgs = append(imgs, s.Render(512))
			txt = fmt.Appendf(txt, "== %s scores=%v defect=%q\n", s.ID, s.Scores, s.Defect)
			for k := range CaptionKinds {
				txt = fmt.Appendf(txt, "  %s: %s\n  %s_cn: %s\n", CaptionKinds[k], s.EN[k], CaptionKinds[k], s.ZH[k])
			}
		}
	}
	sheets(t, dir, "samples", imgs)
	if err := os.WriteFile(filepath.Join(dir, "samples.txt"), txt, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLookBench writes right/wrong generation pairs for every track.
func TestLookBench(t *testing.T) {
	dir := lookDir(t)
	g := New(1)
	var imgs []*image.RGBA
	var txt []byte
	for _, tr := range Tracks {
		for i := 0; i < 2; i++ {
			p := g.Prompt(tr, i)
			for _, m := range []string{"model-a", "model-b"} {
				ok, _ := g.Generate(m, p, 512, false)
				bad, d := g.Generate(m, p, 512, true)
				imgs = append(imgs, ok, bad)
				sa, ja := g.Verdict(m, p, true, "alignment")
				txt = fmt.Appendf(txt, "== %s/%d %s defect=%q\n  EN: %s\n  ZH: %s\n  verdict(wrong): %d %s\n", tr, i, m, d, p.EN, p.ZH, sa, ja)
			}
		}
	}
	sheets(t, dir, "bench", imgs)
	if err := os.WriteFile(filepath.Join(dir, "bench.txt"), txt, 0o644); err != nil {
		t.Fatal(err)
	}
}

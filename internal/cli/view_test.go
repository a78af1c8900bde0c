package cli

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestViewToPipe(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for i := range img.Pix {
		img.Pix[i] = []uint8{200, 40, 40, 255}[i%4]
	}
	img.Set(0, 0, color.RGBA{0, 0, 255, 255})
	good := filepath.Join(dir, "good.png")
	f, _ := os.Create(good)
	png.Encode(f, img)
	f.Close()
	bad := filepath.Join(dir, "bad.png")
	os.WriteFile(bad, []byte("not \x1b]52;c;x\x07 an image"), 0o644)

	t.Setenv("LOUPE_GRAPHICS", "")
	code, out, _ := run(t, "view", "--size", "20x10", "--cell-size", "8x16", "--colors", "truecolor", good)
	rows := strings.Split(strings.TrimRight(out, "\r\n"), "\r\n")
	if code != 0 || len(rows) != 5 { // 64x32 in 20x10 cells of 8x16: 160x80 px = 20x5 cells
		t.Fatalf("blocks: exit %d, %d rows:\n%q", code, len(rows), out)
	}
	for _, r := range rows {
		if ansi.StringWidth(r) != 20 {
			t.Fatalf("row width %d", ansi.StringWidth(r))
		}
	}
	if !strings.Contains(out, "38;2;200;40;40") && !strings.Contains(out, "48;2;200;40;40") {
		t.Errorf("no true-colour red in %q", out[:80])
	}
	code, out, _ = run(t, "view", "--protocol", "sixel", "--size", "20x10", good)
	if code != 0 || !strings.Contains(out, "\x1bP0;1;0q") || !strings.Contains(out, "\x1b\\") {
		t.Fatalf("sixel: exit %d %q", code, out[:min(60, len(out))])
	}
	code, out, errOut := run(t, "view", "--protocol", "kitty", "--size", "20x10", bad, good)
	if code != 3 || !strings.Contains(errOut, "not a readable picture") || strings.Contains(out, "\x1b]52") {
		t.Fatalf("bad image: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "\x1b_Ga=T") {
		t.Error("the good image after the bad one was not shown")
	}
	if code, _, _ := run(t, "view", "--protocol", "braille", good); code != 2 {
		t.Errorf("unknown protocol: exit %d, want 2", code)
	}
}

func TestViewItemFromShard(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	shards := filepath.Join(dir, "shards")
	if code, _, e := run(t, "demo", "gen", "--out", shards, "--shards", "1", "--rows", "5", "--image-size", "48", "--row-groups", "2", "--subset", "text"); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := run(t, "--db", db, "import", shards, "-q"); code != 0 {
		t.Fatal(e)
	}
	code, out, e := run(t, "--db", db, "view", "--protocol", "blocks", "--size", "12x6", "--cell-size", "8x16", "text-00000003")
	if code != 0 || strings.Count(out, "\r\n") != 6 { // a square picture in 12x6 cells of 8x16 px
		t.Fatalf("item view: exit %d %s\n%q", code, e, out)
	}
	if code, _, e := run(t, "--db", db, "view", "nope-1"); code != 3 || !strings.Contains(e, "no such file or item") {
		t.Fatalf("unknown item: %d %s", code, e)
	}
}

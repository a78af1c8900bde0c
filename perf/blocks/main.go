// Command blocks compares loupe's text fallback (termimg.EncodeBlocks) with chafa on 1024 px images from
// dataset/synth: time per image at 60x30 cells, and fidelity as the PSNR of the picture a terminal would
// show (cells of 8x16 pixels, each symbol drawn from its mask) against the source scaled to that size.
//
// chafa is timed as a user would run it, `chafa --symbols all --size 60x30 -f symbols -c full` on the PNG
// (process start and PNG decode included). Its "all" output uses sextants and wedges that
// termimg.RasterizeBlocks cannot draw (and DejaVu Sans Mono lacks), so chafa's fidelity is measured with
// `--symbols block`, the same Block Elements loupe uses; the on-screen comparison of chafa's full set is
// done from terminal screenshots (perf/terminals.sh). Runs without chafa, reporting loupe alone.
//
//	go run ./perf/blocks [-runs 9] [-n 2]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/dataset/synth"
	"github.com/loupe-dev/loupe/termimg"
)

const (
	cols, rows   = 60, 30
	cellW, cellH = 8, 16
)

func main() {
	runs := flag.Int("runs", 9, "timed runs per image (median reported)")
	per := flag.Int("n", 2, "images per subset")
	flag.Parse()

	chafa, err := exec.LookPath("chafa")
	if err != nil {
		fmt.Println("chafa not found (apt-get install -y --no-install-recommends chafa): reporting loupe only")
		chafa = ""
	}
	dir, err := os.MkdirTemp("", "loupe-blocks-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)

	gen := synth.New(1)
	fmt.Printf("%d x %d cells, %dx%d px per cell on screen, median of %d runs; PSNR in dB vs the source box-scaled to %dx%d\n",
		cols, rows, cellW, cellH, *runs, cols*cellW, rows*cellH)
	fmt.Printf("%-22s %7s %7s %7s %8s %6s | %6s %6s %6s %6s %6s | %6s %6s | %6s %6s\n", "image",
		"loupe", "+decode", "chafa", "chafaCPU", "ratio", "loupe", "quad", "half", "chafa", "delta", "l-256", "c-256", "l-16", "c-16")
	var ratios, ratiosDec, deltas, deltas256 []float64
	for _, subset := range []string{"text", "aesthetics-part01", "imaginative"} {
		for i := 0; i < *per; i++ {
			img := gen.Sample(subset, i).Render(1024)
			var pngBuf bytes.Buffer
			if err := png.Encode(&pngBuf, img); err != nil {
				fail(err)
			}
			path := filepath.Join(dir, fmt.Sprintf("%s-%d.png", subset, i))
			if err := os.WriteFile(path, pngBuf.Bytes(), 0o644); err != nil {
				fail(err)
			}
			ref := termimg.Scale(img, cols*cellW, rows*cellH)

			loupeT := median(*runs, func() { termimg.EncodeBlocks(img, cols, rows, termimg.BlockOptions{}) })
			decT := median(*runs, func() {
				src, err := png.Decode(bytes.NewReader(pngBuf.Bytes()))
				if err != nil {
					fail(err)
				}
				termimg.EncodeBlocks(src, cols, rows, termimg.BlockOptions{})
			})
			quality := func(o termimg.BlockOptions) float64 {
				return psnrRows(termimg.EncodeBlocks(img, cols, rows, o), ref)
			}
			lq, lquad, lhalf := quality(termimg.BlockOptions{}), quality(termimg.BlockOptions{Symbols: "quadrants"}),
				quality(termimg.BlockOptions{Symbols: "half"})
			l256 := quality(termimg.BlockOptions{Profile: termimg.ANSI256})
			l16 := quality(termimg.BlockOptions{Profile: termimg.ANSI16})

			line := fmt.Sprintf("%-22s %7s %7s", fmt.Sprintf("%s/%d", subset, i), ms(loupeT), ms(decT))
			if chafa == "" {
				fmt.Printf("%s %7s %8s %6s | %6.2f %6.2f %6.2f %6s %6s | %6.2f %6s | %6.2f %6s\n", line, "-", "-", "-",
					lq, lquad, lhalf, "-", "-", l256, "-", l16, "-")
				continue
			}
			var cpu []time.Duration
			chafaT := median(*runs, func() {
				cmd := exec.Command(chafa, "--symbols", "all", "--size", fmt.Sprintf("%dx%d", cols, rows),
					"-f", "symbols", "-c", "full", "--polite", "on", path)
				cmd.Stdout = &bytes.Buffer{}
				if err := cmd.Run(); err != nil {
					fail(fmt.Errorf("chafa: %w", err))
				}
				cpu = append(cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			})
			slices.Sort(cpu)
			cq := chafaPSNR(chafa, path, "full", ref)
			c256 := chafaPSNR(chafa, path, "256", ref)
			c16 := chafaPSNR(chafa, path, "16", ref)
			ratio := float64(loupeT) / float64(chafaT)
			ratios = append(ratios, ratio)
			ratiosDec = append(ratiosDec, float64(decT)/float64(chafaT))
			if !math.IsNaN(cq) {
				deltas = append(deltas, lq-cq)
			}
			if !math.IsNaN(c256) {
				deltas256 = append(deltas256, l256-c256)
			}
			fmt.Printf("%s %7s %8s %6.3f | %6.2f %6.2f %6.2f %6.2f %+6.2f | %6.2f %6.2f | %6.2f %6.2f\n", line, ms(chafaT),
				ms(cpu[len(cpu)/2]), ratio, lq, lquad, lhalf, cq, lq-cq, l256, c256, l16, c16)
		}
	}
	fmt.Println("loupe: EncodeBlocks on the decoded image; +decode: PNG decode + EncodeBlocks; chafa: wall time of the")
	fmt.Println("process on the PNG (chafaCPU: its user+sys CPU); ratio: loupe / chafa wall time. PSNR: loupe \"all\",")
	fmt.Println("\"quadrants\", \"half\", chafa --symbols block (same symbols), delta = loupe - chafa; l-256/c-256, l-16/c-16: 256 and 16 colours")
	fmt.Println("(both drawn with xterm's default 16 colours; chafa assumes other values for them, so c-16 reads low).")
	if len(ratios) > 0 {
		fmt.Printf("summary: time ratio loupe/chafa median %.3f (with PNG decode %.3f); PSNR loupe-chafa median %+.2f dB (true colour), %+.2f dB (256)\n",
			med(ratios), med(ratiosDec), med(deltas), med(deltas256))
	}
}

// chafaPSNR runs chafa with the Block Elements only and measures its output like loupe's (NaN when the
// output cannot be drawn).
func chafaPSNR(chafa, path, colors string, ref *image.RGBA) float64 {
	out, err := exec.Command(chafa, "--symbols", "block", "--size", fmt.Sprintf("%dx%d", cols, rows),
		"-f", "symbols", "-c", colors, "--polite", "on", path).Output()
	if err != nil {
		return math.NaN()
	}
	text := strings.NewReplacer("\x1b[?25l", "", "\x1b[?25h", "", "\r", "").Replace(string(out))
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) != rows {
		fmt.Fprintf(os.Stderr, "chafa gave %d rows, want %d\n", len(lines), rows)
		return math.NaN()
	}
	return psnrRows(lines, ref)
}

// psnrRows rasterizes cell rows and compares them with ref.
func psnrRows(lines []string, ref *image.RGBA) float64 {
	img, err := termimg.RasterizeBlocks(lines, cols, cellW, cellH)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return math.NaN()
	}
	var se float64
	for i := 0; i < len(img.Pix); i += 4 {
		for c := range 3 {
			d := float64(img.Pix[i+c]) - float64(ref.Pix[i+c])
			se += d * d
		}
	}
	mse := se / float64(len(img.Pix)/4*3)
	return 10 * math.Log10(255*255/mse)
}

// median times f runs times (after one warm-up run) and returns the median.
func median(runs int, f func()) time.Duration {
	f()
	ts := make([]time.Duration, runs)
	for i := range ts {
		start := time.Now()
		f()
		ts[i] = time.Since(start)
	}
	slices.Sort(ts)
	return ts[runs/2]
}

func med(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "blocks:", err)
	os.Exit(1)
}

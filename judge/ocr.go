package judge

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/loupe-dev/loupe/internal/imagesafe"
)

// OCRJudge is an offline, deterministic text-rendering judge - not a VLM: it reads the picture with the
// real tesseract binary and compares what it reads with the text the prompt asks to render (its quoted
// strings), scoring 0-10 from the normalised edit distance.
type OCRJudge struct {
	Bin  string // tesseract binary; "" finds it on PATH
	Lang string // tesseract language(s), default "eng"
}

// ErrNoTesseract says tesseract is missing and how to get it.
var ErrNoTesseract = errors.New("the OCR judge needs tesseract: apt-get install tesseract-ocr tesseract-ocr-eng (tesseract-ocr-chi-sim for Chinese)")

// OCRVerdict is the OCR judge's verdict.
type OCRVerdict struct {
	Score         float64
	Justification string
	Expected      []string // the quoted strings of the prompt
	Read          string   // what OCR read (best of its passes)
}

var quoted = regexp.MustCompile(`["“”]([^"“”]+)["“”]`)

// allExact reports whether every expected string is read exactly in some reading.
func allExact(expected, readings []string) bool {
	for _, want := range expected {
		found := false
		for _, r := range readings {
			if sim, _ := bestMatch(normalize(want), normalize(r)); sim == 1 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// ExpectedText returns the strings a prompt asks to render: its quoted parts.
func ExpectedText(prompt string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range quoted.FindAllStringSubmatch(prompt, -1) {
		if s := strings.TrimSpace(m[1]); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Judge reads the encoded picture and scores how exactly it shows the prompt's quoted text. OCR runs on
// the picture (as a page and as sparse text) and on black-on-white versions of it (dark text on light,
// light text on dark); each expected string takes its best reading. An exact reading earns full credit;
// any deviation loses most of it (similarity minus 0.6), as a spelling error costs 6-8 points in the
// PRISM-Bench rubric.
func (j OCRJudge) Judge(ctx context.Context, picture []byte, prompt string) (OCRVerdict, error) {
	v := OCRVerdict{Expected: ExpectedText(prompt)}
	if len(v.Expected) == 0 {
		return v, errors.New("the prompt asks for no text (no quoted strings): the OCR judge does not apply")
	}
	// The picture is checked before tesseract is looked for: a picture over the limits of the shared
	// decode guard is this item's failure, whatever the machine has installed.
	if _, _, err := imagesafe.Check(picture); err != nil {
		return v, fmt.Errorf("OCR judge: %w", err)
	}
	bin := j.Bin
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("tesseract"); err != nil {
			return v, ErrNoTesseract
		}
	}
	dir, err := os.MkdirTemp("", "loupe-ocr-")
	if err != nil {
		return v, err
	}
	defer os.RemoveAll(dir)
	var readings []string
	decoded := false
	// The decoded picture counts against the decode budget until the last pass is read.
	err = imagesafe.Use(ctx, picture, func(img image.Image, _ string) error {
		decoded = true
		passes := []struct {
			img image.Image
			psm string
		}{{img, "3"}, {img, "11"}, {binarize(img, false), "3"}, {binarize(img, true), "3"}}
		for i, pass := range passes {
			path := filepath.Join(dir, fmt.Sprintf("p%d.png", i))
			f, err := os.Create(path)
			if err != nil {
				return err
			}
			err = png.Encode(f, pass.img)
			f.Close()
			if err != nil {
				return err
			}
			lang := j.Lang
			if lang == "" {
				lang = "eng"
			}
			cmd := exec.CommandContext(ctx, bin, path, "stdout", "-l", lang, "--psm", pass.psm)
			// tesseract's OpenMP threads only contend with each other on small pictures run side by side
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			out, err := cmd.Output()
			if err != nil {
				return fmt.Errorf("tesseract: %w", err)
			}
			readings = append(readings, string(out))
			if allExact(v.Expected, readings) {
				break // no further pass can do better
			}
		}
		return nil
	})
	if err != nil {
		if !decoded { // the guard or the decoder refused the picture
			err = fmt.Errorf("OCR judge: %w", err)
		}
		return v, err
	}
	v.Read = strings.Join(strings.Fields(readings[0]), " ")
	var total, worst float64
	var notes []string
	worst = 1
	for _, want := range v.Expected {
		best, bestRead := 0.0, ""
		for _, r := range readings {
			sim, got := bestMatch(normalize(want), normalize(r))
			if sim > best {
				best, bestRead = sim, got
			}
		}
		// As the PRISM-Bench rubric does, any deviation from the exact text costs most of the score.
		credit := best
		if best < 1 {
			credit = max(0, best-0.6)
		}
		total += credit
		worst = min(worst, credit)
		switch {
		case best == 1:
			notes = append(notes, fmt.Sprintf("%q reads exactly", want))
		case bestRead == "":
			notes = append(notes, fmt.Sprintf("%q not found", want))
		default:
			notes = append(notes, fmt.Sprintf("%q reads as %q", want, bestRead))
		}
	}
	// The headline counts most: the score follows the worst string, softened by the average.
	sim := 0.7*worst + 0.3*total/float64(len(v.Expected))
	v.Score = float64(int(sim*10 + 0.5))
	v.Justification = "OCR (tesseract, not a VLM): " + strings.Join(notes, "; ") + "."
	return v, nil
}

// normalize keeps letters and digits, upper-cased, and single spaces.
func normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToUpper(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// bestMatch finds the span of read (whole words) most similar to want: 1 - distance/len(want).
func bestMatch(want, read string) (float64, string) {
	words := strings.Fields(read)
	n := len(strings.Fields(want))
	best, bestSpan := 0.0, ""
	for size := max(1, n-1); size <= n+1; size++ {
		for i := 0; i+size <= len(words); i++ {
			span := strings.Join(words[i:i+size], " ")
			d := editDistance([]rune(want), []rune(span))
			sim := 1 - float64(d)/float64(max(1, len([]rune(want))))
			if sim > best {
				best, bestSpan = sim, span
			}
		}
	}
	return max(0, best), bestSpan
}

func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// binarize turns the picture black on white at its Otsu threshold, enlarged 2x (tesseract reads big,
// high-contrast text best); invert makes light text on dark the black text.
func binarize(img image.Image, invert bool) *image.Gray {
	b := img.Bounds()
	gray := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	var hist [256]int
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			g := color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
			gray.Pix[y*gray.Stride+x] = g
			hist[g]++
		}
	}
	t := otsu(hist, b.Dx()*b.Dy())
	out := image.NewGray(image.Rect(0, 0, 2*b.Dx(), 2*b.Dy()))
	for y := 0; y < out.Rect.Dy(); y++ {
		for x := 0; x < out.Rect.Dx(); x++ {
			dark := gray.Pix[(y/2)*gray.Stride+x/2] <= t
			if dark != invert {
				out.Pix[y*out.Stride+x] = 0
			} else {
				out.Pix[y*out.Stride+x] = 255
			}
		}
	}
	return out
}

func otsu(hist [256]int, total int) uint8 {
	var sum float64
	for i, h := range hist {
		sum += float64(i * h)
	}
	var sumB, wB float64
	best, thr := -1.0, 127
	for i := 0; i < 256; i++ {
		wB += float64(hist[i])
		if wB == 0 {
			continue
		}
		wF := float64(total) - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * hist[i])
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, thr = v, i
		}
	}
	return uint8(thr)
}

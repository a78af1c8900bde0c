package judge

import (
	"bytes"
	"context"
	"image/png"
	"os/exec"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/dataset/synth"
)

func TestOCRJudgeOnGeneratedSigns(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract is not installed (.ci/run installs it)")
	}
	g := synth.New(1)
	j := OCRJudge{}
	var right, wrong []float64
	for i := range 4 {
		p := g.Prompt("text_rendering", i)
		for _, bad := range []bool{false, true} {
			img, defect := g.Generate("m", p, 512, bad)
			var buf bytes.Buffer
			png.Encode(&buf, img)
			v, err := j.Judge(context.Background(), buf.Bytes(), p.EN)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("prompt %d wrong=%v score %v: %s (%s)", i, bad, v.Score, v.Justification, defect)
			if v.Score < 0 || v.Score > 10 || !strings.HasPrefix(v.Justification, "OCR (tesseract, not a VLM)") {
				t.Fatalf("verdict %+v", v)
			}
			if bad {
				wrong = append(wrong, v.Score)
			} else {
				right = append(right, v.Score)
			}
		}
	}
	for i := range right {
		if right[i] < 9 {
			t.Errorf("correctly spelled sign %d scored %v", i, right[i])
		}
		if wrong[i] >= right[i] {
			t.Errorf("misspelled sign %d scored %v, not below the correct one's %v", i, wrong[i], right[i])
		}
	}
}

func TestOCRHelpers(t *testing.T) {
	if got := ExpectedText(`A sign reading "OPEN" and “CAFÉ 24” above a door`); len(got) != 2 || got[1] != "CAFÉ 24" {
		t.Fatalf("%q", got)
	}
	if _, err := (OCRJudge{}).Judge(context.Background(), nil, "no quotes here"); err == nil {
		t.Error("a prompt without text was judged")
	}
	if _, err := (OCRJudge{Bin: "/nonexistent/tesseract"}).Judge(context.Background(), []byte("x"), `"A"`); err == nil {
		t.Error("a bad picture or binary was accepted")
	}
	if s, span := bestMatch("SUMMER FESTIVAL", "SUMMER FSTIVAL MAY 12 14"); span != "SUMMER FSTIVAL" || s < 0.9 || s == 1 {
		t.Errorf("%v %q", s, span)
	}
	if normalize("  Book-fair!  12 ") != "BOOK FAIR 12" {
		t.Errorf("%q", normalize("  Book-fair!  12 "))
	}
}

package judge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/dataset/synth"
)

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression} // fast: the tests encode hundreds
	if err := enc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRulesSynthComposition judges correct and deliberately wrong generations of the synthetic
// composition track.
func TestRulesSynthComposition(t *testing.T) {
	g := synth.New(7)
	var j RulesJudge
	models := []string{"flux-dev", "sdxl-base", "imagen-x"}
	const n = 60
	var applicable, arrangements, arrApplicable int
	var sumOK, sumWrong float64
	var nOK, nWrong, perfect int
	for i := 0; i < n; i++ {
		p := g.Prompt("composition", i)
		isArr := strings.HasPrefix(p.EN, "From left to right")
		if isArr {
			arrangements++
		}
		m := models[i%len(models)]
		for _, wrong := range []bool{false, true} {
			img, defect := g.Generate(m, p, 256, wrong)
			pic := encodePNG(t, img)
			if i%5 == 0 { // some as JPEG, as pictures often come
				var buf bytes.Buffer
				if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
					t.Fatal(err)
				}
				pic = buf.Bytes()
			}
			v, err := j.Judge(context.Background(), pic, p.EN)
			if errors.Is(err, ErrRulesNotApplicable) {
				break
			}
			if err != nil {
				t.Fatalf("prompt %d: %v", i, err)
			}
			if v.Score < 0 || v.Score > 10 || len(v.Checks) == 0 || v.Justification == "" {
				t.Fatalf("prompt %d: bad verdict %+v", i, v)
			}
			if !wrong {
				applicable++
				if isArr {
					arrApplicable++
				}
				sumOK += v.Score
				nOK++
				if v.Score == 10 {
					perfect++
				} else if testing.Verbose() {
					t.Logf("correct %d (%s) scored %.1f: %s | %s", i, m, v.Score, p.EN, v.Justification)
				}
			} else {
				sumWrong += v.Score
				nWrong++
				if v.Score == 10 && testing.Verbose() {
					t.Logf("wrong %d (%s) scored 10: %s | defect: %s", i, m, p.EN, defect)
				}
			}
		}
	}
	if nOK == 0 || nWrong == 0 {
		t.Fatalf("judge applied to no prompt")
	}
	meanOK, meanWrong := sumOK/float64(nOK), sumWrong/float64(nWrong)
	t.Logf("applies to %d/%d composition prompts (%d/%d arrangements); correct mean %.2f (%d/%d perfect), wrong mean %.2f",
		applicable, n, arrApplicable, arrangements, meanOK, perfect, nOK, meanWrong)
	if arrApplicable != arrangements {
		t.Errorf("judge applies to %d of %d arrangement prompts, want all", arrApplicable, arrangements)
	}
	if applicable*2 < n {
		t.Errorf("judge applies to only %d of %d composition prompts", applicable, n)
	}
	if meanOK < 8.5 {
		t.Errorf("correct images score %.2f on average, want >= 8.5", meanOK)
	}
	if perfect*10 < nOK*7 {
		t.Errorf("only %d of %d correct images score 10", perfect, nOK)
	}
	if meanWrong > meanOK-3 {
		t.Errorf("wrong images score %.2f on average, correct ones %.2f: not clearly lower", meanWrong, meanOK)
	}
}

func TestRulesParse(t *testing.T) {
	cases := []struct {
		prompt string
		want   []string // constraints, in order
	}{
		{"three red circles to the left of a blue square", []string{"3 red circles", "1 blue square", "red left of blue"}},
		{"two green cubes above one yellow ball", []string{"2 green cubes", "1 yellow ball", "green above yellow"}},
		{"A photo of 4 purple balloons below two grey clouds.", []string{"4 purple balloons", "2 gray clouds", "purple below gray"}},
		{"an orange cat to the right of a black dog", []string{"1 orange cat", "1 black dog", "orange right of black"}},
		{"five pink stars on top of a large white box", []string{"5 pink stars", "1 white box", "pink above white"}},
		{"From left to right there are two large orange circles, three blue hexagons and one red triangle, all standing in one row on a green lawn; the orange circles are on the far left and the red triangle are on the far right. Pixel art style.",
			[]string{"2 orange circles", "3 blue hexagons", "1 red triangle", "orange left of blue", "blue left of red", "orange left of red"}},
		{"The design is centred and symmetrical: four concentric rings in alternating orange, pink and teal, filling the square frame edge to edge.",
			nil}, // bare colours only: not applicable
		{"a sunburst of ten alternating orange and teal rays around a purple disc", []string{"orange present", "teal present", "1 purple disc"}},
		{"a sunset over the sea", nil},
		{"a red apple", []string{"1 red apple"}},
		{"a bowl of fruit on a white table", nil},
		{"一个红色的苹果在蓝色盒子左边", nil},
	}
	for _, c := range cases {
		t.Run(c.prompt, func(t *testing.T) {
			spec := parseRules(c.prompt)
			if !spec.applicable() {
				spec = ruleSpec{}
			}
			got := spec.evaluate(scene2{})
			var names []string
			for _, g := range got {
				names = append(names, g.Constraint)
			}
			if fmt.Sprint(names) != fmt.Sprint(c.want) && !(len(names) == 0 && len(c.want) == 0) {
				t.Errorf("constraints %q, want %q", names, c.want)
			}
		})
	}
}

// drawn renders simple flat shapes on a plain background.
func drawn(bg color.RGBA, shapes ...struct {
	x, y, r int
	c       color.RGBA
}) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = bg.R, bg.G, bg.B, 255
	}
	for _, s := range shapes {
		for y := s.y - s.r; y <= s.y+s.r; y++ {
			for x := s.x - s.r; x <= s.x+s.r; x++ {
				if (x-s.x)*(x-s.x)+(y-s.y)*(y-s.y) <= s.r*s.r {
					img.Set(x, y, s.c)
				}
			}
		}
	}
	return img
}

type disc = struct {
	x, y, r int
	c       color.RGBA
}

func TestRulesHandDrawn(t *testing.T) {
	red := color.RGBA{220, 40, 40, 255}
	blue := color.RGBA{40, 80, 220, 255}
	white := color.RGBA{250, 250, 250, 255}
	leftRed := drawn(white, disc{40, 100, 15, red}, disc{80, 100, 15, red}, disc{150, 100, 20, blue})
	rightRed := drawn(white, disc{40, 100, 20, blue}, disc{120, 100, 15, red}, disc{160, 100, 15, red})
	stacked := drawn(white, disc{100, 50, 20, red}, disc{100, 150, 20, blue})
	cases := []struct {
		name   string
		img    image.Image
		prompt string
		score  float64
	}{
		{"left ok", leftRed, "two red circles to the left of a blue circle", 10},
		{"left swapped", rightRed, "two red circles to the left of a blue circle", 10 * 2.0 / 3},
		{"count wrong", leftRed, "three red circles to the left of a blue circle", 10 * 2.0 / 3},
		{"above ok", stacked, "a red ball above a blue ball", 10},
		{"below wrong", stacked, "a red ball below a blue ball", 10 * 2.0 / 3},
		{"colour missing", stacked, "a green ball above a blue ball", 10 * 1.0 / 3},
	}
	var j RulesJudge
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := j.Judge(context.Background(), encodePNG(t, c.img), c.prompt)
			if err != nil {
				t.Fatal(err)
			}
			want := float64(int(c.score*10+0.5)) / 10
			if v.Score != want {
				t.Errorf("score %.1f, want %.1f: %s", v.Score, want, v.Justification)
			}
		})
	}
}

func TestRulesErrors(t *testing.T) {
	var j RulesJudge
	ctx := context.Background()
	img := drawn(color.RGBA{255, 255, 255, 255}, disc{100, 100, 20, color.RGBA{220, 40, 40, 255}})
	if _, err := j.Judge(ctx, encodePNG(t, img), "a sunset over the sea"); !errors.Is(err, ErrRulesNotApplicable) {
		t.Errorf("sunset prompt: err %v, want ErrRulesNotApplicable", err)
	}
	if _, err := j.Judge(ctx, []byte("definitely not a picture"), "a red ball"); err == nil || errors.Is(err, ErrRulesNotApplicable) {
		t.Errorf("garbage bytes: err %v, want a decode error", err)
	}
	if _, err := j.Judge(ctx, nil, "a red ball"); err == nil {
		t.Error("no bytes: no error")
	}
	for _, n := range []int{1, 3, 15} {
		tiny := image.NewRGBA(image.Rect(0, 0, n, n))
		if _, err := j.Judge(ctx, encodePNG(t, tiny), "a red ball"); err == nil {
			t.Errorf("%dx%d picture: no error", n, n)
		}
	}
	// odd sizes and plain pictures must not panic
	for _, r := range []image.Rectangle{image.Rect(0, 0, 16, 16), image.Rect(0, 0, 17, 900), image.Rect(0, 0, 1000, 20), image.Rect(5, 7, 70, 90)} {
		pic := image.NewRGBA(r)
		if _, err := j.Judge(ctx, encodePNG(t, pic), "two red circles left of a blue square"); err != nil {
			t.Errorf("%v picture: %v", r, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := j.Judge(cctx, encodePNG(t, img), "a red ball"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v", err)
	}
}

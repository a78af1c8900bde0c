package synth

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

func TestSampleDeterminism(t *testing.T) {
	a, b, c := New(7), New(7), New(8)
	diff := 0
	for _, sub := range Subsets {
		for i := 0; i < 5; i++ {
			sa, sb, sc := a.Sample(sub, i), b.Sample(sub, i), c.Sample(sub, i)
			if sa.EN != sb.EN || sa.ZH != sb.ZH || sa.Scores != sb.Scores || sa.Defect != sb.Defect || sa.Present != sb.Present {
				t.Fatalf("%s/%d: same seed gave different samples", sub, i)
			}
			ia, ib, ic := sa.Render(96), sb.Render(96), sc.Render(96)
			if !bytes.Equal(ia.Pix, ib.Pix) {
				t.Fatalf("%s/%d: same seed gave different pixels", sub, i)
			}
			if !bytes.Equal(ia.Pix, ic.Pix) || sa.EN != sc.EN {
				diff++
			}
		}
	}
	if diff < 18 {
		t.Errorf("different seeds differ on only %d of 20 samples", diff)
	}
}

func TestSampleID(t *testing.T) {
	g := New(1)
	for _, tc := range []struct {
		sub  string
		i    int
		want string
	}{
		{"aesthetics-part01", 0, "aesthetics-part01-00000000"},
		{"aesthetics-part02", 42, "aesthetics-part02-00000042"},
		{"imaginative", 12345678, "imaginative-12345678"},
		{"text", 7, "text-00000007"},
	} {
		s := g.Sample(tc.sub, tc.i)
		if s.ID != tc.want || s.Subset != tc.sub || s.Index != tc.i {
			t.Errorf("Sample(%q, %d) = ID %q subset %q index %d, want ID %q", tc.sub, tc.i, s.ID, s.Subset, s.Index, tc.want)
		}
	}
}

var quoted = regexp.MustCompile(`"([^"]+)"`)

func TestSampleCaptions(t *testing.T) {
	g := New(3)
	for _, sub := range Subsets {
		t.Run(sub, func(t *testing.T) {
			n, defects, signs := 600, 0, 0
			var present [8]int
			for i := 0; i < n; i++ {
				s := g.Sample(sub, i)
				for k := range CaptionKinds {
					if (s.EN[k] == "") != (s.ZH[k] == "") {
						t.Fatalf("%s: %s: EN empty=%v but ZH empty=%v", s.ID, CaptionKinds[k], s.EN[k] == "", s.ZH[k] == "")
					}
					want := s.EN[k] != ""
					if k == kOriginal {
						want = want && s.Scores[kOriginal] >= 6
					}
					if s.Present[k] != want {
						t.Fatalf("%s: Present[%s]=%v, want %v", s.ID, CaptionKinds[k], s.Present[k], want)
					}
					if s.Present[k] {
						present[k]++
					}
					if !utf8.ValidString(s.ZH[k]) {
						t.Fatalf("%s: invalid UTF-8", s.ID)
					}
				}
				if l := len(s.EN[kDetail]); l < 600 || l > 1450 {
					t.Fatalf("%s: detail caption has %d chars: %q", s.ID, l, s.EN[kDetail])
				}
				for k, v := range s.Scores {
					if v < 0 || v > 10 {
						t.Fatalf("%s: score %s = %d", s.ID, ScoreNames[k], v)
					}
				}
				if s.Defect != "" {
					defects++
					if bytes.Equal(s.Render(64).Pix, render(s.spec, 64, neutralLook).Pix) {
						t.Errorf("%s: defect %q but the image equals the captioned scene", s.ID, s.Defect)
					}
				}
				if s.spec.fam == famSign {
					signs++
					if s.Scores[kText] < 7 {
						t.Errorf("%s: sign scored text %d", s.ID, s.Scores[kText])
					}
					if s.EN[kText] != "" {
						m := quoted.FindStringSubmatch(s.EN[kText])
						if m == nil || m[1] != s.spec.text || !strings.Contains(s.ZH[kText], s.spec.text) {
							t.Errorf("%s: text caption %q / %q does not quote %q", s.ID, s.EN[kText], s.ZH[kText], s.spec.text)
						}
					}
				} else if s.EN[kText] != "" || s.Scores[kText] > 2 {
					t.Errorf("%s: non-sign scene has text caption %q, score %d", s.ID, s.EN[kText], s.Scores[kText])
				}
				if s.spec.fam == famSurreal && s.Scores[kImaginative] < 7 {
					t.Errorf("%s: surreal scene scored imaginative %d", s.ID, s.Scores[kImaginative])
				}
			}
			if share := float64(defects) / float64(n); share < 0.04 || share > 0.13 {
				t.Errorf("defect share %.3f, want about %.2f", share, DefectShare)
			}
			if sub == "text" && signs < n*3/4 {
				t.Errorf("text subset has only %d signs of %d", signs, n)
			}
			if sub == "imaginative" && present[kImaginative] < n/2 {
				t.Errorf("imaginative subset has only %d imaginative captions of %d", present[kImaginative], n)
			}
			if present[kDetail] != n {
				t.Errorf("detail present on %d of %d", present[kDetail], n)
			}
		})
	}
}

func TestRenderSizes(t *testing.T) {
	s := New(1).Sample("text", 3)
	for _, tc := range []struct{ in, want int }{{32, 32}, {100, 100}, {257, 257}, {512, 512}, {8, 32}} {
		img := s.Render(tc.in)
		if b := img.Bounds(); b.Dx() != tc.want || b.Dy() != tc.want || b.Min.X != 0 || b.Min.Y != 0 {
			t.Errorf("Render(%d) bounds %v, want %dx%d", tc.in, b, tc.want, tc.want)
		}
	}
	img := s.Render(64)
	first := img.Pix[:4]
	uniform := true
	for i := 0; i < len(img.Pix); i += 4 {
		uniform = uniform && bytes.Equal(img.Pix[i:i+4], first)
	}
	if uniform {
		t.Error("Render produced a blank image")
	}
}

func TestPrompts(t *testing.T) {
	g := New(5)
	for _, tr := range Tracks {
		t.Run(tr, func(t *testing.T) {
			seen := map[string]bool{}
			for i := 0; i < 100; i++ {
				p := g.Prompt(tr, i)
				if p.Track != tr || p.Index != i || p.EN == "" || p.ZH == "" {
					t.Fatalf("Prompt(%q, %d) = %+v", tr, i, p)
				}
				if q := g.Prompt(tr, i); q != p {
					t.Fatalf("Prompt(%q, %d) not deterministic", tr, i)
				}
				seen[p.EN] = true
				if tr == "long_text" && len(p.EN) < 400 {
					t.Errorf("long_text prompt %d has %d chars", i, len(p.EN))
				}
				if tr == "text_rendering" {
					s, _ := g.promptScene(tr, i)
					if !strings.Contains(p.EN, `"`+s.text+`"`) || !strings.Contains(p.ZH, s.text) {
						t.Errorf("text prompt %d does not carry %q in both languages: %q / %q", i, s.text, p.EN, p.ZH)
					}
				}
			}
			if len(seen) < 60 {
				t.Errorf("only %d distinct prompts of 100", len(seen))
			}
		})
	}
}

func TestWrongShare(t *testing.T) {
	for _, share := range []float64{0.2, 0.5} {
		g := New(11)
		g.WrongShare = share
		n, wrong := 0, 0
		for _, m := range []string{"flux-dev", "sd-3.5", "toy-gan"} {
			for _, tr := range Tracks {
				for i := 0; i < 100; i++ {
					n++
					if g.Wrong(m, Prompt{Track: tr, Index: i}) {
						wrong++
					}
				}
			}
		}
		if got := float64(wrong) / float64(n); got < share-0.04 || got > share+0.04 {
			t.Errorf("WrongShare %.2f: got share %.3f over %d", share, got, n)
		}
	}
}

func TestGenerate(t *testing.T) {
	g := New(2)
	for _, tr := range Tracks {
		for i := 0; i < 6; i++ {
			p := g.Prompt(tr, i)
			ok, d0 := g.Generate("model-x", p, 64, false)
			bad, d1 := g.Generate("model-x", p, 64, true)
			if d0 != "" {
				t.Errorf("%s/%d: correct generation has defect %q", tr, i, d0)
			}
			if d1 == "" {
				t.Errorf("%s/%d: wrong generation has no defect", tr, i)
			}
			if bytes.Equal(ok.Pix, bad.Pix) {
				t.Errorf("%s/%d: wrong generation (%s) looks identical", tr, i, d1)
			}
			again, _ := g.Generate("model-x", p, 64, false)
			other, _ := g.Generate("model-y", p, 64, false)
			if !bytes.Equal(ok.Pix, again.Pix) {
				t.Errorf("%s/%d: Generate not deterministic", tr, i)
			}
			if bytes.Equal(ok.Pix, other.Pix) {
				t.Errorf("%s/%d: two models rendered identical images", tr, i)
			}
		}
	}
}

func TestVerdict(t *testing.T) {
	g := New(4)
	missed, wrongN, harsh, rightN := 0, 0, 0, 0
	for _, tr := range Tracks {
		for i := 0; i < 100; i++ {
			p := g.Prompt(tr, i)
			for _, wrong := range []bool{false, true} {
				for _, kind := range []string{"alignment", "aesthetic"} {
					sc, j := g.Verdict("judge-me", p, wrong, kind)
					if sc < 0 || sc > 10 {
						t.Fatalf("%s/%d: score %d", tr, i, sc)
					}
					if !strings.HasSuffix(j, ".") || strings.Count(j, ". ") > 0 || j == "" {
						t.Fatalf("%s/%d: justification is not one sentence: %q", tr, i, j)
					}
					if s2, j2 := g.Verdict("judge-me", p, wrong, kind); s2 != sc || j2 != j {
						t.Fatalf("%s/%d: Verdict not deterministic", tr, i)
					}
					if kind != "alignment" {
						continue
					}
					if wrong {
						wrongN++
						if sc >= 7 {
							missed++
						}
					} else {
						rightN++
						if sc <= 6 {
							harsh++
						}
					}
				}
			}
		}
	}
	if r := float64(missed) / float64(wrongN); r < 0.22 || r > 0.45 {
		t.Errorf("judge missed %.2f of defects, want about a third", r)
	}
	if r := float64(harsh) / float64(rightN); r < 0.04 || r > 0.25 {
		t.Errorf("judge harsh on %.2f of correct images", r)
	}
}

func TestConcurrentRender(t *testing.T) {
	g := New(9)
	want := make([][]byte, 8)
	for i := range want {
		want[i] = g.Sample("aesthetics-part02", i).Render(80).Pix
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := range want {
				k := (i + w) % len(want)
				if !bytes.Equal(g.Sample("aesthetics-part02", k).Render(80).Pix, want[k]) {
					errs <- fmt.Sprintf("worker %d sample %d differs", w, k)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestMisspell(t *testing.T) {
	for i, w := range []string{"CAFE", "BAKERY", "TEA HOUSE", "OPEN", "LIVE MUSIC"} {
		r := newRand(uint64(i))
		for k := 0; k < 20; k++ {
			m := misspell(r, w)
			if m == w || m == "" {
				t.Errorf("misspell(%q) = %q", w, m)
			}
		}
	}
}

func BenchmarkSample(b *testing.B) {
	g := New(1)
	for i := 0; b.Loop(); i++ {
		_ = g.Sample(Subsets[i%4], i)
	}
}

func benchRender(b *testing.B, size int) {
	g := New(1)
	samples := make([]Sample, 16)
	for i := range samples {
		samples[i] = g.Sample(Subsets[i%4], i)
	}
	for i := 0; b.Loop(); i++ {
		_ = samples[i%len(samples)].Render(size)
	}
}

func BenchmarkRender128(b *testing.B)  { benchRender(b, 128) }
func BenchmarkRender1024(b *testing.B) { benchRender(b, 1024) }

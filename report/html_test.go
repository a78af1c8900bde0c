package report

import (
	"bytes"
	"encoding/xml"
	"flag"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loupe-dev/loupe/review"
)

var update = flag.Bool("update", false, "rewrite testdata/report.golden.html")

const hostile = `<script>alert(1)</script>`

func ci(lo, hi float64) *review.CI {
	return &review.CI{Lo: lo, Hi: hi, Level: 0.95, Resamples: 2000}
}

func st(name string, v float64, n int, c *review.CI) review.Stat {
	return review.Stat{Name: name, Value: v, N: n, CI: c}
}

// sampleReport is a small hand-made report touching every part of the page.
func sampleReport() *review.AgreementReport {
	undefPearson := review.Stat{Name: "pearson", Value: 9.8765, N: 48, Undefined: "no variance: every rating in a is 7"}
	return &review.AgreementReport{
		Items: 120, Ratings: 845, MinItems: 10, Resamples: 2000, Seed: 42,
		RubricSets: []string{"3f9a2c1d"},
		Rows: []review.AgreementRow{
			{Kind: review.JudgeConsensus, A: "qwen-vl-judge", B: "human consensus", Dimension: "composition", RubricSet: "3f9a2c1d", N: 96,
				Stats: []review.Stat{
					st("cohen_kappa_quadratic", 0.6134, 96, ci(0.52, 0.70)),
					st("spearman", 0.7021, 96, ci(0.61, 0.78)),
					st("mae", 1.0833, 96, &review.CI{Lo: 0.91, Hi: 1.27, Level: 0.95, Resamples: 2000, UndefinedResamples: 3}),
					st("exact_agreement", 0.3125, 96, ci(0.22, 0.41)),
					st("within_one", 0.7396, 96, nil),
					st("mean_bias", -0.4167, 96, nil),
					st("pearson", 0.6832, 95, nil),
				}},
			{Kind: review.JudgeHuman, A: hostile, B: "human:alice", Dimension: "composition", N: 48,
				Stats: []review.Stat{
					st("cohen_kappa_quadratic", 0.5512, 48, ci(0.40, 0.68)),
					st("spearman", 0.6011, 48, &review.CI{Level: 0.95, Resamples: 2000, Undefined: "too many undefined resamples"}),
					st("mae", 1.2917, 48, ci(1.02, 1.55)),
					st("exact_agreement", 0.25, 48, ci(0.13, 0.38)),
					st("within_one", 0.6875, 48, nil),
					st("mean_bias", 0.1042, 48, nil),
					undefPearson,
				}},
			{Kind: review.JudgeConsensus, A: "qwen-vl-judge", B: "human consensus", Dimension: "composition", By: "track", Group: "long-text", N: 40,
				Stats: []review.Stat{
					st("cohen_kappa_quadratic", 0.4821, 40, ci(0.31, 0.63)),
					st("spearman", 0.5512, 40, ci(0.36, 0.70)),
					st("mae", 1.35, 40, ci(1.05, 1.66)),
					st("exact_agreement", 0.275, 40, ci(0.15, 0.42)),
				}},
			{Kind: review.JudgeConsensus, A: "qwen-vl-judge", B: "human consensus", Dimension: "composition", By: "track", Group: "imagination", N: 4,
				Undefined: "fewer items than the minimum"},
			{Kind: review.HumanHuman, A: "human:alice", B: "human:bob", Dimension: "composition", N: 3,
				Undefined: "fewer items rated by both annotators than the minimum"},
			{Kind: review.JudgeConsensus, A: "qwen-vl-judge", B: "human consensus", Dimension: "decision", N: 90,
				Stats: []review.Stat{
					st("exact_agreement", 0.8444, 90, ci(0.77, 0.91)),
					st("cohen_kappa", 0.6012, 90, ci(0.44, 0.75)),
					st("gwet_ac1", 0.7234, 90, ci(0.60, 0.84)),
					st("krippendorff_alpha_nominal", 0.5998, 90, ci(0.43, 0.75)),
				}},
			{Kind: review.AllHumans, A: "all annotators", B: "human:alice,human:bob", Dimension: "decision", N: 30,
				Stats: []review.Stat{
					st("krippendorff_alpha_nominal", 0.7112, 30, ci(0.50, 0.88)),
					st("fleiss_kappa", 0.7034, 28, nil),
				}},
		},
		Calibration: []review.CalibrationCurve{{
			Rater: "qwen-vl-judge", Dimension: "composition",
			Points: []review.CalibrationPoint{
				{Score: 2, HumanMean: st("human_mean", 3.1, 6, ci(2.2, 4.0))},
				{Score: 4, HumanMean: st("human_mean", 4.4, 14, ci(3.8, 5.1))},
				{Score: 5, HumanMean: review.Stat{Name: "human_mean", Undefined: "no items"}},
				{Score: 6, HumanMean: st("human_mean", 6.2, 31, ci(5.7, 6.8))},
				{Score: 8, HumanMean: st("human_mean", 7.1, 33, ci(6.6, 7.6))},
				{Score: 10, HumanMean: st("human_mean", 8.3, 12, ci(7.5, 9.6))},
			},
			Bias: st("mean_bias", 0.4167, 96, ci(0.18, 0.66)),
			BiasBy: map[string]review.Stat{
				"long-text":   st("mean_bias", 0.61, 40, nil),
				"imagination": {Name: "mean_bias", N: 4, Undefined: "fewer items than the minimum"},
			},
		}},
		Thresholds: []review.ThresholdResult{{
			Rater: "qwen-vl-judge", Dimension: "composition", Threshold: 6,
			Agreement:  st("exact_agreement", 0.8111, 90, ci(0.73, 0.89)),
			Kappa:      st("best_threshold_kappa", 0.5843, 90, ci(0.41, 0.74)),
			Precision:  st("precision", 0.8750, 64, nil),
			Recall:     st("recall", 0.8615, 65, nil),
			F1:         st("f1", 0.8682, 90, nil),
			Population: 1200, Rejected: 402,
		}},
		Histograms: []review.Histogram{
			{Rater: "human consensus", Dimension: "composition", Counts: [11]int{0, 1, 3, 5, 9, 14, 20, 22, 14, 6, 2}},
			{Rater: hostile, Dimension: "composition", Counts: [11]int{0, 0, 2, 4, 6, 10, 18, 30, 20, 6, 0}},
		},
		Confusions: []review.ConfusionEntry{
			{A: "qwen-vl-judge", B: "human consensus", Dimension: "decision", Matrix: review.ConfusionMatrix{
				Labels: []float64{0, 1}, Counts: [][]int{{21, 6}, {8, 55}}, N: 90}},
			{A: hostile, B: "human:alice", Dimension: "composition", Matrix: review.ConfusionMatrix{
				Labels: []float64{4, 5, 6, 7, 8},
				Counts: [][]int{{3, 2, 1, 0, 0}, {1, 5, 3, 1, 0}, {0, 2, 8, 4, 1}, {0, 0, 3, 7, 2}, {0, 0, 0, 1, 4}}, N: 48}},
			{A: "human:alice", B: "human:bob", Dimension: "decision", Matrix: review.ConfusionMatrix{Undefined: "no items rated by both"}},
		},
	}
}

func sampleMeta() Meta {
	return Meta{Title: "Judge audit", Workspace: "prism-bench-" + hostile, Created: "2026-03-02 14:05 UTC",
		SnapshotID: 17, Fingerprint: "sha256:0f3c9e", Scope: `track in ("long-text","imagination")`}
}

func render(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, sampleReport(), sampleMeta()); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// node is a minimal DOM for the assertions, built with a strict XML decoder: the page is written as
// well-formed XHTML-compatible HTML, so a strict parse doubles as a well-formedness check of the HTML and
// of every inline SVG.
type node struct {
	name     string
	attr     map[string]string
	children []*node
	text     string // only for text nodes (name == "")
}

func parse(t *testing.T, doc string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	root := &node{name: "#root"}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, col := d.InputPos()
			lines := strings.Split(doc, "\n")
			ctx := ""
			if line-1 < len(lines) {
				ctx = lines[line-1]
			}
			t.Fatalf("not well-formed at %d:%d: %v\n%s", line, col, err, ctx)
		}
		top := stack[len(stack)-1]
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{name: tk.Name.Local, attr: map[string]string{}}
			for _, a := range tk.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.children = append(top.children, &node{text: string(tk)})
		}
	}
	if len(stack) != 1 {
		t.Fatalf("unclosed elements: %d", len(stack)-1)
	}
	return root
}

func (n *node) all(pred func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(m *node) {
		if m.name != "" && pred(m) {
			out = append(out, m)
		}
		for _, c := range m.children {
			walk(c)
		}
	}
	walk(n)
	return out
}

func (n *node) textContent() string {
	if n.name == "" {
		return n.text
	}
	var b strings.Builder
	for _, c := range n.children {
		b.WriteString(c.textContent())
	}
	return b.String()
}

func hasClass(n *node, c string) bool {
	for _, f := range strings.Fields(n.attr["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

func TestWriteHTMLWellFormed(t *testing.T) {
	doc := render(t)
	if !strings.HasPrefix(doc, "<!DOCTYPE html>\n<html") {
		t.Fatalf("page does not start with the doctype: %q", doc[:min(40, len(doc))])
	}
	root := parse(t, doc)
	if len(root.all(func(n *node) bool { return n.name == "html" })) != 1 {
		t.Fatal("want one html element")
	}
	svgs := root.all(func(n *node) bool { return n.name == "svg" })
	// one histogram dimension, two drawable confusion matrices, one calibration curve
	if len(svgs) != 4 {
		t.Fatalf("svg figures = %d, want 4", len(svgs))
	}
	for _, s := range svgs {
		if s.attr["xmlns"] != "http://www.w3.org/2000/svg" || s.attr["viewBox"] == "" {
			t.Errorf("svg without xmlns or viewBox: %v", s.attr)
		}
	}
	for _, id := range []string{"summary", "tables", "distributions", "confusion", "calibration", "thresholds"} {
		if len(root.all(func(n *node) bool { return n.attr["id"] == id })) != 1 {
			t.Errorf("section #%s missing", id)
		}
	}
}

func TestWriteHTMLSelfContained(t *testing.T) {
	doc := render(t)
	urls := regexp.MustCompile(`(?i)(https?:)?//[^\s"'<>)]+`).FindAllString(doc, -1)
	for _, u := range urls {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("external reference %q", u)
		}
	}
	low := strings.ToLower(doc)
	for _, bad := range []string{"<script", "<link", "url(", "@import", "<img", "<iframe", "<object", "<embed", "@font-face", " src=", "href=\"http", "xlink:href"} {
		if strings.Contains(low, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	root := parse(t, doc)
	for _, a := range root.all(func(n *node) bool { return n.attr["href"] != "" }) {
		if !strings.HasPrefix(a.attr["href"], "#") {
			t.Errorf("link leaves the page: %q", a.attr["href"])
		}
	}
}

func TestWriteHTMLEscapesUserData(t *testing.T) {
	doc := render(t)
	if strings.Contains(doc, hostile) || strings.Contains(strings.ToLower(doc), "<script") {
		t.Fatal("hostile rater name written unescaped")
	}
	// It appears escaped: in the tables, the histogram legend and bar titles (SVG), the confusion axis.
	if c := strings.Count(doc, "&lt;script&gt;alert(1)&lt;/script&gt;"); c < 5 {
		t.Errorf("escaped hostile name appears %d times, want >= 5", c)
	}
	root := parse(t, doc)
	// Its text content round-trips intact.
	found := false
	for _, td := range root.all(func(n *node) bool { return n.name == "td" }) {
		if td.textContent() == hostile {
			found = true
		}
	}
	if !found {
		t.Error("hostile name not shown as text in a table cell")
	}
	svgHostile := 0
	for _, s := range root.all(func(n *node) bool { return n.name == "svg" }) {
		if strings.Contains(s.textContent(), hostile) {
			svgHostile++
		}
	}
	if svgHostile < 2 {
		t.Errorf("hostile name in %d SVG figures as text, want >= 2 (histogram, confusion)", svgHostile)
	}
}

func TestWriteHTMLUndefined(t *testing.T) {
	doc := render(t)
	// The undefined Pearson carries a garbage value 9.8765 that must never be printed.
	for _, bad := range []string{"9.88", "9.8765", "NaN", "Inf"} {
		if strings.Contains(doc, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	root := parse(t, doc)
	reasons := map[string]int{}
	for _, u := range root.all(func(n *node) bool { return hasClass(n, "undef") && n.textContent() != "no CI" }) {
		if u.textContent() != "undefined" {
			t.Errorf("undefined marker reads %q", u.textContent())
		}
		if u.attr["title"] == "" {
			t.Error("undefined figure without a reason in its title")
		}
		reasons[u.attr["title"]]++
	}
	for _, why := range []string{"no variance: every rating in a is 7", "fewer items than the minimum", "fewer items rated by both annotators than the minimum"} {
		if reasons[why] == 0 {
			t.Errorf("no undefined figure titled %q (have %v)", why, reasons)
		}
		// and visibly, not only in a tooltip
		vis := root.all(func(n *node) bool { return hasClass(n, "why") && n.textContent() == why })
		if len(vis) == 0 {
			t.Errorf("reason %q not shown as text", why)
		}
	}
	// The undefined row of the full table has its n and no figure.
	for _, tr := range root.all(func(n *node) bool { return n.name == "tr" }) {
		txt := tr.textContent()
		if strings.Contains(txt, "imagination") && strings.Contains(txt, "fewer items than the minimum") {
			if !strings.Contains(txt, "4") || regexp.MustCompile(`\d\.\d`).MatchString(txt) {
				t.Errorf("undefined row %q: want its n and no figure", txt)
			}
		}
	}
	// The CI that could not be computed says so.
	if !strings.Contains(doc, "CI undefined: too many undefined resamples") {
		t.Error("undefined CI reason missing")
	}
	// The undefined calibration point is skipped, and the confusion matrix without a table says why.
	if !strings.Contains(doc, "1 score(s) with an undefined human mean left out") {
		t.Error("skipped calibration point not mentioned")
	}
	if !strings.Contains(doc, "undefined: no items rated by both") {
		t.Error("undefined confusion matrix reason missing")
	}
}

func TestWriteHTMLEveryFigureHasN(t *testing.T) {
	doc := render(t)
	root := parse(t, doc)
	summary := root.all(func(n *node) bool { return n.name == "table" && hasClass(n, "summary") })
	if len(summary) != 1 {
		t.Fatalf("summary tables = %d", len(summary))
	}
	figs := summary[0].all(func(n *node) bool { return n.name == "td" && hasClass(n, "fig") })
	if len(figs) < 10 {
		t.Fatalf("summary figure cells = %d", len(figs))
	}
	for _, f := range figs {
		txt := f.textContent()
		if !strings.Contains(txt, "n=") && !strings.Contains(txt, "undefined") {
			t.Errorf("summary figure without n: %q", txt)
		}
	}
	if !strings.Contains(doc, `<span class="v">0.61</span> <span class="ci">[0.52, 0.70]</span>`) {
		t.Error("headline kappa with CI not rendered as 0.61 [0.52, 0.70]")
	}
	// Every row of every table has an n column.
	for _, tb := range root.all(func(n *node) bool { return n.name == "table" && hasClass(n, "full") }) {
		for _, tr := range tb.all(func(n *node) bool { return n.name == "tr" }) {
			if len(tr.all(func(n *node) bool { return n.name == "td" && hasClass(n, "num") })) == 0 &&
				len(tr.all(func(n *node) bool { return n.name == "th" })) == 0 {
				t.Errorf("row without n: %q", tr.textContent())
			}
		}
	}
	// A figure on fewer items than its row shows its own n (Pearson n=95 on a row of 96).
	if !strings.Contains(doc, `<small class="n">n=95</small>`) {
		t.Error("figure with its own n not marked")
	}
	// Thresholds: every figure with n.
	thr := root.all(func(n *node) bool { return n.name == "table" && hasClass(n, "thr") })
	if len(thr) != 1 {
		t.Fatal("no threshold table")
	}
	if got := len(thr[0].all(func(n *node) bool { return hasClass(n, "n") })); got < 6 {
		t.Errorf("threshold table n labels = %d, want >= 6", got)
	}
	// Calibration: one n label per defined point, and the bias with its n in the caption.
	cal := root.all(func(n *node) bool { return n.attr["id"] == "cal-0" })
	if len(cal) != 1 {
		t.Fatal("no calibration figure")
	}
	if got := len(cal[0].all(func(n *node) bool { return hasClass(n, "nlab") })); got != 6 { // 5 points + the "n" header
		t.Errorf("calibration n labels = %d, want 6", got)
	}
	if !strings.Contains(cal[0].textContent(), "Bias (machine − human): +0.42 [0.18, 0.66], n=96") {
		t.Errorf("calibration caption: %q", cal[0].textContent())
	}
	// Histogram legend gives each rater's n.
	if !strings.Contains(doc, "human consensus (n=96)") {
		t.Error("histogram legend without n")
	}
}

func TestWriteHTMLEmptyReport(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, &review.AgreementReport{}, Meta{}); err != nil {
		t.Fatal(err)
	}
	root := parse(t, buf.String())
	if !strings.Contains(root.textContent(), "No comparisons in this report.") {
		t.Error("empty report not explained")
	}
	if err := WriteHTML(&buf, nil, Meta{}); err == nil {
		t.Error("nil report accepted")
	}
}

func TestWriteHTMLGolden(t *testing.T) {
	doc := render(t)
	golden := filepath.Join("testdata", "report.golden.html")
	if *update {
		if err := os.WriteFile(golden, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run Golden -update)", err)
	}
	if string(want) != doc {
		t.Errorf("output differs from %s; rerun with -update and review the diff", golden)
	}
}

// TestWriteHTMLScreenshot renders the page with headless Chromium when it is installed and checks the
// screenshot is not blank. LOUPE_SCREENSHOT=path keeps the PNG there for a look.
func TestWriteHTMLScreenshot(t *testing.T) {
	bin := ""
	for _, c := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(c); err == nil {
			bin = c
			break
		}
	}
	if bin == "" {
		t.Skip("no chromium installed")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte(render(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.png")
	if keep := os.Getenv("LOUPE_SCREENSHOT"); keep != "" {
		out, _ = filepath.Abs(keep)
	}
	profile := filepath.Join(dir, "profile")
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir="+profile, "--screenshot="+out, "--window-size=1280,2400", "file://"+page)
	done := make(chan struct{})
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	if err := cmd.Start(); err != nil {
		t.Skipf("chromium does not start: %v", err)
	}
	go func() {
		select {
		case <-done:
		case <-time.After(90 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	err := cmd.Wait()
	close(done)
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, outb.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, outb.String())
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() < 1000 || b.Dy() < 1000 {
		t.Fatalf("screenshot is %dx%d", b.Dx(), b.Dy())
	}
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
		}
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	if ink < total/100 {
		t.Fatalf("screenshot is nearly blank: %d of %d sampled pixels not white", ink, total)
	}
	t.Logf("screenshot %s: %dx%d, %.1f%% ink", out, b.Dx(), b.Dy(), 100*float64(ink)/float64(total))
}

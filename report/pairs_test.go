package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/loupe-dev/loupe/review"
)

// samplePairSection is one queue: people who prefer model "alpha" 3:1 over a hostile-named model, a
// pairwise judge asked both orders that always picks the first picture, a score-derived judge, and a
// third rater group whose leaderboard is undefined.
func samplePairSection() PairSection {
	var people, judge []review.Comparison
	for i := range 40 {
		p := fmt.Sprintf("p%d", i)
		c := review.ChoiceLeft
		if i%4 == 3 {
			c = review.ChoiceRight
		}
		if i%10 == 9 {
			c = review.ChoiceTie
		}
		people = append(people, review.Comparison{Prompt: p, Left: "alpha", Right: hostile, Choice: c, Rater: "human:ana"})
		judge = append(judge,
			review.Comparison{Prompt: p, Left: "alpha", Right: hostile, Choice: review.ChoiceLeft, Rater: "judge-" + hostile},
			review.Comparison{Prompt: p, Left: hostile, Right: "alpha", Choice: review.ChoiceLeft, Rater: "judge-" + hostile})
	}
	o := review.BTOptions{Prior: 0.5, Resamples: 100, Seed: 1, Level: 0.95}
	hb := review.BradleyTerry(people, o)
	jb := review.BradleyTerry(judge, o)
	sp, kt := review.LeaderboardCorrelation(hb, jb)
	sec := PairSection{Queue: "sbs-" + hostile, Dimension: "overall", JudgeDimension: "alignment", ScoreDimension: "prism_alignment",
		Ties: "half", Level: 0.95, Resamples: 100, Pairs: 40, Answered: 40, Answers: 40, Unreadable: 2,
		Boards: []PairBoard{
			{Rater: "humans", Kind: "humans", Leaderboard: hb, WinRates: review.WinRateMatrix(people)},
			{Rater: "judge-" + hostile, Kind: "judge", Leaderboard: jb, WinRates: review.WinRateMatrix(judge), Spearman: sp, Kendall: kt},
			{Rater: "scores:empty", Kind: "scores", Leaderboard: review.BradleyTerry(nil, o), WinRates: review.WinRateMatrix(nil)},
		},
		Agreements: []PairAgreementLine{{Judge: "judge-" + hostile, Kind: "judge", Agreement: review.PairwiseAgreement(judge, people)}},
		People:     []PairAgreementLine{{Judge: "human:a vs human:b", Kind: "humans", Agreement: review.PairwiseAgreement(people, people)}},
	}
	for _, b := range review.PositionBiases(append(people, judge...)) {
		sec.Biases = append(sec.Biases, PairBiasLine{Kind: "judge", Bias: b})
	}
	sec.Biases = append(sec.Biases, PairBiasLine{Kind: "scores", Bias: review.PositionBias{Rater: "scores:x"}, NotApplicable: "scored alone"})
	return sec
}

func renderWithPairs(t *testing.T, secs []PairSection) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTMLWithPairs(&buf, sampleReport(), sampleMeta(), secs); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestPairSectionStructure(t *testing.T) {
	doc := renderWithPairs(t, []PairSection{samplePairSection()})
	if strings.Contains(doc, hostile) || strings.Contains(strings.ToLower(doc), "<script") {
		t.Fatal("hostile name written unescaped")
	}
	if strings.Contains(doc, "NaN") || strings.Contains(doc, "Inf") {
		t.Fatal("NaN or Inf in the page")
	}
	root := parse(t, doc) // well-formed
	secs := root.all(func(n *node) bool { return n.name == "section" && n.attr["id"] == "pairs" })
	if len(secs) != 1 {
		t.Fatalf("%d side-by-side sections, want 1", len(secs))
	}
	sec := secs[0]
	if toc := root.all(func(n *node) bool { return n.name == "a" && n.attr["href"] == "#pairs" }); len(toc) != 1 {
		t.Error("no table-of-contents link to the section")
	}
	boards := sec.all(func(n *node) bool { return n.name == "table" && hasClass(n, "pairboard") })
	if len(boards) != 2 {
		t.Fatalf("%d leaderboards, want 2 (the third is undefined)", len(boards))
	}
	rows := boards[0].all(func(n *node) bool { return n.name == "tr" })
	if len(rows) != 3 {
		t.Fatalf("people's leaderboard: %d rows, want a head and 2 models", len(rows))
	}
	first := rows[1].all(func(n *node) bool { return n.name == "td" })
	if first[1].textContent() != "alpha" || !strings.HasPrefix(first[3].textContent(), "[") {
		t.Errorf("first row %q / %q: want alpha with a CI", first[1].textContent(), first[3].textContent())
	}
	// W, L, T: alpha won 28, lost 8, tied 4 (every 4th pair right, every 10th a tie: two are both)
	if w, l, ti := first[4].textContent(), first[5].textContent(), first[6].textContent(); w+"-"+l+"-"+ti != "28-8-4" {
		t.Errorf("alpha W-L-T %s-%s-%s, want 28-8-4", w, l, ti)
	}
	if !strings.Contains(sec.textContent(), "Leaderboard undefined: needs comparisons between at least 2 models") {
		t.Error("undefined leaderboard does not say why")
	}
	if !strings.Contains(sec.textContent(), "separable at 95%") {
		t.Error("no separability line")
	}
	// heatmaps: every off-diagonal cell prints its rate and has a background; the rates of a pair add to 1
	heats := sec.all(func(n *node) bool { return n.name == "table" && hasClass(n, "heat") })
	if len(heats) != 2 {
		t.Fatalf("%d heatmaps, want 2", len(heats))
	}
	for _, h := range heats {
		var vals []string
		for _, td := range h.all(func(n *node) bool { return n.name == "td" && !hasClass(n, "diag") }) {
			if !strings.HasPrefix(td.attr["style"], "background:#") || td.attr["title"] == "" {
				t.Errorf("heat cell %q: style %q title %q", td.textContent(), td.attr["style"], td.attr["title"])
			}
			vals = append(vals, td.textContent())
		}
		if len(vals) != 2 {
			t.Fatalf("heat cells %v", vals)
		}
		// rows by name: the hostile model ("<" sorts first), then alpha
		if h == heats[0] && (vals[0] != "0.25" || vals[1] != "0.75") {
			t.Errorf("people's win rates %v: want 0.25, then alpha's 0.75 ((28 + 4/2) / 40)", vals)
		}
		if len(h.all(func(n *node) bool { return n.name == "th" && n.attr["scope"] == "row" })) != 2 {
			t.Error("heat rows have no row headers")
		}
	}
	// the judge that always picks the first picture: first share 1, flip rate 1
	bias := sec.all(func(n *node) bool { return n.name == "table" && hasClass(n, "pairbias") })
	if len(bias) != 1 {
		t.Fatal("no position bias table")
	}
	found := false
	for _, tr := range bias[0].all(func(n *node) bool { return n.name == "tr" }) {
		tds := tr.all(func(n *node) bool { return n.name == "td" })
		if len(tds) == 5 && tds[0].textContent() == "judge-"+hostile {
			found = true
			if !strings.HasPrefix(tds[1].textContent(), "1.00") || !strings.HasPrefix(tds[2].textContent(), "1.00") {
				t.Errorf("judge bias %q, %q: want 1.00, 1.00", tds[1].textContent(), tds[2].textContent())
			}
		}
		if len(tds) == 2 && !strings.Contains(tds[1].textContent(), "not applicable: scored alone") {
			t.Errorf("not-applicable row %q", tds[1].textContent())
		}
	}
	if !found {
		t.Error("hostile judge's bias row not found (or its name not shown as text)")
	}
	// the people's flip rate is undefined and says why
	if !strings.Contains(sec.textContent(), "no pair judged in both orders") {
		t.Error("undefined flip rate without its reason")
	}
	agree := sec.all(func(n *node) bool { return n.name == "table" && hasClass(n, "pairagree") })
	if len(agree) != 2 {
		t.Fatalf("%d agreement tables, want 2 (judges vs people, people vs people)", len(agree))
	}
	if cells := agree[1].all(func(n *node) bool { return n.name == "td" }); len(cells) != 6 || cells[0].textContent() != "human:a vs human:b" || cells[1].textContent() != "40" {
		t.Errorf("people vs people row: %d cells, first %q", len(cells), cells[0].textContent())
	}
}

// Without pair sections the page is exactly WriteHTML's.
func TestPairSectionAbsent(t *testing.T) {
	if got, want := renderWithPairs(t, nil), render(t); got != want {
		t.Error("WriteHTMLWithPairs without sections differs from WriteHTML")
	}
	if strings.Contains(render(t), `id="pairs"`) {
		t.Error("pair section in a page without pairs")
	}
}

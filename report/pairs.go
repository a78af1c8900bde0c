package report

// The side-by-side preference section: per pair queue and dimension, each rater group's Bradley-Terry
// leaderboard with its CIs and W/L/T, which models are separable, the win-rate heatmap (an HTML table:
// every cell prints its rate, the colour only repeats it), the judges' agreement with the humans and
// every rater's position bias. Plain HTML and CSS like the rest of the page; every data string goes
// through html/template.

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"

	"github.com/loupe-dev/loupe/review"
)

// PairSection is one pair queue's side-by-side preference results on one dimension.
type PairSection struct {
	Queue          string
	Dimension      string // the people's dimension
	JudgeDimension string // the pairwise judges' dimension compared with it
	ScoreDimension string // the absolute scores the score-derived judges use
	Ties           string // "half" or "davidson"
	Level          float64
	Resamples      int
	Pairs          int // pairs in the queue
	Answered       int // pairs with a person's choice
	Answers        int // people's choices
	Unreadable     int // pairwise judge verdicts that could not be read
	Boards         []PairBoard
	Agreements     []PairAgreementLine
	People         []PairAgreementLine // two annotators each (Judge "a vs b"), on the pairs both answered
	Biases         []PairBiasLine
}

// PairBoard is one rater group's leaderboard and win rates. Spearman and Kendall compare it with the
// humans' leaderboard (empty Name: not shown, e.g. the humans' own board).
type PairBoard struct {
	Rater, Kind       string
	Leaderboard       review.BTResult
	WinRates          review.WinRates
	Spearman, Kendall review.Stat
}

// PairAgreementLine is a judge's agreement with the humans on pairs.
type PairAgreementLine struct {
	Judge, Kind string
	Agreement   review.PairAgreement
}

// PairBiasLine is one rater's position bias; NotApplicable says why it means nothing for this rater.
type PairBiasLine struct {
	Kind          string
	Bias          review.PositionBias
	NotApplicable string
}

// WriteHTMLWithPairs writes the agreement report as WriteHTML does, with a "Side-by-side preference"
// section holding pairs (none: the page WriteHTML writes).
func WriteHTMLWithPairs(w io.Writer, r *review.AgreementReport, meta Meta, pairs []PairSection) error {
	return writeHTML(w, r, meta, pairs)
}

// view model

type pairsView struct{ Sections []pairSectionView }

type pairSectionView struct {
	ID, Queue, Dimension, Note string
	CILevel                    string
	Boards                     []pairBoardView
	Agreements                 []pairAgreeView
	People                     []pairAgreeView
	Biases                     []pairBiasView
}

type pairBoardView struct {
	ID, Rater, Kind string
	Undefined       string
	Detail          string
	Rows            []pairRankRow
	Separations     []string
	Correlation     []fig
	Models          []string
	Heat            []heatRow
}

type pairRankRow struct {
	Rank               int
	Model              string
	Rating             string
	CI, CIUndef        string
	Wins, Losses, Ties int
	RatingTitle        string
}

type heatRow struct {
	Model string
	Cells []heatCell
}

type heatCell struct {
	Diag  bool
	Value string // the rate, or "–" when undefined
	Title string
	Style template.CSS
}

type pairAgreeView struct {
	Judge, Kind                  string
	Matched                      int
	Agree, Kappa, DAgree, DKappa fig
}

type pairBiasView struct {
	Rater, Kind         string
	NA                  string
	LeftShare, FlipRate fig
	Decisive, Orders    int
}

func kindWord(k string) string {
	switch k {
	case "humans":
		return "people, pooled"
	case "judge":
		return "pairwise judge"
	case "scores":
		return "score-derived: the picture with the higher absolute score wins"
	}
	return k
}

// heatStyle colours a win rate: white at 0.5, blue toward 1 (the row's model wins), orange toward 0.
func heatStyle(rate float64) template.CSS {
	t := math.Min(1, math.Abs(rate-0.5)*2)
	to := [3]float64{0x1f, 0x5f, 0xa8}
	if rate < 0.5 {
		to = [3]float64{0xc2, 0x5a, 0x0b}
	}
	var c [3]int
	for i := range c {
		c[i] = int(math.Round(255 + t*(to[i]-255)))
	}
	fg := "#1d2330"
	if t > 0.55 {
		fg = "#ffffff"
	}
	// numbers only: safe as CSS
	return template.CSS(fmt.Sprintf("background:#%02x%02x%02x;color:%s", c[0], c[1], c[2], fg))
}

// rating formats a rating (or a difference of two) as a whole number, never "-0".
func rating(v float64) string {
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	if s == "-0" {
		s = "0"
	}
	return s
}

// signedRating is rating with a sign: "+12", "-3", "0".
func signedRating(v float64) string {
	s := rating(v)
	if s != "0" && s[0] != '-' {
		s = "+" + s
	}
	return s
}

func buildPairs(secs []PairSection) pairsView {
	var v pairsView
	for i, s := range secs {
		sv := pairSectionView{ID: fmt.Sprintf("pairs-%d", i), Queue: s.Queue, Dimension: s.Dimension}
		lvl := s.Level
		if lvl == 0 {
			lvl = 0.95
		}
		sv.CILevel = strconv.FormatFloat(lvl*100, 'f', -1, 64) + "%"
		ties := "ties count as half a win for each model"
		if s.Ties == "davidson" {
			ties = "ties through Davidson's tie parameter"
		}
		sv.Note = fmt.Sprintf("%d pairs, %d answered (%d choices). Pairwise judges compared on %q, score-derived judges use %q. Ratings 1000 + 400·log10(strength), %s; %s CIs from %d bootstrap resamples over prompts.",
			s.Pairs, s.Answered, s.Answers, s.JudgeDimension, s.ScoreDimension, ties, sv.CILevel, s.Resamples)
		if s.Unreadable > 0 {
			sv.Note += fmt.Sprintf(" %d judge verdicts could not be read and are left out.", s.Unreadable)
		}
		for j, b := range s.Boards {
			sv.Boards = append(sv.Boards, buildBoard(fmt.Sprintf("%s-%d", sv.ID, j), b, sv.CILevel))
		}
		agree := func(a PairAgreementLine) pairAgreeView {
			g := a.Agreement
			return pairAgreeView{Judge: a.Judge, Kind: a.Kind, Matched: g.Matched,
				Agree: makeFig(g.Agreement, -1, false), Kappa: makeFig(g.Kappa, -1, false),
				DAgree: makeFig(g.DecisiveAgreement, -1, false), DKappa: makeFig(g.DecisiveKappa, -1, false)}
		}
		for _, a := range s.Agreements {
			sv.Agreements = append(sv.Agreements, agree(a))
		}
		for _, a := range s.People {
			sv.People = append(sv.People, agree(a))
		}
		for _, b := range s.Biases {
			sv.Biases = append(sv.Biases, pairBiasView{Rater: b.Bias.Rater, Kind: b.Kind, NA: b.NotApplicable,
				LeftShare: makeFig(b.Bias.LeftShare, -1, false), FlipRate: makeFig(b.Bias.FlipRate, -1, false),
				Decisive: b.Bias.Decisive, Orders: b.Bias.OrderPairs})
		}
		v.Sections = append(v.Sections, sv)
	}
	return v
}

func buildBoard(id string, b PairBoard, lvl string) pairBoardView {
	lb := b.Leaderboard
	bv := pairBoardView{ID: id, Rater: b.Rater, Kind: kindWord(b.Kind), Undefined: lb.Undefined}
	if lb.Undefined != "" {
		return bv
	}
	bv.Detail = fmt.Sprintf("%d comparisons on %d prompts", lb.Comparisons, lb.Prompts)
	if lb.Ties == review.TiesDavidson {
		bv.Detail += fmt.Sprintf("; Davidson's tie parameter ν = %s", num(lb.Nu))
	}
	for i, m := range lb.Models {
		r := pairRankRow{Rank: i + 1, Model: m.Model, Rating: rating(m.Rating), Wins: m.Wins, Losses: m.Losses, Ties: m.Ties,
			RatingTitle: fmt.Sprintf("rating %.2f, strength %.4f", m.Rating, m.Strength)}
		switch c := m.RatingCI; {
		case c == nil:
			r.CIUndef = "no bootstrap"
		case c.Undefined != "":
			r.CIUndef = c.Undefined
		default:
			r.CI = "[" + rating(c.Lo) + ", " + rating(c.Hi) + "]"
			if c.UndefinedResamples > 0 {
				r.CI += fmt.Sprintf(" (%d of %d resamples undefined)", c.UndefinedResamples, c.Resamples)
			}
		}
		bv.Rows = append(bv.Rows, r)
	}
	for _, s := range lb.Separations {
		line := fmt.Sprintf("%s vs %s: %s points", s.A, s.B, signedRating(s.Diff))
		switch c := s.DiffCI; {
		case c == nil || c.Undefined != "":
			why := "no bootstrap"
			if c != nil {
				why = c.Undefined
			}
			line += " — separability undefined: " + why
		case s.Separable:
			line += fmt.Sprintf(" [%s, %s]: separable at %s", signedRating(c.Lo), signedRating(c.Hi), lvl)
		default:
			line += fmt.Sprintf(" [%s, %s]: not separable at %s", signedRating(c.Lo), signedRating(c.Hi), lvl)
		}
		bv.Separations = append(bv.Separations, line)
	}
	if b.Spearman.Name != "" {
		bv.Correlation = []fig{makeFig(b.Spearman, -1, false), makeFig(b.Kendall, -1, false)}
	}
	w := b.WinRates
	bv.Models = w.Models
	for i, m := range w.Models {
		hr := heatRow{Model: m}
		for j, o := range w.Models {
			c := heatCell{Diag: i == j}
			st := w.Rate[i][j]
			switch {
			case i == j:
				c.Value = "—"
			case !st.Defined():
				c.Value, c.Title = "–", st.Undefined
			default:
				c.Value = num(st.Value)
				c.Style = heatStyle(st.Value)
				c.Title = fmt.Sprintf("%s vs %s: %d wins, %d losses, %d ties (n=%d)", m, o, w.Wins[i][j], w.Wins[j][i], w.Ties[i][j], st.N)
			}
			hr.Cells = append(hr.Cells, c)
		}
		bv.Heat = append(bv.Heat, hr)
	}
	return bv
}

func renderPairs(secs []PairSection) (template.HTML, error) {
	var buf bytes.Buffer
	if err := pairsTmpl.Execute(&buf, buildPairs(secs)); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // rendered by html/template: every data string escaped
}

// pairsTmpl is the section's template, in the page template's set for its "cellfig" block.
var pairsTmpl = template.Must(template.Must(pageTmpl.Clone()).New("pairs").Parse(pairsHTML))

const pairsHTML = `<section id="pairs">
<h2>Side-by-side preference</h2>
<p class="lead">Two models' pictures of one prompt, "which is better?". Each leaderboard is a Bradley-Terry fit (with one virtual tied game per pair of models as a prior); W–L–T are the real wins, losses and ties (both bad counts as a tie). A model pair is separable when the bootstrap CI of its rating difference excludes 0. In a win-rate table each cell is the row model's win rate against the column model, ties as half; blue: the row model wins more, orange: it loses more.</p>
{{- range .Sections}}
<h3 id="{{.ID}}">{{.Queue}} · {{.Dimension}}</h3>
<p class="note">{{.Note}}</p>
{{- $lvl := .CILevel}}
{{- range .Boards}}
<h4 id="{{.ID}}">{{.Rater}} <span class="note">({{.Kind}})</span></h4>
{{- if .Undefined}}
<p class="empty">Leaderboard undefined: {{.Undefined}}</p>
{{- else}}
<p class="note">{{.Detail}}</p>
<div class="scroll"><table class="pairboard">
<thead><tr><th class="num">#</th><th>Model</th><th class="num">Rating</th><th class="num">{{$lvl}} CI</th><th class="num">W</th><th class="num">L</th><th class="num">T</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr><td class="num">{{.Rank}}</td><td class="{{who .Model}}">{{.Model}}</td><td class="num"><span class="v" title="{{.RatingTitle}}">{{.Rating}}</span></td><td class="num">{{if .CI}}<span class="ci">{{.CI}}</span>{{else}}<span class="undef" title="{{.CIUndef}}">no CI</span><small class="why">{{.CIUndef}}</small>{{end}}</td><td class="num">{{.Wins}}</td><td class="num">{{.Losses}}</td><td class="num">{{.Ties}}</td></tr>
{{- end}}
</tbody></table></div>
{{- with .Separations}}
<ul class="note">{{range .}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
{{- with .Correlation}}
<p class="note">Rank correlation with the people's leaderboard: {{range $i, $f := .}}{{if $i}}; {{end}}{{$f.Label}} {{if $f.Defined}}<span class="v">{{$f.Value}}</span> (n={{$f.N}}){{else}}<span class="undef" title="{{$f.Undefined}}">undefined</span> ({{$f.Undefined}}){{end}}{{end}}</p>
{{- end}}
<div class="scroll"><table class="heat">
<caption class="note">Win rate of the row model against the column model ({{.Rater}})</caption>
<thead><tr><th scope="col">model</th>{{range .Models}}<th scope="col" class="num">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Heat}}
<tr><th scope="row">{{.Model}}</th>{{range .Cells}}{{if .Diag}}<td class="num diag">{{.Value}}</td>{{else}}<td class="num" style="{{.Style}}"{{with .Title}} title="{{.}}"{{end}}>{{.Value}}</td>{{end}}{{end}}</tr>
{{- end}}
</tbody></table></div>
{{- end}}
{{- end}}
{{- with .Agreements}}
<h4>Judges vs people</h4>
<div class="scroll"><table class="pairagree">
<thead><tr><th>Judge</th><th class="num">Pairs both judged</th><th class="num">Agreement</th><th class="num">κ</th><th class="num">Decisive agreement</th><th class="num">Decisive κ</th></tr></thead>
<tbody>
{{- range .}}
<tr><td class="{{who .Judge}}">{{.Judge}}</td><td class="num">{{.Matched}}</td><td class="num">{{template "cellfig" .Agree}}</td><td class="num">{{template "cellfig" .Kappa}}</td><td class="num">{{template "cellfig" .DAgree}}</td><td class="num">{{template "cellfig" .DKappa}}</td></tr>
{{- end}}
</tbody></table></div>
<p class="note">Agreement and Cohen's κ on three outcomes (the first model wins, the second wins, tie), after undoing each rater's sides; decisive: only the pairs the people did not call a tie.</p>
{{- end}}
{{- with .People}}
<h4>People vs people</h4>
<div class="scroll"><table class="pairagree">
<thead><tr><th>Annotators</th><th class="num">Pairs both answered</th><th class="num">Agreement</th><th class="num">κ</th><th class="num">Decisive agreement</th><th class="num">Decisive κ</th></tr></thead>
<tbody>
{{- range .}}
<tr><td>{{.Judge}}</td><td class="num">{{.Matched}}</td><td class="num">{{template "cellfig" .Agree}}</td><td class="num">{{template "cellfig" .Kappa}}</td><td class="num">{{template "cellfig" .DAgree}}</td><td class="num">{{template "cellfig" .DKappa}}</td></tr>
{{- end}}
</tbody></table></div>
<p class="note">The same figures between two annotators, on the pairs both answered (decisive: the pairs the second did not call a tie): the agreement a judge's can be read against.</p>
{{- end}}
{{- with .Biases}}
<h4>Position bias</h4>
<div class="scroll"><table class="pairbias">
<thead><tr><th>Rater</th><th class="num">Left / first share</th><th class="num">Flip rate</th><th class="num">Decisive answers</th><th class="num">Pairs seen both ways</th></tr></thead>
<tbody>
{{- range .}}
<tr><td class="{{who .Rater}}">{{.Rater}}</td>{{if .NA}}<td colspan="4"><span class="note">not applicable: {{.NA}}</span></td>{{else}}<td class="num">{{template "cellfig" .LeftShare}}</td><td class="num">{{template "cellfig" .FlipRate}}</td><td class="num">{{.Decisive}}</td><td class="num">{{.Orders}}</td>{{end}}</tr>
{{- end}}
</tbody></table></div>
<p class="note">Left / first share: of the rater's non-tie answers, the share that picked the picture shown on the left (first); 0.5 is unbiased. Flip rate: of the pairs the rater saw in both orders, the share whose verdict changed with the order.</p>
{{- end}}
{{- end}}
</section>
`

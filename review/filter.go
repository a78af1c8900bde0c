package review

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ScoreRange keeps items whose score on a dimension lies in [Min, Max].
type ScoreRange struct {
	Dimension string
	Min, Max  float64
}

// ParseScoreRange parses "text=7:10", "clarity=8:" or "entity=:3" (bounds inclusive, 0-10).
func ParseScoreRange(s string) (ScoreRange, error) {
	dim, rng, ok := strings.Cut(s, "=")
	if !ok || dim == "" {
		return ScoreRange{}, fmt.Errorf("score range %q: want DIMENSION=MIN:MAX, e.g. text=7:10", s)
	}
	dim = strings.TrimPrefix(dim, "score_")
	r := ScoreRange{Dimension: dim, Min: 0, Max: 10}
	if i := PipelineScoreIndex(dim); i >= 0 {
		r.Dimension = PipelineScores[i].Dimension
	}
	lo, hi, ok := strings.Cut(rng, ":")
	if !ok {
		lo, hi = rng, rng
	}
	var err error
	// NaN compares false with everything (a range that silently selects nothing); infinities are no
	// score either
	if lo != "" {
		if r.Min, err = strconv.ParseFloat(lo, 64); err != nil || !finite(r.Min) {
			return r, fmt.Errorf("score range %q: bad minimum %q", s, lo)
		}
	}
	if hi != "" {
		if r.Max, err = strconv.ParseFloat(hi, 64); err != nil || !finite(r.Max) {
			return r, fmt.Errorf("score range %q: bad maximum %q", s, hi)
		}
	}
	if r.Min > r.Max {
		return r, fmt.Errorf("score range %q: minimum above maximum", s)
	}
	if r.Min < 0 || r.Max > 10 {
		return r, fmt.Errorf("score range %q: scores run from 0 to 10", s)
	}
	return r, nil
}

// Filter selects items; sampling, review and export share it.
type Filter struct {
	Kind    string       `json:"kind,omitempty"` // "sample" or "generation"
	Subsets []string     `json:"subsets,omitempty"`
	Tracks  []string     `json:"tracks,omitempty"`
	Models  []string     `json:"models,omitempty"`
	Lang    string       `json:"lang,omitempty"` // prompt language of generations
	Scores  []ScoreRange `json:"scores,omitempty"`
	Queue   string       `json:"queue,omitempty"`
	// HasCaption keeps items that have a caption of this kind.
	HasCaption string `json:"has_caption,omitempty"`

	// Decision keeps items in these decision states: accepted, rejected, unreviewed, flagged, disputed.
	// The state is Annotator's decision when Annotator is set; otherwise the adjudicated final decision,
	// else the annotators' majority when at least Consensus of them (default 1) made it.
	Decision  []string `json:"decision,omitempty"`
	Annotator string   `json:"annotator,omitempty"`
	Consensus int      `json:"consensus,omitempty"`
	// JudgeScores keeps items whose judges' (mean) verdict on a dimension lies in the range.
	JudgeScores []ScoreRange `json:"judge_scores,omitempty"`
	// Agreement keeps items where the humans and the judges "agree" (every dimension both rated within
	// 1 point, humans' mean against judges' mean) or "disagree" (some dimension more than 1 apart).
	Agreement string `json:"agreement,omitempty"`
	// FinalScores makes Scores read the final value: the latest human value where an annotator gave one,
	// else the pipeline's (export does; sampling and review read the pipeline's).
	FinalScores bool `json:"final_scores,omitempty"`
	// Sort orders a review's items (it selects nothing): "" queue order, "disagreement" the largest gap
	// between a human value in force and the judges' mean first (items without both last), "judge" the
	// judges' mean verdict ascending, worst first (items without one last). Export ignores it; sampling
	// refuses it.
	Sort string `json:"sort,omitempty"`
}

// Sorts are the orders a filter's Sort can name.
var Sorts = []string{"disagreement", "judge"}

// Decisions are the decision states a filter can select.
var Decisions = []string{"accepted", "rejected", "unreviewed", "flagged", "disputed"}

// Bin is one score bin of a stratification, inclusive.
type Bin struct{ Lo, Hi float64 }

// Label names the bin like "7-10".
func (b Bin) Label() string {
	if b.Lo == b.Hi {
		return strconv.FormatFloat(b.Lo, 'f', -1, 64)
	}
	return strconv.FormatFloat(b.Lo, 'f', -1, 64) + "-" + strconv.FormatFloat(b.Hi, 'f', -1, 64)
}

// ParseBins parses "0-3,4-6,7-10"; empty means one bin per integer 0..10.
func ParseBins(s string) ([]Bin, error) {
	if strings.TrimSpace(s) == "" {
		var bs []Bin
		for i := 0; i <= 10; i++ {
			bs = append(bs, Bin{float64(i), float64(i)})
		}
		return bs, nil
	}
	var bs []Bin
	for _, part := range strings.Split(s, ",") {
		lo, hi, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			hi = lo
		}
		l, err1 := strconv.ParseFloat(lo, 64)
		h, err2 := strconv.ParseFloat(hi, 64)
		if err1 != nil || err2 != nil || !finite(l) || !finite(h) || l > h {
			return nil, fmt.Errorf("bins %q: bad bin %q (want LO-HI, e.g. 0-3,4-6,7-10)", s, part)
		}
		if len(bs) > 0 && l <= bs[len(bs)-1].Hi {
			return nil, fmt.Errorf("bins %q: bins overlap or are out of order", s)
		}
		bs = append(bs, Bin{l, h})
	}
	return bs, nil
}

// finite reports whether x is a number (not NaN, not infinite).
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Stratify says how a stratified sample groups items: "subset", "track", "model", "trait" (the item's
// strongest trait by pipeline score; its track for generations) or "score:<dimension>" with Bins.
type Stratify struct {
	By   string
	Bins []Bin
}

package workspace

// Side-by-side preference statistics (loupe stats --pairs and the HTML report's section): the people's
// choices on a pair queue, every pairwise judge's verdicts on its pairs and the preference implied by
// each judge's absolute scores, turned into review.Comparisons and handed to review's pairwise
// statistics. Nothing is stored.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/loupe-dev/loupe/judge"
	"github.com/loupe-dev/loupe/report"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// Kinds of rater group in a PairReport.
const (
	PairKindHumans = "humans" // every annotator's choices, pooled
	PairKindJudge  = "judge"  // a pairwise judge: both pictures in one request
	PairKindScores = "scores" // the preference implied by a judge's absolute scores of the two pictures
)

// PairHumans is the name of the humans' pooled group in a PairReport.
const PairHumans = "humans"

// ScoreRaterPrefix starts the rater name of a score-derived judge: "scores:<judge rater>".
const ScoreRaterPrefix = "scores:"

// scoreBiasNA is why position bias does not apply to a score-derived judge.
const scoreBiasNA = "score-derived: each picture was scored alone, so no side was shown first (its comparisons are in sampled order)"

// PairStatsRequest asks for the side-by-side statistics of one pair queue on one dimension.
type PairStatsRequest struct {
	Queue     string // "": the workspace's first pair queue
	Dimension string // the people's dimension; "": the queue's first
	// JudgeDimension is the pairwise judges' dimension compared with the people's; "": "alignment"
	// when Dimension is "overall", else Dimension.
	JudgeDimension string
	// ScoreDimension is the absolute-score dimension the score-derived judges use; "": prism_alignment
	// for alignment and overall, prism_aesthetics for aesthetics, else "prism_" + JudgeDimension.
	ScoreDimension string
	Ties           review.TieMode // review.TiesHalf (the zero value) or review.TiesDavidson
	Resamples      int            // bootstrap resamples over prompts for the CIs (0: none)
	Seed           uint64
	Level          float64 // CI level (0: 0.95)
}

// PairGroup is one rater group's leaderboard: the humans pooled, one pairwise judge, or one judge's
// scores.
type PairGroup struct {
	Rater       string          `json:"rater"` // PairHumans, a judge's rater name, or "scores:<judge>"
	Kind        string          `json:"kind"`  // PairKindHumans, PairKindJudge or PairKindScores
	Comparisons int             `json:"comparisons"`
	Unreadable  int             `json:"unreadable,omitempty"` // a pairwise judge's verdicts that could not be read, left out
	Leaderboard review.BTResult `json:"leaderboard"`
	WinRates    review.WinRates `json:"win_rates"`
	// Spearman and Kendall compare this group's leaderboard with the humans' (models both rank); unset
	// (empty Name) for the humans' own group.
	Spearman review.Stat `json:"spearman"`
	Kendall  review.Stat `json:"kendall"`
	cs       []review.Comparison
}

// PairJudgeAgreement is one judge's agreement with the humans, pooled (several annotators on a pair
// count by their net vote; a judge asked both orders by its net vote too).
type PairJudgeAgreement struct {
	Judge     string               `json:"judge"`
	Kind      string               `json:"kind"`
	Agreement review.PairAgreement `json:"agreement"`
}

// PairBias is one rater's position bias. NotApplicable says why it means nothing (a score-derived
// judge); its figures are then undefined with that reason.
type PairBias struct {
	Kind          string              `json:"kind"`
	Bias          review.PositionBias `json:"bias"`
	NotApplicable string              `json:"not_applicable,omitempty"`
}

// PairReport is the side-by-side preference statistics of one pair queue and dimension.
type PairReport struct {
	Queue          string   `json:"queue"`
	Dimension      string   `json:"dimension"`
	JudgeDimension string   `json:"judge_dimension"`
	ScoreDimension string   `json:"score_dimension"`
	Ties           string   `json:"ties"`
	Resamples      int      `json:"resamples"`
	Seed           uint64   `json:"seed"`
	Level          float64  `json:"level"`
	Pairs          int      `json:"pairs"`          // pairs in the queue
	Answered       int      `json:"answered"`       // pairs with at least one person's choice on Dimension
	Answers        int      `json:"answers"`        // people's choices counted
	Annotators     []string `json:"annotators"`     // who answered, by name
	Verdicts       int      `json:"judge_verdicts"` // readable pairwise judge verdicts on JudgeDimension
	Unreadable     int      `json:"unreadable"`     // pairwise judge verdicts that could not be read, left out
	// Groups: the humans first, then the pairwise judges and the score-derived judges, by name.
	Groups     []PairGroup          `json:"groups"`
	Agreements []PairJudgeAgreement `json:"agreement"`
	// People is each two annotators' agreement on the pairs both answered (with overlap): the ceiling
	// against which a judge's agreement with people reads.
	People []PeopleAgreement `json:"people_agreement"`
	Biases []PairBias        `json:"position_bias"`
}

// PeopleAgreement is two annotators' agreement on the pairs both answered, sides undone.
type PeopleAgreement struct {
	A         string               `json:"a"`
	B         string               `json:"b"`
	Agreement review.PairAgreement `json:"agreement"`
}

// ParseTieMode reads --ties: half (ties as half wins) or davidson.
func ParseTieMode(s string) (review.TieMode, error) {
	switch strings.ToLower(s) {
	case "", "half", "ties_half":
		return review.TiesHalf, nil
	case "davidson":
		return review.TiesDavidson, nil
	}
	return 0, fmt.Errorf("%w: --ties %q: want half or davidson", ErrStatsUsage, s)
}

// tieName is the name --ties takes for a tie mode.
func tieName(m review.TieMode) string {
	if m == review.TiesDavidson {
		return "davidson"
	}
	return "half"
}

// PairQueues lists the workspace's pair queues, oldest first.
func (w *Workspace) PairQueues(ctx context.Context) ([]string, error) {
	return w.st.PairQueueNames(ctx)
}

// defaultScoreDimension is the absolute-score dimension a pairwise dimension is compared with.
func defaultScoreDimension(judgeDim string) string {
	switch judgeDim {
	case review.PairDimensionOverall, "alignment":
		return "prism_alignment"
	case "aesthetics":
		return "prism_aesthetics"
	}
	return "prism_" + judgeDim
}

// PairStats computes the side-by-side statistics of a pair queue: a Bradley-Terry leaderboard (with
// bootstrap CIs over prompts) and a win-rate matrix for the humans pooled, for each pairwise judge and
// for each judge's absolute scores; each judge's agreement with the humans and the rank correlation of
// its leaderboard with theirs; every rater's position bias. Unknown queue or dimension, or a workspace
// without a pair queue, is an error (ErrStatsUsage for a dimension the queue does not ask about).
func (w *Workspace) PairStats(ctx context.Context, r PairStatsRequest) (*PairReport, error) {
	if r.Queue == "" {
		names, err := w.st.PairQueueNames(ctx)
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, errors.New("no pair queue in this workspace: make one with loupe sample --pairs --name P --models a,b")
		}
		r.Queue = names[0]
	}
	pq, err := w.st.PairQueueInfo(ctx, r.Queue)
	if err != nil {
		return nil, err
	}
	if r.Dimension == "" {
		r.Dimension = pq.Dimensions[0]
	}
	if !slices.Contains(pq.Dimensions, r.Dimension) {
		return nil, fmt.Errorf("%w: pair queue %q asks about %s, not %q", ErrStatsUsage, pq.Name, strings.Join(pq.Dimensions, ", "), r.Dimension)
	}
	if r.JudgeDimension == "" {
		r.JudgeDimension = r.Dimension
		if r.Dimension == review.PairDimensionOverall {
			r.JudgeDimension = "alignment"
		}
	}
	if r.ScoreDimension == "" {
		r.ScoreDimension = defaultScoreDimension(r.JudgeDimension)
	}
	if r.Ties != review.TiesHalf && r.Ties != review.TiesDavidson {
		return nil, fmt.Errorf("%w: unknown tie mode %d", ErrStatsUsage, int(r.Ties))
	}
	if r.Level == 0 {
		r.Level = 0.95
	}
	if r.Resamples < 0 {
		r.Resamples = 0
	}
	pairs, err := w.st.PairsBrief(ctx, pq)
	if err != nil {
		return nil, err
	}
	rep := &PairReport{Queue: pq.Name, Dimension: r.Dimension, JudgeDimension: r.JudgeDimension, ScoreDimension: r.ScoreDimension,
		Ties: tieName(r.Ties), Resamples: r.Resamples, Seed: r.Seed, Level: r.Level, Pairs: len(pairs), Annotators: []string{}}

	humans, err := w.humanComparisons(ctx, pq, pairs, r.Dimension, rep)
	if err != nil {
		return nil, err
	}
	judges, err := w.judgeComparisons(ctx, pq, pairs, r.JudgeDimension, rep)
	if err != nil {
		return nil, err
	}
	scores, err := w.scoreComparisons(ctx, pairs, r.ScoreDimension)
	if err != nil {
		return nil, err
	}

	opts := review.BTOptions{Ties: r.Ties, Prior: review.DefaultBTOptions().Prior, Resamples: r.Resamples, Seed: r.Seed, Level: r.Level}
	group := func(rater, kind string, cs []review.Comparison) PairGroup {
		return PairGroup{Rater: rater, Kind: kind, Comparisons: len(cs), Leaderboard: review.BradleyTerry(cs, opts), WinRates: review.WinRateMatrix(cs), cs: cs}
	}
	hg := group(PairHumans, PairKindHumans, humans)
	if len(humans) == 0 {
		hg.Leaderboard.Undefined = fmt.Sprintf("no one has answered on %s yet", r.Dimension)
	}
	rep.Groups = append(rep.Groups, hg)
	for _, j := range sortedKeys(judges) {
		g := group(j, PairKindJudge, judges[j].cs)
		g.Unreadable = judges[j].unreadable
		rep.Groups = append(rep.Groups, g)
	}
	for _, j := range sortedKeys(scores) {
		rep.Groups = append(rep.Groups, group(ScoreRaterPrefix+j, PairKindScores, scores[j]))
	}
	for i := range rep.Groups[1:] {
		g := &rep.Groups[i+1]
		g.Spearman, g.Kendall = review.LeaderboardCorrelation(hg.Leaderboard, g.Leaderboard)
		a := review.PairwiseAgreement(g.cs, humans)
		rep.Agreements = append(rep.Agreements, PairJudgeAgreement{Judge: g.Rater, Kind: g.Kind, Agreement: a})
	}

	// people with each other, on the pairs both answered
	byPerson := map[string][]review.Comparison{}
	for _, c := range humans {
		byPerson[c.Rater] = append(byPerson[c.Rater], c)
	}
	people := sortedKeys(byPerson)
	for i, a := range people {
		for _, b := range people[i+1:] {
			if ag := review.PairwiseAgreement(byPerson[a], byPerson[b]); ag.Matched > 0 {
				rep.People = append(rep.People, PeopleAgreement{A: a, B: b, Agreement: ag})
			}
		}
	}

	// position bias: each person, each pairwise judge; score-derived judges marked
	var shown []review.Comparison
	shown = append(shown, humans...)
	for _, j := range sortedKeys(judges) {
		shown = append(shown, judges[j].cs...)
	}
	for _, b := range review.PositionBiases(shown) {
		kind := PairKindJudge
		if strings.HasPrefix(b.Rater, "human:") {
			kind = PairKindHumans
		}
		rep.Biases = append(rep.Biases, PairBias{Kind: kind, Bias: b})
	}
	for _, j := range sortedKeys(scores) {
		b := review.PositionBias{Rater: ScoreRaterPrefix + j}
		for _, s := range []*review.Stat{&b.LeftShare, &b.FlipRate, &b.Consistency} {
			*s = review.Stat{Undefined: scoreBiasNA}
		}
		b.LeftShare.Name, b.FlipRate.Name, b.Consistency.Name = "left_share", "flip_rate", "consistency"
		rep.Biases = append(rep.Biases, PairBias{Kind: PairKindScores, Bias: b, NotApplicable: scoreBiasNA})
	}
	return rep, nil
}

// humanComparisons turns the people's choices in force on dim into comparisons (rater "human:NAME",
// sides as they were shown: the left model is the one whose item was on the left) and counts them.
func (w *Workspace) humanComparisons(ctx context.Context, pq store.PairQueue, pairs []review.Pair, dim string, rep *PairReport) ([]review.Comparison, error) {
	ans, err := w.st.PairAnswers(ctx, pq, dim)
	if err != nil {
		return nil, err
	}
	byPos := make(map[int]review.Pair, len(pairs))
	for _, p := range pairs {
		byPos[p.Pos] = p
	}
	answered := map[int]bool{}
	who := map[string]bool{}
	var cs []review.Comparison
	for _, a := range ans {
		p, ok := byPos[a.Pos]
		if !ok {
			continue
		}
		c := review.Comparison{Prompt: p.PromptKey, Left: p.A.Model, Right: p.B.Model, Choice: a.Choice, Rater: "human:" + a.Annotator}
		if a.LeftItem == p.B.Item {
			c.Left, c.Right = p.B.Model, p.A.Model
		}
		cs = append(cs, c)
		answered[a.Pos] = true
		if !who[a.Annotator] {
			who[a.Annotator] = true
			rep.Annotators = append(rep.Annotators, a.Annotator)
		}
	}
	slices.Sort(rep.Annotators)
	rep.Answered, rep.Answers = len(answered), len(cs)
	return cs, nil
}

type judgeCs struct {
	cs         []review.Comparison
	unreadable int
}

// judgeComparisons turns the pairwise judges' verdicts on dim into comparisons per judge: the item
// shown first is the left one; both orders are kept; unreadable verdicts are counted and left out.
func (w *Workspace) judgeComparisons(ctx context.Context, pq store.PairQueue, pairs []review.Pair, dim string, rep *PairReport) (map[string]*judgeCs, error) {
	vs, err := w.st.PairVerdicts(ctx, pq, dim)
	if err != nil {
		return nil, err
	}
	type key struct{ a, b int64 }
	byItems := make(map[key]review.Pair, len(pairs))
	for _, p := range pairs {
		byItems[key{min(p.A.Item, p.B.Item), max(p.A.Item, p.B.Item)}] = p
	}
	out := map[string]*judgeCs{}
	for _, v := range vs {
		p, ok := byItems[key{min(v.First, v.Second), max(v.First, v.Second)}]
		if !ok {
			continue
		}
		j := out[v.Rater]
		if j == nil {
			j = &judgeCs{}
			out[v.Rater] = j
		}
		var ch review.Choice
		switch v.Pick {
		case "first":
			ch = review.ChoiceLeft
		case "second":
			ch = review.ChoiceRight
		case "tie":
			ch = review.ChoiceTie
		default:
			j.unreadable++
			rep.Unreadable++
			continue
		}
		c := review.Comparison{Prompt: p.PromptKey, Left: p.A.Model, Right: p.B.Model, Choice: ch, Rater: v.Rater}
		if v.First == p.B.Item {
			c.Left, c.Right = p.B.Model, p.A.Model
		}
		j.cs = append(j.cs, c)
		rep.Verdicts++
	}
	return out, nil
}

// scoreComparisons derives, for every judge with absolute scores on dim, its preference on each pair
// both of whose pictures it scored (judge.ScorePreference: the higher score wins, equal scores tie),
// in sampled order (A on the left). A score outside 0-10 counts as missing.
func (w *Workspace) scoreComparisons(ctx context.Context, pairs []review.Pair, dim string) (map[string][]review.Comparison, error) {
	raters, err := w.st.JudgeRaters(ctx, dim)
	if err != nil {
		return nil, err
	}
	out := map[string][]review.Comparison{}
	for _, j := range raters {
		vals, err := w.st.JudgeValues(ctx, j, dim)
		if err != nil {
			return nil, err
		}
		var cs []review.Comparison
		for _, p := range pairs {
			a, okA := vals[p.A.Item]
			b, okB := vals[p.B.Item]
			if !okA || !okB {
				continue
			}
			o, err := judge.ScorePreference(a, b, judge.ScoreTieEpsilon)
			if err != nil {
				continue
			}
			ch := review.ChoiceTie
			switch o {
			case judge.OutcomeA:
				ch = review.ChoiceLeft
			case judge.OutcomeB:
				ch = review.ChoiceRight
			}
			cs = append(cs, review.Comparison{Prompt: p.PromptKey, Left: p.A.Model, Right: p.B.Model, Choice: ch, Rater: ScoreRaterPrefix + j})
		}
		if len(cs) > 0 {
			out[j] = cs
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// PairReports computes the side-by-side statistics of every pair queue and every dimension it asks
// about that has people's choices (r gives the options; its Queue and Dimension are ignored), for the
// HTML report. A workspace without pair queues gives none.
func (w *Workspace) PairReports(ctx context.Context, r PairStatsRequest) ([]*PairReport, error) {
	names, err := w.st.PairQueueNames(ctx)
	if err != nil {
		return nil, err
	}
	var out []*PairReport
	for _, q := range names {
		pq, err := w.st.PairQueueInfo(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, d := range pq.Dimensions {
			rq := r
			rq.Queue, rq.Dimension, rq.JudgeDimension, rq.ScoreDimension = q, d, "", ""
			rep, err := w.PairStats(ctx, rq)
			if err != nil {
				return nil, err
			}
			if rep.Answers > 0 {
				out = append(out, rep)
			}
		}
	}
	return out, nil
}

// Section is the report's HTML section for this report.
func (r *PairReport) Section() report.PairSection {
	s := report.PairSection{Queue: r.Queue, Dimension: r.Dimension, JudgeDimension: r.JudgeDimension, ScoreDimension: r.ScoreDimension,
		Ties: r.Ties, Level: r.Level, Resamples: r.Resamples, Pairs: r.Pairs, Answered: r.Answered, Answers: r.Answers, Unreadable: r.Unreadable}
	for _, g := range r.Groups {
		s.Boards = append(s.Boards, report.PairBoard{Rater: g.Rater, Kind: g.Kind, Leaderboard: g.Leaderboard, WinRates: g.WinRates,
			Spearman: g.Spearman, Kendall: g.Kendall})
	}
	for _, a := range r.People {
		s.People = append(s.People, report.PairAgreementLine{Judge: a.A + " vs " + a.B, Kind: PairKindHumans, Agreement: a.Agreement})
	}
	for _, a := range r.Agreements {
		s.Agreements = append(s.Agreements, report.PairAgreementLine{Judge: a.Judge, Kind: a.Kind, Agreement: a.Agreement})
	}
	for _, b := range r.Biases {
		s.Biases = append(s.Biases, report.PairBiasLine{Kind: b.Kind, Bias: b.Bias, NotApplicable: b.NotApplicable})
	}
	return s
}

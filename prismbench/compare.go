package prismbench

import (
	"math"
	"slices"

	"github.com/loupe-dev/loupe/review"
)

// RankAgreement compares two judges' rankings of the same models on one track (or "overall"):
// Spearman's rho and Kendall's tau-b of the models' scores, over the models both judges scored.
type RankAgreement struct {
	Track             string // a track key, or "overall"
	Spearman, Kendall review.Stat
	Models            int // models present in both judges' rows (by exact model name)
}

// CompareJudges pairs the rows of judgeA and judgeB in language lang by model name and, for each
// track (the official seven in order, then "overall"), correlates the two judges' average scores with
// review.Spearman and review.KendallTauB. Scores are the unrounded means where a row was computed and
// the published figures for a published row; a model without a value on a track is left out of that
// track's statistics (Stat.N says how many were used) but still counts in Models. When a judge has
// several rows for the same model in that language, the first one in rows is used.
func CompareJudges(rows []Row, judgeA, judgeB, lang string) []RankAgreement {
	pick := func(judge string) map[string]Row {
		m := map[string]Row{}
		for _, r := range rows {
			if r.Judge != judge || r.Lang != lang {
				continue
			}
			if _, ok := m[r.Model]; !ok {
				m[r.Model] = r
			}
		}
		return m
	}
	ra, rb := pick(judgeA), pick(judgeB)
	var models []string
	for _, r := range rows { // rows' order, each model once
		if r.Judge != judgeA || r.Lang != lang {
			continue
		}
		if _, ok := rb[r.Model]; ok && !slices.Contains(models, r.Model) {
			models = append(models, r.Model)
		}
	}
	score := func(c Cell) float64 {
		if c.Value == nil {
			return math.NaN()
		}
		return c.Mean
	}
	var out []RankAgreement
	for _, t := range append(append([]string(nil), Tracks...), "overall") {
		a := make([]float64, len(models))
		b := make([]float64, len(models))
		for i, m := range models {
			if t == "overall" {
				a[i], b[i] = score(ra[m].Overall.Avg), score(rb[m].Overall.Avg)
			} else {
				a[i], b[i] = score(ra[m].Tracks[t].Avg), score(rb[m].Tracks[t].Avg)
			}
		}
		out = append(out, RankAgreement{Track: t, Spearman: review.Spearman(a, b), Kendall: review.KendallTauB(a, b), Models: len(models)})
	}
	return out
}

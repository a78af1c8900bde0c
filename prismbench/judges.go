package prismbench

import (
	"sort"

	"github.com/loupe-dev/loupe/review"
)

// JudgeComparison is two judges on the same models' images.
type JudgeComparison struct {
	A        string                   `json:"a"`
	B        string                   `json:"b"`
	Lang     string                   `json:"lang"`
	Ranks    []RankAgreement          `json:"rank_agreement"`
	PerImage map[string][]review.Stat `json:"per_image"` // kind -> figures
	ImagesN  int                      `json:"images"`
}

// CompareJudgesPerImage compares every pair of judges that scored the same language's images: how
// they rank the models per track (CompareJudges) and, image by image, quadratic-weighted kappa on
// rounded scores, Spearman, mean absolute difference and exact agreement, per kind.
func CompareJudgesPerImage(rows []Row, vs []Verdict) []JudgeComparison {
	judges := map[string]map[string]bool{} // lang -> judges
	for _, r := range rows {
		if r.Published {
			continue
		}
		if judges[r.Lang] == nil {
			judges[r.Lang] = map[string]bool{}
		}
		judges[r.Lang][r.Judge] = true
	}
	type key struct { // an image (model, language, track, prompt index) and a kind of verdict
		model, lang, track string
		index              int
		kind               string
	}
	val := map[string]map[key]float64{}
	for _, v := range vs {
		if v.Score == nil {
			continue
		}
		if val[v.Judge] == nil {
			val[v.Judge] = map[key]float64{}
		}
		val[v.Judge][key{v.Model, v.Lang, v.Track, v.Index, v.Kind}] = *v.Score
	}
	var out []JudgeComparison
	for lang, js := range judges {
		var names []string
		for j := range js {
			names = append(names, j)
		}
		sort.Strings(names)
		for i := range names {
			for _, b := range names[i+1:] {
				c := JudgeComparison{A: names[i], B: b, Lang: lang, Ranks: CompareJudges(rows, names[i], b, lang), PerImage: map[string][]review.Stat{}}
				for _, kind := range []string{"alignment", "aesthetics"} {
					var x, y []float64
					for k, v := range val[names[i]] {
						if w, ok := val[b][k]; ok && k.kind == kind {
							x, y = append(x, v), append(y, w)
						}
					}
					c.ImagesN = max(c.ImagesN, len(x))
					rx, ry := review.RoundAll(x), review.RoundAll(y)
					c.PerImage[kind] = []review.Stat{review.CohenKappa(rx, ry, review.ScoreScale, review.Quadratic), review.Spearman(x, y),
						review.MAE(x, y), review.ExactAgreement(rx, ry)}
				}
				out = append(out, c)
			}
		}
	}
	return out
}

package review

import "testing"

// BenchmarkBradleyTerryBootstrap is issue #20's target (< 2 s): a 10-model round robin over 700 prompts
// (45 pairs x 700 = 31,500 comparisons, choices drawn from known strengths, 10% ties, sides random,
// seeded), the Bradley-Terry fit and 1,000 bootstrap resamples over prompts, ties as half wins or
// Davidson's.
func BenchmarkBradleyTerryBootstrap(b *testing.B) {
	cs := pairSim([]float64{8, 6, 5, 4, 3, 2.5, 2, 1.5, 1, 0.5}, 700, 0.1, 1)
	if len(cs) != 31_500 {
		b.Fatal(len(cs))
	}
	for _, mode := range []TieMode{TiesHalf, TiesDavidson} {
		b.Run(mode.String(), func(b *testing.B) {
			o := DefaultBTOptions()
			o.Ties = mode
			for b.Loop() {
				r := BradleyTerry(cs, o)
				if r.Undefined != "" || r.Models[0].Model != "m0" || r.Models[0].RatingCI.UndefinedResamples != 0 {
					b.Fatal(r.Undefined, r.Models)
				}
			}
		})
	}
}

// BenchmarkPairwiseAgreement is one judge (both orders, 63,000 comparisons) against one person (31,500)
// on a 10-model round robin over 700 prompts; loupe stats --pairs runs it once per judge.
func BenchmarkPairwiseAgreement(b *testing.B) {
	strengths := []float64{8, 6, 5, 4, 3, 2.5, 2, 1.5, 1, 0.5}
	human := pairSim(strengths, 700, 0.1, 1)
	judge := append(pairSim(strengths, 700, 0.1, 2), pairSim(strengths, 700, 0.1, 3)...)
	for b.Loop() {
		a := PairwiseAgreement(judge, human)
		if a.Matched != 31_500 {
			b.Fatal(a.Matched)
		}
	}
}

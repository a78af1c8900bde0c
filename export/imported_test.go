package export

import (
	"github.com/loupe-dev/loupe/dataset"
	"github.com/loupe-dev/loupe/review"
)

// importedValues is every value `loupe import` reads back from a manifest item, by dimension, whoever
// it belongs to: the pipeline's scores, a plain manifest's other values, and from a loupe export's
// line the machine labels and the people's values (the latest of each dimension's 'set' events).
func importedValues(it dataset.ManifestItem) map[string]float64 {
	out := map[string]float64{}
	for j, s := range it.Scores {
		if s >= 0 {
			out[review.PipelineScores[j].Dimension] = float64(s)
		}
	}
	for d, v := range it.Other {
		out[d] = v
	}
	if it.Loupe == nil {
		return out
	}
	for _, l := range it.Loupe.Labels {
		if l.Value != nil && l.Sample == 0 && l.Dimension != review.DecisionDimension {
			out[l.Dimension] = *l.Value
		}
	}
	for _, e := range it.Loupe.Log {
		if e.Kind == "set" && e.Value != nil && e.Dimension != review.DecisionDimension {
			out[e.Dimension] = *e.Value
		}
	}
	return out
}

package workspace

import (
	"strings"

	"github.com/loupe-dev/loupe/export"
	"github.com/loupe-dev/loupe/review"
	"github.com/loupe-dev/loupe/store"
)

// provenance fills a record's final values and where each came from, who decided, the pipeline's own
// scores, every machine label and the history (summary, answers, final decision and every event).
func provenance(rec *export.Record, r *store.ExportRow) {
	// final values: a human's (the latest in force), else the pipeline's, else the first judge's
	for _, h := range r.Humans {
		if h.Dimension == review.DecisionDimension {
			continue
		}
		if _, ok := rec.Values[h.Dimension]; !ok {
			rec.Values[h.Dimension] = export.Value{Value: h.Value, Source: "human", Who: h.Who, When: h.When}
		}
	}
	captions, scores := review.Unpack(r.Packed)
	rec.Captions = make([]string, 0, len(review.CaptionKinds))
	for k, kind := range review.CaptionKinds {
		if captions&(1<<k) != 0 {
			rec.Captions = append(rec.Captions, kind)
		}
	}
	for k, p := range review.PipelineScores {
		if v := scores[k]; v >= 0 {
			if _, ok := rec.Values[p.Dimension]; !ok {
				rec.Values[p.Dimension] = export.Value{Value: float64(v), Source: "pipeline"}
			}
			// kept apart from the final values: a human value may have superseded it there
			if rec.Pipeline == nil {
				rec.Pipeline = make(map[string]float64, len(review.PipelineScores))
			}
			rec.Pipeline[p.Dimension] = float64(v)
		}
	}
	// pipeline values kept as labels (a manifest's fractional or PRISM scores, a pipeline run's
	// pipeline:<model> scores) are the pipeline's too
	for _, l := range r.Detail.Labels {
		if l.RaterKind != "pipeline" || l.Sample != 0 || l.Value == nil || l.Dimension == review.DecisionDimension {
			continue
		}
		if _, ok := rec.Values[l.Dimension]; !ok {
			who := l.Rater
			if who == "pipeline" {
				who = ""
			}
			rec.Values[l.Dimension] = export.Value{Value: *l.Value, Source: "pipeline", Who: who, When: l.When}
		}
	}
	for _, j := range r.Judges {
		if _, ok := rec.Values[j.Dimension]; !ok {
			rec.Values[j.Dimension] = export.Value{Value: j.Value, Source: "judge", Who: j.Who, When: j.When, RubricHash: j.Rubric}
		}
	}
	d := r.Detail
	// The store names who is behind the decision: an adjudicated decision is the adjudicator's.
	rec.DecidedBy = strings.Join(d.DecidedBy, ",")
	rec.Prompt, rec.Labels = d.Prompt, d.Labels
	rec.History = export.History{Events: r.History.Events, Annotators: r.History.Annotators, Accepts: r.History.Accepts,
		Rejects: r.History.Rejects, Flags: r.History.Flags, Undos: r.History.Undos, Last: r.History.Last,
		Answers: d.Answers, Final: d.Final, Log: d.Log}
}

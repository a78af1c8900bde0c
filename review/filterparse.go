package review

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FilterKeys are the words of the filter syntax (the / prompt, loupe export --filter).
var FilterKeys = []string{"kind", "subset", "track", "model", "lang", "has-caption", "score", "decision", "annotator",
	"consensus", "judge", "agreement", "sort"}

// ParseFilter parses the filter syntax: space-separated key=value words, the keys being the filter flags
// of loupe sample, review and export: kind, subset, track, model, lang, has-caption, score
// (score=DIM=MIN:MAX, repeatable), decision (accepted, rejected, unreviewed, flagged, disputed),
// annotator, consensus (k), judge (judge=DIM=MIN:MAX, the judges' verdicts), agreement (agree or
// disagree) and sort (disagreement or judge: an order, see Filter.Sort); subset, track, model and decision take comma-separated lists and add up when repeated.
// The empty string is the empty filter. It checks the syntax; store.FilterSQL checks the values.
func ParseFilter(s string) (Filter, error) {
	var f Filter
	for _, w := range strings.Fields(s) {
		k, v, ok := strings.Cut(w, "=")
		if !ok || v == "" {
			return f, fmt.Errorf("%q: want key=value (%s)", w, strings.Join(FilterKeys, ", "))
		}
		list := func() []string {
			var out []string
			for _, x := range strings.Split(v, ",") {
				if x = strings.TrimSpace(x); x != "" {
					out = append(out, x)
				}
			}
			return out
		}
		switch strings.ToLower(k) {
		case "kind":
			f.Kind = v
		case "subset":
			f.Subsets = append(f.Subsets, list()...)
		case "track":
			f.Tracks = append(f.Tracks, list()...)
		case "model":
			f.Models = append(f.Models, list()...)
		case "lang":
			f.Lang = v
		case "has-caption", "has_caption":
			f.HasCaption = v
		case "score":
			r, err := ParseScoreRange(v)
			if err != nil {
				return f, err
			}
			f.Scores = append(f.Scores, r)
		case "decision":
			f.Decision = append(f.Decision, list()...)
		case "annotator":
			f.Annotator = v
		case "consensus":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return f, fmt.Errorf("consensus=%s: want a number of annotators (1 or more)", v)
			}
			f.Consensus = n
		case "judge":
			r, err := ParseScoreRange(v)
			if err != nil {
				return f, err
			}
			f.JudgeScores = append(f.JudgeScores, r)
		case "agreement":
			f.Agreement = v
		case "sort":
			if !slices.Contains(Sorts, v) {
				return f, fmt.Errorf("sort=%s: want %s", v, strings.Join(Sorts, " or "))
			}
			f.Sort = v
		default:
			return f, fmt.Errorf("unknown filter key %q (want %s)", k, strings.Join(FilterKeys, ", "))
		}
	}
	return f, nil
}

// FilterString writes a filter in ParseFilter's syntax ("" for the empty filter; Queue is left out).
func FilterString(f Filter) string {
	var w []string
	add := func(k string, vs ...string) {
		if len(vs) > 0 && vs[0] != "" {
			w = append(w, k+"="+strings.Join(vs, ","))
		}
	}
	ranges := func(k string, rs []ScoreRange) {
		for _, r := range rs {
			lo, hi := strconv.FormatFloat(r.Min, 'f', -1, 64), strconv.FormatFloat(r.Max, 'f', -1, 64)
			if r.Min == 0 {
				lo = ""
			}
			if r.Max == 10 {
				hi = ""
			}
			w = append(w, k+"="+r.Dimension+"="+lo+":"+hi)
		}
	}
	add("kind", f.Kind)
	add("subset", f.Subsets...)
	add("track", f.Tracks...)
	add("model", f.Models...)
	add("lang", f.Lang)
	add("has-caption", f.HasCaption)
	ranges("score", f.Scores)
	add("decision", f.Decision...)
	add("annotator", f.Annotator)
	if f.Consensus > 0 {
		add("consensus", strconv.Itoa(f.Consensus))
	}
	ranges("judge", f.JudgeScores)
	add("agreement", f.Agreement)
	add("sort", f.Sort)
	return strings.Join(w, " ")
}

package store

import (
	"fmt"
	"strings"

	"github.com/loupe-dev/loupe/review"
)

// scoreColumns maps pipeline dimensions to the SQL reading them out of items.packed.
var scoreColumns = func() map[string]string {
	m := map[string]string{}
	for k, p := range review.PipelineScores {
		m[p.Dimension] = fmt.Sprintf("nullif((items.packed >> %d) & 15, 15)", 16+4*k)
	}
	return m
}()

// scoreExpr is the SQL for an item's score on a dimension: the inline pipeline score, or the mean of
// the machine labels on that dimension.
func scoreExpr(dim string) (string, error) {
	if c, ok := scoreColumns[dim]; ok {
		return c, nil
	}
	for i, d := range review.Dimensions {
		if d == dim {
			return fmt.Sprintf("(SELECT avg(l.value) FROM labels l WHERE l.item_id = items.id AND l.dimension_id = %d)", i+1), nil
		}
	}
	return "", fmt.Errorf("unknown dimension %q (want one of %s)", dim, strings.Join(review.Dimensions, ", "))
}

const genJoin = `(SELECT %s FROM generations g JOIN prompts p ON p.id = g.prompt_id WHERE g.item_id = items.id)`

// FilterSQL turns a filter into a WHERE clause over items (never empty: "1" matches everything).
func FilterSQL(f review.Filter) (string, []any, error) {
	var conds []string
	var args []any
	in := func(expr string, vals []string) {
		ph := strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")
		conds = append(conds, fmt.Sprintf("%s IN (%s)", expr, ph))
		for _, v := range vals {
			args = append(args, v)
		}
	}
	switch f.Kind {
	case "":
	case "sample":
		conds = append(conds, "items.kind = 1")
	case "generation":
		conds = append(conds, "items.kind = 2")
	default:
		return "", nil, fmt.Errorf("kind %q: want sample or generation", f.Kind)
	}
	if len(f.Subsets) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?,", len(f.Subsets)), ",")
		conds = append(conds, "items.subset_id IN (SELECT id FROM subsets WHERE name IN ("+ph+"))")
		for _, v := range f.Subsets {
			args = append(args, v)
		}
	}
	if len(f.Tracks) > 0 {
		for _, t := range f.Tracks {
			if !review.IsTrack(t) {
				return "", nil, fmt.Errorf("track %q: want one of %s", t, strings.Join(review.Tracks[:], ", "))
			}
		}
		in(fmt.Sprintf(genJoin, "p.track"), f.Tracks)
	}
	if len(f.Models) > 0 {
		in(fmt.Sprintf(genJoin, "g.model"), f.Models)
	}
	if f.Lang != "" {
		conds = append(conds, fmt.Sprintf(genJoin, "p.lang")+" = ?")
		args = append(args, f.Lang)
	}
	for _, r := range f.Scores {
		e, err := scoreExpr(r.Dimension)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, e+" BETWEEN ? AND ?")
		args = append(args, r.Min, r.Max)
	}
	if f.Queue != "" {
		conds = append(conds, "items.id IN (SELECT qi.item_id FROM queue_items qi JOIN queues q ON q.id = qi.queue_id WHERE q.name = ?)")
		args = append(args, f.Queue)
	}
	if f.HasCaption != "" {
		k := review.TextKindID(f.HasCaption)
		if k < 1 || k > 8 {
			return "", nil, fmt.Errorf("caption kind %q: want one of %s", f.HasCaption, strings.Join(review.CaptionKinds[:], ", "))
		}
		conds = append(conds, fmt.Sprintf("(items.packed & %d) != 0", 1<<(k-1)))
	}
	if len(conds) == 0 {
		return "1", nil, nil
	}
	return strings.Join(conds, " AND "), args, nil
}

// traitExpr names an item's strongest trait by pipeline score (stored at import; ties: the first in
// dataset order), or its track for a generation.
const traitExpr = `CASE WHEN items.kind = 2 THEN coalesce((SELECT p.track FROM generations g JOIN prompts p ON p.id = g.prompt_id WHERE g.item_id = items.id), 'none')
 ELSE CASE (items.packed >> 52) & 15 WHEN 0 THEN 'composition' WHEN 1 THEN 'entity' WHEN 2 THEN 'text_rendering'
   WHEN 3 THEN 'imagination' WHEN 4 THEN 'style' WHEN 5 THEN 'affection' ELSE 'none' END END`

// stratum is how a stratification is computed in SQL: key is a cheap per-row expression, name turns a
// key (written "key") into the stratum's name, and declared lists the strata that may occur (nil: ask
// the data) or is computed by declaredSQL.
type stratum struct {
	by          string
	bins        []review.Bin
	key, name   string
	declared    []string
	declaredSQL string
}

func stratumSQL(s review.Stratify, f review.Filter) (stratum, error) {
	st, err := stratumExpr(s, f)
	st.by = s.By
	if st.bins == nil {
		st.bins = s.Bins
	}
	return st, err
}

func stratumExpr(s review.Stratify, f review.Filter) (stratum, error) {
	switch {
	case s.By == "" || s.By == "none":
		return stratum{key: "''", name: "key", declared: []string{""}}, nil
	case s.By == "subset":
		q := "SELECT name FROM subsets WHERE 1"
		switch f.Kind {
		case "sample":
			q += " AND kind != 'benchmark'"
		case "generation":
			q += " AND kind = 'benchmark'"
		}
		return stratum{key: "items.subset_id", name: "coalesce((SELECT name FROM subsets WHERE id = key), '')", declaredSQL: q + " ORDER BY name"}, nil
	case s.By == "track":
		return stratum{key: "coalesce(" + fmt.Sprintf(genJoin, "p.track") + ", '')", name: "key", declared: review.Tracks[:]}, nil
	case s.By == "model":
		return stratum{key: "coalesce(" + fmt.Sprintf(genJoin, "g.model") + ", '')", name: "key",
			declaredSQL: "SELECT DISTINCT model FROM generations ORDER BY model"}, nil
	case s.By == "trait":
		return stratum{key: traitExpr, name: "key", declared: []string{"imagination", "entity", "text_rendering", "style", "affection", "composition"}}, nil
	case strings.HasPrefix(s.By, "score:"):
		e, err := scoreExpr(strings.TrimPrefix(s.By, "score:"))
		if err != nil {
			return stratum{}, err
		}
		bins := s.Bins
		if len(bins) == 0 {
			bins, _ = review.ParseBins("")
		}
		var b strings.Builder
		b.WriteString("CASE")
		var names []string
		for _, bin := range bins {
			fmt.Fprintf(&b, " WHEN %s BETWEEN %g AND %g THEN '%s'", e, bin.Lo, bin.Hi, bin.Label())
			names = append(names, bin.Label())
		}
		b.WriteString(" ELSE 'none' END")
		return stratum{key: b.String(), name: "key", declared: names, bins: bins}, nil
	}
	return stratum{}, fmt.Errorf("stratify by %q: want subset, track, model, trait or score:<dimension>", s.By)
}

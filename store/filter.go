package store

import (
	"fmt"
	"slices"
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
	if err := checkDimension(dim); err != nil {
		return "", err
	}
	return "(SELECT avg(l.value) FROM labels l WHERE l.item_id = items.id AND l.dimension_id = " + dimIDSQL(dim) + ")", nil
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
		if f.FinalScores {
			// a human's value where an annotator gave one (the latest), else the pipeline's
			e = fmt.Sprintf(`coalesce((SELECT h.value FROM human_current h WHERE h.item_id = items.id AND h.dimension_id = %s
				AND h.value IS NOT NULL ORDER BY h.event_id DESC LIMIT 1), %s)`, dimIDSQL(r.Dimension), e)
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
	if len(f.Decision) > 0 {
		e, a := decisionExpr(f.Annotator, f.Consensus)
		var ors []string
		for _, d := range f.Decision {
			if d == "flagged" {
				// a flag in force: some annotator's latest flag or unflag on the item is a flag
				ors = append(ors, `EXISTS (SELECT 1 FROM flag_current fc WHERE fc.item_id = items.id)`)
				continue
			}
			if !slices.Contains(review.Decisions, d) {
				return "", nil, fmt.Errorf("decision %q: want one of %s", d, strings.Join(review.Decisions, ", "))
			}
			ors = append(ors, e+" = ?")
			args = append(args, a...)
			args = append(args, d)
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	} else if f.Annotator != "" || f.Consensus > 0 {
		return "", nil, fmt.Errorf("annotator and consensus qualify a decision filter: add decision=accepted (or rejected, unreviewed, disputed)")
	}
	for _, r := range f.JudgeScores {
		if err := checkDimension(r.Dimension); err != nil {
			return "", nil, err
		}
		conds = append(conds, fmt.Sprintf(`(SELECT avg(l.value) FROM labels l JOIN raters r ON r.id = l.rater_id
			WHERE l.item_id = items.id AND l.dimension_id = %s AND r.kind = 'judge' AND l.sample = 0) BETWEEN ? AND ?`, dimIDSQL(r.Dimension)))
		args = append(args, r.Min, r.Max)
	}
	switch f.Agreement {
	case "":
	case "agree":
		conds = append(conds, gapExpr+" <= 1")
	case "disagree":
		conds = append(conds, gapExpr+" > 1")
	default:
		return "", nil, fmt.Errorf("agreement %q: want agree or disagree", f.Agreement)
	}
	if _, err := SortSQL(f.Sort); err != nil {
		return "", nil, err
	}
	if len(conds) == 0 {
		return "1", nil, nil
	}
	return strings.Join(conds, " AND "), args, nil
}

// gapExpr is the SQL for an item's largest gap, over the dimensions both rated, between the humans'
// mean value in force and the judges' mean verdict (NULL when no dimension has both).
const gapExpr = `(SELECT max(abs(h.v - j.v)) FROM
	(SELECT dimension_id AS d, avg(value) AS v FROM human_current WHERE item_id = items.id AND value IS NOT NULL GROUP BY dimension_id) h
	JOIN (SELECT l.dimension_id AS d, avg(l.value) AS v FROM labels l JOIN raters r ON r.id = l.rater_id
	      WHERE l.item_id = items.id AND r.kind = 'judge' AND l.sample = 0 AND l.value IS NOT NULL GROUP BY l.dimension_id) j ON j.d = h.d)`

// judgeMeanExpr is the SQL for the mean of the judges' verdicts on an item (NULL when none).
const judgeMeanExpr = `(SELECT avg(l.value) FROM labels l JOIN raters r ON r.id = l.rater_id
	WHERE l.item_id = items.id AND r.kind = 'judge' AND l.sample = 0 AND l.value IS NOT NULL)`

// SortSQL returns the SQL ordering items over the items table for a filter's Sort (review.Sorts), before
// the queue order: "" none; "disagreement" the largest gap between a human value in force and the
// judges' mean first, items without both last; "judge" the judges' mean verdict ascending (worst
// first), items without one last.
func SortSQL(sort string) (string, error) {
	switch sort {
	case "":
		return "", nil
	case "disagreement":
		return "(" + gapExpr + ") IS NULL, " + gapExpr + " DESC", nil
	case "judge":
		return "(" + judgeMeanExpr + ") IS NULL, " + judgeMeanExpr, nil
	}
	return "", fmt.Errorf("sort %q: want %s", sort, strings.Join(review.Sorts, " or "))
}

// decisionExpr is the SQL naming an item's decision state (accepted, rejected, unreviewed, disputed):
// one annotator's current decision, or the adjudicated final decision, else the majority of the
// annotators' current decisions when at least k of them made it (a tie is disputed).
func decisionExpr(annotator string, k int) (string, []any) {
	if annotator != "" {
		return `coalesce((SELECT CASE h.value WHEN 1 THEN 'accepted' ELSE 'rejected' END FROM human_current h
			JOIN annotators a ON a.id = h.annotator_id WHERE h.item_id = items.id AND h.dimension_id = ` + decisionIDSQL + ` AND a.name = ?), 'unreviewed')`, []any{annotator}
	}
	k = max(k, 1)
	return fmt.Sprintf(`coalesce(
		(SELECT CASE e.value WHEN 1 THEN 'accepted' ELSE 'rejected' END FROM events e WHERE e.item_id = items.id AND e.kind = 'final'
		   AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e.id) ORDER BY e.id DESC LIMIT 1),
		(SELECT CASE WHEN count(*) = 0 THEN 'unreviewed'
		             WHEN sum(h.value = 1) > sum(h.value = 0) AND sum(h.value = 1) >= %[1]d THEN 'accepted'
		             WHEN sum(h.value = 0) > sum(h.value = 1) AND sum(h.value = 0) >= %[1]d THEN 'rejected'
		             WHEN sum(h.value = 1) = sum(h.value = 0) THEN 'disputed'
		             ELSE 'unreviewed' END
		   FROM human_current h WHERE h.item_id = items.id AND h.dimension_id = %[2]s))`, k, decisionIDSQL), nil
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
		return stratum{key: traitExpr, name: "key", declared: review.Tracks[:6]}, nil
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

package store

import (
	"context"
	"database/sql"

	"github.com/loupe-dev/loupe/review"
)

// ExportDetail is what an export needs beyond an item's final values to give it back whole on import:
// its generation's prompt, every machine label, its full human history and who stands behind its
// decision.
type ExportDetail struct {
	Prompt    *review.PromptRef     // a generation's prompt (nil for a sample)
	Labels    []review.RecordLabel  // every machine label, by dimension, rater kind, rater and sample
	Log       []review.RecordEvent  // every human event, in order
	Answers   []review.RecordAnswer // the annotators' decisions in force, by name
	Final     *review.RecordAnswer  // the adjudicator's final decision in force
	DecidedBy []string              // who is behind the row's Decision (sorted; none when unreviewed or disputed)
}

// exportDetails fills the ExportDetail of the rows (out, indexed by item id through at; in and args are
// the items' IN list) for the filter's decision state.
func (s *Store) exportDetails(ctx context.Context, out []ExportRow, at map[int64]int, in string, args []any, f review.Filter) error {
	each := func(query string, scan func(rows *sql.Rows) error) error {
		return s.eachRow(ctx, query, args, scan)
	}
	err := each(`SELECT g.item_id, p.suite, p.lang, p.idx FROM generations g JOIN prompts p ON p.id = g.prompt_id
		WHERE g.item_id IN `+in, func(rows *sql.Rows) error {
		var id int64
		var p review.PromptRef
		if err := rows.Scan(&id, &p.Suite, &p.Lang, &p.Index); err != nil {
			return err
		}
		out[at[id]].Detail.Prompt = &p
		return nil
	})
	if err != nil {
		return err
	}
	// Every machine label, failed verdicts and repeated samples included: an export is the whole record,
	// not only the values in force.
	err = each(`SELECT l.item_id, d.name, r.name, r.kind, r.model, r.rubric_version, l.sample, l.value,
		coalesce(l.justification, ''), coalesce(l.raw, ''), coalesce(l.error, ''), coalesce(l.rubric_hash, ''), l.created_at
		FROM labels l JOIN dimensions d ON d.id = l.dimension_id JOIN raters r ON r.id = l.rater_id
		WHERE l.item_id IN `+in+` AND r.kind != 'human'
		ORDER BY l.item_id, l.dimension_id, r.kind, r.name, l.sample`, func(rows *sql.Rows) error {
		var id int64
		var l review.RecordLabel
		var v sql.NullFloat64
		if err := rows.Scan(&id, &l.Dimension, &l.Rater, &l.RaterKind, &l.RaterModel, &l.RubricSet, &l.Sample, &v,
			&l.Justification, &l.Raw, &l.Error, &l.RubricHash, &l.When); err != nil {
			return err
		}
		if v.Valid {
			l.Value = &v.Float64
		}
		out[at[id]].Detail.Labels = append(out[at[id]].Detail.Labels, l)
		return nil
	})
	if err != nil {
		return err
	}
	// The history, with each event's place in its item's history standing in for its workspace id.
	seqs := map[int64]int{}
	err = each(`SELECT e.id, e.item_id, a.name, e.kind, coalesce(d.name, ''), e.value, coalesce(e.value_text, ''),
		coalesce(e.replaces, 0), e.reason, e.created_at
		FROM events e JOIN annotators a ON a.id = e.annotator_id LEFT JOIN dimensions d ON d.id = e.dimension_id
		WHERE e.item_id IN `+in+` ORDER BY e.item_id, e.id`, func(rows *sql.Rows) error {
		var id, item, replaces int64
		var e review.RecordEvent
		var v sql.NullFloat64
		if err := rows.Scan(&id, &item, &e.Annotator, &e.Kind, &e.Dimension, &v, &e.ValueText, &replaces, &e.Reason, &e.At); err != nil {
			return err
		}
		if v.Valid {
			e.Value = &v.Float64
		}
		d := &out[at[item]].Detail
		e.Seq = len(d.Log) + 1
		e.Replaces = seqs[replaces] // events only ever replace earlier events of the same item
		seqs[id] = e.Seq
		d.Log = append(d.Log, e)
		return nil
	})
	if err != nil {
		return err
	}
	answer := func(who string, v float64, reason, when string) review.RecordAnswer {
		dec := "reject"
		if v == 1 {
			dec = "accept"
		}
		return review.RecordAnswer{Annotator: who, Decision: dec, Reason: reason, When: when}
	}
	err = each(`SELECT h.item_id, a.name, h.value, e.reason, h.created_at FROM human_current h
		JOIN annotators a ON a.id = h.annotator_id JOIN events e ON e.id = h.event_id
		WHERE h.item_id IN `+in+` AND h.dimension_id = `+decisionIDSQL+` AND h.value IS NOT NULL ORDER BY h.item_id, a.name`, func(rows *sql.Rows) error {
		var id int64
		var who, reason, when string
		var v float64
		if err := rows.Scan(&id, &who, &v, &reason, &when); err != nil {
			return err
		}
		out[at[id]].Detail.Answers = append(out[at[id]].Detail.Answers, answer(who, v, reason, when))
		return nil
	})
	if err != nil {
		return err
	}
	// The final decision in force is the latest 'final' no undo withdrew (as decisionExpr reads it).
	err = each(`SELECT e.item_id, a.name, e.value, e.reason, e.created_at FROM events e JOIN annotators a ON a.id = e.annotator_id
		WHERE e.item_id IN `+in+` AND e.kind = 'final' AND e.value IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e.id) ORDER BY e.item_id, e.id`, func(rows *sql.Rows) error {
		var id int64
		var who, reason, when string
		var v float64
		if err := rows.Scan(&id, &who, &v, &reason, &when); err != nil {
			return err
		}
		a := answer(who, v, reason, when)
		out[at[id]].Detail.Final = &a // rows come oldest first: the latest wins
		return nil
	})
	if err != nil {
		return err
	}
	for i := range out {
		r := &out[i]
		r.Detail.DecidedBy = decidedBy(r.Decision, f.Annotator, r.Detail.Answers, r.Detail.Final)
	}
	return nil
}

// decidedBy names who is behind a decision state: the one annotator it was asked for, else the
// adjudicator whose final decision it is (never the annotators the adjudicator overruled or agreed
// with), else the annotators of the majority. Nobody is behind "unreviewed" or "disputed".
func decidedBy(decision, annotator string, answers []review.RecordAnswer, final *review.RecordAnswer) []string {
	want := map[string]string{"accepted": "accept", "rejected": "reject"}[decision]
	switch {
	case want == "":
		return nil
	case annotator != "":
		return []string{annotator}
	case final != nil && final.Decision == want:
		return []string{final.Annotator}
	}
	var by []string
	for _, a := range answers { // sorted by name
		if a.Decision == want {
			by = append(by, a.Annotator)
		}
	}
	return by
}

// eachRow runs a query and calls scan on each row, checking the rows' error at the end.
func (s *Store) eachRow(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := s.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

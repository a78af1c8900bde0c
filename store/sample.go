package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/loupe-dev/loupe/review"
)

// population implements review.Population over the items table.
type population struct {
	q     Querier
	where string
	args  []any
	st    stratum
	f     review.Filter
}

var _ review.Population = (*population)(nil)

// Population returns the items that pass f, grouped as s says, for review.Draw.
func (s *Store) Population(f review.Filter, st review.Stratify) (review.Population, error) {
	where, args, err := FilterSQL(f)
	if err != nil {
		return nil, err
	}
	sq, err := stratumSQL(st, f)
	if err != nil {
		return nil, err
	}
	return &population{q: s.DB, where: where, args: args, st: sq, f: f}, nil
}

func (p *population) MaxID(ctx context.Context) (int64, error) {
	return scanInt(ctx, p.q, `SELECT coalesce(max(id), 0) FROM items`)
}

func (p *population) collect(ctx context.Context, query string, args []any) ([]review.Candidate, error) {
	rows, err := p.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var out []review.Candidate
	for rows.Next() {
		var c review.Candidate
		if err := rows.Scan(&c.ID, &c.Stratum); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (p *population) Probe(ctx context.Context, ids []int64) ([]review.Candidate, error) {
	// One bound JSON array instead of hundreds of parameters.
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	q := fmt.Sprintf(`SELECT id, %s FROM (SELECT items.id AS id, %s AS key FROM items
		WHERE items.id IN (SELECT value FROM json_each(?)) AND %s)`, p.st.name, p.st.key, p.where)
	return p.collect(ctx, q, append([]any{b.String()}, p.args...))
}

func (p *population) Scan(ctx context.Context, strata []string) ([]review.Candidate, error) {
	q := fmt.Sprintf(`SELECT id, st FROM (SELECT id, %s AS st FROM (SELECT items.id AS id, %s AS key FROM items WHERE %s))`,
		p.st.name, p.st.key, p.where)
	args := append([]any{}, p.args...)
	if strata != nil {
		js, _ := json.Marshal(strata)
		q += ` WHERE st IN (SELECT value FROM json_each(?))`
		args = append(args, string(js))
	}
	return p.collect(ctx, q, args)
}

func (p *population) Counts(ctx context.Context) (map[string]int64, error) {
	if subsetOnlyFilter(p.f) {
		out, ok, err := p.keptCounts(ctx)
		if ok || err != nil {
			return out, err
		}
	}
	return p.scanCounts(ctx)
}

// scanCounts counts strata by scanning the filtered items.
func (p *population) scanCounts(ctx context.Context) (map[string]int64, error) {
	q := fmt.Sprintf(`SELECT %s, n FROM (SELECT %s AS key, count(*) AS n FROM items WHERE %s GROUP BY key)`,
		p.st.name, p.st.key, p.where)
	rows, err := p.q.QueryContext(ctx, q, p.args...)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] += n
	}
	return out, rows.Err()
}

func (p *population) Strata(ctx context.Context) ([]string, error) {
	if p.st.declaredSQL == "" {
		return p.st.declared, nil
	}
	rows, err := p.q.QueryContext(ctx, p.st.declaredSQL)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if len(p.f.Subsets) > 0 && p.st.key == "items.subset_id" && !slices.Contains(p.f.Subsets, s) {
			continue
		}
		out = append(out, s)
	}
	if out == nil {
		out = []string{}
	}
	return out, rows.Err()
}

// QueueSpec records how a queue was made, for reproducing it.
type QueueSpec struct {
	Name     string          `json:"name"`
	Strategy string          `json:"strategy"`
	Seed     uint64          `json:"seed"`
	Params   json.RawMessage `json:"params"`
}

// CreateQueue stores a named queue of sampled items, in order. A queue name is used once.
func (s *Store) CreateQueue(ctx context.Context, spec QueueSpec, items []review.Candidate) (int64, error) {
	var id int64
	err := InTx(ctx, s.DB, func(tx *sql.Tx) error {
		params := string(spec.Params)
		if params == "" {
			params = "{}"
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO queues (name, strategy, params, seed) VALUES (?, ?, ?, ?)`,
			spec.Name, spec.Strategy, params, int64(spec.Seed))
		if err != nil {
			return fmt.Errorf("queue %q: %w", spec.Name, wrapErr(err))
		}
		id, _ = res.LastInsertId()
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO queue_items (queue_id, pos, item_id, stratum) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, c := range items {
			if _, err := stmt.ExecContext(ctx, id, i, c.ID, c.Stratum); err != nil {
				return err
			}
		}
		return nil
	})
	return id, err
}

// subsetOnlyFilter reports whether f restricts nothing but kind and subsets (which subset kinds decide).
func subsetOnlyFilter(f review.Filter) bool {
	return len(f.Tracks) == 0 && len(f.Models) == 0 && f.Lang == "" && len(f.Scores) == 0 && f.Queue == "" && f.HasCaption == ""
}

// keptCounts answers Counts from the counts kept as items were added (subsets.n_items, item_counts),
// for filters that select whole subsets. ok is false when the stratification needs a scan.
func (p *population) keptCounts(ctx context.Context) (map[string]int64, bool, error) {
	field := ""
	switch {
	case p.st.by == "subset", p.st.by == "trait":
	case strings.HasPrefix(p.st.by, "score:") && scoreColumns[strings.TrimPrefix(p.st.by, "score:")] != "":
		field = strings.TrimPrefix(p.st.by, "score:")
	default:
		return nil, false, nil
	}
	type sub struct {
		id         int64
		name, kind string
		n          int64
	}
	rows, err := p.q.QueryContext(ctx, `SELECT id, name, kind, n_items FROM subsets
		UNION ALL SELECT 0, '', 'none', coalesce((SELECT sum(n) FROM item_counts WHERE subset_id = 0 AND field = 'trait'), 0)`)
	if err != nil {
		return nil, false, wrapErr(err)
	}
	var subs []sub
	for rows.Next() {
		var s sub
		if err := rows.Scan(&s.id, &s.name, &s.kind, &s.n); err != nil {
			rows.Close()
			return nil, false, err
		}
		bench := s.kind == "benchmark"
		switch {
		case s.n == 0,
			p.f.Kind == "sample" && bench,
			p.f.Kind == "generation" && !bench,
			len(p.f.Subsets) > 0 && !slices.Contains(p.f.Subsets, s.name):
			continue
		}
		subs = append(subs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	out := map[string]int64{}
	add := func(query string, args []any, name func(v any) string) error {
		rows, err := p.q.QueryContext(ctx, query, args...)
		if err != nil {
			return wrapErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			var v any
			var n int64
			if err := rows.Scan(&v, &n); err != nil {
				return err
			}
			out[name(v)] += n
		}
		return rows.Err()
	}
	for _, s := range subs {
		var err error
		switch {
		case p.st.by == "subset":
			out[s.name] += s.n
		case p.st.by == "trait" && s.kind == "benchmark":
			err = add(`SELECT p.track, count(*) FROM items i JOIN generations g ON g.item_id = i.id JOIN prompts p ON p.id = g.prompt_id
				WHERE i.subset_id = ? GROUP BY p.track`, []any{s.id}, asString)
		case p.st.by == "trait":
			err = add(`SELECT value, n FROM item_counts WHERE subset_id = ? AND field = 'trait' AND n > 0`, []any{s.id}, func(v any) string {
				if i, ok := v.(int64); ok && i >= 0 && i < int64(len(review.TraitTracks)) {
					return review.TraitTracks[i]
				}
				return "none"
			})
		default:
			err = add(`SELECT value, n FROM item_counts WHERE subset_id = ? AND field = ? AND n > 0`, []any{s.id, field}, func(v any) string {
				i, _ := v.(int64)
				for _, b := range p.st.bins {
					if i != 15 && float64(i) >= b.Lo && float64(i) <= b.Hi {
						return b.Label()
					}
				}
				return "none"
			})
		}
		if err != nil {
			return nil, false, err
		}
	}
	return out, true, nil
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

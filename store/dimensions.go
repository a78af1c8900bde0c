package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/loupe-dev/loupe/review"
)

// dimIDSQL is the SQL for the id of a dimension, bound by its name: a dimension's id is the row the
// dimensions table holds under that name, never a number written into SQL. SQLite evaluates the
// uncorrelated subquery once per statement. name must be one of review.Dimensions (it is written into
// the SQL as a literal; checkDimension says whether it is).
func dimIDSQL(name string) string {
	return fmt.Sprintf("(SELECT id FROM dimensions WHERE name = '%s')", name)
}

// decisionIDSQL is dimIDSQL of the accept/reject dimension.
var decisionIDSQL = dimIDSQL(review.DecisionDimension)

// checkDimension returns an error naming the known dimensions when name is not one of them.
func checkDimension(name string) error {
	if !slices.Contains(review.Dimensions, name) {
		return fmt.Errorf("unknown dimension %q (want one of %s)", name, strings.Join(review.Dimensions, ", "))
	}
	return nil
}

// DimensionSpecs returns the dimensions of the workspace as its dimensions table holds them, in id
// order; a dimension without a scale reads as 0-10.
func (s *Store) DimensionSpecs(ctx context.Context) ([]review.DimensionSpec, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT d.name, d.kind, coalesce(d.scale_min, 0), coalesce(d.scale_max, 10), d.title,
		coalesce(c.categories, '')
		FROM dimensions d LEFT JOIN dimension_categories c ON c.dimension_id = d.id ORDER BY d.id`)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var out []review.DimensionSpec
	for rows.Next() {
		var d review.DimensionSpec
		var cats string
		if err := rows.Scan(&d.Name, &d.Kind, &d.Min, &d.Max, &d.Title, &cats); err != nil {
			return nil, err
		}
		if cats != "" {
			if err := json.Unmarshal([]byte(cats), &d.Categories); err != nil {
				return nil, fmt.Errorf("dimension %s: categories %q: %w", d.Name, cats, err)
			}
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeclareDimension records a dimension a label file declares: a score on min..max, or with categories
// (names in order; values are their indexes). A dimension that exists keeps its scale: declaring another
// one for it is an error naming both.
func DeclareDimension(ctx context.Context, q Querier, name string, min, max float64, categories []string) error {
	if len(categories) > 0 {
		min, max = 0, float64(len(categories)-1)
	}
	var cur review.DimensionSpec
	var cats string
	err := q.QueryRowContext(ctx, `SELECT d.kind, coalesce(d.scale_min, 0), coalesce(d.scale_max, 10), coalesce(c.categories, '')
		FROM dimensions d LEFT JOIN dimension_categories c ON c.dimension_id = d.id WHERE d.name = ?`, name).Scan(&cur.Kind, &cur.Min, &cur.Max, &cats)
	want, _ := json.Marshal(categories)
	if len(categories) == 0 {
		want = nil
	}
	switch {
	case err == nil:
		if cur.Kind == "decision" || cur.Min != min || cur.Max != max || cats != string(want) {
			have := fmt.Sprintf("%g-%g", cur.Min, cur.Max)
			if cats != "" {
				have = "categories " + cats
			} else if cur.Kind == "decision" {
				have = "accept/reject"
			}
			return fmt.Errorf("dimension %q exists with scale %s: it cannot be declared again with another", name, have)
		}
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return wrapErr(err)
	}
	res, err := q.ExecContext(ctx, `INSERT INTO dimensions (name, kind, scale_min, scale_max, title) VALUES (?, 'score', ?, ?, ?)`,
		name, min, max, name)
	if err != nil {
		return wrapErr(err)
	}
	if len(categories) > 0 {
		id, _ := res.LastInsertId()
		if _, err := q.ExecContext(ctx, `INSERT INTO dimension_categories (dimension_id, categories) VALUES (?, ?)`, id, string(want)); err != nil {
			return wrapErr(err)
		}
	}
	return nil
}

package store

import (
	"context"
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
	rows, err := s.DB.QueryContext(ctx, `SELECT name, kind, coalesce(scale_min, 0), coalesce(scale_max, 10), title
		FROM dimensions ORDER BY id`)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var out []review.DimensionSpec
	for rows.Next() {
		var d review.DimensionSpec
		if err := rows.Scan(&d.Name, &d.Kind, &d.Min, &d.Max, &d.Title); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql/driver"

	"github.com/loupe-dev/loupe/review"
	"github.com/mattn/go-sqlite3"
)

// Counts of items by subset and by each packed field are kept as items are added, so a proportional
// stratified sample over millions of items needs no scan (grouping a million rows costs SQLite most of
// a second here).

// countField names a tallied field: the nine pipeline scores by dimension, then the dominant trait.
func countField(f int) string {
	if f < 9 {
		return review.PipelineScores[f].Dimension
	}
	return "trait"
}

// fieldCounts holds, per field (0-8 pipeline score, 9 trait, 10 total), the count change per value.
type fieldCounts [11][16]int64

// tally accumulates count changes per subset before one write; indexing adds millions of rows, so
// this is arrays, not a map lookup per field.
type tally map[int64]*fieldCounts

func (t tally) add(subset, packed, delta int64) {
	c := t[subset]
	if c == nil {
		c = new(fieldCounts)
		t[subset] = c
	}
	for f := range 9 {
		c[f][(packed>>(16+4*f))&15] += delta
	}
	c[9][(packed>>52)&15] += delta
	c[10][0] += delta
}

const (
	upsertCount  = `INSERT INTO item_counts (subset_id, field, value, n) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n`
	addSubsetTot = `UPDATE subsets SET n_items = n_items + ? WHERE id = ?`
)

func (t tally) each(fn func(q string, args []driver.Value) error) error {
	for sub, c := range t {
		if c[10][0] != 0 {
			if err := fn(addSubsetTot, []driver.Value{c[10][0], sub}); err != nil {
				return err
			}
		}
		for f := range 10 {
			for v, n := range c[f] {
				if n == 0 {
					continue
				}
				if err := fn(upsertCount, []driver.Value{sub, countField(f), int64(v), n}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (t tally) flushRaw(c *sqlite3.SQLiteConn) error {
	return t.each(func(q string, args []driver.Value) error {
		_, err := c.Exec(q, args)
		return err
	})
}

func (t tally) flush(ctx context.Context, q Querier) error {
	return t.each(func(query string, args []driver.Value) error {
		a := make([]any, len(args))
		for i, v := range args {
			a[i] = v
		}
		_, err := q.ExecContext(ctx, query, a...)
		return wrapErr(err)
	})
}

package store

import (
	"context"
	"database/sql"

	"github.com/loupe-dev/loupe/review"
)

// Count is a named count.
type Count struct {
	Name  string `json:"name"`
	Kind  string `json:"kind,omitempty"`
	Count int64  `json:"count"`
}

// LabelCount counts the labels one rater gave on one dimension.
type LabelCount struct {
	Dimension string   `json:"dimension"`
	Rater     string   `json:"rater"`
	RaterKind string   `json:"rater_kind"`
	Count     int64    `json:"count"`
	Failed    int64    `json:"failed"` // labels kept without a value (failed verdicts)
	Mean      *float64 `json:"mean"`
}

// QueueInfo summarises a review queue.
type QueueInfo struct {
	Name     string `json:"name"`
	Strategy string `json:"strategy"`
	Seed     int64  `json:"seed"`
	Size     int64  `json:"size"`
	Decided  int64  `json:"decided"` // items with a current human decision by anyone
	Created  string `json:"created_at"`
	// Pair queues: Size counts pairs and Decided the pairs with at least one person's answer.
	Pairs bool `json:"pairs,omitempty"`
}

// AnnotatorInfo summarises one annotator's work.
type AnnotatorInfo struct {
	Name    string `json:"name"`
	Events  int64  `json:"events"`
	Decided int64  `json:"items_decided"`
}

// Info is an overview of a workspace.
type Info struct {
	Path          string          `json:"path"`
	SchemaVersion int             `json:"schema_version"`
	Items         int64           `json:"items"`
	ByKind        []Count         `json:"items_by_kind"`
	BySubset      []Count         `json:"items_by_subset"`
	Sources       []Count         `json:"sources"`
	Texts         int64           `json:"texts"`
	Prompts       int64           `json:"prompts"`
	Labels        []LabelCount    `json:"labels"`
	Queues        []QueueInfo     `json:"queues"`
	Annotators    []AnnotatorInfo `json:"annotators"`
	Runs          int64           `json:"runs"`
	ImportIssues  int64           `json:"import_issues"`
}

// Info gathers counts by kind, subset, source, dimension and rater, queue and annotator.
func (s *Store) Info(ctx context.Context) (*Info, error) {
	in := &Info{Path: s.Path}
	q := s.DB
	if err := q.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&in.SchemaVersion); err != nil {
		return nil, err
	}
	var err error
	counts := func(query string) ([]Count, error) {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Count
		for rows.Next() {
			var c Count
			if err := rows.Scan(&c.Name, &c.Kind, &c.Count); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, rows.Err()
	}
	// Kept counts instead of scans: info stays instant on millions of items.
	if in.ByKind, err = counts(`SELECT CASE kind WHEN 'benchmark' THEN 'generation' ELSE 'sample' END AS k, '', sum(n) FROM (
		SELECT kind, n_items AS n FROM subsets
		UNION ALL SELECT 'none', coalesce(sum(n), 0) FROM item_counts WHERE subset_id = 0 AND field = 'trait')
		GROUP BY k HAVING sum(n) > 0 ORDER BY k DESC`); err != nil {
		return nil, err
	}
	for _, c := range in.ByKind {
		in.Items += c.Count
	}
	if in.BySubset, err = counts(`SELECT name, kind, n_items FROM subsets WHERE n_items > 0 ORDER BY kind, name`); err != nil {
		return nil, err
	}
	if in.Sources, err = counts(`SELECT kind, CASE WHEN sum(complete) = count(*) THEN 'complete' ELSE (count(*) - sum(complete)) || ' incomplete' END, count(*)
		FROM sources GROUP BY kind ORDER BY kind`); err != nil {
		return nil, err
	}
	if in.Texts, err = scanInt(ctx, q, `SELECT count(*) FROM texts`); err != nil {
		return nil, err
	}
	if in.Prompts, err = scanInt(ctx, q, `SELECT count(*) FROM prompts`); err != nil {
		return nil, err
	}
	if in.Labels, err = s.labelCounts(ctx); err != nil {
		return nil, err
	}
	if in.Queues, err = s.Queues(ctx); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT a.name,
		(SELECT count(*) FROM events e WHERE e.annotator_id = a.id),
		(SELECT count(DISTINCT h.item_id) FROM human_current h WHERE h.annotator_id = a.id AND h.dimension_id = `+decisionIDSQL+`)
		FROM annotators a ORDER BY a.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a AnnotatorInfo
		if err := rows.Scan(&a.Name, &a.Events, &a.Decided); err != nil {
			return nil, err
		}
		in.Annotators = append(in.Annotators, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if in.Runs, err = scanInt(ctx, q, `SELECT count(*) FROM runs`); err != nil {
		return nil, err
	}
	if in.ImportIssues, err = scanInt(ctx, q, `SELECT count(*) FROM import_issues`); err != nil {
		return nil, err
	}
	return in, nil
}

func (s *Store) labelCounts(ctx context.Context) ([]LabelCount, error) {
	var out []LabelCount
	// Pipeline scores live inline in items; their counts are kept per value in item_counts.
	prow, err := s.DB.QueryContext(ctx, `SELECT field, sum(n), sum(n * value) FROM item_counts
		WHERE field != 'trait' AND value != 15 GROUP BY field`)
	if err != nil {
		return nil, err
	}
	sums := map[string][2]int64{}
	for prow.Next() {
		var f string
		var n, tot int64
		if err := prow.Scan(&f, &n, &tot); err != nil {
			prow.Close()
			return nil, err
		}
		sums[f] = [2]int64{n, tot}
	}
	prow.Close()
	for _, p := range review.PipelineScores {
		if c := sums[p.Dimension]; c[0] > 0 {
			m := float64(c[1]) / float64(c[0])
			out = append(out, LabelCount{Dimension: p.Dimension, Rater: "pipeline", RaterKind: "pipeline", Count: c[0], Mean: &m})
		}
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT d.name, r.name, r.kind, count(*), count(*) - count(l.value), avg(l.value)
		FROM labels l JOIN dimensions d ON d.id = l.dimension_id JOIN raters r ON r.id = l.rater_id
		GROUP BY l.dimension_id, l.rater_id
		UNION ALL
		SELECT d.name, 'human:' || a.name, 'human', count(*), count(*) - count(h.value), avg(h.value)
		FROM human_current h JOIN dimensions d ON d.id = h.dimension_id JOIN annotators a ON a.id = h.annotator_id
		GROUP BY h.dimension_id, h.annotator_id
		ORDER BY 1, 3, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var lc LabelCount
		var mean sql.NullFloat64
		if err := rows.Scan(&lc.Dimension, &lc.Rater, &lc.RaterKind, &lc.Count, &lc.Failed, &mean); err != nil {
			return nil, err
		}
		if mean.Valid {
			lc.Mean = &mean.Float64
		}
		out = append(out, lc)
	}
	return out, rows.Err()
}

// Queues lists the review queues with their sizes and progress.
func (s *Store) Queues(ctx context.Context) ([]QueueInfo, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT q.name, q.strategy, q.seed, q.created_at,
		(SELECT count(*) FROM queue_items qi WHERE qi.queue_id = q.id) + (SELECT count(*) FROM pairs p WHERE p.queue_id = q.id),
		(SELECT count(DISTINCT qi.item_id) FROM queue_items qi JOIN human_current h ON h.item_id = qi.item_id
		   WHERE qi.queue_id = q.id AND h.dimension_id = `+decisionIDSQL+`)
		+ (SELECT count(DISTINCT c.pos) FROM pair_current c WHERE c.queue_id = q.id),
		EXISTS (SELECT 1 FROM pair_queues pq WHERE pq.queue_id = q.id)
		FROM queues q ORDER BY q.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []QueueInfo
	for rows.Next() {
		var qi QueueInfo
		if err := rows.Scan(&qi.Name, &qi.Strategy, &qi.Seed, &qi.Created, &qi.Size, &qi.Decided, &qi.Pairs); err != nil {
			return nil, err
		}
		out = append(out, qi)
	}
	return out, rows.Err()
}

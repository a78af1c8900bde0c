package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/loupe-dev/loupe/review"
)

// The queries of the team progress report (loupe progress). Each takes a queue name: "" is the whole
// workspace (every queue, every human value), a name narrows it to that queue's items.

// ProgressQueue is one review queue's figures: its settings and how far its items are decided. An item
// is done when it has the queue's Overlap decisions in force (from any annotators, as leases count them).
type ProgressQueue struct {
	Name       string `json:"name"`
	Overlap    int    `json:"overlap"`
	Blind      bool   `json:"blind"`
	ShowOthers bool   `json:"show_others"`
	Items      int    `json:"items"`     // distinct items in the queue
	Done       int    `json:"done"`      // items with Overlap or more decisions in force
	Left       int    `json:"left"`      // items not done: Items - Done
	Started    int    `json:"started"`   // items with at least one decision but fewer than Overlap
	Decisions  int    `json:"decisions"` // decisions in force on the queue's items, all annotators
}

// ProgressQueues returns the figures of the named queue, or of every queue (by name) when queue is "";
// an unknown queue is an error wrapping ErrNotFound.
func (s *Store) ProgressQueues(ctx context.Context, queue string) ([]ProgressQueue, error) {
	dec, err := DimensionID(ctx, s.DB, review.DecisionDimension)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `WITH dec AS (
			SELECT item_id, count(*) AS n FROM human_current WHERE dimension_id = ?1 GROUP BY item_id)
		SELECT q.name, q.overlap, coalesce(qs.blind, 0), coalesce(qs.show_others, 0),
		       count(qi.item_id),
		       coalesce(sum(coalesce(d.n, 0) >= q.overlap), 0),
		       coalesce(sum(coalesce(d.n, 0) > 0 AND coalesce(d.n, 0) < q.overlap), 0),
		       coalesce(sum(coalesce(d.n, 0)), 0)
		FROM queues q
		LEFT JOIN queue_settings qs ON qs.queue_id = q.id
		LEFT JOIN (SELECT DISTINCT queue_id, item_id FROM queue_items) qi ON qi.queue_id = q.id
		LEFT JOIN dec d ON d.item_id = qi.item_id
		WHERE ?2 = '' OR q.name = ?2
		GROUP BY q.id ORDER BY q.name`, dec, queue)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	out := []ProgressQueue{}
	for rows.Next() {
		var p ProgressQueue
		if err := rows.Scan(&p.Name, &p.Overlap, &p.Blind, &p.ShowOthers, &p.Items, &p.Done, &p.Started, &p.Decisions); err != nil {
			return nil, err
		}
		p.Left = p.Items - p.Done
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(err)
	}
	if err := s.pairProgress(ctx, out); err != nil {
		return nil, err
	}
	if queue != "" && len(out) == 0 {
		return nil, fmt.Errorf("queue %q: %w (make one with loupe sample)", queue, ErrNotFound)
	}
	return out, nil
}

// pairProgress fills in the figures of the pair queues among qs: a pair counts as an item, and a
// person's answer on every dimension the queue asks about as a decision.
func (s *Store) pairProgress(ctx context.Context, qs []ProgressQueue) error {
	for i := range qs {
		q := &qs[i]
		err := s.DB.QueryRowContext(ctx, `WITH pq AS (SELECT q.id, q.overlap,
				length(p.dimensions) - length(replace(p.dimensions, ',', '')) + 1 AS dims
				FROM queues q JOIN pair_queues p ON p.queue_id = q.id WHERE q.name = ?1),
			ans AS (SELECT c.pos, count(*) AS n FROM (SELECT c.pos FROM pair_current c, pq WHERE c.queue_id = pq.id
				GROUP BY c.pos, c.annotator_id HAVING count(*) >= pq.dims) c GROUP BY c.pos)
			SELECT (SELECT count(*) FROM pairs, pq WHERE pairs.queue_id = pq.id),
			       coalesce((SELECT sum(n >= pq.overlap) FROM ans, pq), 0),
			       coalesce((SELECT sum(n < pq.overlap) FROM ans, pq), 0),
			       coalesce((SELECT sum(n) FROM ans), 0)
			FROM pq`, q.Name).Scan(&q.Items, &q.Done, &q.Started, &q.Decisions)
		if errors.Is(err, sql.ErrNoRows) {
			continue // not a pair queue
		}
		if err != nil {
			return wrapErr(err)
		}
		q.Left = q.Items - q.Done
	}
	return nil
}

// ProgressDecision is one annotator's decision in force: on which item, and when it was given (the
// event's created_at, UTC, as stored).
type ProgressDecision struct {
	Annotator string
	Item      int64
	At        string
}

// ProgressDecisions returns every decision in force (accept or reject; the latest not undone, per item
// and annotator), on the named queue's items when queue is not "", ordered by annotator and time.
func (s *Store) ProgressDecisions(ctx context.Context, queue string) ([]ProgressDecision, error) {
	dec, err := DimensionID(ctx, s.DB, review.DecisionDimension)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT a.name, h.item_id, h.created_at
		FROM human_current h JOIN annotators a ON a.id = h.annotator_id
		WHERE h.dimension_id = ?1
		  AND (?2 = '' OR h.item_id IN (SELECT qi.item_id FROM queue_items qi JOIN queues q ON q.id = qi.queue_id WHERE q.name = ?2))
		UNION ALL
		-- a pair answered on every dimension its queue asks about counts as a decision (Item 0: no item)
		SELECT a.name, 0, max(c.created_at) FROM pair_current c JOIN annotators a ON a.id = c.annotator_id
		  JOIN queues q ON q.id = c.queue_id JOIN pair_queues p ON p.queue_id = q.id
		WHERE ?2 = '' OR q.name = ?2
		GROUP BY c.queue_id, c.pos, c.annotator_id
		HAVING count(*) >= length(max(p.dimensions)) - length(replace(max(p.dimensions), ',', '')) + 1
		ORDER BY 1, 3`, dec, queue)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var out []ProgressDecision
	for rows.Next() {
		var d ProgressDecision
		if err := rows.Scan(&d.Annotator, &d.Item, &d.At); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, wrapErr(rows.Err())
}

// ProgressValue is one annotator's value on an item and dimension as agreement statistics read it (the
// human_agreement view: a value revised after the reveal counts as the one given before it), with the
// judges' mean verdict on the same item and dimension (sample 0; nil when no judge gave one).
type ProgressValue struct {
	Annotator string
	Item      int64
	Dimension string
	Value     float64
	Judge     *float64
}

// ProgressValues returns every annotator value with a number (decisions and scores), on the named queue's
// items when queue is not "", ordered by item, dimension and annotator.
func (s *Store) ProgressValues(ctx context.Context, queue string) ([]ProgressValue, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT a.name, h.item_id, d.name, h.value,
		       (SELECT avg(l.value) FROM labels l JOIN raters r ON r.id = l.rater_id
		         WHERE l.item_id = h.item_id AND l.dimension_id = h.dimension_id AND r.kind = 'judge'
		           AND l.sample = 0 AND l.value IS NOT NULL)
		FROM human_agreement h
		JOIN annotators a ON a.id = h.annotator_id
		JOIN dimensions d ON d.id = h.dimension_id
		WHERE h.value IS NOT NULL
		  AND (?1 = '' OR h.item_id IN (SELECT qi.item_id FROM queue_items qi JOIN queues q ON q.id = qi.queue_id WHERE q.name = ?1))
		ORDER BY h.item_id, d.name, a.name`, queue)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var out []ProgressValue
	for rows.Next() {
		var v ProgressValue
		var j sql.NullFloat64
		if err := rows.Scan(&v.Annotator, &v.Item, &v.Dimension, &v.Value, &j); err != nil {
			return nil, err
		}
		if j.Valid {
			v.Judge = &j.Float64
		}
		out = append(out, v)
	}
	return out, wrapErr(rows.Err())
}

// ProgressLease is a lease held now: an annotator holds an item of a queue until ExpiresAt.
type ProgressLease struct {
	Queue     string `json:"queue"`
	Item      string `json:"item"` // the item's external id
	Annotator string `json:"annotator"`
	ExpiresAt int64  `json:"expires_at"` // unix seconds
}

// ProgressLeases returns the leases unexpired at now (unix seconds), of the named queue when queue is
// not "", ordered by queue, annotator and expiry.
func (s *Store) ProgressLeases(ctx context.Context, queue string, now int64) ([]ProgressLease, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT q.name, coalesce(x.ext_id, CAST(l.item_id AS TEXT)), a.name, l.expires_at
		FROM leases l
		JOIN queues q ON q.id = l.queue_id
		JOIN annotators a ON a.id = l.annotator_id
		LEFT JOIN item_ext x ON x.item_id = l.item_id
		WHERE l.expires_at > ?1 AND (?2 = '' OR q.name = ?2)
		ORDER BY q.name, a.name, l.expires_at, l.item_id`, now, queue)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	out := []ProgressLease{}
	for rows.Next() {
		var l ProgressLease
		if err := rows.Scan(&l.Queue, &l.Item, &l.Annotator, &l.ExpiresAt); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, wrapErr(rows.Err())
}

package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/review"
)

// PairGen is one generation that can take part in a pair: its item, prompt and model.
type PairGen struct {
	Item   int64
	Prompt int64
	Model  string
	Track  string
	Lang   string
}

// PairGenerations lists the generations of the given models (all when none), on the given tracks (all
// when none) and language ("" any), ordered by prompt (suite, language, track, index: not by row id,
// which depends on the order things were imported in) then model, so that a seeded sample is the same
// in every workspace that holds the same data.
func (s *Store) PairGenerations(ctx context.Context, models, tracks []string, lang string) ([]PairGen, error) {
	q := `SELECT g.item_id, g.prompt_id, g.model, p.track, p.lang FROM generations g JOIN prompts p ON p.id = g.prompt_id WHERE 1`
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		q += ` AND ` + col + ` IN (?` + strings.Repeat(`, ?`, len(vals)-1) + `)`
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("g.model", models)
	in("p.track", tracks)
	if lang != "" {
		q += ` AND p.lang = ?`
		args = append(args, lang)
	}
	rows, err := s.DB.QueryContext(ctx, q+` ORDER BY p.suite, p.lang, p.track, p.idx, g.model`, args...)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var out []PairGen
	for rows.Next() {
		var g PairGen
		if err := rows.Scan(&g.Item, &g.Prompt, &g.Model, &g.Track, &g.Lang); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// JudgeValues returns every item's value on dimension by the rater named rater (sample 0).
func (s *Store) JudgeValues(ctx context.Context, rater, dimension string) (map[int64]float64, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT l.item_id, l.value FROM labels l
		JOIN raters r ON r.id = l.rater_id JOIN dimensions d ON d.id = l.dimension_id
		WHERE r.name = ? AND d.name = ? AND l.sample = 0 AND l.value IS NOT NULL`, rater, dimension)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	out := map[int64]float64{}
	for rows.Next() {
		var id int64
		var v float64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, rows.Err()
}

// JudgeRaters lists the names of the judge raters with values on dimension.
func (s *Store) JudgeRaters(ctx context.Context, dimension string) ([]string, error) {
	return scanStrings(ctx, s.DB, `SELECT r.name FROM raters r WHERE r.kind = 'judge' AND EXISTS (
		SELECT 1 FROM labels l JOIN dimensions d ON d.id = l.dimension_id WHERE l.rater_id = r.id AND d.name = ?) ORDER BY r.name`, dimension)
}

func scanStrings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// NewPair is one comparison of a pair queue being made.
type NewPair struct {
	A, B  int64
	ALeft bool
}

// CreatePairQueue stores a pair queue: its pairs in order, the dimensions it asks about, its overlap,
// and blind review on (a pair queue shows no model names or judge values until a pair is answered).
func (s *Store) CreatePairQueue(ctx context.Context, spec QueueSpec, dims []string, overlap int, pairs []NewPair) (int64, error) {
	if overlap < 1 {
		overlap = 1
	}
	if len(dims) == 0 {
		dims = []string{review.PairDimensionOverall}
	}
	var id int64
	err := InTx(ctx, s.DB, func(tx *sql.Tx) error {
		params := string(spec.Params)
		if params == "" {
			params = "{}"
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO queues (name, strategy, params, seed, overlap) VALUES (?, ?, ?, ?, ?)`,
			spec.Name, spec.Strategy, params, int64(spec.Seed), overlap)
		if err != nil {
			return fmt.Errorf("queue %q: %w", spec.Name, wrapErr(err))
		}
		id, _ = res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `INSERT INTO pair_queues (queue_id, dimensions) VALUES (?, ?)`, id, strings.Join(dims, ",")); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO queue_settings (queue_id, blind) VALUES (?, 1)`, id); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO pairs (queue_id, pos, item_a, item_b, a_left) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, p := range pairs {
			if _, err := stmt.ExecContext(ctx, id, i, p.A, p.B, p.ALeft); err != nil {
				return fmt.Errorf("pair %d (items %d, %d): %w", i, p.A, p.B, wrapErr(err))
			}
		}
		return nil
	})
	return id, err
}

// PairQueue describes a pair queue.
type PairQueue struct {
	ID         int64
	Name       string
	Dimensions []string
	Overlap    int
	Settings   QueueSettings
	Pairs      int
}

// IsPairQueue reports whether the named queue is a pair queue (false for other queues and unknown names).
func (s *Store) IsPairQueue(ctx context.Context, queue string) (bool, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM pair_queues pq JOIN queues q ON q.id = pq.queue_id WHERE q.name = ?`, queue).Scan(&n)
	return n > 0, wrapErr(err)
}

// PairQueueInfo reads a pair queue's description; ErrNotFound when there is no such pair queue.
func (s *Store) PairQueueInfo(ctx context.Context, queue string) (PairQueue, error) {
	pq := PairQueue{Name: queue}
	var dims string
	err := s.DB.QueryRowContext(ctx, `SELECT q.id, q.overlap, pq.dimensions, coalesce(qs.blind, 0), coalesce(qs.show_others, 0), coalesce(qs.guidelines, ''),
		(SELECT count(*) FROM pairs p WHERE p.queue_id = q.id)
		FROM queues q JOIN pair_queues pq ON pq.queue_id = q.id LEFT JOIN queue_settings qs ON qs.queue_id = q.id WHERE q.name = ?`, queue).
		Scan(&pq.ID, &pq.Overlap, &dims, &pq.Settings.Blind, &pq.Settings.ShowOthers, &pq.Settings.Guidelines, &pq.Pairs)
	if errors.Is(err, sql.ErrNoRows) {
		return pq, fmt.Errorf("pair queue %q: %w (make one with loupe sample --pairs)", queue, ErrNotFound)
	}
	if err != nil {
		return pq, wrapErr(err)
	}
	for d := range strings.SplitSeq(dims, ",") {
		if d = strings.TrimSpace(d); d != "" {
			pq.Dimensions = append(pq.Dimensions, d)
		}
	}
	if len(pq.Dimensions) == 0 {
		pq.Dimensions = []string{review.PairDimensionOverall}
	}
	return pq, nil
}

// pairSelect reads pairs with their prompt, models and the two items' external ids (joined here rather
// than through the item_ext view, whose per-row subquery doubled the time of a 31,500-pair read).
const pairSelect = `SELECT p.pos, p.item_a, p.item_b, p.a_left, pr.id, pr.suite, pr.lang, pr.track, pr.idx, pr.body,
	ga.model, gb.model,
	coalesce(ia.ext_id, xa.prefix || '-' || printf('%0*d', (ia.ext_key >> 39) & 15, ia.ext_key & 549755813887)),
	coalesce(ib.ext_id, xb.prefix || '-' || printf('%0*d', (ib.ext_key >> 39) & 15, ib.ext_key & 549755813887))
	FROM pairs p JOIN generations ga ON ga.item_id = p.item_a JOIN generations gb ON gb.item_id = p.item_b
	JOIN prompts pr ON pr.id = ga.prompt_id
	JOIN items ia ON ia.id = p.item_a LEFT JOIN id_prefixes xa ON xa.id = ia.ext_key >> 43
	JOIN items ib ON ib.id = p.item_b LEFT JOIN id_prefixes xb ON xb.id = ib.ext_key >> 43`

// pairBriefSelect is pairSelect without the prompt's text and the external ids, for statistics.
const pairBriefSelect = `SELECT p.pos, p.item_a, p.item_b, p.a_left, pr.id, pr.suite, pr.lang, pr.track, pr.idx, '',
	ga.model, gb.model, '', ''
	FROM pairs p JOIN generations ga ON ga.item_id = p.item_a JOIN generations gb ON gb.item_id = p.item_b
	JOIN prompts pr ON pr.id = ga.prompt_id`

func scanPair(sc interface{ Scan(...any) error }, queue string) (review.Pair, error) {
	var p review.Pair
	var suite string
	var idx int
	err := sc.Scan(&p.Pos, &p.A.Item, &p.B.Item, &p.ALeft, &p.PromptID, &suite, &p.Lang, &p.Track, &idx, &p.Prompt,
		&p.A.Model, &p.B.Model, &p.A.ExtID, &p.B.ExtID)
	p.Queue = queue
	p.PromptKey = fmt.Sprintf("%s/%s/%s/%d", suite, p.Lang, p.Track, idx)
	return p, err
}

// Pair reads one comparison of a pair queue.
func (s *Store) Pair(ctx context.Context, pq PairQueue, pos int) (review.Pair, error) {
	p, err := scanPair(s.DB.QueryRowContext(ctx, pairSelect+` WHERE p.queue_id = ? AND p.pos = ?`, pq.ID, pos), pq.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("pair queue %q has no pair %d: %w", pq.Name, pos, ErrNotFound)
	}
	return p, wrapErr(err)
}

// Pairs reads every comparison of a pair queue, in order.
func (s *Store) Pairs(ctx context.Context, pq PairQueue) ([]review.Pair, error) {
	return s.pairs(ctx, pq, pairSelect)
}

// PairsBrief is Pairs without the prompts' texts and the items' external ids (Prompt, A.ExtID and
// B.ExtID are empty): what statistics need, read in a fraction of the time.
func (s *Store) PairsBrief(ctx context.Context, pq PairQueue) ([]review.Pair, error) {
	return s.pairs(ctx, pq, pairBriefSelect)
}

func (s *Store) pairs(ctx context.Context, pq PairQueue, sel string) ([]review.Pair, error) {
	rows, err := s.DB.QueryContext(ctx, sel+` WHERE p.queue_id = ? ORDER BY p.pos`, pq.ID)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	out := make([]review.Pair, 0, pq.Pairs)
	for rows.Next() {
		p, err := scanPair(rows, pq.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PairAnswer is one person's choice in force on one pair and dimension.
type PairAnswer struct {
	Pos       int
	Annotator string
	Dimension string
	LeftItem  int64
	Choice    review.Choice
}

// PairAnswers lists the choices in force on a pair queue (all dimensions when dimension is ""), by
// position, annotator and dimension.
func (s *Store) PairAnswers(ctx context.Context, pq PairQueue, dimension string) ([]PairAnswer, error) {
	// What pair_current says, computed in one pass: every choice no undo withdrew, the latest per pair,
	// annotator and dimension kept (the view's per-row max() subquery is 3x slower on a big queue).
	rows, err := s.DB.QueryContext(ctx, `SELECT e.pos, a.name, e.dimension, e.left_item, e.choice FROM pair_events e
		JOIN annotators a ON a.id = e.annotator_id
		WHERE e.queue_id = ?1 AND e.kind = 'choice' AND (?2 = '' OR e.dimension = ?2)
		  AND NOT EXISTS (SELECT 1 FROM pair_events u WHERE u.replaces = e.id AND u.kind = 'undo')
		ORDER BY e.id`, pq.ID, dimension)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	type key struct {
		pos            int
		annotator, dim string
	}
	at := map[key]int{}
	var out []PairAnswer
	for rows.Next() {
		var a PairAnswer
		var ch string
		if err := rows.Scan(&a.Pos, &a.Annotator, &a.Dimension, &a.LeftItem, &ch); err != nil {
			return nil, err
		}
		if a.Choice, err = review.ParseChoice(ch); err != nil {
			return nil, fmt.Errorf("pair %d of %q, %s: %w", a.Pos, pq.Name, a.Annotator, err)
		}
		k := key{a.Pos, a.Annotator, a.Dimension}
		if i, ok := at[k]; ok {
			out[i] = a // a later choice replaces the earlier one
			continue
		}
		at[k] = len(out)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(x, y PairAnswer) int {
		return cmp.Or(cmp.Compare(x.Pos, y.Pos), cmp.Compare(x.Annotator, y.Annotator), cmp.Compare(x.Dimension, y.Dimension))
	})
	return out, nil
}

// PairSession is one annotator working through one pair queue. Every method commits before it returns.
type PairSession struct {
	st          *Store
	Queue       PairQueue
	AnnotatorID int64
	Annotator   string
}

// OpenPairSession starts annotator's session on the named pair queue (creating the annotator if new).
func (s *Store) OpenPairSession(ctx context.Context, queue, annotator string) (*PairSession, error) {
	pq, err := s.PairQueueInfo(ctx, queue)
	if err != nil {
		return nil, err
	}
	ps := &PairSession{st: s, Queue: pq, Annotator: annotator}
	err = InTx(ctx, s.DB, func(tx *sql.Tx) error {
		ps.AnnotatorID, err = EnsureAnnotator(ctx, tx, annotator)
		return err
	})
	return ps, err
}

// complete is the SQL condition "pair p.pos has an answer in force on every dimension from annotator
// ?2" (?1 the queue id, ?3 the number of dimensions).
const pairMine = `(SELECT count(*) FROM pair_current c WHERE c.queue_id = ?1 AND c.pos = p.pos AND c.annotator_id = ?2) >= ?3`

// Lease hands this annotator the next pair to answer, as Session.Lease does for items: pairs they hold
// first, then pairs nobody holds, then pairs others hold, never one with Overlap people answering or
// answered already; except (when >= 0) is left out. It returns the position, or -1 when none is left.
func (ps *PairSession) Lease(ctx context.Context, ttl time.Duration, except int) (int, error) {
	now := time.Now().Unix()
	pos := -1
	dims := len(ps.Queue.Dimensions)
	err := InTx(ctx, ps.st.DB, func(tx *sql.Tx) error {
		var err error
		// pairs this annotator skipped come last, after every other pair
		const notSkipped = " AND NOT EXISTS (SELECT 1 FROM pair_events s WHERE s.queue_id = ?1 AND s.pos = p.pos AND s.annotator_id = ?2 AND s.kind = 'skip')"
		for _, held := range []string{
			"p.pos IN (SELECT l.pos FROM pair_leases l WHERE l.queue_id = ?1 AND l.annotator_id = ?2 AND l.expires_at > ?4)" + notSkipped,
			"NOT EXISTS (SELECT 1 FROM pair_leases l WHERE l.queue_id = ?1 AND l.pos = p.pos AND l.annotator_id != ?2 AND l.expires_at > ?4)" + notSkipped,
			"1" + notSkipped,
			"1",
		} {
			err = tx.QueryRowContext(ctx, `SELECT p.pos FROM pairs p
			WHERE p.queue_id = ?1 AND p.pos != ?6 AND NOT `+pairMine+`
			  AND (SELECT count(DISTINCT c.annotator_id) FROM pair_current c WHERE c.queue_id = ?1 AND c.pos = p.pos AND c.annotator_id != ?2)
			    + (SELECT count(*) FROM pair_leases l WHERE l.queue_id = ?1 AND l.pos = p.pos AND l.annotator_id != ?2 AND l.expires_at > ?4)
			    < ?5
			  AND `+held+`
			ORDER BY p.pos LIMIT 1`, ps.Queue.ID, ps.AnnotatorID, dims, now, ps.Queue.Overlap, except).Scan(&pos)
			if !errors.Is(err, sql.ErrNoRows) {
				break
			}
		}
		if errors.Is(err, sql.ErrNoRows) {
			pos = -1
			return nil
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO pair_leases (queue_id, pos, annotator_id, expires_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO UPDATE SET expires_at = excluded.expires_at`, ps.Queue.ID, pos, ps.AnnotatorID, now+int64(ttl.Seconds()))
		return err
	})
	if err != nil {
		return -1, err
	}
	return pos, nil
}

// ErrPairOverlap refuses an answer on a pair that already has Overlap other people's answers.
var ErrPairOverlap = errors.New("this pair already has the answers the queue asks for")

// Choose records this annotator's choice on one dimension of pair pos, with the item shown on the left.
// A first answer on a pair that Overlap other people answered already is refused (ErrPairOverlap); a
// changed answer is always taken.
func (ps *PairSession) Choose(ctx context.Context, pos int, dimension string, leftItem int64, c review.Choice) (int64, error) {
	if !c.Valid() {
		return 0, fmt.Errorf("pair %d: no choice", pos)
	}
	if !ps.asks(dimension) {
		return 0, fmt.Errorf("pair queue %q does not ask about %q (it asks about %s)", ps.Queue.Name, dimension, strings.Join(ps.Queue.Dimensions, ", "))
	}
	var id int64
	err := InTx(ctx, ps.st.DB, func(tx *sql.Tx) error {
		var a, b int64
		if err := tx.QueryRowContext(ctx, `SELECT item_a, item_b FROM pairs WHERE queue_id = ? AND pos = ?`, ps.Queue.ID, pos).Scan(&a, &b); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("pair queue %q has no pair %d: %w", ps.Queue.Name, pos, ErrNotFound)
			}
			return err
		}
		if leftItem != a && leftItem != b {
			return fmt.Errorf("pair %d: item %d is not one of its two (%d, %d)", pos, leftItem, a, b)
		}
		var mine, others int
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM pair_current WHERE queue_id = ?1 AND pos = ?2 AND annotator_id = ?3),
			(SELECT count(DISTINCT annotator_id) FROM pair_current WHERE queue_id = ?1 AND pos = ?2 AND annotator_id != ?3)`,
			ps.Queue.ID, pos, ps.AnnotatorID).Scan(&mine, &others); err != nil {
			return err
		}
		if mine == 0 && others >= ps.Queue.Overlap {
			return fmt.Errorf("pair %d: %w (%d)", pos, ErrPairOverlap, others)
		}
		var prev sql.NullInt64
		_ = tx.QueryRowContext(ctx, `SELECT event_id FROM pair_current WHERE queue_id = ? AND pos = ? AND annotator_id = ? AND dimension = ?`,
			ps.Queue.ID, pos, ps.AnnotatorID, dimension).Scan(&prev)
		res, err := tx.ExecContext(ctx, `INSERT INTO pair_events (queue_id, pos, annotator_id, kind, dimension, left_item, choice, replaces)
			VALUES (?, ?, ?, 'choice', ?, ?, ?, ?)`, ps.Queue.ID, pos, ps.AnnotatorID, dimension, leftItem, c.String(), prev)
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		if dims := len(ps.Queue.Dimensions); mine+1 >= dims || dims == 1 {
			// answered on every dimension: the lease is done
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pair_current WHERE queue_id = ? AND pos = ? AND annotator_id = ?`,
				ps.Queue.ID, pos, ps.AnnotatorID).Scan(&n); err != nil {
				return err
			}
			if n >= dims {
				_, err = tx.ExecContext(ctx, `DELETE FROM pair_leases WHERE queue_id = ? AND pos = ? AND annotator_id = ?`, ps.Queue.ID, pos, ps.AnnotatorID)
			}
		}
		return err
	})
	return id, err
}

func (ps *PairSession) asks(dim string) bool {
	for _, d := range ps.Queue.Dimensions {
		if d == dim {
			return true
		}
	}
	return false
}

// Mark records a note, flag or skip (kind) with its text on pair pos. A skip gives up the pair's lease:
// Lease hands it to this annotator again only when no other pair is left for them.
func (ps *PairSession) Mark(ctx context.Context, pos int, kind, text string) (int64, error) {
	if kind != "note" && kind != "flag" && kind != "skip" {
		return 0, fmt.Errorf("pair event kind %q: want note, flag or skip", kind)
	}
	var id int64
	err := InTx(ctx, ps.st.DB, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO pair_events (queue_id, pos, annotator_id, kind, reason) VALUES (?, ?, ?, ?, ?)`,
			ps.Queue.ID, pos, ps.AnnotatorID, kind, text)
		if err != nil {
			return wrapErr(err)
		}
		id, _ = res.LastInsertId()
		if kind == "skip" { // a skipped pair is free for others, and comes back to this annotator last
			_, err = tx.ExecContext(ctx, `DELETE FROM pair_leases WHERE queue_id = ? AND pos = ? AND annotator_id = ?`, ps.Queue.ID, pos, ps.AnnotatorID)
		}
		return err
	})
	return id, err
}

// Undo withdraws this annotator's latest choice still in force on pair pos (any dimension): the earlier
// choice, if any, is in force again. ErrNotFound when there is nothing to undo.
func (ps *PairSession) Undo(ctx context.Context, pos int) (review.PairUndone, error) {
	u := review.PairUndone{Pos: pos}
	err := InTx(ctx, ps.st.DB, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT event_id, dimension, choice FROM pair_current WHERE queue_id = ? AND pos = ? AND annotator_id = ?
			ORDER BY event_id DESC LIMIT 1`, ps.Queue.ID, pos, ps.AnnotatorID).Scan(&id, &u.Dimension, &u.New)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("nothing to undo on pair %d: %w", pos, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pair_events (queue_id, pos, annotator_id, kind, dimension, replaces) VALUES (?, ?, ?, 'undo', ?, ?)`,
			ps.Queue.ID, pos, ps.AnnotatorID, u.Dimension, id); err != nil {
			return err
		}
		u.Old = "none"
		var old string
		if tx.QueryRowContext(ctx, `SELECT choice FROM pair_current WHERE queue_id = ? AND pos = ? AND annotator_id = ? AND dimension = ?`,
			ps.Queue.ID, pos, ps.AnnotatorID, u.Dimension).Scan(&old) == nil {
			u.Old = old
		}
		return nil
	})
	return u, err
}

// Choices returns this annotator's choices in force on pair pos, by dimension.
func (ps *PairSession) Choices(ctx context.Context, pos int) (map[string]review.Choice, error) {
	rows, err := ps.st.DB.QueryContext(ctx, `SELECT dimension, choice FROM pair_current WHERE queue_id = ? AND pos = ? AND annotator_id = ?`,
		ps.Queue.ID, pos, ps.AnnotatorID)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	out := map[string]review.Choice{}
	for rows.Next() {
		var d, ch string
		if err := rows.Scan(&d, &ch); err != nil {
			return nil, err
		}
		c, err := review.ParseChoice(ch)
		if err != nil {
			return nil, err
		}
		out[d] = c
	}
	return out, rows.Err()
}

// Notes returns this annotator's notes, flags and skips on pair pos, oldest first, as "kind: text".
func (ps *PairSession) Notes(ctx context.Context, pos int) ([]string, error) {
	return scanStrings(ctx, ps.st.DB, `SELECT kind || ': ' || reason FROM pair_events WHERE queue_id = ? AND pos = ? AND annotator_id = ?
		AND kind IN ('note', 'flag', 'skip') ORDER BY id`, ps.Queue.ID, pos, ps.AnnotatorID)
}

// Progress counts the queue's pairs, those this annotator answered on every dimension and those with
// Overlap people's complete answers.
func (ps *PairSession) Progress(ctx context.Context) (review.PairProgress, error) {
	var p review.PairProgress
	dims := len(ps.Queue.Dimensions)
	err := ps.st.DB.QueryRowContext(ctx, `SELECT count(*),
		coalesce(sum(`+pairMine+`), 0),
		coalesce(sum((SELECT count(*) FROM (SELECT c.annotator_id FROM pair_current c WHERE c.queue_id = ?1 AND c.pos = p.pos
			GROUP BY c.annotator_id HAVING count(*) >= ?3)) >= ?4), 0)
		FROM pairs p WHERE p.queue_id = ?1`, ps.Queue.ID, ps.AnnotatorID, dims, ps.Queue.Overlap).Scan(&p.Total, &p.Mine, &p.Complete)
	return p, wrapErr(err)
}

// PairVerdict is one pairwise judge answer to store: the item shown first and second, and the pick
// ("first", "second", "tie"; "" when the answer could not be read - Error says why).
type PairVerdict struct {
	First, Second int64
	Rater         string
	Model         string
	RubricVersion string
	Dimension     string
	Pick          string
	Justification string
	Raw           string
	Error         string
	RunID         int64
}

// SavePairVerdicts stores pairwise judge answers (a later answer of the same rater, dimension and order
// replaces the earlier one).
func (s *Store) SavePairVerdicts(ctx context.Context, vs []PairVerdict) error {
	return InTx(ctx, s.DB, func(tx *sql.Tx) error {
		raters := map[string]int64{}
		for _, v := range vs {
			rid, ok := raters[v.Rater]
			if !ok {
				var err error
				if rid, err = EnsureRater(ctx, tx, "judge", v.Rater, v.Model, v.RubricVersion); err != nil {
					return err
				}
				raters[v.Rater] = rid
			}
			var pick, run any
			if v.Pick != "" {
				pick = v.Pick
			}
			if v.RunID != 0 {
				run = v.RunID
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO pair_verdicts (first_item, second_item, rater_id, dimension, pick, justification, raw, error, run_id)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (first_item, second_item, rater_id, dimension) DO UPDATE SET pick = excluded.pick,
				justification = excluded.justification, raw = excluded.raw, error = excluded.error, run_id = excluded.run_id,
				created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
				v.First, v.Second, rid, v.Dimension, pick, v.Justification, v.Raw, v.Error, run); err != nil {
				return fmt.Errorf("pair verdict %d, %d: %w", v.First, v.Second, wrapErr(err))
			}
		}
		return nil
	})
}

// StoredPairVerdict is a stored pairwise judge answer.
type StoredPairVerdict struct {
	First, Second int64
	Rater         string
	Dimension     string
	Pick          string // "" when unreadable
	Justification string
	Error         string
}

// PairVerdicts lists the stored pairwise answers on the pairs of queue (both orders), for dimension (all
// when "").
func (s *Store) PairVerdicts(ctx context.Context, pq PairQueue, dimension string) ([]StoredPairVerdict, error) {
	// both orders of every pair, each found through pair_verdicts' unique (first_item, second_item, ...)
	// index: a scan of the queue's pairs per verdict would be quadratic
	rows, err := s.DB.QueryContext(ctx, `SELECT `+pairVerdictColumns+`
		FROM (SELECT item_a AS x, item_b AS y FROM pairs WHERE queue_id = ?1 UNION ALL SELECT item_b, item_a FROM pairs WHERE queue_id = ?1) p
		JOIN pair_verdicts v ON v.first_item = p.x AND v.second_item = p.y
		JOIN raters r ON r.id = v.rater_id
		WHERE ?2 = '' OR v.dimension = ?2`, pq.ID, dimension)
	out, err := scanPairVerdicts(rows, err)
	if err != nil {
		return nil, err
	}
	// sorted here rather than by SQL: a sort of 63,000 rows there took a third of the query's time
	slices.SortFunc(out, func(x, y StoredPairVerdict) int {
		return cmp.Or(cmp.Compare(x.Rater, y.Rater), cmp.Compare(x.First, y.First), cmp.Compare(x.Second, y.Second), cmp.Compare(x.Dimension, y.Dimension))
	})
	return out, nil
}

// PairVerdictsOf lists the stored pairwise answers on items a and b, in both orders.
func (s *Store) PairVerdictsOf(ctx context.Context, a, b int64) ([]StoredPairVerdict, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+pairVerdictColumns+`
		FROM pair_verdicts v JOIN raters r ON r.id = v.rater_id
		WHERE v.first_item = ?1 AND v.second_item = ?2 OR v.first_item = ?2 AND v.second_item = ?1
		ORDER BY r.name, v.dimension, v.first_item`, a, b)
	return scanPairVerdicts(rows, err)
}

// pairVerdictColumns is what scanPairVerdicts reads, in order.
const pairVerdictColumns = `v.first_item, v.second_item, r.name, v.dimension, coalesce(v.pick, ''), v.justification, v.error`

// scanPairVerdicts reads the rows of a pairVerdictColumns query (err: the query's).
func scanPairVerdicts(rows *sql.Rows, err error) ([]StoredPairVerdict, error) {
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var out []StoredPairVerdict
	for rows.Next() {
		var v StoredPairVerdict
		if err := rows.Scan(&v.First, &v.Second, &v.Rater, &v.Dimension, &v.Pick, &v.Justification, &v.Error); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ItemJudgeValue is one judge's value of one item on one dimension.
type ItemJudgeValue struct {
	Item      int64
	Rater     string
	Dimension string
	Value     float64
}

// ItemJudgeValues lists the judges' values (sample 0) of the given items on the given dimensions, by
// rater and dimension: the few labels of two pictures, read through labels' (item, dimension, rater)
// index rather than every label of each judge.
func (s *Store) ItemJudgeValues(ctx context.Context, items []int64, dims []string) ([]ItemJudgeValue, error) {
	if len(items) == 0 || len(dims) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(items)+len(dims))
	for _, it := range items {
		args = append(args, it)
	}
	for _, d := range dims {
		args = append(args, d)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT l.item_id, r.name, d.name, l.value FROM labels l
		JOIN raters r ON r.id = l.rater_id JOIN dimensions d ON d.id = l.dimension_id
		WHERE l.item_id IN (?`+strings.Repeat(`, ?`, len(items)-1)+`) AND d.name IN (?`+strings.Repeat(`, ?`, len(dims)-1)+`)
		  AND r.kind = 'judge' AND l.sample = 0 AND l.value IS NOT NULL
		ORDER BY r.name, d.id, l.item_id`, args...)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var out []ItemJudgeValue
	for rows.Next() {
		var v ItemJudgeValue
		if err := rows.Scan(&v.Item, &v.Rater, &v.Dimension, &v.Value); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

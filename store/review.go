package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-dev/loupe/review"
)

// Session is one annotator working through one queue. Every method commits before it returns, so what
// the screen acknowledges is on disk (WAL, synchronous=NORMAL: safe from a killed process).
type Session struct {
	st          *Store
	QueueID     int64
	Queue       string
	Overlap     int
	AnnotatorID int64
	Annotator   string
	Items       []int64       // the queue's items in order (only those passing the filter after Restrict)
	Settings    QueueSettings // the queue's review settings, as they were when the session opened

	where       string // Restrict's SQL condition over items; empty: the whole queue
	whereArgs   []any
	idx         map[int64]int // item id -> position in Items, built on first use
	decisionDim int64         // the id of the decision dimension, read by name at OpenSession
}

// OpenSession starts annotator's session on the named queue (creating the annotator if new).
func (s *Store) OpenSession(ctx context.Context, queue, annotator string) (*Session, error) {
	ses := &Session{st: s, Queue: queue, Annotator: annotator}
	err := s.DB.QueryRowContext(ctx, `SELECT q.id, q.overlap, coalesce(qs.blind, 0), coalesce(qs.show_others, 0), coalesce(qs.guidelines, '')
		FROM queues q LEFT JOIN queue_settings qs ON qs.queue_id = q.id WHERE q.name = ?`, queue).
		Scan(&ses.QueueID, &ses.Overlap, &ses.Settings.Blind, &ses.Settings.ShowOthers, &ses.Settings.Guidelines)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("queue %q: %w (make one with loupe sample)", queue, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if ses.decisionDim, err = DimensionID(ctx, s.DB, review.DecisionDimension); err != nil {
		return nil, err
	}
	if err := InTx(ctx, s.DB, func(tx *sql.Tx) error {
		id, err := EnsureAnnotator(ctx, tx, annotator)
		ses.AnnotatorID = id
		return err
	}); err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT item_id FROM queue_items WHERE queue_id = ? ORDER BY pos`, ses.QueueID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ses.Items = append(ses.Items, id)
	}
	return ses, rows.Err()
}

// Decided returns, per position in Items, whether this annotator has a decision in force on that item
// (accept or reject; a skip is not a decision).
func (ses *Session) Decided(ctx context.Context) ([]bool, error) {
	rows, err := ses.st.DB.QueryContext(ctx, `SELECT qi.pos, qi.item_id FROM queue_items qi
		JOIN human_current h ON h.item_id = qi.item_id AND h.annotator_id = ? AND h.dimension_id = ?
		WHERE qi.queue_id = ?`, ses.AnnotatorID, ses.decisionDim, ses.QueueID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]bool, len(ses.Items))
	for rows.Next() {
		var qpos int
		var item int64
		if err := rows.Scan(&qpos, &item); err != nil {
			return nil, err
		}
		if pos, ok := ses.Position(qpos, item); ok {
			out[pos] = true
		}
	}
	return out, rows.Err()
}

// Resume returns where this annotator picks the queue up: the position after the item (within Items)
// they decided most recently (by event, decisions in force); when that is past the end, the first
// position they have not decided (len(Items) when all are); when they decided nothing, 0.
func (ses *Session) Resume(ctx context.Context) (int, error) {
	rows, err := ses.st.DB.QueryContext(ctx, `SELECT qi.pos, qi.item_id, h.event_id FROM queue_items qi
		JOIN human_current h ON h.item_id = qi.item_id AND h.annotator_id = ? AND h.dimension_id = ?
		WHERE qi.queue_id = ?`, ses.AnnotatorID, ses.decisionDim, ses.QueueID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	done := make([]bool, len(ses.Items))
	last, lastEvent := -1, int64(-1)
	for rows.Next() {
		var qpos int
		var item, ev int64
		if err := rows.Scan(&qpos, &item, &ev); err != nil {
			return 0, err
		}
		if pos, ok := ses.Position(qpos, item); ok {
			done[pos] = true
			if ev > lastEvent {
				last, lastEvent = pos, ev
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if last+1 < len(done) {
		return last + 1, nil
	}
	for i, d := range done {
		if !d {
			return i, nil
		}
	}
	return len(done), nil
}

// ErrOverlapFull is wrapped by the error refusing a decision on an item that already has its queue's
// overlap of decisions from other annotators.
var ErrOverlapFull = errors.New("not recorded")

// Record stores one of the annotator's actions as an event and returns its id (see review.Action):
//   - a decision (accept or reject, Text its reason) ends this annotator's lease on the item; it is refused,
//     with an error wrapping ErrOverlapFull, when the queue's overlap K (above 1) of other annotators
//     already have a decision in force on the item and this annotator has none;
//   - a score is the annotator's own value 0-10 on a score dimension;
//   - with AfterReveal a decision or score is stored as kind revised_after_reveal (in force like a set;
//     agreement statistics read the value given before the reveal: human_agreement);
//   - a skip keeps its reason (review.SkipBroken or SkipLater; empty is SkipLater);
//   - a flag keeps its reason as given (empty allowed); an unflag withdraws this annotator's flag in force
//     on the item (an error when there is none);
//   - a note attaches Text to the item.
func (ses *Session) Record(ctx context.Context, a review.Action) (int64, error) {
	kind := "set"
	if a.AfterReveal {
		kind = "revised_after_reveal"
	}
	switch a.Kind {
	case review.ActDecide:
		v, txt := 0.0, "reject"
		if a.Accept {
			v, txt = 1, "accept"
		}
		return ses.append(ctx, NewEvent{ItemID: a.Item, Dimension: review.DecisionDimension, Kind: kind, Value: &v, ValueText: txt, Reason: a.Text})
	case review.ActScore:
		if a.Value < 0 || a.Value > 10 || a.Value != a.Value {
			return 0, fmt.Errorf("score %v is outside 0-10", a.Value)
		}
		if a.Dimension == review.DecisionDimension {
			return 0, fmt.Errorf("score on %q: a decision is accept or reject", a.Dimension)
		}
		v := a.Value
		return ses.append(ctx, NewEvent{ItemID: a.Item, Dimension: a.Dimension, Kind: kind, Value: &v, Reason: a.Text})
	case review.ActSkip:
		reason := a.Text
		switch reason {
		case "":
			reason = review.SkipLater
		case review.SkipLater, review.SkipBroken:
		default:
			return 0, fmt.Errorf("skip reason %q: want %s or %s", reason, review.SkipBroken, review.SkipLater)
		}
		return ses.append(ctx, NewEvent{ItemID: a.Item, Kind: "skip", Reason: reason})
	case review.ActFlag:
		return ses.append(ctx, NewEvent{ItemID: a.Item, Kind: "flag", Reason: a.Text})
	case review.ActUnflag:
		return ses.append(ctx, NewEvent{ItemID: a.Item, Kind: "unflag"})
	case review.ActNote:
		return ses.append(ctx, NewEvent{ItemID: a.Item, Kind: "note", Reason: a.Text})
	}
	return 0, fmt.Errorf("unknown review action %d", a.Kind)
}

// Decide records accept (true) or reject (false) for an item, ending this annotator's lease on it (as
// Record with review.ActDecide: refused past the queue's overlap).
func (ses *Session) Decide(ctx context.Context, item int64, accept bool, reason string) (int64, error) {
	return ses.Record(ctx, review.Action{Kind: review.ActDecide, Item: item, Accept: accept, Text: reason})
}

// SetScore records the annotator's own value on a score dimension (an override when a machine gave one).
func (ses *Session) SetScore(ctx context.Context, item int64, dim string, value float64, reason string) (int64, error) {
	return ses.Record(ctx, review.Action{Kind: review.ActScore, Item: item, Dimension: dim, Value: value, Text: reason})
}

// Skip records that the annotator passed over an item for now (reason review.SkipLater).
func (ses *Session) Skip(ctx context.Context, item int64) (int64, error) {
	return ses.Record(ctx, review.Action{Kind: review.ActSkip, Item: item})
}

// Flag marks an item for adjudication, with a reason.
func (ses *Session) Flag(ctx context.Context, item int64, reason string) (int64, error) {
	return ses.Record(ctx, review.Action{Kind: review.ActFlag, Item: item, Text: reason})
}

// Unflag withdraws this annotator's flag in force on an item (an error when there is none).
func (ses *Session) Unflag(ctx context.Context, item int64) (int64, error) {
	return ses.Record(ctx, review.Action{Kind: review.ActUnflag, Item: item})
}

// Note attaches free text to an item.
func (ses *Session) Note(ctx context.Context, item int64, text string) (int64, error) {
	return ses.Record(ctx, review.Action{Kind: review.ActNote, Item: item, Text: text})
}

// isValueKind reports whether an event kind sets a value (in force until undone or replaced).
func isValueKind(kind string) bool { return kind == "set" || kind == "revised_after_reveal" }

func (ses *Session) append(ctx context.Context, e NewEvent) (int64, error) {
	e.AnnotatorID, e.QueueID = ses.AnnotatorID, ses.QueueID
	var id int64
	err := InTx(ctx, ses.st.DB, func(tx *sql.Tx) error {
		decision := isValueKind(e.Kind) && e.Dimension == review.DecisionDimension
		if decision {
			if err := ses.checkOverlap(ctx, tx, e.ItemID); err != nil {
				return err
			}
		}
		if e.Kind == "unflag" {
			err := tx.QueryRowContext(ctx, `SELECT event_id FROM flag_current WHERE item_id = ? AND annotator_id = ?`,
				e.ItemID, ses.AnnotatorID).Scan(&e.Replaces)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("item %s: %s has no flag on it to withdraw", ses.extID(ctx, tx, e.ItemID), ses.Annotator)
			}
			if err != nil {
				return err
			}
		}
		if e.Kind == "revised_after_reveal" {
			// as AppendEvent does for a set: the revision replaces the value in force
			err := tx.QueryRowContext(ctx, `SELECT coalesce(max(h.event_id), 0) FROM human_current h JOIN dimensions d ON d.id = h.dimension_id
				WHERE h.item_id = ? AND h.annotator_id = ? AND d.name = ?`, e.ItemID, e.AnnotatorID, e.Dimension).Scan(&e.Replaces)
			if err != nil {
				return err
			}
		}
		var err error
		if id, err = AppendEvent(ctx, tx, e); err != nil {
			return err
		}
		if decision {
			_, err = tx.ExecContext(ctx, `DELETE FROM leases WHERE queue_id = ? AND item_id = ? AND annotator_id = ?`,
				ses.QueueID, e.ItemID, ses.AnnotatorID)
		}
		return err
	})
	return id, err
}

// checkOverlap refuses (ErrOverlapFull) a decision by this annotator on an item that the queue's overlap
// K (above 1) of other annotators already decided, unless this annotator has a decision in force on it.
// It runs in the transaction that appends the decision (an immediate one: concurrent sessions wait).
func (ses *Session) checkOverlap(ctx context.Context, tx *sql.Tx, item int64) error {
	var k, others, mine int
	err := tx.QueryRowContext(ctx, `SELECT q.overlap,
		(SELECT count(*) FROM human_current h WHERE h.item_id = ?2 AND h.dimension_id = ?3 AND h.annotator_id != ?4),
		(SELECT count(*) FROM human_current h WHERE h.item_id = ?2 AND h.dimension_id = ?3 AND h.annotator_id = ?4)
		FROM queues q WHERE q.id = ?1`, ses.QueueID, item, ses.decisionDim, ses.AnnotatorID).Scan(&k, &others, &mine)
	if err != nil {
		return err
	}
	if k <= 1 || mine > 0 || others < k {
		return nil
	}
	return fmt.Errorf("item %s already has %d decisions (overlap %d): %w", ses.extID(ctx, tx, item), others, k, ErrOverlapFull)
}

// extID returns an item's external id, or its number when it cannot be read.
func (ses *Session) extID(ctx context.Context, q Querier, item int64) string {
	var ext string
	if err := q.QueryRowContext(ctx, `SELECT `+extIDExpr+` FROM items i WHERE i.id = ?`, item).Scan(&ext); err != nil || ext == "" {
		return strconv.FormatInt(item, 10)
	}
	return ext
}

// Undo withdraws this annotator's latest value (decision or score) still in force in this queue and
// returns the item it was on (0 when there is nothing to undo). Undo is unlimited: each call goes one
// further back through the history, which keeps every event. UndoChange also undoes flags and notes.
func (ses *Session) Undo(ctx context.Context) (int64, error) {
	u, err := ses.undo(ctx, 0, "'set', 'revised_after_reveal'")
	return u.Item, err
}

// UndoChange withdraws this annotator's latest change still in force in this queue (a value, a
// revision after the reveal, a flag, an unflag or a note; not a skip), on item only when item is not 0,
// and says what it withdrew: for a value, New is the value it had and Old the one in force after the undo
// ("none" when none). Undone.Item 0: there was nothing to undo. Each call goes one further back.
func (ses *Session) UndoChange(ctx context.Context, item int64) (review.Undone, error) {
	return ses.undo(ctx, item, "'set', 'revised_after_reveal', 'flag', 'unflag', 'note'")
}

func (ses *Session) undo(ctx context.Context, item int64, kinds string) (review.Undone, error) {
	var u review.Undone
	err := InTx(ctx, ses.st.DB, func(tx *sql.Tx) error {
		u = review.Undone{}
		var ev int64
		var dim sql.NullInt64
		var dimName, valueText, reason sql.NullString
		var value sql.NullFloat64
		err := tx.QueryRowContext(ctx, `SELECT e.id, e.item_id, e.kind, e.dimension_id, d.name, e.value, e.value_text, e.reason
			FROM events e LEFT JOIN dimensions d ON d.id = e.dimension_id
			WHERE e.annotator_id = ?1 AND e.queue_id = ?2 AND e.kind IN (`+kinds+`) AND (?3 = 0 OR e.item_id = ?3)
			  AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e.id)
			ORDER BY e.id DESC LIMIT 1`, ses.AnnotatorID, ses.QueueID, item).
			Scan(&ev, &u.Item, &u.Kind, &dim, &dimName, &value, &valueText, &reason)
		if errors.Is(err, sql.ErrNoRows) {
			u = review.Undone{}
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := AppendEvent(ctx, tx, NewEvent{ItemID: u.Item, AnnotatorID: ses.AnnotatorID, QueueID: ses.QueueID, Kind: "undo", Replaces: ev}); err != nil {
			return err
		}
		u.ExtID = ses.extID(ctx, tx, u.Item)
		u.Old = "none"
		switch u.Kind {
		case "set", "revised_after_reveal":
			u.Dimension = dimName.String
			u.New = valueString(value, valueText)
			err := tx.QueryRowContext(ctx, `SELECT h.value, h.value_text FROM human_current h
				WHERE h.item_id = ? AND h.annotator_id = ? AND h.dimension_id = ?`, u.Item, ses.AnnotatorID, dim).Scan(&value, &valueText)
			switch {
			case err == nil:
				u.Old = valueString(value, valueText)
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		case "flag", "unflag":
			u.New = u.Kind
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM flag_current WHERE item_id = ? AND annotator_id = ?`,
				u.Item, ses.AnnotatorID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				u.Old = "flag"
			}
		case "note":
			u.New = reason.String
		}
		return nil
	})
	if err != nil {
		return review.Undone{}, err
	}
	return u, nil
}

// valueString writes an event's value as the screen names it: its text (accept, reject), else the number.
func valueString(v sql.NullFloat64, text sql.NullString) string {
	switch {
	case text.Valid && text.String != "":
		return text.String
	case v.Valid:
		return strconv.FormatFloat(v.Float64, 'f', -1, 64)
	}
	return "none"
}

// Agreement counts this annotator's score values in force on the queue's items (the decision left out)
// that have a judge verdict on the same item and dimension (Total; the judges' mean when several gave
// one, never the pipeline's), and those within 1 of it (Agree).
func (ses *Session) Agreement(ctx context.Context) (review.AgreementCount, error) {
	var c review.AgreementCount
	err := ses.st.DB.QueryRowContext(ctx, `SELECT count(j), coalesce(sum(abs(v - j) <= 1), 0) FROM (
		SELECT h.value AS v,
		       (SELECT avg(l.value) FROM labels l JOIN raters r ON r.id = l.rater_id
		         WHERE l.item_id = h.item_id AND l.dimension_id = h.dimension_id AND r.kind = 'judge'
		           AND l.sample = 0 AND l.value IS NOT NULL) AS j
		  FROM (SELECT DISTINCT item_id FROM queue_items WHERE queue_id = ?1) qi
		  JOIN human_current h ON h.item_id = qi.item_id AND h.annotator_id = ?2 AND h.dimension_id != ?3
		 WHERE h.value IS NOT NULL)`, ses.QueueID, ses.AnnotatorID, ses.decisionDim).Scan(&c.Total, &c.Agree)
	return c, wrapErr(err)
}

// Lease hands this annotator the next item of the queue, in queue order, that the annotator has not
// decided, that has fewer than Overlap decisions in force, and that fewer annotators than the missing
// decisions hold unexpired leases on - first one the annotator already holds (LeaseAhead reserved it),
// then one nobody else holds, so people working at the same time get different items while there are
// free ones; the lease lasts ttl. It returns the position in Items (the queue position unless Restrict
// narrowed the session), or -1 when nothing is left for this annotator. Concurrent sessions on one
// workspace never push an item past Overlap decisions through leases: the check and the lease are one
// immediate transaction.
func (ses *Session) Lease(ctx context.Context, ttl time.Duration) (int, error) {
	return ses.lease(ctx, ttl, 0)
}

// LeaseAhead reserves, besides the current item, the one this annotator gets next (as Lease would,
// leaving current out), so its picture can be prepared while they work on the current one; the next
// Lease hands it out. It returns its position, or -1 when nothing else is left.
func (ses *Session) LeaseAhead(ctx context.Context, ttl time.Duration, current int64) (int, error) {
	return ses.lease(ctx, ttl, current)
}

func (ses *Session) lease(ctx context.Context, ttl time.Duration, except int64) (int, error) {
	now := time.Now().Unix()
	pos := -1
	cond, args := ses.leaseFilter()
	err := InTx(ctx, ses.st.DB, func(tx *sql.Tx) error {
		var qpos int
		var item int64
		// Scans in queue order, each stopping at its first item (an ORDER BY on who holds an item would
		// read the whole queue): items this annotator holds, free items, then those others hold.
		var err error
		for _, held := range []string{
			// the annotator's own leases are few: read from the leases table, not by a queue scan
			"qi.item_id IN (SELECT l.item_id FROM leases l WHERE l.queue_id = ?1 AND l.annotator_id = ?2 AND l.expires_at > ?4)",
			"NOT EXISTS (SELECT 1 FROM leases l WHERE l.queue_id = ?1 AND l.item_id = qi.item_id AND l.annotator_id != ?2 AND l.expires_at > ?4)",
			"1",
		} {
			err = tx.QueryRowContext(ctx, `SELECT qi.pos, qi.item_id FROM queue_items qi
			WHERE qi.queue_id = ?1 AND qi.item_id != ?6
			  AND NOT EXISTS (SELECT 1 FROM human_current h WHERE h.item_id = qi.item_id AND h.annotator_id = ?2 AND h.dimension_id = ?3)
			  AND (SELECT count(*) FROM human_current h WHERE h.item_id = qi.item_id AND h.dimension_id = ?3)
			    + (SELECT count(*) FROM leases l WHERE l.queue_id = ?1 AND l.item_id = qi.item_id AND l.annotator_id != ?2 AND l.expires_at > ?4)
			    < ?5
			  AND `+held+cond+`
			ORDER BY qi.pos LIMIT 1`, append([]any{ses.QueueID, ses.AnnotatorID, ses.decisionDim, now, ses.Overlap, except}, args...)...).Scan(&qpos, &item)
			if !errors.Is(err, sql.ErrNoRows) {
				break
			}
		}
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		p, ok := ses.Position(qpos, item)
		if !ok {
			return fmt.Errorf("lease: item %d is not in the session", item)
		}
		pos = p
		_, err = tx.ExecContext(ctx, `INSERT INTO leases (queue_id, item_id, annotator_id, expires_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO UPDATE SET expires_at = excluded.expires_at`, ses.QueueID, item, ses.AnnotatorID, now+int64(ttl.Seconds()))
		return err
	})
	if err != nil {
		return -1, err
	}
	return pos, nil
}

// SetOverlap sets how many annotators should decide each item of a queue.
func (s *Store) SetOverlap(ctx context.Context, queue string, k int) error {
	if k < 1 {
		return fmt.Errorf("overlap %d: want at least 1", k)
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE queues SET overlap = ? WHERE name = ?`, k, queue)
	if err != nil {
		return wrapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("queue %q: %w", queue, ErrNotFound)
	}
	return nil
}

// QueueSettings are a queue's review settings.
type QueueSettings struct {
	// Blind: judge and pipeline values stay hidden until the annotator decided the item.
	Blind bool `json:"blind"`
	// ShowOthers: in overlap mode, other annotators' answers may be shown before one's own decision.
	ShowOthers bool `json:"show_others"`
	// Guidelines are the queue's instructions, markdown ("" when none).
	Guidelines string `json:"guidelines"`
}

// QueueSettings returns a queue's review settings (an error wrapping ErrNotFound for an unknown queue).
func (s *Store) QueueSettings(ctx context.Context, queue string) (QueueSettings, error) {
	var qs QueueSettings
	err := s.DB.QueryRowContext(ctx, `SELECT coalesce(qs.blind, 0), coalesce(qs.show_others, 0), coalesce(qs.guidelines, '')
		FROM queues q LEFT JOIN queue_settings qs ON qs.queue_id = q.id WHERE q.name = ?`, queue).
		Scan(&qs.Blind, &qs.ShowOthers, &qs.Guidelines)
	if errors.Is(err, sql.ErrNoRows) {
		return qs, fmt.Errorf("queue %q: %w", queue, ErrNotFound)
	}
	return qs, wrapErr(err)
}

// SetQueueSettings replaces a queue's review settings.
func (s *Store) SetQueueSettings(ctx context.Context, queue string, qs QueueSettings) error {
	return s.setQueue(ctx, queue, []string{"blind", "show_others", "guidelines"}, qs.Blind, qs.ShowOthers, qs.Guidelines)
}

// SetQueueBlind turns a queue's blind mode on or off.
func (s *Store) SetQueueBlind(ctx context.Context, queue string, blind bool) error {
	return s.setQueue(ctx, queue, []string{"blind"}, blind)
}

// SetQueueGuidelines replaces a queue's guidelines (markdown; "" removes them).
func (s *Store) SetQueueGuidelines(ctx context.Context, queue, guidelines string) error {
	return s.setQueue(ctx, queue, []string{"guidelines"}, guidelines)
}

// setQueue sets settings columns (constant names) of the named queue, leaving the others as they are (an
// error wrapping ErrNotFound when there is no such queue).
func (s *Store) setQueue(ctx context.Context, queue string, cols []string, vals ...any) error {
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = excluded." + c
	}
	res, err := s.DB.ExecContext(ctx, `INSERT INTO queue_settings (queue_id, `+strings.Join(cols, ", ")+`)
		SELECT id, `+ph+` FROM queues WHERE name = ? ON CONFLICT (queue_id) DO UPDATE SET `+strings.Join(set, ", "),
		append(vals, queue)...)
	if err != nil {
		return wrapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("queue %q: %w", queue, ErrNotFound)
	}
	return nil
}

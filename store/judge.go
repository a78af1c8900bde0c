package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/loupe-dev/loupe/review"
)

// JudgeCache finds raw judge responses by the content address of their request (it satisfies
// judge.Cache).
type JudgeCache struct{ S *Store }

// Get returns the cached 200 body for a request key.
func (c JudgeCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var b []byte
	err := c.S.DB.QueryRowContext(ctx, `SELECT response FROM judge_cache WHERE key = ?`, key).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, wrapErr(err)
}

// SaveVerdicts stores verdicts and their raw responses in one transaction (so a response is never
// cached without its verdict or the reverse) and clears their pending batch entries. A verdict the rater
// already gave for that item and dimension is left as it was.
func (s *Store) SaveVerdicts(ctx context.Context, vs []review.Verdict) error {
	if len(vs) == 0 {
		return nil
	}
	return InTx(ctx, s.DB, func(tx *sql.Tx) error {
		for _, v := range vs {
			if v.Key != "" && v.Response != nil {
				if _, err := tx.ExecContext(ctx, `INSERT INTO judge_cache (key, backend, model, response, input_tokens, output_tokens)
					VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, v.Key, v.Backend, v.Model, v.Response, v.InputTokens, v.OutputTokens); err != nil {
					return err
				}
			}
			dim, err := DimensionID(ctx, tx, v.Dimension)
			if err != nil {
				return err
			}
			var val sql.NullFloat64
			if v.Value != nil {
				val = sql.NullFloat64{Float64: *v.Value, Valid: true}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO labels (item_id, dimension_id, rater_id, sample, value, justification, raw, run_id, rubric_hash, error)
				VALUES (?, ?, ?, ?, ?, nullif(?, ''), nullif(?, ''), nullif(?, 0), nullif(?, ''), nullif(?, '')) ON CONFLICT DO NOTHING`,
				v.ItemID, dim, v.RaterID, v.Sample, val, v.Justification, v.Raw, v.RunID, v.RubricHash, v.Error); err != nil {
				return err
			}
			if v.Parse != "" {
				if _, err := tx.ExecContext(ctx, `INSERT INTO label_parse (item_id, dimension_id, rater_id, sample, mode) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT DO NOTHING`, v.ItemID, dim, v.RaterID, v.Sample, v.Parse); err != nil {
					return err
				}
			}
			if v.Key != "" {
				if _, err := tx.ExecContext(ctx, `DELETE FROM judge_pending WHERE key = ?`, v.Key); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// RunTotals are a run's counts, tokens and cost.
type RunTotals struct {
	Requests, Cached, Verdicts, Failed int
	InputTokens, OutputTokens          int
	CostUSD                            float64
}

// StartRun records a run (judge, pipeline, generate), with the process running it, and returns its id.
// Runs that a dead process left running are marked interrupted first (ReapRuns).
func (s *Store) StartRun(ctx context.Context, kind, backend, model, settings, rubricHash string) (int64, error) {
	if settings == "" {
		settings = "{}"
	}
	// runs left running by processes that died are recorded as interrupted first
	if _, err := s.ReapRuns(ctx); err != nil {
		return 0, err
	}
	host, _ := os.Hostname()
	var id int64
	err := InTx(ctx, s.DB, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO runs (kind, backend, model, settings, rubric_hash) VALUES (?, ?, ?, ?, ?)`,
			kind, backend, model, settings, rubricHash)
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO run_processes (run_id, pid, host) VALUES (?, ?, ?)`, id, os.Getpid(), host)
		return err
	})
	return id, wrapErr(err)
}

// FinishRun records how a run ended and what it cost. "interrupted" (calls in flight abandoned) is
// stored as cancelled with the run's process marked interrupted (see 0010_runs.sql).
func (s *Store) FinishRun(ctx context.Context, id int64, status string, t RunTotals) error {
	interrupted := status == "interrupted"
	if interrupted {
		status = "cancelled"
	}
	return wrapErr(InTx(ctx, s.DB, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
		requests = ?, cached = ?, verdicts = ?, failed = ?, input_tokens = ?, output_tokens = ?, cost_usd = ? WHERE id = ?`,
			status, t.Requests, t.Cached, t.Verdicts, t.Failed, t.InputTokens, t.OutputTokens, t.CostUSD, id); err != nil {
			return err
		}
		if interrupted {
			return markInterrupted(ctx, tx, id)
		}
		return nil
	}))
}

// markInterrupted records that a run was interrupted (its process row made if it had none).
func markInterrupted(ctx context.Context, q Querier, id int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO run_processes (run_id, pid, host, interrupted) VALUES (?, 0, '', 1)
		ON CONFLICT (run_id) DO UPDATE SET interrupted = 1`, id)
	return err
}

// JudgeTarget is an item a judge can be asked about: its picture, its prompt and its track.
type JudgeTarget struct {
	ItemID int64
	ExtID  string
	Kind   string // "generation" or "sample"
	Track  string // PRISM-Bench track; for samples, the track of the dominant trait
	Prompt string // the generation's prompt; for samples, the dominant trait's caption when materialised
	Lang   string
	Trait  int // dominant trait index (review.Traits), -1 if none
	Image  review.ImageRef
}

// JudgeTargets lists the items of a queue (in queue order) or the named items (ext ids or #ids), with
// what a judge needs to know about them.
func (s *Store) JudgeTargets(ctx context.Context, queue string, refs []string) ([]JudgeTarget, error) {
	var ids []int64
	switch {
	case queue != "":
		var qid int64
		if err := s.DB.QueryRowContext(ctx, `SELECT id FROM queues WHERE name = ?`, queue).Scan(&qid); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("no queue %q (loupe info lists them)", queue)
			}
			return nil, err
		}
		rows, err := s.DB.QueryContext(ctx, `SELECT item_id FROM queue_items WHERE queue_id = ? ORDER BY pos`, qid)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
	default:
		for _, r := range refs {
			it, err := s.Item(ctx, r)
			if err != nil {
				return nil, fmt.Errorf("item %q: %w", r, err)
			}
			ids = append(ids, it.ID)
		}
	}
	out := make([]JudgeTarget, 0, len(ids))
	for _, id := range ids {
		it, err := s.ItemByID(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", id, err)
		}
		t := JudgeTarget{ItemID: id, ExtID: it.ExtID, Kind: it.Kind, Track: it.Track, Trait: -1, Image: it.Image}
		if it.Kind == "generation" {
			for _, x := range it.Texts {
				if x.Kind == "prompt" {
					t.Prompt, t.Lang = x.Body, x.Lang
					break
				}
			}
		} else {
			best := -1.0
			for _, l := range it.Labels {
				if l.RaterKind != "pipeline" || l.Value == nil {
					continue
				}
				for k, tr := range review.Traits {
					if l.Dimension == tr && *l.Value > best {
						best, t.Trait = *l.Value, k
					}
				}
			}
			if t.Trait >= 0 {
				t.Track = review.TraitTracks[t.Trait]
				kind := review.CaptionKinds[t.Trait] // the first six caption kinds are the traits, in order
				for _, x := range it.Texts {
					if x.Kind == kind && x.Lang == "en" {
						t.Prompt, t.Lang = x.Body, "en"
					}
				}
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// Judged returns the items a rater has a label for on a dimension (failed verdicts included).
func (s *Store) Judged(ctx context.Context, raterID int64, dimension string) (map[int64]bool, error) {
	dim, err := DimensionID(ctx, s.DB, dimension)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT item_id FROM labels WHERE rater_id = ? AND dimension_id = ?`, raterID, dim)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// NextSample returns the sample number a new verdict of the rater on the item and dimension gets (0 when
// it has none).
func (s *Store) NextSample(ctx context.Context, itemID, raterID int64, dimension string) (int, error) {
	dim, err := DimensionID(ctx, s.DB, dimension)
	if err != nil {
		return 0, err
	}
	var n sql.NullInt64
	err = s.DB.QueryRowContext(ctx, `SELECT max(sample) FROM labels WHERE item_id = ? AND rater_id = ? AND dimension_id = ?`,
		itemID, raterID, dim).Scan(&n)
	if err != nil || !n.Valid {
		return 0, err
	}
	return int(n.Int64) + 1, nil
}

// Pending is a request written to a batch file, waiting for its result.
type Pending struct {
	Key        string
	ItemID     int64
	Dimension  string
	RaterID    int64
	RubricHash string
	RunID      int64
	File       string
}

// AddPending records batch requests (a request already pending keeps its first entry).
func (s *Store) AddPending(ctx context.Context, ps []Pending) error {
	return InTx(ctx, s.DB, func(tx *sql.Tx) error {
		for _, p := range ps {
			dim, err := DimensionID(ctx, tx, p.Dimension)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO judge_pending (key, item_id, dimension_id, rater_id, rubric_hash, run_id, file)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, p.Key, p.ItemID, dim, p.RaterID, p.RubricHash, p.RunID, p.File); err != nil {
				return err
			}
		}
		return nil
	})
}

// PendingRequest is a pending batch request with its rater's backend details.
type PendingRequest struct {
	Pending
	Rater string
	Model string
}

// PendingByKey returns the pending batch requests by key.
func (s *Store) PendingByKey(ctx context.Context) (map[string]PendingRequest, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT p.key, p.item_id, d.name, p.rater_id, p.rubric_hash, p.run_id, p.file, r.name, r.model
		FROM judge_pending p JOIN dimensions d ON d.id = p.dimension_id JOIN raters r ON r.id = p.rater_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]PendingRequest{}
	for rows.Next() {
		var p PendingRequest
		if err := rows.Scan(&p.Key, &p.ItemID, &p.Dimension, &p.RaterID, &p.RubricHash, &p.RunID, &p.File, &p.Rater, &p.Model); err != nil {
			return nil, err
		}
		out[p.Key] = p
	}
	return out, rows.Err()
}

// RaterName is how a judge rater is named: the model and the rubric set, with the set's hash when the
// set is not the one the name first meant (so verdicts made with other rubric texts never share a rater).
func RaterName(model, set, setHash string) string {
	return strings.TrimSpace(model) + " / " + set + "@" + setHash[:min(8, len(setHash))]
}

// Conflict is an item on which an offline judge and another judge disagree by a wide margin.
type Conflict struct {
	ItemID      int64   `json:"item_id"`
	ExtID       string  `json:"item"`
	Other       string  `json:"judge"`
	OtherValue  float64 `json:"judge_value"`
	Value       float64 `json:"value"`
	Explanation string  `json:"explanation"`
}

// JudgeConflicts lists the items where the rater's verdict on a dimension and another judge's differ by
// at least margin points (first verdicts only), the widest first.
func (s *Store) JudgeConflicts(ctx context.Context, raterID int64, dimension string, margin float64) ([]Conflict, error) {
	dim, err := DimensionID(ctx, s.DB, dimension)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT a.item_id, e.ext_id, r.name, b.value, a.value, coalesce(a.justification, '')
		FROM labels a JOIN labels b ON b.item_id = a.item_id AND b.dimension_id = a.dimension_id AND b.rater_id != a.rater_id
		JOIN raters r ON r.id = b.rater_id JOIN item_ext e ON e.item_id = a.item_id
		WHERE a.rater_id = ? AND a.dimension_id = ? AND a.sample = 0 AND b.sample = 0 AND r.kind = 'judge'
		  AND a.value IS NOT NULL AND b.value IS NOT NULL AND abs(a.value - b.value) >= ?
		ORDER BY abs(a.value - b.value) DESC, a.item_id`, raterID, dim, margin)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var c Conflict
		if err := rows.Scan(&c.ItemID, &c.ExtID, &c.Other, &c.OtherValue, &c.Value, &c.Explanation); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// BenchVerdict is one judge verdict on a benchmark generation (Value nil: failed).
type BenchVerdict struct {
	ItemID int64
	Model  string
	Lang   string
	Track  string
	Index  int
	Judge  string
	Kind   string // alignment or aesthetics
	Value  *float64
}

// BenchVerdicts lists every first judge verdict on PRISM-Bench generations.
func (s *Store) BenchVerdicts(ctx context.Context) ([]BenchVerdict, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT g.item_id, g.model, p.lang, p.track, p.idx, r.name, d.name, l.value
		FROM generations g JOIN prompts p ON p.id = g.prompt_id
		JOIN labels l ON l.item_id = g.item_id JOIN raters r ON r.id = l.rater_id JOIN dimensions d ON d.id = l.dimension_id
		WHERE p.suite = 'prism' AND r.kind = 'judge' AND l.sample = 0 AND d.name IN ('prism_alignment', 'prism_aesthetics')
		ORDER BY g.model, p.lang, p.track, p.idx`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BenchVerdict
	for rows.Next() {
		var v BenchVerdict
		var val sql.NullFloat64
		if err := rows.Scan(&v.ItemID, &v.Model, &v.Lang, &v.Track, &v.Index, &v.Judge, &v.Kind, &val); err != nil {
			return nil, err
		}
		v.Kind = strings.TrimPrefix(v.Kind, "prism_")
		if val.Valid {
			v.Value = &val.Float64
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// BenchPromptCounts returns the number of prompts per track of a language (the expected verdicts).
func (s *Store) BenchPromptCounts(ctx context.Context, lang string) (map[string]int, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT track, count(*) FROM prompts WHERE suite = 'prism' AND lang = ? GROUP BY track`, lang)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, rows.Err()
}

// BenchHumanScores returns the annotators' current PRISM scores on generations: item -> kind -> mean.
func (s *Store) BenchHumanScores(ctx context.Context) (map[int64]map[string]float64, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT h.item_id, d.name, avg(h.value) FROM human_current h JOIN dimensions d ON d.id = h.dimension_id
		WHERE d.name IN ('prism_alignment', 'prism_aesthetics') AND h.value IS NOT NULL AND h.item_id IN (SELECT item_id FROM generations)
		GROUP BY h.item_id, d.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]map[string]float64{}
	for rows.Next() {
		var id int64
		var d string
		var v float64
		if err := rows.Scan(&id, &d, &v); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = map[string]float64{}
		}
		out[id][strings.TrimPrefix(d, "prism_")] = v
	}
	return out, rows.Err()
}

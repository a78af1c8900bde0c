package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/loupe-dev/loupe/review"
)

// RatingsScope says which items' ratings to load: a queue's, or the whole workspace's.
type RatingsScope struct {
	Queue string
}

// Name is how a snapshot records the scope.
func (sc RatingsScope) Name() string {
	if sc.Queue != "" {
		return "queue:" + sc.Queue
	}
	return "workspace"
}

func (s *Store) scopeCond(ctx context.Context, sc RatingsScope, col string) (string, []any, error) {
	if sc.Queue == "" {
		return "1", nil, nil
	}
	var qid int64
	if err := s.DB.QueryRowContext(ctx, `SELECT id FROM queues WHERE name = ?`, sc.Queue).Scan(&qid); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, fmt.Errorf("no queue %q (loupe info lists them)", sc.Queue)
		}
		return "", nil, err
	}
	return col + ` IN (SELECT item_id FROM queue_items WHERE queue_id = ?)`, []any{qid}, nil
}

// Ratings loads every rating on the scope's items that agreement can use: the annotators' current
// values (scores and decisions; for a value revised after the reveal in blind mode, the value given
// before it, and none when there was none: view human_agreement), the judges' first verdicts (failed
// verdicts have no value and are left out), and the pipeline's scores on the items some annotator
// rated. Each carries the item's track, subset and model.
func (s *Store) Ratings(ctx context.Context, sc RatingsScope) ([]review.Rating, error) {
	cond, args, err := s.scopeCond(ctx, sc, "x.item_id")
	if err != nil {
		return nil, err
	}
	q := `WITH x AS (
		SELECT l.item_id, d.name AS dim, r.name AS rater, 'judge' AS kind, l.value, r.rubric_version AS rubric
		  FROM labels l JOIN raters r ON r.id = l.rater_id JOIN dimensions d ON d.id = l.dimension_id
		 WHERE r.kind = 'judge' AND l.sample = 0 AND l.value IS NOT NULL
		UNION ALL
		SELECT h.item_id, d.name, 'human:' || a.name, 'human', h.value, ''
		  FROM human_agreement h JOIN annotators a ON a.id = h.annotator_id JOIN dimensions d ON d.id = h.dimension_id
		 WHERE h.value IS NOT NULL
		UNION ALL
		SELECT al.item_id, d.name, 'pipeline', 'pipeline', al.value, ''
		  FROM all_labels al JOIN dimensions d ON d.id = al.dimension_id
		 WHERE al.rater_id = 1 AND al.item_id IN (SELECT item_id FROM human_current)
	)
	SELECT x.item_id, x.dim, x.rater, x.kind, x.value, x.rubric,
	       coalesce(p.track, ''), coalesce(sb.name, ''), coalesce(g.model, '')
	  FROM x JOIN items i ON i.id = x.item_id
	  LEFT JOIN subsets sb ON sb.id = i.subset_id
	  LEFT JOIN generations g ON g.item_id = x.item_id
	  LEFT JOIN prompts p ON p.id = g.prompt_id
	 WHERE ` + cond
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []review.Rating
	for rows.Next() {
		var r review.Rating
		if err := rows.Scan(&r.Item, &r.Dimension, &r.Rater, &r.Kind, &r.Value, &r.RubricSet, &r.Track, &r.Subset, &r.Model); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ScorePopulation counts, over the whole workspace, the scores 0-10 every machine rater gave on every
// dimension (rater -> dimension -> counts): what a calibrated threshold would act on.
func (s *Store) ScorePopulation(ctx context.Context) (map[string]map[string][11]int, error) {
	out := map[string]map[string][11]int{}
	add := func(rater, dim string, v float64, n int) {
		if out[rater] == nil {
			out[rater] = map[string][11]int{}
		}
		c := out[rater][dim]
		c[int(math.Max(0, math.Min(10, math.Round(v))))] += n
		out[rater][dim] = c
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT field, value, sum(n) FROM item_counts WHERE field != 'trait' AND value < 15 GROUP BY field, value`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var f string
		var v float64
		var n int
		if err := rows.Scan(&f, &v, &n); err != nil {
			rows.Close()
			return nil, err
		}
		add("pipeline", f, v, n)
	}
	rows.Close()
	rows, err = s.DB.QueryContext(ctx, `SELECT r.name, d.name, round(l.value), count(*) FROM labels l
		JOIN raters r ON r.id = l.rater_id JOIN dimensions d ON d.id = l.dimension_id
		WHERE r.kind = 'judge' AND l.sample = 0 AND l.value IS NOT NULL GROUP BY 1, 2, 3`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r, d string
		var v float64
		var n int
		if err := rows.Scan(&r, &d, &v, &n); err != nil {
			return nil, err
		}
		add(r, d, v, n)
	}
	return out, rows.Err()
}

// Fingerprint is the SHA-256 of the ratings (in a canonical order) and the parameters: two
// computations with the same fingerprint had the same inputs.
func Fingerprint(rs []review.Rating, params []byte) string {
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool {
		a, b := rs[idx[i]], rs[idx[j]]
		if a.Item != b.Item {
			return a.Item < b.Item
		}
		if a.Dimension != b.Dimension {
			return a.Dimension < b.Dimension
		}
		return a.Rater < b.Rater
	})
	h := sha256.New()
	var buf [8]byte
	for _, i := range idx {
		r := rs[i]
		binary.LittleEndian.PutUint64(buf[:], uint64(r.Item))
		h.Write(buf[:])
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00", r.Dimension, r.Rater, r.Kind, r.RubricSet, r.Track, r.Subset, r.Model)
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(r.Value))
		h.Write(buf[:])
	}
	h.Write(params)
	return hex.EncodeToString(h.Sum(nil))
}

// SnapshotInfo describes a stored snapshot.
type SnapshotInfo struct {
	ID          int64  `json:"id"`
	Created     string `json:"created_at"`
	CreatedBy   string `json:"created_by"`
	Scope       string `json:"scope"`
	Fingerprint string `json:"fingerprint"`
	Existing    bool   `json:"same_inputs_as_before"`
}

// SnapshotByFingerprint returns the latest snapshot with this fingerprint, or ErrNotFound.
func (s *Store) SnapshotByFingerprint(ctx context.Context, fp string) (*SnapshotInfo, error) {
	si := &SnapshotInfo{Fingerprint: fp, Existing: true}
	err := s.DB.QueryRowContext(ctx, `SELECT id, created_at, created_by, scope FROM stat_snapshots WHERE fingerprint = ? ORDER BY id DESC LIMIT 1`, fp).
		Scan(&si.ID, &si.Created, &si.CreatedBy, &si.Scope)
	if err != nil {
		return nil, wrapErr(err)
	}
	return si, nil
}

func nullStat(st review.Stat) (v, lo, hi, lvl any, undefined any) {
	if st.Undefined != "" {
		return nil, nil, nil, nil, st.Undefined
	}
	v = st.Value
	if st.CI != nil && st.CI.Undefined == "" {
		lo, hi, lvl = st.CI.Lo, st.CI.Hi, st.CI.Level
	}
	return v, lo, hi, lvl, nil
}

// SaveSnapshot stores a computed report with its inputs' description; one transaction.
func (s *Store) SaveSnapshot(ctx context.Context, by string, sc RatingsScope, fp string, params []byte, rs []review.Rating, rep *review.AgreementReport) (*SnapshotInfo, error) {
	raters := map[string]bool{}
	items := map[int64]bool{}
	for _, r := range rs {
		raters[r.Rater] = true
		items[r.Item] = true
	}
	names := make([]string, 0, len(raters))
	for n := range raters {
		names = append(names, n)
	}
	sort.Strings(names)
	rj, _ := json.Marshal(names)
	sj, _ := json.Marshal(rep.RubricSets)
	if rep.RubricSets == nil {
		sj = []byte("[]")
	}
	full, err := json.Marshal(rep)
	if err != nil {
		return nil, err
	}
	si := &SnapshotInfo{Scope: sc.Name(), Fingerprint: fp, CreatedBy: by}
	err = InTx(ctx, s.DB, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO stat_snapshots (created_by, scope, items, ratings, raters, rubric_sets, params, fingerprint, report)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, by, sc.Name(), len(items), len(rs), string(rj), string(sj), string(params), fp, string(full))
		if err != nil {
			return err
		}
		si.ID, _ = res.LastInsertId()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO stat_items (snapshot_id, item_id) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for id := range items {
			if _, err := ins.ExecContext(ctx, si.ID, id); err != nil {
				return err
			}
		}
		fig, err := tx.PrepareContext(ctx, `INSERT INTO stat_figures (snapshot_id, kind, rater_a, rater_b, dimension, by_key, group_value,
			rubric_set, statistic, value, ci_lo, ci_hi, ci_level, n, undefined, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nullif(?, ''))`)
		if err != nil {
			return err
		}
		defer fig.Close()
		for _, row := range rep.Rows {
			stats := row.Stats
			if row.Undefined != "" {
				stats = []review.Stat{{Name: "n", N: row.N, Undefined: row.Undefined}}
			}
			for _, st := range stats {
				v, lo, hi, lvl, und := nullStat(st)
				if _, err := fig.ExecContext(ctx, si.ID, string(row.Kind), row.A, row.B, row.Dimension, row.By, row.Group, row.RubricSet,
					st.Name, v, lo, hi, lvl, st.N, und, st.Note); err != nil {
					return err
				}
			}
		}
		for _, t := range rep.Thresholds {
			v, lo, hi, _, _ := nullStat(t.Agreement)
			k, _, _, _, _ := nullStat(t.Kappa)
			p, _, _, _, _ := nullStat(t.Precision)
			r, _, _, _, _ := nullStat(t.Recall)
			f, _, _, _, _ := nullStat(t.F1)
			if _, err := tx.ExecContext(ctx, `INSERT INTO stat_thresholds (snapshot_id, rater, dimension, threshold, agreement, ci_lo, ci_hi,
				kappa, precision, recall, f1, n, population, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				si.ID, t.Rater, t.Dimension, t.Threshold, v, lo, hi, k, p, r, f, t.Agreement.N, t.Population, t.Rejected); err != nil {
				return err
			}
		}
		for _, c := range rep.Calibration {
			for _, pt := range c.Points {
				v, lo, hi, _, _ := nullStat(pt.HumanMean)
				if _, err := tx.ExecContext(ctx, `INSERT INTO stat_calibration (snapshot_id, rater, dimension, score, human_mean, ci_lo, ci_hi, n)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, si.ID, c.Rater, c.Dimension, pt.Score, v, lo, hi, pt.HumanMean.N); err != nil {
					return err
				}
			}
		}
		return tx.QueryRowContext(ctx, `SELECT created_at FROM stat_snapshots WHERE id = ?`, si.ID).Scan(&si.Created)
	})
	if err != nil {
		return nil, err
	}
	return si, nil
}

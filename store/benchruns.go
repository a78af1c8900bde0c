package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// PromptHash is the sha256 (hex) of a prompt text: what tells a changed prompt from the recorded one.
func PromptHash(body string) string {
	s := sha256.Sum256([]byte(body))
	return hex.EncodeToString(s[:])
}

// BenchFailure is a prompt the generator could not draw for a model.
type BenchFailure struct {
	Lang       string `json:"lang"`
	Model      string `json:"model"`
	Track      string `json:"track"`
	Index      int    `json:"index"`
	PromptHash string `json:"-"`
	Reason     string `json:"reason"`
	Lasting    bool   `json:"lasting"`  // asking again will not help: not requested again unless asked
	Failures   int    `json:"failures"` // runs it failed in
}

// RecordBenchFailure records (or counts again) a prompt's generation failure for a model.
func (s *Store) RecordBenchFailure(ctx context.Context, suite string, f BenchFailure) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO bench_failures (suite, lang, track, idx, model, prompt_hash, reason, lasting)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (suite, lang, track, idx, model) DO UPDATE SET prompt_hash = excluded.prompt_hash, reason = excluded.reason,
			lasting = excluded.lasting, failures = failures + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
		suite, f.Lang, f.Track, f.Index, f.Model, f.PromptHash, f.Reason, f.Lasting)
	return wrapErr(err)
}

// ClearBenchFailure forgets a prompt's failure for a model (its image was made).
func (s *Store) ClearBenchFailure(ctx context.Context, suite, lang, model, track string, idx int) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM bench_failures WHERE suite = ? AND lang = ? AND model = ? AND track = ? AND idx = ?`,
		suite, lang, model, track, idx)
	return wrapErr(err)
}

// BenchFailures lists the recorded generation failures of a suite (lang and model "" for all), by
// language, model, track and index.
func (s *Store) BenchFailures(ctx context.Context, suite, lang, model string) ([]BenchFailure, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT lang, model, track, idx, prompt_hash, reason, lasting, failures FROM bench_failures
		WHERE suite = ? AND (? = '' OR lang = ?) AND (? = '' OR model = ?) ORDER BY lang, model, track, idx`,
		suite, lang, lang, model, model)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var out []BenchFailure
	for rows.Next() {
		var f BenchFailure
		if err := rows.Scan(&f.Lang, &f.Model, &f.Track, &f.Index, &f.PromptHash, &f.Reason, &f.Lasting, &f.Failures); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, wrapErr(rows.Err())
}

// StoredPrompt is a benchmark prompt as the workspace has it.
type StoredPrompt struct {
	ID      int64
	Body    string
	Version int // 1 unless the text was replaced
}

// StoredPrompts returns a suite's prompts in one language by "track/index".
func (s *Store) StoredPrompts(ctx context.Context, suite, lang string) (map[string]StoredPrompt, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT p.id, p.track, p.idx, p.body,
		1 + coalesce((SELECT max(version) FROM prompt_versions v WHERE v.prompt_id = p.id), 0)
		FROM prompts p WHERE p.suite = ? AND p.lang = ?`, suite, lang)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	out := map[string]StoredPrompt{}
	for rows.Next() {
		var p StoredPrompt
		var track string
		var idx int
		if err := rows.Scan(&p.ID, &track, &idx, &p.Body, &p.Version); err != nil {
			return nil, err
		}
		out[fmt.Sprintf("%s/%d", track, idx)] = p
	}
	return out, wrapErr(rows.Err())
}

// UpdatePrompt replaces a prompt's text with body as its next version: the text it had is kept in
// prompt_versions with the verdicts made so far (they keep the text they were made against). It returns
// the new version.
func (s *Store) UpdatePrompt(ctx context.Context, promptID int64, body string) (int, error) {
	var version int
	err := InTx(ctx, s.DB, func(tx *sql.Tx) error {
		var old string
		if err := tx.QueryRowContext(ctx, `SELECT body FROM prompts WHERE id = ?`, promptID).Scan(&old); err != nil {
			return wrapErr(err)
		}
		if old == body {
			return nil
		}
		prev, err := scanInt(ctx, tx, `SELECT coalesce(max(version), 0) FROM prompt_versions WHERE prompt_id = ?`, promptID)
		if err != nil {
			return err
		}
		lastLabel, err := scanInt(ctx, tx, `SELECT coalesce(max(id), 0) FROM labels`)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO prompt_versions (prompt_id, version, body, hash, last_label_id) VALUES (?, ?, ?, ?, ?)`,
			promptID, prev+1, old, PromptHash(old), lastLabel); err != nil {
			return wrapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE prompts SET body = ? WHERE id = ?`, body, promptID); err != nil {
			return wrapErr(err)
		}
		version = int(prev) + 2
		return nil
	})
	return version, err
}

// VerdictPromptVersion returns the version and text of the prompt a verdict (labels.id) on a generation
// was made against.
func (s *Store) VerdictPromptVersion(ctx context.Context, labelID int64) (int, string, error) {
	var promptID int64
	var body string
	err := s.DB.QueryRowContext(ctx, `SELECT g.prompt_id, p.body FROM labels l JOIN generations g ON g.item_id = l.item_id
		JOIN prompts p ON p.id = g.prompt_id WHERE l.id = ?`, labelID).Scan(&promptID, &body)
	if err != nil {
		return 0, "", wrapErr(err)
	}
	var v sql.NullInt64
	var old sql.NullString
	err = s.DB.QueryRowContext(ctx, `SELECT version, body FROM prompt_versions WHERE prompt_id = ? AND last_label_id >= ?
		ORDER BY version LIMIT 1`, promptID, labelID).Scan(&v, &old)
	if err == sql.ErrNoRows {
		n, err := scanInt(ctx, s.DB, `SELECT count(*) FROM prompt_versions WHERE prompt_id = ?`, promptID)
		return int(n) + 1, body, err
	}
	if err != nil {
		return 0, "", wrapErr(err)
	}
	return int(v.Int64), old.String, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"syscall"
)

// RunRow is one run as `loupe runs` lists it.
type RunRow struct {
	ID         int64   `json:"id"`
	Kind       string  `json:"kind"`
	Backend    string  `json:"backend"`
	Model      string  `json:"model"`
	Status     string  `json:"status"`
	StartedAt  string  `json:"started_at"`
	FinishedAt string  `json:"finished_at,omitempty"`
	Requests   int     `json:"requests"`
	Cached     int     `json:"cached"`
	Verdicts   int     `json:"verdicts"`
	Failed     int     `json:"failed"`
	CostUSD    float64 `json:"cost_usd"`
	PID        int     `json:"pid,omitempty"`
	Host       string  `json:"host,omitempty"`
}

// Runs lists the latest runs, newest first (limit <= 0: all).
func (s *Store) Runs(ctx context.Context, limit int) ([]RunRow, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, kind, backend, model,
		CASE WHEN coalesce(p.interrupted, 0) = 1 THEN 'interrupted' ELSE status END, started_at, coalesce(finished_at, ''),
		requests, cached, verdicts, failed, cost_usd, coalesce(p.pid, 0), coalesce(p.host, ''),
		CASE WHEN status = 'running' THEN (SELECT count(*) FROM labels WHERE run_id = runs.id AND value IS NOT NULL) ELSE 0 END,
		CASE WHEN status = 'running' THEN (SELECT count(*) FROM labels WHERE run_id = runs.id AND value IS NULL) ELSE 0 END
		FROM runs LEFT JOIN run_processes p ON p.run_id = runs.id ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	out := []RunRow{}
	for rows.Next() {
		var r RunRow
		var stored, failed int
		if err := rows.Scan(&r.ID, &r.Kind, &r.Backend, &r.Model, &r.Status, &r.StartedAt, &r.FinishedAt,
			&r.Requests, &r.Cached, &r.Verdicts, &r.Failed, &r.CostUSD, &r.PID, &r.Host, &stored, &failed); err != nil {
			return nil, wrapErr(err)
		}
		if r.Status == "running" {
			// counts so far from the verdicts; a run whose process is gone shows as what the next
			// start will record it as (a read command writes nothing)
			r.Verdicts, r.Failed = max(r.Verdicts, stored), max(r.Failed, failed)
			if gone(r.PID, r.Host) {
				r.Status = "interrupted"
			}
		}
		out = append(out, r)
	}
	return out, wrapErr(rows.Err())
}

// ReapRuns marks 'interrupted' every run left 'running' by a process that no longer runs: one of this
// host whose pid is gone, or one recorded before runs named their process (no loupe that old can open
// this workspace, so none is still running). Its counts come from the verdicts that point to it. A
// run of another host is left alone: whether its process lives cannot be told from here. It returns
// how many runs it marked.
func (s *Store) ReapRuns(ctx context.Context) (int, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, coalesce(p.pid, 0), coalesce(p.host, '') FROM runs
		LEFT JOIN run_processes p ON p.run_id = runs.id WHERE status = 'running'`)
	if err != nil {
		return 0, wrapErr(err)
	}
	var dead []int64
	for rows.Next() {
		var id int64
		var pid int
		var h string
		if err := rows.Scan(&id, &pid, &h); err != nil {
			rows.Close()
			return 0, wrapErr(err)
		}
		if gone(pid, h) {
			dead = append(dead, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, wrapErr(err)
	}
	for _, id := range dead {
		err := InTx(ctx, s.DB, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'cancelled',
			finished_at = coalesce(finished_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
			verdicts = max(verdicts, (SELECT count(*) FROM labels WHERE run_id = runs.id AND value IS NOT NULL)),
			failed = max(failed, (SELECT count(*) FROM labels WHERE run_id = runs.id AND value IS NULL))
			WHERE id = ? AND status = 'running'`, id); err != nil {
				return err
			}
			return markInterrupted(ctx, tx, id)
		})
		if err != nil {
			return 0, wrapErr(err)
		}
	}
	return len(dead), nil
}

// gone reports whether a run's process no longer runs: none recorded (a run from before runs named
// their process), or one of this host that does not exist.
func gone(pid int, host string) bool {
	if pid == 0 {
		return true
	}
	h, _ := os.Hostname()
	return host == h && !alive(pid)
}

// alive reports whether a process with this pid exists (signal 0 checks without sending anything; a
// process of another user answers EPERM, and exists).
func alive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

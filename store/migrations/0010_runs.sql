-- 0010: how a verdict was parsed (#17.13). A verdict whose JSON was taken out of the prose around it
-- (loupe judge --parse extract) has a row here with mode 'extract'; every other verdict was read by the
-- official parse. Reports keep the extracted ones apart unless asked. (A table of its own rather than a
-- column: every statement of a migration can run again.)
CREATE TABLE IF NOT EXISTS label_parse (
    item_id      INTEGER NOT NULL,
    dimension_id INTEGER NOT NULL,
    rater_id     INTEGER NOT NULL,
    sample       INTEGER NOT NULL,
    mode         TEXT NOT NULL CHECK (mode IN ('extract')),
    PRIMARY KEY (item_id, dimension_id, rater_id, sample)
) WITHOUT ROWID;

-- Runs record the process that runs them (pid, host), so a run left 'running' by a process that died
-- (kill -9, a crash, a lost machine) is marked 'interrupted' at the next start, with its real counts.
PRAGMA defer_foreign_keys = ON;
DROP TABLE IF EXISTS runs_new;
CREATE TABLE runs_new (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('judge', 'pipeline', 'generate', 'import')),
    backend       TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    settings      TEXT NOT NULL DEFAULT '{}',
    rubric_hash   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
    started_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at   TEXT,
    requests      INTEGER NOT NULL DEFAULT 0,
    cached        INTEGER NOT NULL DEFAULT 0,
    verdicts      INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd      REAL NOT NULL DEFAULT 0,
    pid           INTEGER,
    host          TEXT NOT NULL DEFAULT ''
);
INSERT INTO runs_new (id, kind, backend, model, settings, rubric_hash, status, started_at, finished_at, requests, cached,
                      verdicts, failed, input_tokens, output_tokens, cost_usd)
SELECT id, kind, backend, model, settings, rubric_hash, status, started_at, finished_at, requests, cached,
       verdicts, failed, input_tokens, output_tokens, cost_usd FROM runs ORDER BY id;
DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX IF NOT EXISTS runs_running ON runs (status) WHERE status = 'running';

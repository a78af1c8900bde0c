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
-- (kill -9, a crash, a lost machine) is marked interrupted at the next start, with its real counts. An
-- interrupted run's status is 'cancelled' (the runs table's CHECK predates the word) with interrupted = 1
-- here; loupe runs shows it as interrupted. (A table of its own: rebuilding runs would break the
-- references labels and judge_pending hold to it.)
CREATE TABLE IF NOT EXISTS run_processes (
    run_id      INTEGER PRIMARY KEY REFERENCES runs(id),
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL DEFAULT '',
    interrupted INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1))
);
CREATE INDEX IF NOT EXISTS runs_running ON runs (status) WHERE status = 'running';

-- 0004: judging at scale. Every verdict records the hash of the exact rubric text it was made with and,
-- when it failed, why (a failed verdict keeps its raw text and is never averaged). Raw 200 responses are
-- kept by the content address of their request, so a rerun or a resumed run never pays twice; requests
-- written to batch files wait in judge_pending until their results are imported.
ALTER TABLE labels ADD COLUMN rubric_hash TEXT;
ALTER TABLE labels ADD COLUMN error TEXT;

CREATE TABLE judge_cache (
    key           TEXT PRIMARY KEY,  -- sha256 of backend name, model and the exact request body
    backend       TEXT NOT NULL,
    model         TEXT NOT NULL,
    response      BLOB NOT NULL,     -- the raw 200 body
    input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;

CREATE TABLE judge_pending (
    key          TEXT PRIMARY KEY,   -- the batch line's custom_id
    item_id      INTEGER NOT NULL REFERENCES items(id),
    dimension_id INTEGER NOT NULL REFERENCES dimensions(id),
    rater_id     INTEGER NOT NULL REFERENCES raters(id),
    rubric_hash  TEXT NOT NULL,
    run_id       INTEGER NOT NULL REFERENCES runs(id),
    file         TEXT NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;

ALTER TABLE runs ADD COLUMN requests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN verdicts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN cost_usd REAL NOT NULL DEFAULT 0;

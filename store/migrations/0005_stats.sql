-- 0005: agreement statistics, stored so plain sqlite3 can read them. A snapshot records one computation:
-- when, by whom, over which items, from which raters and rubric sets, with which options, and a
-- fingerprint of its inputs (re-running on the same inputs finds the snapshot instead of adding one).
CREATE TABLE stat_snapshots (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    created_by  TEXT NOT NULL DEFAULT '',
    scope       TEXT NOT NULL,             -- 'workspace' or 'queue:<name>'
    items       INTEGER NOT NULL,
    ratings     INTEGER NOT NULL,
    raters      TEXT NOT NULL DEFAULT '[]', -- JSON: the raters (sources) whose ratings went in
    rubric_sets TEXT NOT NULL DEFAULT '[]', -- JSON: the judges' rubric versions
    params      TEXT NOT NULL DEFAULT '{}', -- JSON: by, pair, min items, resamples, seed, level
    fingerprint TEXT NOT NULL,             -- sha256 of the sorted inputs and the params
    report      TEXT NOT NULL DEFAULT '{}'  -- JSON: the whole report
);
CREATE INDEX stat_snapshots_by_fingerprint ON stat_snapshots (fingerprint);

-- The items a snapshot was computed on.
CREATE TABLE stat_items (
    snapshot_id INTEGER NOT NULL REFERENCES stat_snapshots(id),
    item_id     INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, item_id)
) WITHOUT ROWID;

-- One figure per row: value NULL and undefined set when it could not be computed.
CREATE TABLE stat_figures (
    snapshot_id INTEGER NOT NULL REFERENCES stat_snapshots(id),
    kind        TEXT NOT NULL,             -- judge-human, judge-consensus, judge-judge, pipeline-human, human-human, all-humans
    rater_a     TEXT NOT NULL,
    rater_b     TEXT NOT NULL,
    dimension   TEXT NOT NULL,
    by_key      TEXT NOT NULL DEFAULT '',  -- track, subset, model ('' overall)
    group_value TEXT NOT NULL DEFAULT '',
    rubric_set  TEXT NOT NULL DEFAULT '',
    statistic   TEXT NOT NULL,
    value       REAL,
    ci_lo       REAL,
    ci_hi       REAL,
    ci_level    REAL,
    n           INTEGER NOT NULL,
    undefined   TEXT,
    note        TEXT
);
CREATE INDEX stat_figures_by_snapshot ON stat_figures (snapshot_id, dimension);

-- Calibrated thresholds: the machine score that best reproduces human accept/reject decisions.
CREATE TABLE stat_thresholds (
    snapshot_id  INTEGER NOT NULL REFERENCES stat_snapshots(id),
    rater        TEXT NOT NULL,
    dimension    TEXT NOT NULL,
    threshold    REAL NOT NULL,
    agreement    REAL,
    ci_lo        REAL,
    ci_hi        REAL,
    kappa        REAL,
    precision    REAL,
    recall       REAL,
    f1           REAL,
    n            INTEGER NOT NULL,
    population   INTEGER NOT NULL,
    rejected     INTEGER NOT NULL
);

-- Calibration curves: the humans' mean score per machine score.
CREATE TABLE stat_calibration (
    snapshot_id INTEGER NOT NULL REFERENCES stat_snapshots(id),
    rater       TEXT NOT NULL,
    dimension   TEXT NOT NULL,
    score       REAL NOT NULL,
    human_mean  REAL,
    ci_lo       REAL,
    ci_hi       REAL,
    n           INTEGER NOT NULL
);

-- 0003: rubric sets for judges. A verdict records the hash of the rubric text it was made with
-- (runs.rubric_hash, raters.rubric_version), so results from different rubric texts never mix silently.
CREATE TABLE rubric_sets (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    source     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE rubrics (
    set_id   INTEGER NOT NULL REFERENCES rubric_sets(id),
    kind     TEXT NOT NULL CHECK (kind IN ('alignment', 'aesthetics')),
    track    TEXT NOT NULL DEFAULT '',
    template TEXT NOT NULL,
    hash     TEXT NOT NULL,
    PRIMARY KEY (set_id, kind, track)
) WITHOUT ROWID;

-- 0001: the loupe workspace. Forward-only; later changes go in new numbered files.

-- Dimensions a label can be about: the six traits, quality and alignment scores, decisions.
CREATE TABLE dimensions (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    kind      TEXT NOT NULL CHECK (kind IN ('score', 'decision')),
    scale_min REAL,
    scale_max REAL,
    title     TEXT NOT NULL
);

-- Caption / text kinds: the 8 FLUX-Reason-6M caption kinds, then prompt and note.
CREATE TABLE text_kinds (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- A subset groups items: a dataset subset (aesthetics-part01, text...), a benchmark model's run, a folder.
-- n_items is kept by every insert into items (an index on items.subset_id would slow bulk indexing by a
-- sixth just to count).
CREATE TABLE subsets (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    kind    TEXT NOT NULL CHECK (kind IN ('dataset', 'benchmark', 'manifest', 'folder')),
    n_items INTEGER NOT NULL DEFAULT 0
);

-- Where items came from: one row per Parquet shard, PRISM-Bench image folder, JSONL manifest or image folder.
-- An import is resumable: rows_done counts rows committed; complete marks the whole source indexed.
CREATE TABLE sources (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('parquet', 'prism', 'jsonl', 'folder')),
    path       TEXT NOT NULL UNIQUE,
    size       INTEGER NOT NULL DEFAULT 0,
    mtime      INTEGER NOT NULL DEFAULT 0,
    rows_total INTEGER NOT NULL DEFAULT 0,
    rows_done  INTEGER NOT NULL DEFAULT 0,
    complete   INTEGER NOT NULL DEFAULT 0,
    imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- One reviewable thing: a dataset sample (kind 1) or a benchmark generation (kind 2).
-- Its image lives in a Parquet shard (source_id + row) or a file (image_path, relative to the source's path
-- when not absolute); images are never copied into the workspace by default.
-- The dataset's own pipeline scores (0-10 integers) and caption flags are stored inline, packed in one
-- integer, because millions of rows carry all nine: as rows of labels they would cost ten times the
-- space, and as nine columns they make bulk indexing slower and rows bigger. packed holds the caption
-- flags in bits 0-15 (bit k: caption kind k+1 of text_kinds present in the source; for "original": the
-- caption passed the alignment gate), score k of the dataset's column order in bits 16+4k..19+4k (15 =
-- missing) and, in bits 52-55, the strongest of the six traits by those scores (0 composition, 1 entity,
-- 2 text, 3 imagination, 4 style, 5 affection; 15 none), so stratifying by trait needs no per-row CASE.
-- The view item_scores reads them back as columns (generated columns would cost a fifth of the bulk
-- insert time: SQLite evaluates them on every insert); the view all_labels shows the scores as labels of
-- the 'pipeline' rater.
-- External ids of the form <prefix>-<digits> (every FLUX-Reason-6M id: "text-00000042") are stored as
-- one integer, ext_key = prefix id << 43 | number of digits << 39 | the number, instead of the text:
-- the unique index on an integer costs a fifth of bulk indexing less than one on 26-byte strings. Other
-- ids stay in ext_id. Exactly one of the two is set; the view item_ext gives every item's id as text.
CREATE TABLE id_prefixes (
    id     INTEGER PRIMARY KEY,
    prefix TEXT NOT NULL UNIQUE
);

CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    ext_id        TEXT,
    ext_key       INTEGER,
    kind          INTEGER NOT NULL CHECK (kind IN (1, 2)),
    subset_id     INTEGER REFERENCES subsets(id),
    source_id     INTEGER REFERENCES sources(id),
    row           INTEGER,
    image_path    TEXT,
    packed        INTEGER NOT NULL DEFAULT 72057594037862400,
    CHECK ((ext_id IS NULL) != (ext_key IS NULL))
);
CREATE UNIQUE INDEX items_by_ext_id ON items (ext_id) WHERE ext_id IS NOT NULL;
CREATE UNIQUE INDEX items_by_ext_key ON items (ext_key) WHERE ext_key IS NOT NULL;

CREATE VIEW item_ext AS
SELECT i.id AS item_id,
       coalesce(i.ext_id, (SELECT p.prefix FROM id_prefixes p WHERE p.id = i.ext_key >> 43) || '-' ||
                printf('%0*d', (i.ext_key >> 39) & 15, i.ext_key & 549755813887)) AS ext_id
FROM items i;

-- How many items of a subset have each value of a packed field (field: a pipeline dimension, value the
-- score, 15 missing; or 'trait', value 0-5, 15 none). Kept as items are added (subset_id 0: items
-- without a subset), so proportional allocation over millions of items needs no scan.
CREATE TABLE item_counts (
    subset_id INTEGER NOT NULL,
    field     TEXT NOT NULL,
    value     INTEGER NOT NULL,
    n         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (subset_id, field, value)
) WITHOUT ROWID;

-- Texts materialised in the workspace (prompts, manifest captions, demo captions). Parquet captions are
-- read from the shard on demand unless an import materialises them.
CREATE TABLE texts (
    item_id INTEGER NOT NULL REFERENCES items(id),
    kind_id INTEGER NOT NULL REFERENCES text_kinds(id),
    lang    TEXT NOT NULL CHECK (lang IN ('en', 'zh')),
    body    TEXT NOT NULL,
    PRIMARY KEY (item_id, kind_id, lang)
) WITHOUT ROWID;

-- Benchmark prompts (PRISM-Bench: suite 'prism', lang, track, index = line number).
CREATE TABLE prompts (
    id    INTEGER PRIMARY KEY,
    suite TEXT NOT NULL,
    lang  TEXT NOT NULL CHECK (lang IN ('en', 'zh')),
    track TEXT NOT NULL,
    idx   INTEGER NOT NULL,
    body  TEXT NOT NULL,
    UNIQUE (suite, lang, track, idx)
);

-- A benchmark generation item: prompt x model -> image.
CREATE TABLE generations (
    item_id   INTEGER PRIMARY KEY REFERENCES items(id),
    prompt_id INTEGER NOT NULL REFERENCES prompts(id),
    model     TEXT NOT NULL,
    seed      INTEGER,
    UNIQUE (prompt_id, model)
);

-- People who review.
CREATE TABLE annotators (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- A judge or pipeline run: backend, model, settings and the rubric hash it used.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('judge', 'pipeline', 'generate', 'import')),
    backend     TEXT NOT NULL DEFAULT '',
    model       TEXT NOT NULL DEFAULT '',
    settings    TEXT NOT NULL DEFAULT '{}',
    rubric_hash TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
    started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at TEXT
);

-- Who or what gave a label: the dataset pipeline, a judge (model + rubric version), a human, ground truth.
CREATE TABLE raters (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('pipeline', 'judge', 'human', 'truth')),
    name           TEXT NOT NULL UNIQUE,
    model          TEXT NOT NULL DEFAULT '',
    rubric_version TEXT NOT NULL DEFAULT '',
    annotator_id   INTEGER REFERENCES annotators(id)
);

-- One value on one dimension of one item by one rater (machine raters; human values live in events).
-- sample distinguishes repeated verdicts of the same rater (self-consistency runs); 0 by default.
CREATE TABLE labels (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL REFERENCES items(id),
    dimension_id  INTEGER NOT NULL REFERENCES dimensions(id),
    rater_id      INTEGER NOT NULL REFERENCES raters(id),
    sample        INTEGER NOT NULL DEFAULT 0,
    value         REAL,
    justification TEXT,
    raw           TEXT,
    run_id        INTEGER REFERENCES runs(id),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (item_id, dimension_id, rater_id, sample)
);
CREATE INDEX labels_by_rater ON labels (rater_id, dimension_id);

-- Review queues: a named, reproducible sample of items.
CREATE TABLE queues (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    strategy   TEXT NOT NULL,
    params     TEXT NOT NULL DEFAULT '{}',
    seed       INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE queue_items (
    queue_id INTEGER NOT NULL REFERENCES queues(id),
    pos      INTEGER NOT NULL,
    item_id  INTEGER NOT NULL REFERENCES items(id),
    stratum  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (queue_id, pos)
) WITHOUT ROWID;
CREATE INDEX queue_items_by_item ON queue_items (item_id);

-- Human decisions and score overrides: an append-only history. An edit or undo is a new event that names
-- the event it replaces; nothing is updated or deleted (the triggers below refuse it).
--   kind 'set'   value (and value_text for decisions) on a dimension; replaces = the event it supersedes
--   kind 'undo'  withdraws event `replaces`
--   kind 'flag' / 'note' / 'skip' carry reason only
--   kind 'final' an adjudicator's final decision on a disputed item (value 1 accept / 0 reject)
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES items(id),
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    dimension_id INTEGER REFERENCES dimensions(id),
    queue_id     INTEGER REFERENCES queues(id),
    kind         TEXT NOT NULL CHECK (kind IN ('set', 'undo', 'flag', 'note', 'skip', 'final')),
    value        REAL,
    value_text   TEXT,
    replaces     INTEGER REFERENCES events(id),
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX events_by_item ON events (item_id, annotator_id);
CREATE INDEX events_by_annotator ON events (annotator_id, id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Agreement snapshots: the parameters and results of one agreement computation, kept for comparison.
CREATE TABLE agreement_snapshots (
    id         INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    queue_id   INTEGER REFERENCES queues(id),
    dimension  TEXT NOT NULL,
    rater_a    TEXT NOT NULL,
    rater_b    TEXT NOT NULL,
    params     TEXT NOT NULL DEFAULT '{}',
    results    TEXT NOT NULL DEFAULT '{}'
);

-- Import reports: what an import skipped and why, kept so a later `loupe info` can show it.
CREATE TABLE import_issues (
    id         INTEGER PRIMARY KEY,
    source     TEXT NOT NULL,
    location   TEXT NOT NULL,
    message    TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Human values still in force: per (item, dimension, annotator) the latest 'set' that no 'undo' withdrew.
-- An edit is a later 'set' (its replaces names the earlier one, for history); undoing it brings the
-- earlier value back, because the earlier 'set' was never withdrawn.
CREATE INDEX events_by_replaces ON events (replaces) WHERE replaces IS NOT NULL;
CREATE VIEW human_current AS
SELECT e.item_id, e.dimension_id, e.annotator_id, e.value, e.value_text, e.id AS event_id, e.created_at
FROM events e
WHERE e.kind = 'set'
  AND e.id = (SELECT max(e2.id) FROM events e2
              WHERE e2.item_id = e.item_id AND e2.annotator_id = e.annotator_id
                AND e2.dimension_id = e.dimension_id AND e2.kind = 'set'
                AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e2.id));

-- Every label in one shape: pipeline scores stored inline in items, machine labels, current human values.
CREATE VIEW item_scores AS
SELECT id AS item_id, packed & 65535 AS caption_mask,
       nullif((packed >> 16) & 15, 15) AS composition, nullif((packed >> 20) & 15, 15) AS entity,
       nullif((packed >> 24) & 15, 15) AS text, nullif((packed >> 28) & 15, 15) AS imagination,
       nullif((packed >> 32) & 15, 15) AS style, nullif((packed >> 36) & 15, 15) AS affection,
       nullif((packed >> 40) & 15, 15) AS original_alignment, nullif((packed >> 44) & 15, 15) AS clarity,
       nullif((packed >> 48) & 15, 15) AS structure, nullif((packed >> 52) & 15, 15) AS trait
FROM items;

CREATE VIEW all_labels AS
SELECT i.id AS item_id, d.id AS dimension_id, 1 AS rater_id, 0 AS sample,
       nullif((i.packed >> (16 + 4 * CASE d.name
         WHEN 'composition' THEN 0 WHEN 'entity' THEN 1 WHEN 'text' THEN 2 WHEN 'imagination' THEN 3
         WHEN 'style' THEN 4 WHEN 'affection' THEN 5 WHEN 'original_alignment' THEN 6 WHEN 'clarity' THEN 7
         ELSE 8 END)) & 15, 15) AS value,
       NULL AS justification
FROM items i
JOIN dimensions d ON d.name IN ('composition', 'entity', 'text', 'imagination', 'style', 'affection',
                                'original_alignment', 'clarity', 'structure')
WHERE value IS NOT NULL
UNION ALL
SELECT item_id, dimension_id, rater_id, sample, value, justification FROM labels
UNION ALL
SELECT h.item_id, h.dimension_id, r.id, 0, h.value, NULL
FROM human_current h JOIN raters r ON r.annotator_id = h.annotator_id;

INSERT INTO dimensions (id, name, kind, scale_min, scale_max, title) VALUES
    (1, 'imagination', 'score', 0, 10, 'Imagination'),
    (2, 'entity', 'score', 0, 10, 'Entity'),
    (3, 'text', 'score', 0, 10, 'Text rendering'),
    (4, 'style', 'score', 0, 10, 'Style'),
    (5, 'affection', 'score', 0, 10, 'Affection'),
    (6, 'composition', 'score', 0, 10, 'Composition'),
    (7, 'clarity', 'score', 0, 10, 'Image clarity'),
    (8, 'structure', 'score', 0, 10, 'Image structure'),
    (9, 'original_alignment', 'score', 0, 10, 'Original-caption alignment'),
    (10, 'prism_alignment', 'score', 0, 10, 'PRISM-Bench alignment'),
    (11, 'prism_aesthetics', 'score', 0, 10, 'PRISM-Bench aesthetics'),
    (12, 'decision', 'decision', 0, 1, 'Accept / reject');

INSERT INTO text_kinds (id, name) VALUES
    (1, 'composition'), (2, 'entity'), (3, 'text'), (4, 'imaginative'), (5, 'style'), (6, 'abstract'),
    (7, 'original'), (8, 'detail'), (9, 'prompt'), (10, 'note');

INSERT INTO raters (id, kind, name) VALUES (1, 'pipeline', 'pipeline'), (2, 'truth', 'truth');

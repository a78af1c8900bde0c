-- 0012: side-by-side preference. A pair queue is a queue (strategy 'pairs') whose positions are two
-- generations of one prompt by two models; people and judges answer "which is better?".

-- The pair queues and the dimensions each one asks about, comma-separated ('overall', or e.g.
-- 'alignment,aesthetics'). A row here is what makes a queue a pair queue; its queue_items stay empty.
CREATE TABLE IF NOT EXISTS pair_queues (
    queue_id   INTEGER PRIMARY KEY REFERENCES queues(id),
    dimensions TEXT NOT NULL DEFAULT 'overall'
);

-- One comparison of a pair queue. item_a and item_b are in the order sampled; a_left is the side item_a
-- is shown on, drawn at random (seeded) when the queue is made, so sides are reproducible and every
-- answer can be turned back into a preference between models.
CREATE TABLE IF NOT EXISTS pairs (
    queue_id INTEGER NOT NULL REFERENCES queues(id),
    pos      INTEGER NOT NULL,
    item_a   INTEGER NOT NULL REFERENCES items(id),
    item_b   INTEGER NOT NULL REFERENCES items(id),
    a_left   INTEGER NOT NULL CHECK (a_left IN (0, 1)),
    PRIMARY KEY (queue_id, pos),
    CHECK (item_a != item_b)
) WITHOUT ROWID;

-- People's answers on pairs: an append-only history like events.
--   kind 'choice'  choice on dimension, left_item the item that was on the left when it was given
--   kind 'undo'    withdraws the event replaces
--   kind 'note' / 'flag' / 'skip' carry reason only
CREATE TABLE IF NOT EXISTS pair_events (
    id           INTEGER PRIMARY KEY,
    queue_id     INTEGER NOT NULL REFERENCES queues(id),
    pos          INTEGER NOT NULL,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    kind         TEXT NOT NULL CHECK (kind IN ('choice', 'undo', 'note', 'flag', 'skip')),
    dimension    TEXT NOT NULL DEFAULT '',
    left_item    INTEGER REFERENCES items(id),
    choice       TEXT CHECK (choice IS NULL OR choice IN ('left', 'right', 'tie', 'both_bad')),
    replaces     INTEGER REFERENCES pair_events(id),
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS pair_events_by_pair ON pair_events (queue_id, pos, annotator_id);
CREATE INDEX IF NOT EXISTS pair_events_by_replaces ON pair_events (replaces) WHERE replaces IS NOT NULL;
CREATE TRIGGER IF NOT EXISTS pair_events_no_update BEFORE UPDATE ON pair_events
BEGIN SELECT RAISE(ABORT, 'pair events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS pair_events_no_delete BEFORE DELETE ON pair_events
BEGIN SELECT RAISE(ABORT, 'pair events are append-only'); END;

-- Choices in force: per (pair, annotator, dimension) the latest choice no undo withdrew.
DROP VIEW IF EXISTS pair_current;
CREATE VIEW pair_current AS
SELECT e.queue_id, e.pos, e.annotator_id, e.dimension, e.left_item, e.choice, e.id AS event_id, e.created_at
FROM pair_events e
WHERE e.kind = 'choice'
  AND e.id = (SELECT max(e2.id) FROM pair_events e2
              WHERE e2.queue_id = e.queue_id AND e2.pos = e.pos AND e2.annotator_id = e.annotator_id
                AND e2.dimension = e.dimension AND e2.kind = 'choice'
                AND NOT EXISTS (SELECT 1 FROM pair_events u WHERE u.kind = 'undo' AND u.replaces = e2.id));

-- Leases on pairs, as leases are on items.
CREATE TABLE IF NOT EXISTS pair_leases (
    queue_id     INTEGER NOT NULL REFERENCES queues(id),
    pos          INTEGER NOT NULL,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    expires_at   INTEGER NOT NULL, -- unix seconds
    PRIMARY KEY (queue_id, pos, annotator_id)
) WITHOUT ROWID;

-- A pairwise judge's answers: first_item was shown first (on the left), second_item second. Asking
-- both orders gives two rows. pick NULL: the answer could not be read (raw and error say why).
CREATE TABLE IF NOT EXISTS pair_verdicts (
    id            INTEGER PRIMARY KEY,
    first_item    INTEGER NOT NULL REFERENCES items(id),
    second_item   INTEGER NOT NULL REFERENCES items(id),
    rater_id      INTEGER NOT NULL REFERENCES raters(id),
    dimension     TEXT NOT NULL,
    pick          TEXT CHECK (pick IS NULL OR pick IN ('first', 'second', 'tie')),
    justification TEXT NOT NULL DEFAULT '',
    raw           TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    run_id        INTEGER REFERENCES runs(id),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (first_item, second_item, rater_id, dimension)
);

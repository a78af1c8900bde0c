-- 0008: review settings per queue, blind-mode revisions and withdrawn flags.

-- A queue's review settings (no row: all off, no guidelines): blind (judge and pipeline values stay
-- hidden until the annotator decided an item), show_others (in overlap mode, other annotators' answers may
-- be shown before one's own decision) and guidelines (the queue's instructions, markdown). A table rather
-- than columns of queues, so that this migration can run again on a workspace that has it.
CREATE TABLE IF NOT EXISTS queue_settings (
    queue_id    INTEGER PRIMARY KEY REFERENCES queues(id),
    blind       INTEGER NOT NULL DEFAULT 0 CHECK (blind IN (0, 1)),
    show_others INTEGER NOT NULL DEFAULT 0 CHECK (show_others IN (0, 1)),
    guidelines  TEXT NOT NULL DEFAULT ''
);

-- Two new event kinds:
--   kind 'revised_after_reveal'  a value (as 'set') given in blind mode after the item's judge and pipeline
--                                values were shown: in force like a 'set'; agreement statistics keep the
--                                value given before the reveal (human_agreement)
--   kind 'unflag'                the annotator's flag on the item withdrawn (replaces = the flag)
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with the same rows and ids (its
-- views, indexes and triggers are made again below). Nothing is updated or deleted row by row: the old
-- table is dropped whole, which fires no trigger.
PRAGMA defer_foreign_keys = ON;
DROP VIEW IF EXISTS all_labels;
DROP VIEW IF EXISTS human_current;
DROP VIEW IF EXISTS human_agreement;
DROP VIEW IF EXISTS flag_current;
DROP TABLE IF EXISTS events_new;
CREATE TABLE events_new (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES items(id),
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    dimension_id INTEGER REFERENCES dimensions(id),
    queue_id     INTEGER REFERENCES queues(id),
    kind         TEXT NOT NULL CHECK (kind IN ('set', 'undo', 'flag', 'note', 'skip', 'final', 'revised_after_reveal', 'unflag')),
    value        REAL,
    value_text   TEXT,
    replaces     INTEGER REFERENCES events_new(id),
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO events_new (id, item_id, annotator_id, dimension_id, queue_id, kind, value, value_text, replaces, reason, created_at)
SELECT id, item_id, annotator_id, dimension_id, queue_id, kind, value, value_text, replaces, reason, created_at FROM events ORDER BY id;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_by_item ON events (item_id, annotator_id);
CREATE INDEX events_by_annotator ON events (annotator_id, id);
CREATE INDEX events_by_replaces ON events (replaces) WHERE replaces IS NOT NULL;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Human values still in force: per (item, dimension, annotator) the latest 'set' or
-- 'revised_after_reveal' that no 'undo' withdrew (kind says which).
CREATE VIEW human_current AS
SELECT e.item_id, e.dimension_id, e.annotator_id, e.value, e.value_text, e.id AS event_id, e.created_at, e.kind
FROM events e
WHERE e.kind IN ('set', 'revised_after_reveal')
  AND e.id = (SELECT max(e2.id) FROM events e2
              WHERE e2.item_id = e.item_id AND e2.annotator_id = e.annotator_id
                AND e2.dimension_id = e.dimension_id AND e2.kind IN ('set', 'revised_after_reveal')
                AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e2.id));

-- Human values for agreement statistics: the value in force, except that a value revised after the
-- reveal counts as the latest 'set' (not undone) given before the first revision (not undone); without
-- such a value the rating is left out.
CREATE VIEW human_agreement AS
SELECT h.item_id, h.dimension_id, h.annotator_id, h.value, h.event_id
FROM human_current h WHERE h.kind = 'set'
UNION ALL
SELECT h.item_id, h.dimension_id, h.annotator_id, p.value, p.id
FROM human_current h
JOIN events p ON p.id = (
    SELECT max(s.id) FROM events s
    WHERE s.item_id = h.item_id AND s.annotator_id = h.annotator_id AND s.dimension_id = h.dimension_id AND s.kind = 'set'
      AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = s.id)
      AND s.id < (SELECT min(r.id) FROM events r
                  WHERE r.item_id = h.item_id AND r.annotator_id = h.annotator_id AND r.dimension_id = h.dimension_id
                    AND r.kind = 'revised_after_reveal'
                    AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = r.id)))
WHERE h.kind = 'revised_after_reveal';

-- Flags in force: per (item, annotator) the latest 'flag' or 'unflag' that no 'undo' withdrew, when it is
-- a flag.
CREATE VIEW flag_current AS
SELECT e.item_id, e.annotator_id, e.reason, e.id AS event_id, e.queue_id, e.created_at
FROM events e
WHERE e.kind = 'flag'
  AND e.id = (SELECT max(e2.id) FROM events e2
              WHERE e2.item_id = e.item_id AND e2.annotator_id = e.annotator_id AND e2.kind IN ('flag', 'unflag')
                AND NOT EXISTS (SELECT 1 FROM events u WHERE u.kind = 'undo' AND u.replaces = e2.id));

-- As in 0001, over the new human_current.
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

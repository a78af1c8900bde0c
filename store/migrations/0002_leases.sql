-- 0002: overlap and leases for review queues.
-- overlap: how many annotators should decide each item of the queue (k, for inter-annotator agreement).
ALTER TABLE queues ADD COLUMN overlap INTEGER NOT NULL DEFAULT 1 CHECK (overlap >= 1);

-- A lease hands an item to one annotator for a while, so two people reviewing the same queue are not
-- given the same item needlessly. Expired leases are free again; a decision ends the lease.
CREATE TABLE leases (
    queue_id     INTEGER NOT NULL REFERENCES queues(id),
    item_id      INTEGER NOT NULL REFERENCES items(id),
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    expires_at   INTEGER NOT NULL, -- unix seconds
    PRIMARY KEY (queue_id, item_id, annotator_id)
) WITHOUT ROWID;
CREATE INDEX leases_by_item ON leases (queue_id, item_id, expires_at);

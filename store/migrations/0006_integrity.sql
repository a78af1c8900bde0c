-- 0006: what reads need to trust the files an import read, and data folders that can move.

-- Data roots: the folders imports read from, by name. A source's path is kept relative to its root
-- (sources.rel) as well as resolved (sources.path, what every query reads), so that moving a data folder
-- is one update of the root (`loupe roots move`), which rewrites the resolved paths of its sources.
CREATE TABLE roots (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL UNIQUE
);
ALTER TABLE sources ADD COLUMN root_id INTEGER REFERENCES roots(id);
ALTER TABLE sources ADD COLUMN rel TEXT;
-- A shard's content fingerprint (size and a hash of its footer): the same shard imported from a new
-- place is recognised and re-pointed instead of reported as duplicates.
ALTER TABLE sources ADD COLUMN fingerprint TEXT;

-- Picture files as the import saw them: a later read refuses a file whose size or content changed.
-- outside = 1: the file lay outside the imported folder and the user allowed it (--allow-outside).
CREATE TABLE image_files (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    size    INTEGER NOT NULL,
    hash    TEXT NOT NULL,
    outside INTEGER NOT NULL DEFAULT 0
);

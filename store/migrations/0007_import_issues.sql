-- 0007: every problem an import skipped is kept (no cap), once: the same problem met again by a later
-- import of the same source is found by this index and not stored twice.
CREATE INDEX IF NOT EXISTS import_issues_by_source ON import_issues (source, location, message);

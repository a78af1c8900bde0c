-- 0009: PRISM-Bench generation runs that go on past a bad prompt, and prompt texts that change.

-- A prompt the generator could not draw for a model: the reason, and whether asking again will not help
-- (lasting: a content-policy refusal or a 4xx such as a prompt over the context length; such prompts are
-- not requested again unless bench run --retry-failed). prompt_hash is the sha256 of the prompt text the
-- failure was for: a failure of an older text does not hold for a new one. Keyed by the prompt's place,
-- not prompts.id: a prompt that never got an image may not be recorded there yet.
CREATE TABLE IF NOT EXISTS bench_failures (
    suite       TEXT NOT NULL,
    lang        TEXT NOT NULL,
    track       TEXT NOT NULL,
    idx         INTEGER NOT NULL,
    model       TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    reason      TEXT NOT NULL,
    lasting     INTEGER NOT NULL DEFAULT 0 CHECK (lasting IN (0, 1)),
    failures    INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (suite, lang, track, idx, model)
) WITHOUT ROWID;

-- The earlier texts of a prompt whose text was changed (bench run --update-prompts): prompts.body is
-- always the current text, version 1 the first. A verdict on the prompt's generations was made against
-- the lowest version whose last_label_id is at or above the verdict's labels.id (the largest labels.id
-- when the text was replaced); against the current text when there is none.
CREATE TABLE IF NOT EXISTS prompt_versions (
    prompt_id     INTEGER NOT NULL REFERENCES prompts(id),
    version       INTEGER NOT NULL,
    body          TEXT NOT NULL,
    hash          TEXT NOT NULL,  -- sha256 of body, hex
    last_label_id INTEGER NOT NULL,
    replaced_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (prompt_id, version)
) WITHOUT ROWID;

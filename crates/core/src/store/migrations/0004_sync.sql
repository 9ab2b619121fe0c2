-- Sync with the office (issue 5). Never edit a landed migration: add a new file.

-- Where this kiosk syncs to: set once by pairing.
CREATE TABLE sync_config (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    office_url   TEXT NOT NULL,
    -- SHA-256 of the office's TLS certificate (DER), 64 lowercase hex digits.
    fingerprint  TEXT NOT NULL CHECK (length(fingerprint) = 64),
    paired_at    TEXT NOT NULL
) STRICT;

-- Progress and health of the push, shown in the admin area.
CREATE TABLE sync_state (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    -- Highest sequence the office acknowledged holding (all of 1..=acked_seq).
    acked_seq        INTEGER NOT NULL DEFAULT 0 CHECK (acked_seq >= 0),
    last_attempt_at  TEXT,
    last_success_at  TEXT,
    last_error_code  TEXT,
    last_error       TEXT
) STRICT;

INSERT INTO sync_state (singleton) VALUES (1);

-- Erasures the office has confirmed applying. An erasure of a record the
-- office already holds must travel on its own; one of a record not yet sent
-- travels as the tombstone itself.
CREATE TABLE synced_erasures (
    seq  INTEGER PRIMARY KEY REFERENCES erasures(seq)
) STRICT;

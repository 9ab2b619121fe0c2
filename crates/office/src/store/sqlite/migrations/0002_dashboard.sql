-- signbook-office schema, version 2: the staff dashboard. Never edit a landed migration: add a new file.

-- Agreement versions, as sent by the kiosks that collected signatures for
-- them; the office checks each text hashes to its key before keeping it.
CREATE TABLE agreements (
    hash          TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    received_at   TEXT NOT NULL
) STRICT;

-- The roles each version was published for. The newest version published
-- for a role is the one that role must have signed (compliance roster).
CREATE TABLE agreement_roles (
    hash  TEXT NOT NULL REFERENCES agreements(hash),
    role  TEXT NOT NULL,
    PRIMARY KEY (hash, role)
) STRICT, WITHOUT ROWID;

-- What each kiosk last told the office: when it last called, and how far
-- its own chain reaches (so staff can see its backlog).
ALTER TABLE devices ADD COLUMN last_seen_at TEXT;
ALTER TABLE devices ADD COLUMN reported_head INTEGER;

-- Staff acknowledge alerts; the alert itself is kept.
ALTER TABLE alerts ADD COLUMN acknowledged_at TEXT;
ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;

-- Who asked for an erasure: a kiosk admin, or office staff (who also
-- name themselves).
ALTER TABLE erasures ADD COLUMN origin TEXT NOT NULL DEFAULT 'kiosk' CHECK (origin IN ('kiosk', 'office'));
ALTER TABLE erasures ADD COLUMN erased_by TEXT;
-- An office erasure is sent to the kiosk in its push answers until the
-- kiosk sends it back, having erased its own copy.
ALTER TABLE erasures ADD COLUMN kiosk_confirmed_at TEXT;

-- A narrow copy of what staff search on, so a search reads about 100
-- bytes a record rather than rows that carry signature images. Keyed by
-- time, so the table itself is in the order staff see results (newest
-- first is a backward scan) and a date range reads only its part of it.
-- Keys are folded (lower case, no accents, single spaces); erasure sets
-- them to NULL.
CREATE TABLE record_index (
    signed_at       TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    name_key        TEXT,
    org_key         TEXT,
    role            TEXT NOT NULL,
    local_date      TEXT NOT NULL,
    agreement_hash  TEXT NOT NULL,
    PRIMARY KEY (signed_at, device_id, seq),
    FOREIGN KEY (device_id, seq) REFERENCES records(device_id, seq)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX record_index_by_record ON record_index (device_id, seq);

-- Office staff. Passwords are Argon2id PHC strings.
CREATE TABLE users (
    username       TEXT PRIMARY KEY COLLATE NOCASE,
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

-- Logged-in browsers. Only the SHA-256 of the cookie is stored.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    username      TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL
) STRICT;

-- Failed logins, by account and by address, for rate limiting that
-- survives a restart.
CREATE TABLE login_failures (
    key  TEXT NOT NULL,
    at   INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_key ON login_failures (key, at);

-- The school's list of staff and governors who must sign.
CREATE TABLE roster (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    role      TEXT NOT NULL,
    email     TEXT
) STRICT;

-- How long personal data is kept, per role.
CREATE TABLE retention (
    role  TEXT PRIMARY KEY,
    days  INTEGER NOT NULL CHECK (days > 0)
) STRICT;

-- Every purge, erasure, export and other staff action. Append only.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append only');
END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append only');
END;

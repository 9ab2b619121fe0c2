-- Record format version 3: personal data "held at the office" (issue 17,
-- docs/record-format.md section 14). Never edit a landed migration: add a new file.

-- One row per held entry: the kiosk removed a record's personal data
-- locally because the office acknowledged holding it and the kiosk's local
-- limit ran out. Held entries share the chain's sequence numbers with
-- records and erasure entries. Every column up to entry_hash is hashed.
CREATE TABLE held_entries (
    seq                        INTEGER PRIMARY KEY CHECK (seq >= 1),
    id                         TEXT NOT NULL UNIQUE,
    device_id                  TEXT NOT NULL,
    prev_hash                  TEXT NOT NULL,
    -- No foreign key: verification names an entry whose target is missing.
    target_seq                 INTEGER NOT NULL UNIQUE,
    target_hash                TEXT NOT NULL,
    removed_at                 TEXT NOT NULL,
    acknowledged_at            TEXT NOT NULL,
    office_certificate_sha256  TEXT NOT NULL,
    entry_hash                 TEXT NOT NULL UNIQUE
) STRICT;

CREATE TRIGGER held_entries_are_never_changed BEFORE UPDATE ON held_entries
BEGIN
    SELECT RAISE(ABORT, 'held entries are part of the signed chain and never change');
END;

CREATE TRIGGER held_entries_are_never_deleted BEFORE DELETE ON held_entries
BEGIN
    SELECT RAISE(ABORT, 'held entries are part of the signed chain and never deleted');
END;

-- One sequence number, one entry, whichever of the three kinds.
CREATE TRIGGER held_entry_seq_is_free BEFORE INSERT ON held_entries
WHEN EXISTS (SELECT 1 FROM records WHERE seq = NEW.seq) OR EXISTS (SELECT 1 FROM erasure_entries WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'this sequence number is already taken in the chain');
END;

CREATE TRIGGER record_seq_is_not_held BEFORE INSERT ON records
WHEN EXISTS (SELECT 1 FROM held_entries WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'this sequence number is already a held entry''s');
END;

CREATE TRIGGER erasure_seq_is_not_held BEFORE INSERT ON erasure_entries
WHEN EXISTS (SELECT 1 FROM held_entries WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'this sequence number is already a held entry''s');
END;

-- When the office acknowledged each stretch of the chain: one row per
-- successful push that moved acked_seq forward, so a held entry can say
-- when (and by which office) its record was acknowledged.
CREATE TABLE acknowledgements (
    acked_seq                  INTEGER PRIMARY KEY CHECK (acked_seq >= 1),
    acknowledged_at            TEXT NOT NULL,
    office_certificate_sha256  TEXT NOT NULL CHECK (length(office_certificate_sha256) = 64)
) STRICT;

-- What was acknowledged before this schema: dated by the last successful
-- push (or now, if none was noted), under the office paired now.
INSERT INTO acknowledgements (acked_seq, acknowledged_at, office_certificate_sha256)
    SELECT s.acked_seq, coalesce(s.last_success_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), c.fingerprint
    FROM sync_state s JOIN sync_config c ON c.singleton = 1
    WHERE s.acked_seq >= 1;

-- The re-sign rules ask "has this name signed this role's current
-- agreement?". Once a record's name is removed, only an HMAC of the name
-- (ASCII case folded, as the rules' lookup compares) under a key derived
-- from the kiosk key stays, with what the rules need. Not part of the
-- chain: an erasure deletes the row with the rest of the personal data.
CREATE TABLE held_name_lookup (
    seq             INTEGER PRIMARY KEY,
    role            TEXT NOT NULL,
    agreement_hash  TEXT NOT NULL,
    signed_at       TEXT NOT NULL,
    name_key        BLOB NOT NULL CHECK (length(name_key) = 32)
) STRICT;

CREATE INDEX held_name_lookup_by_name ON held_name_lookup (name_key, role, agreement_hash);

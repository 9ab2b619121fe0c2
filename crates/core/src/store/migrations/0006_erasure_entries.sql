-- Record format version 2: erasure as an entry of the signed chain
-- (docs/record-format.md, section 13). Never edit a landed migration: add a new file.

-- One row per erasure entry. Entries share the sequence numbers of the
-- records: the chain is records and erasure entries, in seq order. The
-- columns up to entry_hash are what the hash covers; reason_text (staff's
-- words, which may name the person) is not.
CREATE TABLE erasure_entries (
    seq           INTEGER PRIMARY KEY CHECK (seq >= 1),
    id            TEXT NOT NULL UNIQUE,
    device_id     TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    -- No foreign key: verification names an entry whose target is missing.
    target_seq    INTEGER NOT NULL UNIQUE,
    target_hash   TEXT NOT NULL,
    erased_at     TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    reason        TEXT NOT NULL,
    entry_hash    TEXT NOT NULL UNIQUE,
    reason_text   TEXT NOT NULL
) STRICT;

CREATE TRIGGER erasure_entries_are_never_changed BEFORE UPDATE ON erasure_entries
BEGIN
    SELECT RAISE(ABORT, 'erasure entries are part of the signed chain and never change');
END;

CREATE TRIGGER erasure_entries_are_never_deleted BEFORE DELETE ON erasure_entries
BEGIN
    SELECT RAISE(ABORT, 'erasure entries are part of the signed chain and never deleted');
END;

-- One sequence number, one entry: a record and an erasure entry never share one.
CREATE TRIGGER erasure_entry_seq_is_free BEFORE INSERT ON erasure_entries
WHEN EXISTS (SELECT 1 FROM records WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'this sequence number is already a record''s');
END;

CREATE TRIGGER record_seq_is_free BEFORE INSERT ON records
WHEN EXISTS (SELECT 1 FROM erasure_entries WHERE seq = NEW.seq)
BEGIN
    SELECT RAISE(ABORT, 'this sequence number is already an erasure entry''s');
END;

-- A checkpoint may now sign an erasure entry, so it can no longer name a
-- records row: the table is rebuilt without that foreign key, rows kept.
CREATE TABLE checkpoints_v2 (
    seq         INTEGER PRIMARY KEY CHECK (seq >= 1),
    head_hash   TEXT NOT NULL,
    signature   BLOB NOT NULL CHECK (length(signature) = 64),
    created_at  TEXT NOT NULL
) STRICT;
INSERT INTO checkpoints_v2 (seq, head_hash, signature, created_at)
    SELECT seq, head_hash, signature, created_at FROM checkpoints;
DROP TABLE checkpoints;
ALTER TABLE checkpoints_v2 RENAME TO checkpoints;

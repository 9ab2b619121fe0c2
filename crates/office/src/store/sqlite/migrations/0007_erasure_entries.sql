-- Record format version 2: kiosks' erasure entries (docs/record-format.md,
-- section 13). Never edit a landed migration: add a new file.

-- Each kiosk's erasure entries as received: they share the sequence
-- numbers of its records, so (device, seq) is a record or an entry.
CREATE TABLE erasure_entries (
    device_id     TEXT NOT NULL REFERENCES devices(device_id),
    seq           INTEGER NOT NULL CHECK (seq >= 1),
    id            TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    target_seq    INTEGER NOT NULL,
    target_hash   TEXT NOT NULL,
    erased_at     TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    reason        TEXT NOT NULL,
    entry_hash    TEXT NOT NULL,
    reason_text   TEXT NOT NULL,
    -- The office's own clock when the entry arrived.
    received_at   TEXT NOT NULL,
    PRIMARY KEY (device_id, seq),
    UNIQUE (device_id, target_seq)
) STRICT;

CREATE TRIGGER office_erasure_entries_are_never_changed BEFORE UPDATE ON erasure_entries
BEGIN
    SELECT RAISE(ABORT, 'erasure entries are part of a kiosk''s signed chain and never change');
END;

CREATE TRIGGER office_erasure_entries_are_never_deleted BEFORE DELETE ON erasure_entries
BEGIN
    SELECT RAISE(ABORT, 'erasure entries are part of a kiosk''s signed chain and never deleted');
END;

-- A checkpoint may now sign an erasure entry, so it can no longer name a
-- records row: the table is rebuilt without that foreign key, rows kept.
CREATE TABLE checkpoints_v2 (
    device_id    TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    head_hash    TEXT NOT NULL,
    signature    BLOB NOT NULL CHECK (length(signature) = 64),
    received_at  TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT;
INSERT INTO checkpoints_v2 (device_id, seq, head_hash, signature, received_at)
    SELECT device_id, seq, head_hash, signature, received_at FROM checkpoints;
DROP TABLE checkpoints;
ALTER TABLE checkpoints_v2 RENAME TO checkpoints;

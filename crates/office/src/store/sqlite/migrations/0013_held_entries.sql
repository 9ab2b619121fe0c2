-- Record format version 3: kiosks' "held at the office" entries
-- (docs/record-format.md, section 14), and the kiosks' local limit as an
-- office setting (issue 17). Never edit a landed migration: add a new file.

-- Each kiosk's held entries as received. They share the sequence numbers
-- of its records and erasure entries. The office keeps the record's
-- personal data: a held entry says the kiosk removed its own copy.
CREATE TABLE held_entries (
    device_id                  TEXT NOT NULL REFERENCES devices(device_id),
    seq                        INTEGER NOT NULL CHECK (seq >= 1),
    id                         TEXT NOT NULL,
    prev_hash                  TEXT NOT NULL,
    target_seq                 INTEGER NOT NULL,
    target_hash                TEXT NOT NULL,
    removed_at                 TEXT NOT NULL,
    acknowledged_at            TEXT NOT NULL,
    office_certificate_sha256  TEXT NOT NULL,
    entry_hash                 TEXT NOT NULL,
    -- The office's own clock when the entry arrived.
    received_at                TEXT NOT NULL,
    PRIMARY KEY (device_id, seq),
    UNIQUE (device_id, target_seq)
) STRICT;

CREATE TRIGGER office_held_entries_are_never_changed BEFORE UPDATE ON held_entries
BEGIN
    SELECT RAISE(ABORT, 'held entries are part of a kiosk''s signed chain and never change');
END;

CREATE TRIGGER office_held_entries_are_never_deleted BEFORE DELETE ON held_entries
BEGIN
    SELECT RAISE(ABORT, 'held entries are part of a kiosk''s signed chain and never deleted');
END;

-- The settings table's CHECK lists its keys: rebuilt with
-- local_retention_days, rows kept.
CREATE TABLE kiosk_settings_v2 (
    key    TEXT PRIMARY KEY CHECK (key IN ('school_name', 'idle_timeout_secs', 'roles', 'local_retention_days')),
    value  TEXT NOT NULL
) STRICT;
INSERT INTO kiosk_settings_v2 (key, value) SELECT key, value FROM kiosk_settings;
DROP TABLE kiosk_settings;
ALTER TABLE kiosk_settings_v2 RENAME TO kiosk_settings;

-- signbook-office schema, version 1. Never edit a landed migration: add a new file.

-- Kiosks paired with this office.
CREATE TABLE devices (
    device_id   TEXT PRIMARY KEY,
    public_key  BLOB NOT NULL CHECK (length(public_key) = 32),
    name        TEXT,
    paired_at   TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;

-- One-time pairing codes, stored only as SHA-256 of the normalised code.
CREATE TABLE pairing_codes (
    code_hash   TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     TEXT
) STRICT;

-- Each kiosk's chain as received: same columns as the kiosk's records
-- table, keyed by (device, seq) so a record is stored once. Personal
-- columns become NULL when the kiosk reports an erasure.
CREATE TABLE records (
    device_id            TEXT NOT NULL REFERENCES devices(device_id),
    seq                  INTEGER NOT NULL CHECK (seq >= 1),
    id                   TEXT NOT NULL,
    prev_hash            TEXT NOT NULL,
    agreement_hash       TEXT NOT NULL,
    role                 TEXT NOT NULL,
    signed_at            TEXT NOT NULL,
    utc_offset_minutes   INTEGER NOT NULL,
    name_digest          TEXT NOT NULL,
    organisation_digest  TEXT,
    signature_digest     TEXT NOT NULL,
    record_hash          TEXT NOT NULL,
    name                 TEXT,
    name_salt            BLOB,
    organisation         TEXT,
    organisation_salt    BLOB,
    signature_png        BLOB,
    signature_salt       BLOB,
    -- The office's own clock when the record arrived, beside the kiosk's claim.
    received_at          TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT;

CREATE TRIGGER office_records_are_never_deleted BEFORE DELETE ON records
BEGIN
    SELECT RAISE(ABORT, 'signature records are never deleted; erase the personal data instead');
END;

CREATE TRIGGER office_records_change_only_by_erasure BEFORE UPDATE ON records
WHEN NEW.device_id IS NOT OLD.device_id OR NEW.seq IS NOT OLD.seq OR NEW.id IS NOT OLD.id
  OR NEW.prev_hash IS NOT OLD.prev_hash OR NEW.record_hash IS NOT OLD.record_hash
  OR NEW.signed_at IS NOT OLD.signed_at OR NEW.received_at IS NOT OLD.received_at
  OR NEW.name IS NOT NULL OR NEW.name_salt IS NOT NULL OR NEW.organisation IS NOT NULL
  OR NEW.organisation_salt IS NOT NULL OR NEW.signature_png IS NOT NULL OR NEW.signature_salt IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'signature records are immutable; only erasure of personal data is allowed');
END;

CREATE TABLE erasures (
    device_id    TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    erased_at    TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (device_id, seq),
    FOREIGN KEY (device_id, seq) REFERENCES records(device_id, seq)
) STRICT;

-- Checkpoints that came with accepted batches (the kiosk's signature over
-- the batch's last record).
CREATE TABLE checkpoints (
    device_id    TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    head_hash    TEXT NOT NULL,
    signature    BLOB NOT NULL CHECK (length(signature) = 64),
    received_at  TEXT NOT NULL,
    PRIMARY KEY (device_id, seq),
    FOREIGN KEY (device_id, seq) REFERENCES records(device_id, seq)
) STRICT;

-- Request nonces seen recently, to refuse replays.
CREATE TABLE nonces (
    device_id  TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    seen_at    INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
) STRICT, WITHOUT ROWID;

CREATE INDEX nonces_by_age ON nonces (seen_at);

-- What staff must look at: forks, tampering, forged requests, odd clocks.
CREATE TABLE alerts (
    id         INTEGER PRIMARY KEY,
    device_id  TEXT,
    seq        INTEGER,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL,
    raised_at  TEXT NOT NULL
) STRICT;

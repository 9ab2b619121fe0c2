-- Signbook kiosk schema, version 1. Never edit a landed migration: add a new file.

CREATE TABLE device (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id   TEXT NOT NULL,
    public_key  BLOB NOT NULL CHECK (length(public_key) = 32),
    created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE agreements (
    hash          TEXT PRIMARY KEY CHECK (length(hash) = 64),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    published_at  TEXT NOT NULL
) STRICT;

CREATE TABLE agreement_roles (
    agreement_hash  TEXT NOT NULL REFERENCES agreements(hash),
    role            TEXT NOT NULL,
    PRIMARY KEY (agreement_hash, role)
) STRICT, WITHOUT ROWID;

CREATE TABLE current_agreements (
    role            TEXT PRIMARY KEY,
    agreement_hash  TEXT NOT NULL REFERENCES agreements(hash),
    since           TEXT NOT NULL
) STRICT;

-- One row per signature. The columns up to record_hash are what the hash
-- covers (see docs/record-format.md); the personal columns below become
-- NULL when a record is erased, leaving a tombstone.
CREATE TABLE records (
    seq                  INTEGER PRIMARY KEY CHECK (seq >= 1),
    id                   TEXT NOT NULL UNIQUE,
    device_id            TEXT NOT NULL,
    prev_hash            TEXT NOT NULL,
    agreement_hash       TEXT NOT NULL REFERENCES agreements(hash),
    role                 TEXT NOT NULL,
    signed_at            TEXT NOT NULL,
    utc_offset_minutes   INTEGER NOT NULL,
    name_digest          TEXT NOT NULL,
    organisation_digest  TEXT,
    signature_digest     TEXT NOT NULL,
    record_hash          TEXT NOT NULL UNIQUE,
    name                 TEXT,
    name_salt            BLOB,
    organisation         TEXT,
    organisation_salt    BLOB,
    signature_png        BLOB,
    signature_salt       BLOB
) STRICT;

CREATE INDEX records_by_signed_at ON records (signed_at);
CREATE INDEX records_by_agreement ON records (agreement_hash);

-- Records are never deleted, and only erasure (setting the personal columns
-- to NULL) may change one. Verification catches edits anyway; these stop
-- our own code from ever making one.
CREATE TRIGGER records_are_never_deleted BEFORE DELETE ON records
BEGIN
    SELECT RAISE(ABORT, 'signature records are never deleted; erase the personal data instead');
END;

CREATE TRIGGER records_change_only_by_erasure BEFORE UPDATE ON records
WHEN NEW.seq IS NOT OLD.seq OR NEW.id IS NOT OLD.id OR NEW.device_id IS NOT OLD.device_id
  OR NEW.prev_hash IS NOT OLD.prev_hash OR NEW.agreement_hash IS NOT OLD.agreement_hash
  OR NEW.role IS NOT OLD.role OR NEW.signed_at IS NOT OLD.signed_at
  OR NEW.utc_offset_minutes IS NOT OLD.utc_offset_minutes OR NEW.name_digest IS NOT OLD.name_digest
  OR NEW.organisation_digest IS NOT OLD.organisation_digest OR NEW.signature_digest IS NOT OLD.signature_digest
  OR NEW.record_hash IS NOT OLD.record_hash
  OR NEW.name IS NOT NULL OR NEW.name_salt IS NOT NULL OR NEW.organisation IS NOT NULL
  OR NEW.organisation_salt IS NOT NULL OR NEW.signature_png IS NOT NULL OR NEW.signature_salt IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'signature records are immutable; only erasure of personal data is allowed');
END;

CREATE TABLE erasures (
    seq        INTEGER PRIMARY KEY REFERENCES records(seq),
    reason     TEXT NOT NULL,
    erased_at  TEXT NOT NULL
) STRICT;

-- Ed25519 checkpoints of the chain head (see checkpoint.rs for which are kept).
CREATE TABLE checkpoints (
    seq         INTEGER PRIMARY KEY REFERENCES records(seq),
    head_hash   TEXT NOT NULL,
    signature   BLOB NOT NULL CHECK (length(signature) = 64),
    created_at  TEXT NOT NULL
) STRICT;

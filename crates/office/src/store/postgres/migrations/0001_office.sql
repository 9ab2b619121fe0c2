-- signbook-office on PostgreSQL, schema version 1: what the SQLite office
-- holds at its schema 13 (store/sqlite/migrations), in one file because
-- no PostgreSQL office existed before it. Never edit a landed migration:
-- add a new file.
--
-- Columns keep SQLite's representations (times as RFC 3339 UTC text,
-- hashes as hex, ids as hyphenated UUID text), so both backends read rows
-- with the same decoders and sort times the same way.

-- Kiosks paired with this office.
CREATE TABLE devices (
    device_id                  TEXT PRIMARY KEY,
    public_key                 BYTEA NOT NULL CHECK (length(public_key) = 32),
    name                       TEXT,
    paired_at                  TEXT NOT NULL,
    revoked_at                 TEXT,
    last_seen_at               TEXT,
    reported_head              BIGINT,
    configuration_applied      BIGINT,
    configuration_current      TEXT,
    configuration_reported_at  TEXT
);

-- One-time pairing codes, stored only as SHA-256 of the normalised code.
CREATE TABLE pairing_codes (
    code_hash      TEXT PRIMARY KEY,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    used_at        TEXT,
    used_by        TEXT,
    code_id        TEXT,
    pake_attempts  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX pairing_codes_by_id ON pairing_codes (code_id);

-- SPAKE2 exchanges waiting for the kiosk's key confirmation.
CREATE TABLE pairing_exchanges (
    exchange_id    TEXT PRIMARY KEY,
    code_hash      TEXT NOT NULL REFERENCES pairing_codes(code_hash),
    code_id        TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    kiosk_confirm  TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

-- Each kiosk's chain as received, a record stored once per (device, seq).
CREATE TABLE records (
    device_id            TEXT NOT NULL REFERENCES devices(device_id),
    seq                  BIGINT NOT NULL CHECK (seq >= 1),
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
    name_salt            BYTEA,
    organisation         TEXT,
    organisation_salt    BYTEA,
    signature_png        BYTEA,
    signature_salt       BYTEA,
    received_at          TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
);

-- Append-only tables refuse changes in the database itself, as SQLite's
-- triggers do, so no query (nor a person at psql) can rewrite history.
CREATE FUNCTION signbook_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE FUNCTION signbook_records_change_only_by_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.device_id IS DISTINCT FROM OLD.device_id OR NEW.seq IS DISTINCT FROM OLD.seq
       OR NEW.id IS DISTINCT FROM OLD.id OR NEW.prev_hash IS DISTINCT FROM OLD.prev_hash
       OR NEW.record_hash IS DISTINCT FROM OLD.record_hash OR NEW.signed_at IS DISTINCT FROM OLD.signed_at
       OR NEW.received_at IS DISTINCT FROM OLD.received_at
       OR NEW.agreement_hash IS DISTINCT FROM OLD.agreement_hash OR NEW.role IS DISTINCT FROM OLD.role
       OR NEW.utc_offset_minutes IS DISTINCT FROM OLD.utc_offset_minutes
       OR NEW.name_digest IS DISTINCT FROM OLD.name_digest
       OR NEW.organisation_digest IS DISTINCT FROM OLD.organisation_digest
       OR NEW.signature_digest IS DISTINCT FROM OLD.signature_digest
       OR NEW.name IS NOT NULL OR NEW.name_salt IS NOT NULL OR NEW.organisation IS NOT NULL
       OR NEW.organisation_salt IS NOT NULL OR NEW.signature_png IS NOT NULL OR NEW.signature_salt IS NOT NULL THEN
        RAISE EXCEPTION 'signature records are immutable; only erasure of personal data is allowed'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER office_records_are_never_deleted BEFORE DELETE OR TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION signbook_refuse('signature records are never deleted; erase the personal data instead');
CREATE TRIGGER office_records_change_only_by_erasure BEFORE UPDATE ON records
    FOR EACH ROW EXECUTE FUNCTION signbook_records_change_only_by_erasure();

CREATE TABLE erasures (
    device_id           TEXT NOT NULL,
    seq                 BIGINT NOT NULL,
    reason              TEXT NOT NULL,
    erased_at           TEXT NOT NULL,
    received_at         TEXT NOT NULL,
    origin              TEXT NOT NULL DEFAULT 'kiosk' CHECK (origin IN ('kiosk', 'office')),
    erased_by           TEXT,
    kiosk_confirmed_at  TEXT,
    PRIMARY KEY (device_id, seq),
    FOREIGN KEY (device_id, seq) REFERENCES records(device_id, seq)
);

-- Kiosks' erasure entries (record format 2), sharing their records' seqs.
CREATE TABLE erasure_entries (
    device_id     TEXT NOT NULL REFERENCES devices(device_id),
    seq           BIGINT NOT NULL CHECK (seq >= 1),
    id            TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    target_seq    BIGINT NOT NULL,
    target_hash   TEXT NOT NULL,
    erased_at     TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    reason        TEXT NOT NULL,
    entry_hash    TEXT NOT NULL,
    reason_text   TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    PRIMARY KEY (device_id, seq),
    UNIQUE (device_id, target_seq)
);
CREATE TRIGGER office_erasure_entries_are_never_changed BEFORE UPDATE OR DELETE OR TRUNCATE ON erasure_entries
    FOR EACH STATEMENT EXECUTE FUNCTION signbook_refuse('erasure entries are part of a kiosk''s signed chain and never change');

-- Kiosks' "held at the office" entries (record format 3).
CREATE TABLE held_entries (
    device_id                  TEXT NOT NULL REFERENCES devices(device_id),
    seq                        BIGINT NOT NULL CHECK (seq >= 1),
    id                         TEXT NOT NULL,
    prev_hash                  TEXT NOT NULL,
    target_seq                 BIGINT NOT NULL,
    target_hash                TEXT NOT NULL,
    removed_at                 TEXT NOT NULL,
    acknowledged_at            TEXT NOT NULL,
    office_certificate_sha256  TEXT NOT NULL,
    entry_hash                 TEXT NOT NULL,
    received_at                TEXT NOT NULL,
    PRIMARY KEY (device_id, seq),
    UNIQUE (device_id, target_seq)
);
CREATE TRIGGER office_held_entries_are_never_changed BEFORE UPDATE OR DELETE OR TRUNCATE ON held_entries
    FOR EACH STATEMENT EXECUTE FUNCTION signbook_refuse('held entries are part of a kiosk''s signed chain and never change');

-- Checkpoints that came with accepted batches.
CREATE TABLE checkpoints (
    device_id    TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    head_hash    TEXT NOT NULL,
    signature    BYTEA NOT NULL CHECK (length(signature) = 64),
    received_at  TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
);

-- Request nonces seen recently, shared by every office process, so a
-- request replayed to another server is refused there too.
CREATE TABLE nonces (
    device_id  TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    seen_at    BIGINT NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX nonces_by_age ON nonces (seen_at);

-- What staff must look at: forks, tampering, forged requests, odd clocks.
CREATE TABLE alerts (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id        TEXT,
    seq              BIGINT,
    kind             TEXT NOT NULL,
    detail           TEXT NOT NULL,
    raised_at        TEXT NOT NULL,
    acknowledged_at  TEXT,
    acknowledged_by  TEXT
);

-- Agreement versions, as sent by the kiosks or published at the office.
CREATE TABLE agreements (
    hash          TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    received_at   TEXT NOT NULL
);

CREATE TABLE agreement_roles (
    hash  TEXT NOT NULL REFERENCES agreements(hash),
    role  TEXT NOT NULL,
    PRIMARY KEY (hash, role)
);

-- Every decision that a version is what a role must sign. Append only.
CREATE TABLE agreement_adoptions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash        TEXT NOT NULL REFERENCES agreements(hash),
    role        TEXT NOT NULL,
    adopted_at  TEXT NOT NULL,
    adopted_by  TEXT NOT NULL
);
CREATE INDEX agreement_adoptions_by_role ON agreement_adoptions (role, id);
CREATE INDEX agreement_adoptions_by_hash ON agreement_adoptions (hash, role);
CREATE TRIGGER agreement_adoptions_are_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON agreement_adoptions
    FOR EACH STATEMENT EXECUTE FUNCTION signbook_refuse('agreement adoptions are append only');

CREATE TABLE agreement_senders (
    hash                  TEXT NOT NULL REFERENCES agreements(hash),
    device_id             TEXT NOT NULL REFERENCES devices(device_id),
    claimed_published_at  TEXT NOT NULL,
    first_sent_at         TEXT NOT NULL,
    last_sent_at          TEXT NOT NULL,
    PRIMARY KEY (hash, device_id)
);

-- What staff search on, narrow and keyed by time (see SQLite's 0002).
CREATE TABLE record_index (
    signed_at       TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    name_key        TEXT,
    org_key         TEXT,
    role            TEXT NOT NULL,
    local_date      TEXT NOT NULL,
    agreement_hash  TEXT NOT NULL,
    PRIMARY KEY (signed_at, device_id, seq),
    FOREIGN KEY (device_id, seq) REFERENCES records(device_id, seq)
);
CREATE UNIQUE INDEX record_index_by_record ON record_index (device_id, seq);

-- Office staff. Usernames are unique ignoring case, as SQLite's NOCASE
-- made them; compare with lower(username).
CREATE TABLE users (
    username       TEXT PRIMARY KEY,
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    role           TEXT NOT NULL DEFAULT 'admin' CHECK (role IN ('records', 'privacy', 'admin')),
    disabled_at    TEXT,
    may_publish    BIGINT NOT NULL DEFAULT 0 CHECK (may_publish IN (0, 1)),
    language       TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'cy'))
);
CREATE UNIQUE INDEX users_by_folded_name ON users (lower(username));

-- Logged-in browsers, shared by every office process. Only the SHA-256 of
-- the cookie is stored.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    username      TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE ON UPDATE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT NOT NULL
);

CREATE TABLE login_failures (
    key  TEXT NOT NULL,
    at   BIGINT NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key, at);

CREATE TABLE pairing_failures (
    address  TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX pairing_failures_by_address ON pairing_failures (address, at);

CREATE TABLE problem_reports (
    key  TEXT PRIMARY KEY,
    at   BIGINT NOT NULL
);

-- The school's list of staff and governors who must sign.
CREATE TABLE roster (
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    role      TEXT NOT NULL,
    email     TEXT
);

-- How long personal data is kept, per role.
CREATE TABLE retention (
    role  TEXT PRIMARY KEY,
    days  BIGINT NOT NULL CHECK (days > 0)
);

-- Every purge, erasure, export and other staff action. Append only.
CREATE TABLE audit_log (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE TRIGGER audit_log_is_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION signbook_refuse('the audit log is append only');

-- The office's own signed erasure log.
CREATE TABLE office_erasure_log (
    device_id           TEXT NOT NULL,
    seq                 BIGINT NOT NULL,
    statement           TEXT NOT NULL,
    signature           BYTEA NOT NULL,
    certificate_sha256  TEXT NOT NULL CHECK (length(certificate_sha256) = 64),
    signed_at           TEXT NOT NULL,
    PRIMARY KEY (device_id, seq),
    FOREIGN KEY (device_id, seq) REFERENCES erasures(device_id, seq)
);
CREATE TRIGGER office_erasure_log_is_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON office_erasure_log
    FOR EACH STATEMENT EXECUTE FUNCTION signbook_refuse('the office erasure log is signed and never changes');

-- Office-wide kiosk settings staff set.
CREATE TABLE kiosk_settings (
    key    TEXT PRIMARY KEY CHECK (key IN ('school_name', 'idle_timeout_secs', 'roles', 'local_retention_days')),
    value  TEXT NOT NULL
);

CREATE TABLE resign_rules (
    role         TEXT PRIMARY KEY,
    resign_rule  TEXT NOT NULL CHECK (resign_rule IN ('every_visit', 'new_version', 'after_days')),
    resign_days  BIGINT CHECK ((resign_rule = 'after_days') = (resign_days IS NOT NULL AND resign_days >= 1))
);

-- Every configuration the office issued. Append only.
CREATE TABLE configurations (
    version    BIGINT PRIMARY KEY CHECK (version >= 1),
    content    TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    issued_by  TEXT NOT NULL
);
CREATE TRIGGER configurations_are_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON configurations
    FOR EACH STATEMENT EXECUTE FUNCTION signbook_refuse('configurations are append only');

CREATE TABLE kiosk_privacy_notice (
    singleton  BIGINT PRIMARY KEY CHECK (singleton = 1),
    english    TEXT NOT NULL,
    welsh      TEXT NOT NULL
);

CREATE TABLE office_settings (
    key    TEXT PRIMARY KEY CHECK (key IN ('export_language')),
    value  TEXT NOT NULL
);

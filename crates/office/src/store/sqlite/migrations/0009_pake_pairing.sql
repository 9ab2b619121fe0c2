-- signbook-office schema, version 7: pairing with the code alone
-- (docs/sync-protocol.md). Never edit a landed migration: add a new file.

-- Which open code a kiosk means: the first two characters of the
-- normalised code (not secret; the other eight are). NULL for codes made
-- before this, which still pair the old way, with the fingerprint typed.
ALTER TABLE pairing_codes ADD COLUMN code_id TEXT;
-- SPAKE2 exchanges run with the code: each is one guess, so a code allows
-- only a few (signbook_sync::pake::PAKE_ATTEMPTS_PER_CODE).
ALTER TABLE pairing_codes ADD COLUMN pake_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX pairing_codes_by_id ON pairing_codes (code_id);

-- An exchange waiting for the kiosk's key confirmation: what that
-- confirmation must be, for which code and kiosk. Single use, and kept
-- only for signbook_sync::pake::PAKE_EXCHANGE_TTL_SECS. In the database,
-- not in memory, so any office process may finish it.
CREATE TABLE pairing_exchanges (
    exchange_id    TEXT PRIMARY KEY,
    code_hash      TEXT NOT NULL REFERENCES pairing_codes(code_hash),
    code_id        TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    kiosk_confirm  TEXT NOT NULL,
    created_at     INTEGER NOT NULL  -- Unix seconds
) STRICT;

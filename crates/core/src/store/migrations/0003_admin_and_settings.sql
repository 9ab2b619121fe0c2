-- The kiosk admin PIN (Argon2id; parameters stored beside the hash) and its
-- lockout state, kept in the database so a restart does not reset it.
CREATE TABLE admin (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    pin_salt         BLOB,
    pin_hash         BLOB,
    argon2_m_kib     INTEGER,
    argon2_t         INTEGER,
    argon2_p         INTEGER,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT
) STRICT;

-- Kiosk settings as key/value text; validated by the core, defaults in code.
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;

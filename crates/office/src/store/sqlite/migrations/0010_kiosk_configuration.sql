-- signbook-office schema: kiosks receive a signed, versioned configuration
-- from the office (issue 17). Never edit a landed migration: add a new file.

-- Office-wide kiosk settings staff set (`signbook-office settings set`);
-- a setting never set leaves each kiosk's own.
CREATE TABLE kiosk_settings (
    key    TEXT PRIMARY KEY CHECK (key IN ('school_name', 'idle_timeout_secs', 'roles')),
    value  TEXT NOT NULL
) STRICT;

-- Re-sign rules per role staff set; a role without one keeps each kiosk's.
CREATE TABLE resign_rules (
    role         TEXT PRIMARY KEY,
    resign_rule  TEXT NOT NULL CHECK (resign_rule IN ('every_visit', 'new_version', 'after_days')),
    resign_days  INTEGER CHECK ((resign_rule = 'after_days') = (resign_days IS NOT NULL AND resign_days >= 1))
) STRICT;

-- Every configuration the office issued. `content` is what kiosks apply
-- (agreements by hash and title, what each role signs, rules, settings)
-- as JSON; the texts come from `agreements` (immutable, keyed by hash) and
-- the signature is made when a kiosk asks, with the certificate then in
-- use. A new version is made whenever the content changes. Append only.
CREATE TABLE configurations (
    version    INTEGER PRIMARY KEY CHECK (version >= 1),
    content    TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    issued_by  TEXT NOT NULL
) STRICT;

CREATE TRIGGER configurations_are_append_only_update BEFORE UPDATE ON configurations
BEGIN
    SELECT RAISE(ABORT, 'configurations are append only');
END;
CREATE TRIGGER configurations_are_append_only_delete BEFORE DELETE ON configurations
BEGIN
    SELECT RAISE(ABORT, 'configurations are append only');
END;

-- What each kiosk last said it runs: the configuration version it applied
-- and, as JSON, what each of its roles signs (a local publish on the kiosk
-- changes that without a new version).
ALTER TABLE devices ADD COLUMN configuration_applied INTEGER;
ALTER TABLE devices ADD COLUMN configuration_current TEXT;
ALTER TABLE devices ADD COLUMN configuration_reported_at TEXT;

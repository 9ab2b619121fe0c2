-- Each school's kiosks take their own school's configuration (issue 18).
-- Settings in `kiosk_settings`, `resign_rules` and `kiosk_privacy_notice`
-- stay the trust's, for every school; a school may set its own beside
-- them, which its kiosks take instead. Never edit a landed migration.

CREATE TABLE school_kiosk_settings (
    site_id  INTEGER NOT NULL REFERENCES sites(id),
    key      TEXT NOT NULL CHECK (key IN ('school_name', 'idle_timeout_secs', 'roles', 'local_retention_days')),
    value    TEXT NOT NULL,
    PRIMARY KEY (site_id, key)
) STRICT;

CREATE TABLE school_resign_rules (
    site_id      INTEGER NOT NULL REFERENCES sites(id),
    role         TEXT NOT NULL,
    resign_rule  TEXT NOT NULL CHECK (resign_rule IN ('every_visit', 'new_version', 'after_days')),
    resign_days  INTEGER CHECK ((resign_rule = 'after_days') = (resign_days IS NOT NULL AND resign_days >= 1)),
    PRIMARY KEY (site_id, role)
) STRICT;

CREATE TABLE school_privacy_notice (
    site_id  INTEGER PRIMARY KEY REFERENCES sites(id),
    english  TEXT NOT NULL,
    welsh    TEXT NOT NULL
) STRICT;

-- The name a kiosk shows is its school's: the one set so far is the first
-- school's (which migration 0014 named after it).
INSERT INTO school_kiosk_settings (site_id, key, value)
SELECT 1, key, value FROM kiosk_settings WHERE key = 'school_name';
DELETE FROM kiosk_settings WHERE key = 'school_name';

-- Each configuration is one school's; versions stay one sequence across
-- schools, so a kiosk's next one is always numbered above the last. Those
-- issued so far went to the first school's kiosks (and others' until they
-- take their own school's, numbered above).
ALTER TABLE configurations ADD COLUMN site_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX configurations_by_site ON configurations (site_id, version);

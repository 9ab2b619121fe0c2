-- signbook-office on PostgreSQL, schema version 8: each school's kiosks
-- take their own school's configuration, as SQLite's migration 0016.

CREATE TABLE school_kiosk_settings (
    site_id  BIGINT NOT NULL REFERENCES sites(id),
    key      TEXT NOT NULL CHECK (key IN ('school_name', 'idle_timeout_secs', 'roles', 'local_retention_days')),
    value    TEXT NOT NULL,
    PRIMARY KEY (site_id, key)
);

CREATE TABLE school_resign_rules (
    site_id      BIGINT NOT NULL REFERENCES sites(id),
    role         TEXT NOT NULL,
    resign_rule  TEXT NOT NULL CHECK (resign_rule IN ('every_visit', 'new_version', 'after_days')),
    resign_days  BIGINT CHECK ((resign_rule = 'after_days') = (resign_days IS NOT NULL AND resign_days >= 1)),
    PRIMARY KEY (site_id, role)
);

CREATE TABLE school_privacy_notice (
    site_id  BIGINT PRIMARY KEY REFERENCES sites(id),
    english  TEXT NOT NULL,
    welsh    TEXT NOT NULL
);

INSERT INTO school_kiosk_settings (site_id, key, value)
SELECT 1, key, value FROM kiosk_settings WHERE key = 'school_name';
DELETE FROM kiosk_settings WHERE key = 'school_name';

-- A constant default writes no row: the append-only trigger is not involved.
ALTER TABLE configurations ADD COLUMN site_id BIGINT NOT NULL DEFAULT 1 REFERENCES sites(id);
CREATE INDEX configurations_by_site ON configurations (site_id, version);

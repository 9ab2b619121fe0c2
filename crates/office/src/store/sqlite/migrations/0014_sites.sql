-- Schools ("sites") of a trust. A single school's office has one, made
-- here and named after the school name its kiosks show (if one is set);
-- its staff never have to choose a school. Sites are never deleted: every
-- kiosk, record and audit entry keeps naming the one it belongs to.
CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
) STRICT;
INSERT INTO sites (id, name, name_key, created_at)
SELECT 1, name, lower(name), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
FROM (SELECT coalesce((SELECT value FROM kiosk_settings WHERE key = 'school_name'), 'Our school') AS name);

-- A pairing code is issued for one school, and the kiosk paired with it
-- belongs to that school for good. Existing ones belong to the first.
ALTER TABLE pairing_codes ADD COLUMN site_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE devices ADD COLUMN site_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX devices_by_site ON devices (site_id);

-- A record's school, copied from its kiosk when it is indexed, so a
-- school's search reads only its own part of the index.
ALTER TABLE record_index ADD COLUMN site_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX record_index_by_site ON record_index (site_id, signed_at);

-- The schools a staff account is limited to. An account with no row here
-- is the trust's: it sees every school (every account of a single
-- school's office is one, as before).
CREATE TABLE user_sites (
    username  TEXT NOT NULL COLLATE NOCASE REFERENCES users(username) ON DELETE CASCADE,
    site_id   INTEGER NOT NULL REFERENCES sites(id),
    PRIMARY KEY (username, site_id)
) STRICT;

-- The school an audit entry concerns; NULL for the trust's own actions
-- (accounts, sign-ins, trust-wide searches), which only trust staff read.
ALTER TABLE audit_log ADD COLUMN site_id INTEGER;
CREATE INDEX audit_log_by_site ON audit_log (site_id, id);

-- Each school keeps its own roster and retention periods (issue 18). The
-- roster and periods held so far are the first school's.
ALTER TABLE roster ADD COLUMN site_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX roster_by_site ON roster (site_id, id);

-- The primary key becomes (site_id, role): rebuilt, rows kept.
CREATE TABLE retention_v2 (
    site_id  INTEGER NOT NULL REFERENCES sites(id),
    role     TEXT NOT NULL,
    days     INTEGER NOT NULL CHECK (days > 0),
    PRIMARY KEY (site_id, role)
) STRICT;
INSERT INTO retention_v2 (site_id, role, days) SELECT 1, role, days FROM retention;
DROP TABLE retention;
ALTER TABLE retention_v2 RENAME TO retention;

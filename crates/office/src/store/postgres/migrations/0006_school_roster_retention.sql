-- signbook-office on PostgreSQL, schema version 6: each school keeps its
-- own roster and retention periods, as SQLite's migration 0015. The roster
-- and periods held so far are the first school's.
ALTER TABLE roster ADD COLUMN site_id BIGINT NOT NULL DEFAULT 1 REFERENCES sites(id);
CREATE INDEX roster_by_site ON roster (site_id, id);

ALTER TABLE retention ADD COLUMN site_id BIGINT NOT NULL DEFAULT 1 REFERENCES sites(id);
ALTER TABLE retention DROP CONSTRAINT retention_pkey;
ALTER TABLE retention ADD PRIMARY KEY (site_id, role);

-- signbook-office on PostgreSQL, schema version 3: indexes that keep staff
-- search fast at a trust's size (millions of records), where SQLite's
-- table scans of a school's few hundred thousand were fast enough.
--
-- Names and organisations are matched anywhere in the folded name
-- (`LIKE '%zoe%'`), which no btree serves: trigram indexes do, for three
-- or more letters. pg_trgm ships with PostgreSQL and is a trusted
-- extension, so the office's own role may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX record_index_by_name ON record_index USING gin (name_key gin_trgm_ops);
CREATE INDEX record_index_by_organisation ON record_index USING gin (org_key gin_trgm_ops);

-- A role, a kiosk or an agreement version, newest first, and the counts
-- of each, read only their own part of the index.
CREATE INDEX record_index_by_role ON record_index (role, signed_at);
CREATE INDEX record_index_by_kiosk ON record_index (device_id, signed_at);
CREATE INDEX record_index_by_agreement ON record_index (agreement_hash, signed_at);

-- signbook-office on PostgreSQL, schema version 3: what keeps staff search
-- fast at a trust's size (millions of records), where SQLite's scans of a
-- school's few hundred thousand were fast enough.
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
-- A range of local days is counted and paged from this index alone.
CREATE INDEX record_index_by_day ON record_index (local_date, signed_at) INCLUDE (device_id, seq);

-- How many records each kiosk has in the index, kept by the database
-- itself: the total of an unfiltered search (every record of a trust)
-- without counting millions of rows on each page view.
CREATE TABLE record_index_counts (
    device_id  TEXT PRIMARY KEY,
    records    BIGINT NOT NULL
);
INSERT INTO record_index_counts SELECT device_id, count(*) FROM record_index GROUP BY device_id;

CREATE FUNCTION signbook_count_indexed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO record_index_counts VALUES (NEW.device_id, 1)
            ON CONFLICT (device_id) DO UPDATE SET records = record_index_counts.records + 1;
        RETURN NEW;
    END IF;
    UPDATE record_index_counts SET records = records - 1 WHERE device_id = OLD.device_id;
    RETURN OLD;
END;
$$;
-- An upsert that finds the record indexed already updates it: not counted.
CREATE TRIGGER record_index_counted AFTER INSERT OR DELETE ON record_index
    FOR EACH ROW EXECUTE FUNCTION signbook_count_indexed();

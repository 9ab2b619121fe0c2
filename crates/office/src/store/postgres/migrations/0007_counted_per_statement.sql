-- signbook-office on PostgreSQL, schema version 7: the per-kiosk record
-- counts (0003) kept once per statement instead of once per row. A push
-- indexes up to 500 records in one INSERT; counting each row was one
-- upsert of `record_index_counts` a record. Transition tables give the
-- statement's rows at once: one grouped upsert a batch. For an INSERT ...
-- ON CONFLICT DO UPDATE, the INSERT trigger's table holds only the rows
-- actually inserted, so a record indexed again is still not counted twice.
DROP TRIGGER record_index_counted ON record_index;
DROP FUNCTION signbook_count_indexed();

CREATE FUNCTION signbook_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO record_index_counts (device_id, records)
        SELECT device_id, count(*) FROM inserted GROUP BY device_id
        ON CONFLICT (device_id) DO UPDATE SET records = record_index_counts.records + EXCLUDED.records;
    RETURN NULL;
END;
$$;
CREATE FUNCTION signbook_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE record_index_counts c SET records = c.records - gone.n
        FROM (SELECT device_id, count(*) AS n FROM deleted GROUP BY device_id) gone
        WHERE c.device_id = gone.device_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER record_index_counted_inserts AFTER INSERT ON record_index
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION signbook_count_inserted();
CREATE TRIGGER record_index_counted_deletes AFTER DELETE ON record_index
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION signbook_count_deleted();

-- signbook-office on PostgreSQL, schema version 5: a school's search as
-- fast as the trust's (docs/benchmarks.md, "A trust on PostgreSQL").
--
-- Every school signs at the same hours, so a school's rows are scattered
-- over the whole table (each page holds rows of some 35 schools): reading
-- them by (site_id, signed_at) visited one page a row. Carrying the
-- searched columns in that index lets a school's search read its own index
-- entries alone (index-only), 1.2 s -> 15 ms for a two-letter name over
-- two million records.
DROP INDEX record_index_by_site;
CREATE INDEX record_index_by_site ON record_index (site_id, signed_at)
    INCLUDE (device_id, seq, name_key, org_key, role, local_date);

-- A kiosk belongs to one school: without this the planner takes kiosk and
-- school as independent, expects a fiftieth of a kiosk's rows, and sorts
-- them all for one page (0.8 s instead of 0.3 ms).
CREATE STATISTICS record_index_site_of_kiosk (dependencies) ON device_id, site_id FROM record_index;
ANALYZE record_index;

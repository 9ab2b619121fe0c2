-- signbook-office on PostgreSQL, schema version 9: signature images are
-- PNGs, compressed already, so they are stored out of line without
-- PostgreSQL's own compression, which tried and failed on every one.
ALTER TABLE records ALTER COLUMN signature_png SET STORAGE EXTERNAL;

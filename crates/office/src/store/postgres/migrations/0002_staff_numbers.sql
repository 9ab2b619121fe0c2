-- signbook-office on PostgreSQL, schema version 2: every staff account has
-- a number. An office erasure names who asked by the account's number,
-- never its name (`office-staff:N` in the signed erasure log and in what
-- the kiosk is sent); SQLite numbers accounts by its implicit rowid, which
-- a PostgreSQL table does not have. Identity numbers are never reused, so a
-- removed account's number never comes to name a newer account.
ALTER TABLE users ADD COLUMN id BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE;

-- signbook-office schema, version 3: limits on wrong pairing codes, and
-- lockouts reported once. Never edit a landed migration: add a new file.

-- Wrong pairing codes, by client address, so that every office process
-- sharing this database limits them together.
CREATE TABLE pairing_failures (
    address  TEXT NOT NULL,
    at       INTEGER NOT NULL
) STRICT;
CREATE INDEX pairing_failures_by_address ON pairing_failures (address, at);

-- When each sign-in problem (an account or address locked out, wrong
-- pairing codes from an address) was last reported to staff, so a
-- persistent attacker raises one alert a window, not one a request.
CREATE TABLE problem_reports (
    key  TEXT PRIMARY KEY,
    at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

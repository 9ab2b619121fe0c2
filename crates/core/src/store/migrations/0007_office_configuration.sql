-- The office's signed configuration (issue 17). Never edit a landed
-- migration: add a new file.
--
-- The office numbers each configuration (agreements, what each role signs,
-- re-sign rules, settings) and signs it; the background sync fetches a newer
-- one, checks its signature against the pinned office and keeps it here as
-- pending; the kiosk applies it between visitors, never while someone is
-- part-way through signing. A configuration that fails its checks is never
-- kept: only why, for the admin area's Status tab.
CREATE TABLE office_configuration (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    -- The version the office last announced; NULL until an office does (an
    -- older office never does, and is then never sent the kiosk's status).
    office_version   INTEGER CHECK (office_version IS NULL OR office_version >= 1),
    -- The last version applied (0: none yet).
    applied_version  INTEGER NOT NULL DEFAULT 0 CHECK (applied_version >= 0),
    applied_at       TEXT,
    -- Verified, waiting for the next visitor to start: the configuration's JSON.
    pending_version  INTEGER CHECK (pending_version IS NULL OR pending_version >= 1),
    pending_body     TEXT CHECK ((pending_version IS NULL) = (pending_body IS NULL)),
    -- The last configuration refused, and why.
    refused_version  INTEGER,
    refused_code     TEXT,
    refused_reason   TEXT,
    refused_at       TEXT
) STRICT;

INSERT INTO office_configuration (singleton) VALUES (1);

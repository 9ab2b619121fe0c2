-- signbook-office on PostgreSQL, schema version 10: a school's own choice
-- of the version a role signs, as SQLite's migration 0017.
CREATE TABLE school_agreements (
    site_id     BIGINT NOT NULL REFERENCES sites(id),
    role        TEXT NOT NULL,
    hash        TEXT NOT NULL REFERENCES agreements(hash),
    adopted_at  TEXT NOT NULL,
    adopted_by  TEXT NOT NULL,
    PRIMARY KEY (site_id, role)
);

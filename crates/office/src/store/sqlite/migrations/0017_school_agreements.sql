-- A school may choose the agreement version a role signs at its kiosks,
-- instead of the trust's current one (issue 18): a primary school's
-- visitors need not read a secondary school's text. A row is the school's
-- own choice for a role; none: the trust's current version. Who chose what
-- and when is in `audit_log` (`agreement_adopted`, with the school).
-- Never edit a landed migration: add a new file.
CREATE TABLE school_agreements (
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    role        TEXT NOT NULL,
    hash        TEXT NOT NULL REFERENCES agreements(hash),
    adopted_at  TEXT NOT NULL,
    adopted_by  TEXT NOT NULL,
    PRIMARY KEY (site_id, role)
) STRICT;

-- Per-role re-sign rules. A role without a row uses its default
-- (visitors and contractors every visit, everyone else once per version).
CREATE TABLE role_settings (
    role         TEXT PRIMARY KEY,
    resign_rule  TEXT NOT NULL CHECK (resign_rule IN ('every_visit', 'new_version', 'after_days')),
    resign_days  INTEGER CHECK ((resign_rule = 'after_days') = (resign_days IS NOT NULL AND resign_days >= 1))
) STRICT;

-- Finding a person's earlier signatures for a role without scanning every record.
CREATE INDEX records_by_role_name ON records (role, name COLLATE NOCASE);

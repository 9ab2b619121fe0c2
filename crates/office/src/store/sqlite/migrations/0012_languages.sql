-- signbook-office schema: the dashboard in English and Welsh (issue 17).
-- Never edit a landed migration: add a new file.

-- Each member of staff reads the dashboard in their own language; existing
-- accounts keep English until they switch.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'cy'));

-- School-wide office settings, not per account: the language of exports'
-- headings and evidence pages (English unless the school chooses Welsh).
CREATE TABLE office_settings (
    key    TEXT PRIMARY KEY CHECK (key IN ('export_language')),
    value  TEXT NOT NULL
) STRICT;

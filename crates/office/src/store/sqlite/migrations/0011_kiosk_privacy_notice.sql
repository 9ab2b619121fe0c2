-- signbook-office schema: the privacy notice ("How we use your
-- information", UK GDPR Article 13) the office sends its kiosks in its
-- configuration (issue 17). Never edit a landed migration: add a new file.

-- One row once staff saved a notice (Privacy → Privacy notice); none: each
-- kiosk keeps its own. Who changed it and when is in `audit_log`
-- (`kiosk_setting`, "privacy_notice = ...").
CREATE TABLE kiosk_privacy_notice (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    english    TEXT NOT NULL,
    welsh      TEXT NOT NULL
) STRICT;

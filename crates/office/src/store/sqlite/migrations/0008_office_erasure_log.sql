-- The office's own signed erasure log (docs/record-format.md, section 13.6).
-- Never edit a landed migration: add a new file.

-- One signed statement per erasure decided at the office: the statement's
-- exact bytes, the office certificate key's signature over them (ECDSA
-- P-256, DER), and which certificate signed.
CREATE TABLE office_erasure_log (
    device_id           TEXT NOT NULL,
    seq                 INTEGER NOT NULL,
    statement           TEXT NOT NULL,
    signature           BLOB NOT NULL,
    certificate_sha256  TEXT NOT NULL CHECK (length(certificate_sha256) = 64),
    signed_at           TEXT NOT NULL,
    PRIMARY KEY (device_id, seq),
    FOREIGN KEY (device_id, seq) REFERENCES erasures(device_id, seq)
) STRICT;

CREATE TRIGGER office_erasure_log_is_append_only BEFORE UPDATE ON office_erasure_log
BEGIN
    SELECT RAISE(ABORT, 'the office erasure log is signed and never changes');
END;

CREATE TRIGGER office_erasure_log_is_never_deleted BEFORE DELETE ON office_erasure_log
BEGIN
    SELECT RAISE(ABORT, 'the office erasure log is signed and never deleted');
END;

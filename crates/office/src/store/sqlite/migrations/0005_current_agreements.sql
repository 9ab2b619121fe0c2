-- signbook-office schema: the office decides which agreement version each
-- role must sign (issue 15, item 12). Never edit a landed migration: add a
-- new file. Independent of 0004.
--
-- Before this, the newest `published_at` a kiosk claimed won, so one
-- paired kiosk sending a version "published" in 9999 made it current for
-- every role at the office. `published_at` is now only the kiosk's claim,
-- kept for staff to read.

-- Every decision that a version is what a role must sign, oldest first;
-- the latest row for a role is its current version. Append only.
-- `adopted_by` is a staff account, `cli`, `upgrade`, or `kiosk <id>` for
-- the version a kiosk brought while the office had none for the role.
CREATE TABLE agreement_adoptions (
    id          INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL REFERENCES agreements(hash),
    role        TEXT NOT NULL,
    adopted_at  TEXT NOT NULL,
    adopted_by  TEXT NOT NULL
) STRICT;
CREATE INDEX agreement_adoptions_by_role ON agreement_adoptions (role, id);
CREATE INDEX agreement_adoptions_by_hash ON agreement_adoptions (hash, role);

CREATE TRIGGER agreement_adoptions_are_append_only_update BEFORE UPDATE ON agreement_adoptions
BEGIN
    SELECT RAISE(ABORT, 'agreement adoptions are append only');
END;
CREATE TRIGGER agreement_adoptions_are_append_only_delete BEFORE DELETE ON agreement_adoptions
BEGIN
    SELECT RAISE(ABORT, 'agreement adoptions are append only');
END;

-- Which kiosk sent which version: the dashboard names the kiosk that uses
-- a version the office has not adopted. Times are the office's own.
CREATE TABLE agreement_senders (
    hash                  TEXT NOT NULL REFERENCES agreements(hash),
    device_id             TEXT NOT NULL REFERENCES devices(device_id),
    -- What the kiosk said, for staff to read; never used to choose or order.
    claimed_published_at  TEXT NOT NULL,
    first_sent_at         TEXT NOT NULL,
    last_sent_at          TEXT NOT NULL,
    PRIMARY KEY (hash, device_id)
) STRICT, WITHOUT ROWID;

-- An existing office keeps what it showed: every version it held counts as
-- adopted for its roles, in the order the old rule ranked them (the kiosk's
-- date; a tie, which the old rule left to chance, by hash), so the last one per role, the current
-- one, is what the old rule chose.
INSERT INTO agreement_adoptions (hash, role, adopted_at, adopted_by)
SELECT r.hash, r.role, a.received_at, 'upgrade'
FROM agreement_roles r JOIN agreements a ON a.hash = r.hash
ORDER BY a.published_at, r.hash;

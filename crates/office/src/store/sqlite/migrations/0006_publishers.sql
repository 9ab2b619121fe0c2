-- signbook-office schema, version 6: who may publish agreements.
-- Never edit a landed migration: add a new file.

-- Publishing an agreement changes what every kiosk asks people to sign, so
-- it is its own permission, given account by account: the head's PA may
-- publish the new AUP without being able to erase records. Admins may
-- always publish (an admin could give themselves the permission anyway).
-- Existing accounts do not gain it: only admins could change agreements
-- before this, and they still can.
ALTER TABLE users ADD COLUMN may_publish INTEGER NOT NULL DEFAULT 0 CHECK (may_publish IN (0, 1));

-- signbook-office schema, version 4: staff roles, and disabled accounts.
-- Never edit a landed migration: add a new file.

-- What each account may do: 'records' (search, view, verify, export),
-- 'privacy' (also erasure, subject access, retention, the purge, the audit
-- log) or 'admin' (also staff accounts, kiosks, pairing). Before this,
-- every account could do everything, so existing accounts become admins:
-- no school is locked out of anything by the upgrade. New accounts always
-- name their role; the default is only for the rows already here.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin'
    CHECK (role IN ('records', 'privacy', 'admin'));

-- When an admin disabled the account (UTC, RFC 3339), or NULL: a disabled
-- account cannot log in, and its sessions ended when it was disabled.
ALTER TABLE users ADD COLUMN disabled_at TEXT;

-- The office's next certificate (issue 15, item 15). Never edit a landed
-- migration: add a new file.
--
-- While the office has a new certificate staged, it announces that
-- certificate's SHA-256 in its answers over the pinned channel; the kiosk
-- keeps it here as a second accepted pin, and when the office then
-- presents that certificate the kiosk makes it the pin and drops the old
-- one. A certificate never announced this way is still refused.
ALTER TABLE sync_config ADD COLUMN next_fingerprint TEXT
    CHECK (next_fingerprint IS NULL OR length(next_fingerprint) = 64);

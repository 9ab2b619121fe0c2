//! Kiosks, alerts, and verifying the stored chains.

use chrono::{DateTime, Utc};
use rusqlite::params;
use signbook_core::Hash32;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::erasure::ChainEntry;
use signbook_core::record::format_utc;
use signbook_core::sqlite::record_row::{decode_erasure_row, decode_held_row, decode_record_row};
use signbook_core::verify::{ChainWalk, VerifyReport};
use uuid::Uuid;

use super::Db;
use super::sites::{in_scope, scope_param};
use crate::error::{DbContext, OfficeError, Result};
use crate::store::integrity::{Alert, AlertRow, DeviceSummary, KioskHead, KioskStatus};
use crate::store::sites::{Scope, SiteId};
use crate::store::sync::{DEVICE_COLUMNS, Device};

/// An alert's school: its kiosk's. An alert about no kiosk (a wrong
/// pairing code) has none, so only the trust's staff see it.
const ALERT_SITE: &str = "(SELECT d.site_id FROM devices d WHERE d.device_id = alerts.device_id)";

impl Db {
    /// Every kiosk with what staff need to see about it.
    pub fn kiosk_statuses(&self, scope: &Scope) -> Result<Vec<KioskStatus>> {
        const DOING: &str = "listing kiosks";
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT d.device_id, d.name, d.paired_at, d.revoked_at, d.last_seen_at, d.reported_head,
                    max((SELECT coalesce(max(seq), 0) FROM records r WHERE r.device_id = d.device_id),
                        (SELECT coalesce(max(seq), 0) FROM erasure_entries e WHERE e.device_id = d.device_id),
                        (SELECT coalesce(max(seq), 0) FROM held_entries h WHERE h.device_id = d.device_id)),
                    (SELECT max(seq) FROM checkpoints c WHERE c.device_id = d.device_id),
                    (SELECT count(*) FROM alerts a WHERE a.device_id = d.device_id AND a.acknowledged_at IS NULL),
                    d.public_key, d.site_id
                 FROM devices d WHERE {} ORDER BY d.paired_at",
                in_scope("d.site_id", 1)
            ))
            .doing(DOING)?;
        let rows = stmt
            .query_map([scope_param(scope)], |r| {
                Ok(KioskStatus {
                    device_id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    name: r.get(1)?,
                    paired_at: r.get(2)?,
                    revoked_at: r.get(3)?,
                    last_seen_at: r.get(4)?,
                    reported_head: r.get(5)?,
                    held: r.get::<_, Option<u64>>(6)?.unwrap_or(0),
                    last_checkpoint: r.get(7)?,
                    open_alerts: r.get(8)?,
                    key_fingerprint: fingerprint_of(&r.get::<_, Vec<u8>>(9)?),
                    site: SiteId(r.get(10)?),
                })
            })
            .doing(DOING)?;
        rows.collect::<rusqlite::Result<_>>().doing(DOING)
    }

    /// Alerts, newest first; only unacknowledged ones unless `all`.
    pub fn alert_rows(&self, scope: &Scope, all: bool) -> Result<Vec<AlertRow>> {
        const DOING: &str = "listing alerts";
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, device_id, seq, kind, detail, raised_at, acknowledged_at, acknowledged_by FROM alerts
                 WHERE (?1 OR acknowledged_at IS NULL) AND {} ORDER BY id DESC LIMIT 500",
                in_scope(ALERT_SITE, 2)
            ))
            .doing(DOING)?;
        let rows = stmt
            .query_map(params![all, scope_param(scope)], |r| {
                let acknowledged = match (r.get::<_, Option<String>>(6)?, r.get::<_, Option<String>>(7)?) {
                    (Some(at), by) => Some((at, by.unwrap_or_default())),
                    _ => None,
                };
                Ok(AlertRow {
                    id: r.get(0)?,
                    device_id: r.get::<_, Option<String>>(1)?.and_then(|d| Uuid::parse_str(&d).ok()),
                    seq: r.get(2)?,
                    kind: r.get(3)?,
                    detail: r.get(4)?,
                    raised_at: r.get(5)?,
                    acknowledged,
                })
            })
            .doing(DOING)?;
        rows.collect::<rusqlite::Result<_>>().doing(DOING)
    }

    /// Marks an alert of `scope` as seen by `staff`. `false` if it was already.
    pub fn acknowledge_alert(&mut self, scope: &Scope, id: i64, staff: &str, now: DateTime<Utc>) -> Result<bool> {
        let scope = scope_param(scope);
        let changed = self
            .conn
            .execute(
                &format!(
                    "UPDATE alerts SET acknowledged_at = ?1, acknowledged_by = ?2
                     WHERE id = ?3 AND acknowledged_at IS NULL AND {}",
                    in_scope(ALERT_SITE, 4)
                ),
                params![format_utc(&now), staff, id, scope],
            )
            .doing("acknowledging an alert")?;
        if changed == 0
            && self
                .conn
                .query_row(
                    &format!("SELECT count(*) FROM alerts WHERE id = ?1 AND {}", in_scope(ALERT_SITE, 2)),
                    params![id, scope],
                    |r| r.get::<_, u64>(0),
                )
                .doing("reading an alert")?
                == 0
        {
            return Err(OfficeError::NotFound);
        }
        Ok(changed == 1)
    }

    /// The first kiosk-signed checkpoint at or after `seq`: the kiosk's key
    /// vouches for the record through the chain up to it.
    pub fn checkpoint_covering(&self, device_id: Uuid, seq: u64) -> Result<Option<u64>> {
        self.conn
            .query_row(
                "SELECT min(seq) FROM checkpoints WHERE device_id = ?1 AND seq >= ?2",
                params![device_id.hyphenated().to_string(), seq],
                |r| r.get(0),
            )
            .doing("reading checkpoints")
    }

    /// Every kiosk's key and the highest checkpoint it signed.
    pub fn kiosk_heads(&self) -> Result<Vec<KioskHead>> {
        const DOING: &str = "reading kiosk keys and checkpoints";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.device_id, d.public_key, d.name, d.paired_at, d.revoked_at, d.site_id, c.seq, c.head_hash, c.signature
                 FROM devices d LEFT JOIN checkpoints c ON c.device_id = d.device_id
                    AND c.seq = (SELECT max(seq) FROM checkpoints m WHERE m.device_id = d.device_id)
                 ORDER BY d.device_id",
            )
            .doing(DOING)?;
        let rows = stmt
            .query_map([], |r| {
                let device = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
                let head =
                    (r.get::<_, Option<u64>>(6)?, r.get::<_, Option<String>>(7)?, r.get::<_, Option<Vec<u8>>>(8)?);
                Ok((device, head))
            })
            .doing(DOING)?;
        let mut out = Vec::new();
        for row in rows {
            let (device, head) = row.doing(DOING)?;
            let device = Device::from_columns(device)?;
            let checkpoint = match head {
                (Some(seq), Some(hash), Some(signature)) => Some(Checkpoint {
                    device_id: device.device_id,
                    seq,
                    head_hash: Hash32::from_hex(&hash)
                        .map_err(|_| OfficeError::Internal(format!("a stored checkpoint's head is not hex: {hash}")))?,
                    signature: signature
                        .try_into()
                        .map_err(|_| OfficeError::Internal("a stored checkpoint signature is not 64 bytes".into()))?,
                }),
                _ => None,
            };
            out.push(KioskHead { device, checkpoint });
        }
        Ok(out)
    }

    /// Every kiosk, for `signbook-office kiosks`.
    pub fn devices(&self) -> Result<Vec<DeviceSummary>> {
        const DOING: &str = "listing kiosks";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.device_id, d.name, d.paired_at, d.revoked_at,
                    (SELECT max(seq) FROM records r WHERE r.device_id = d.device_id),
                    (SELECT max(received_at) FROM records r WHERE r.device_id = d.device_id)
                 FROM devices d ORDER BY d.paired_at",
            )
            .doing(DOING)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, Option<u64>>(4)?, r.get(5)?))
            })
            .doing(DOING)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, paired_at, revoked_at, records, last_received_at) = row.doing(DOING)?;
            let device_id = Uuid::parse_str(&id).map_err(|e| OfficeError::Internal(e.to_string()))?;
            out.push(DeviceSummary {
                device_id,
                name,
                paired_at,
                revoked_at,
                records: records.unwrap_or(0),
                last_received_at,
            });
        }
        Ok(out)
    }

    /// Every alert, oldest first.
    pub fn alerts(&self) -> Result<Vec<Alert>> {
        const DOING: &str = "listing alerts";
        let mut stmt =
            self.conn.prepare("SELECT device_id, seq, kind, detail, raised_at FROM alerts ORDER BY id").doing(DOING)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<u64>>(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .doing(DOING)?;
        let mut out = Vec::new();
        for row in rows {
            let (device, seq, kind, detail, raised_at) = row.doing(DOING)?;
            out.push(Alert { device_id: device.and_then(|d| Uuid::parse_str(&d).ok()), seq, kind, detail, raised_at });
        }
        Ok(out)
    }

    /// Walks every stored chain with the kiosk's own verification rules.
    pub fn verify(&self) -> Result<Vec<VerifyReport>> {
        const DOING: &str = "verifying stored chains";
        let mut reports = Vec::new();
        let devices: Vec<Device> = {
            let mut stmt =
                self.conn.prepare(&format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY paired_at")).doing(DOING)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
                .doing(DOING)?;
            let raw: Vec<_> = rows.collect::<rusqlite::Result<_>>().doing(DOING)?;
            raw.into_iter().map(Device::from_columns).collect::<Result<_>>()?
        };
        for device in devices {
            let id = device.device_id.hyphenated().to_string();
            let checkpoints = {
                let mut stmt = self
                    .conn
                    .prepare("SELECT seq, head_hash, signature FROM checkpoints WHERE device_id = ?1 ORDER BY seq")
                    .doing(DOING)?;
                let rows = stmt
                    .query_map([&id], |r| Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?)))
                    .doing(DOING)?;
                let mut out = Vec::new();
                for row in rows {
                    let (seq, head, sig) = row.doing(DOING)?;
                    out.push(Checkpoint {
                        device_id: device.device_id,
                        seq,
                        head_hash: Hash32::from_hex(&head).unwrap_or(Hash32::ZERO),
                        signature: sig.try_into().unwrap_or([0; 64]),
                    });
                }
                out
            };
            let mut walk = ChainWalk::new(device.device_id, device.public_key, checkpoints);
            // The office keeps the personal data a kiosk's held entries name.
            walk.held_targets_keep_data();
            let mut stmt = self
                .conn
                .prepare(
                    // `decode_record_row`'s columns, in its order.
                    "SELECT r.seq, r.id, r.device_id, r.prev_hash, r.agreement_hash, r.role, r.signed_at, r.utc_offset_minutes,
                        r.name_digest, r.organisation_digest, r.signature_digest, r.record_hash, r.name, r.name_salt,
                        r.organisation, r.organisation_salt, r.signature_png, r.signature_salt, e.reason, e.erased_at
                     FROM records r LEFT JOIN erasures e ON e.device_id = r.device_id AND e.seq = r.seq
                     WHERE r.device_id = ?1 ORDER BY r.seq",
                )
                .doing(DOING)?;
            // Erasure entries (record format 2) are few: read first, then
            // checked in their place between the records.
            let mut entries = {
                let mut stmt = self
                    .conn
                    .prepare(
                        "SELECT seq, id, device_id, prev_hash, target_seq, target_hash, erased_at, recorded_at,
                            requested_by, reason, entry_hash, reason_text
                         FROM erasure_entries WHERE device_id = ?1 ORDER BY seq",
                    )
                    .doing(DOING)?;
                let rows =
                    stmt.query_map([&id], |row| Ok(decode_erasure_row(row).map(ChainEntry::Erasure))).doing(DOING)?;
                let mut entries = rows.collect::<rusqlite::Result<Vec<_>>>().doing(DOING)?;
                // Held entries (record format 3) too.
                let mut stmt = self
                    .conn
                    .prepare(
                        "SELECT seq, id, device_id, prev_hash, target_seq, target_hash, removed_at, acknowledged_at,
                            office_certificate_sha256, entry_hash
                         FROM held_entries WHERE device_id = ?1 ORDER BY seq",
                    )
                    .doing(DOING)?;
                let rows = stmt.query_map([&id], |row| Ok(decode_held_row(row).map(ChainEntry::Held))).doing(DOING)?;
                entries.extend(rows.collect::<rusqlite::Result<Vec<_>>>().doing(DOING)?);
                entries.sort_by_key(|e| e.as_ref().map_or_else(|d| d.seq, ChainEntry::seq));
                entries.into_iter().peekable()
            };
            let mut check_entries_before = |walk: &mut ChainWalk, seq: u64| {
                while let Some(entry) = entries.next_if(|e| e.as_ref().map_or_else(|d| d.seq, ChainEntry::seq) < seq) {
                    match entry {
                        Ok(ChainEntry::Erasure(erasure)) => walk.check_erasure(&erasure),
                        Ok(ChainEntry::Held(held)) => walk.check_held(&held),
                        Ok(ChainEntry::Record(..)) => {}
                        Err(defect) => walk.damaged(defect),
                    }
                }
            };
            let mut rows = stmt.query([&id]).doing(DOING)?;
            while let Some(row) = rows.next().doing(DOING)? {
                match decode_record_row(row) {
                    Ok((record, erasure)) => {
                        check_entries_before(&mut walk, record.header.seq);
                        walk.check(&record, erasure.as_ref());
                    }
                    Err(defect) => {
                        check_entries_before(&mut walk, defect.seq);
                        walk.damaged(defect);
                    }
                }
            }
            check_entries_before(&mut walk, u64::MAX);
            reports.push(walk.finish());
        }
        Ok(reports)
    }

    /// Rows stored for `device_id`.
    pub fn record_count(&self, device_id: Uuid) -> Result<u64> {
        self.conn
            .query_row("SELECT count(*) FROM records WHERE device_id = ?1", [device_id.hyphenated().to_string()], |r| {
                r.get(0)
            })
            .doing("counting records")
    }

    /// `(seq, record_hash)` of every stored record of `device_id`, in order.
    pub fn record_hashes(&self, device_id: Uuid) -> Result<Vec<(u64, Hash32)>> {
        const DOING: &str = "reading record hashes";
        let mut stmt =
            self.conn.prepare("SELECT seq, record_hash FROM records WHERE device_id = ?1 ORDER BY seq").doing(DOING)?;
        let rows = stmt
            .query_map([device_id.hyphenated().to_string()], |r| Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?)))
            .doing(DOING)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, hash) = row.doing(DOING)?;
            out.push((seq, Hash32::from_hex(&hash).map_err(|e| OfficeError::Internal(e.to_string()))?));
        }
        Ok(out)
    }
}

/// The fingerprint of a stored public key, as the kiosk shows its own; a
/// damaged key (pairing stores only valid ones) says so instead.
fn fingerprint_of(key: &[u8]) -> String {
    <[u8; 32]>::try_from(key)
        .ok()
        .and_then(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok())
        .map_or_else(|| "damaged key".to_owned(), |k| signbook_core::device::key_fingerprint(&k))
}

//! PostgreSQL: the counterpart of `store/sqlite/integrity.rs` and of
//! SQLite's `IntegrityStore` in `boundary.rs`: kiosks, alerts, and
//! verifying the stored chains with the kiosk's own rules.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use signbook_core::Hash32;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::erasure::ChainEntry;
use signbook_core::record::format_utc;
use signbook_core::sqlite::record_row::decode_record_row;
use signbook_core::verify::{ChainWalk, VerifyReport};
use uuid::Uuid;

use super::chain_file::entries;
use super::pairing::device_row;
use super::records::{FETCH_ROWS, snapshot};
use super::rows::PgRow;
use super::shared::{big, unsigned};
use super::sites::{in_scope, scope_param};
use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};
use crate::store::integrity::{Alert, AlertRow, DeviceSummary, IntegrityStore, KioskHead, KioskStatus};
use crate::store::sites::{Scope, SiteId};
use crate::store::sync::DEVICE_COLUMNS;

/// An alert's school: its kiosk's. An alert about no kiosk (a wrong
/// pairing code) has none, so only the trust's staff see it.
const ALERT_SITE: &str = "(SELECT d.site_id FROM devices d WHERE d.device_id = alerts.device_id)";

#[async_trait]
impl IntegrityStore for PgStore {
    async fn devices(&self) -> Result<Vec<DeviceSummary>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT d.device_id, d.name, d.paired_at, d.revoked_at,
                    (SELECT max(seq) FROM records r WHERE r.device_id = d.device_id),
                    (SELECT max(received_at) FROM records r WHERE r.device_id = d.device_id)
                 FROM devices d ORDER BY d.paired_at",
                &[],
            )
            .await
            .doing("listing kiosks")?;
        rows.iter()
            .map(|r| {
                Ok(DeviceSummary {
                    device_id: uuid(r.get(0))?,
                    name: r.get(1),
                    paired_at: r.get(2),
                    revoked_at: r.get(3),
                    records: r.get::<_, Option<i64>>(4).map_or(Ok(0), unsigned)?,
                    last_received_at: r.get(5),
                })
            })
            .collect()
    }

    async fn kiosk_statuses(&self, scope: &Scope) -> Result<Vec<KioskStatus>> {
        let sql = format!(
            "SELECT d.device_id, d.name, d.paired_at, d.revoked_at, d.last_seen_at, d.reported_head,
                greatest((SELECT coalesce(max(seq), 0) FROM records r WHERE r.device_id = d.device_id),
                    (SELECT coalesce(max(seq), 0) FROM erasure_entries e WHERE e.device_id = d.device_id),
                    (SELECT coalesce(max(seq), 0) FROM held_entries h WHERE h.device_id = d.device_id)),
                (SELECT max(seq) FROM checkpoints c WHERE c.device_id = d.device_id),
                (SELECT count(*) FROM alerts a WHERE a.device_id = d.device_id AND a.acknowledged_at IS NULL),
                d.public_key, d.site_id
             FROM devices d WHERE {} ORDER BY d.paired_at",
            in_scope("d.site_id", 1)
        );
        let rows = self.client().await?.query(&sql, &[&scope_param(scope)]).await.doing("listing kiosks")?;
        rows.iter()
            .map(|r| {
                Ok(KioskStatus {
                    device_id: Uuid::parse_str(r.get(0)).unwrap_or_default(),
                    name: r.get(1),
                    paired_at: r.get(2),
                    revoked_at: r.get(3),
                    last_seen_at: r.get(4),
                    reported_head: r.get::<_, Option<i64>>(5).map(unsigned).transpose()?,
                    held: unsigned(r.get(6))?,
                    last_checkpoint: r.get::<_, Option<i64>>(7).map(unsigned).transpose()?,
                    open_alerts: unsigned(r.get(8))?,
                    key_fingerprint: fingerprint_of(r.get(9)),
                    site: SiteId(r.get(10)),
                })
            })
            .collect()
    }

    async fn alerts(&self) -> Result<Vec<Alert>> {
        let rows = self
            .client()
            .await?
            .query("SELECT device_id, seq, kind, detail, raised_at FROM alerts ORDER BY id", &[])
            .await
            .doing("listing alerts")?;
        rows.iter()
            .map(|r| {
                Ok(Alert {
                    device_id: r.get::<_, Option<&str>>(0).and_then(|d| Uuid::parse_str(d).ok()),
                    seq: r.get::<_, Option<i64>>(1).map(unsigned).transpose()?,
                    kind: r.get(2),
                    detail: r.get(3),
                    raised_at: r.get(4),
                })
            })
            .collect()
    }

    async fn alert_rows(&self, scope: &Scope, all: bool) -> Result<Vec<AlertRow>> {
        let sql = format!(
            "SELECT id, device_id, seq, kind, detail, raised_at, acknowledged_at, acknowledged_by FROM alerts
             WHERE ($1 OR acknowledged_at IS NULL) AND {} ORDER BY id DESC LIMIT 500",
            in_scope(ALERT_SITE, 2)
        );
        let rows = self.client().await?.query(&sql, &[&all, &scope_param(scope)]).await.doing("listing alerts")?;
        rows.iter()
            .map(|r| {
                let acknowledged = match (r.get::<_, Option<String>>(6), r.get::<_, Option<String>>(7)) {
                    (Some(at), by) => Some((at, by.unwrap_or_default())),
                    _ => None,
                };
                Ok(AlertRow {
                    id: r.get(0),
                    device_id: r.get::<_, Option<&str>>(1).and_then(|d| Uuid::parse_str(d).ok()),
                    seq: r.get::<_, Option<i64>>(2).map(unsigned).transpose()?,
                    kind: r.get(3),
                    detail: r.get(4),
                    raised_at: r.get(5),
                    acknowledged,
                })
            })
            .collect()
    }

    async fn acknowledge_alert(&self, scope: &Scope, id: i64, staff: &str, now: DateTime<Utc>) -> Result<bool> {
        // One statement: whether the alert exists for `scope` (another
        // school's is not found, as an unknown id), and whether this call marked it.
        let sql = format!(
            "WITH seen AS (SELECT id FROM alerts WHERE id = $3 AND {}),
                  marked AS (UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2
                             WHERE id IN (SELECT id FROM seen) AND acknowledged_at IS NULL RETURNING id)
             SELECT EXISTS (SELECT 1 FROM marked) FROM seen",
            in_scope(ALERT_SITE, 4)
        );
        let row = self
            .client()
            .await?
            .query_opt(&sql, &[&format_utc(&now), &staff, &id, &scope_param(scope)])
            .await
            .doing("acknowledging an alert")?;
        row.map(|r| r.get(0)).ok_or(OfficeError::NotFound)
    }

    async fn verify(&self) -> Result<Vec<VerifyReport>> {
        const DOING: &str = "verifying stored chains";
        // A long read: a connection of its own, one snapshot throughout.
        let mut client = self.client().await?;
        let tx = snapshot(&mut client, DOING).await?;
        let devices =
            tx.query(&format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY paired_at"), &[]).await.doing(DOING)?;
        let mut reports = Vec::with_capacity(devices.len());
        for device in devices.iter().map(device_row) {
            let device = device?;
            let id = device.device_id.hyphenated().to_string();
            let checkpoints = tx
                .query("SELECT seq, head_hash, signature FROM checkpoints WHERE device_id = $1 ORDER BY seq", &[&id])
                .await
                .doing(DOING)?
                .iter()
                .map(|r| {
                    Ok(Checkpoint {
                        device_id: device.device_id,
                        seq: unsigned(r.get(0))?,
                        head_hash: Hash32::from_hex(r.get::<_, &str>(1)).unwrap_or(Hash32::ZERO),
                        signature: r.get::<_, Vec<u8>>(2).try_into().unwrap_or([0; 64]),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let mut walk = ChainWalk::new(device.device_id, device.public_key, checkpoints);
            // The office keeps the personal data a kiosk's held entries name.
            walk.held_targets_keep_data();
            // Erasure and held entries are few: read first, then checked in
            // their place between the records.
            let mut entries = entries(&tx, &id, u64::MAX >> 1).await?.into_iter().peekable();
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
            // `decode_record_row`'s columns, in its order, fetched a batch
            // at a time: a chain of a million records is never held whole.
            let portal = tx
                .bind(
                    "SELECT r.seq, r.id, r.device_id, r.prev_hash, r.agreement_hash, r.role, r.signed_at, r.utc_offset_minutes,
                        r.name_digest, r.organisation_digest, r.signature_digest, r.record_hash, r.name, r.name_salt,
                        r.organisation, r.organisation_salt, r.signature_png, r.signature_salt, e.reason, e.erased_at
                     FROM records r LEFT JOIN erasures e ON e.device_id = r.device_id AND e.seq = r.seq
                     WHERE r.device_id = $1 ORDER BY r.seq",
                    &[&id],
                )
                .await
                .doing(DOING)?;
            loop {
                let rows = tx.query_portal(&portal, FETCH_ROWS).await.doing(DOING)?;
                for row in &rows {
                    match decode_record_row(&PgRow(row)) {
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
                if rows.len() < FETCH_ROWS as usize {
                    break;
                }
            }
            check_entries_before(&mut walk, u64::MAX);
            reports.push(walk.finish());
        }
        tx.commit().await.doing(DOING)?;
        Ok(reports)
    }

    async fn checkpoint_covering(&self, device_id: Uuid, seq: u64) -> Result<Option<u64>> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT min(seq) FROM checkpoints WHERE device_id = $1 AND seq >= $2",
                &[&device_id.hyphenated().to_string(), &big(seq)?],
            )
            .await
            .doing("reading checkpoints")?;
        row.get::<_, Option<i64>>(0).map(unsigned).transpose()
    }

    async fn kiosk_heads(&self) -> Result<Vec<KioskHead>> {
        const DOING: &str = "reading kiosk keys and checkpoints";
        let rows = self
            .client()
            .await?
            .query(
                "SELECT d.device_id, d.public_key, d.name, d.paired_at, d.revoked_at, d.site_id, c.seq, c.head_hash, c.signature
                 FROM devices d LEFT JOIN checkpoints c ON c.device_id = d.device_id
                    AND c.seq = (SELECT max(seq) FROM checkpoints m WHERE m.device_id = d.device_id)
                 ORDER BY d.device_id",
                &[],
            )
            .await
            .doing(DOING)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let device = device_row(r)?;
            // After the device's columns, in `DEVICE_COLUMNS`' order.
            let head = (r.get::<_, Option<i64>>(6), r.get::<_, Option<String>>(7), r.get::<_, Option<Vec<u8>>>(8));
            let checkpoint = match head {
                (Some(seq), Some(hash), Some(signature)) => Some(Checkpoint {
                    device_id: device.device_id,
                    seq: unsigned(seq)?,
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

    async fn record_count(&self, device_id: Uuid) -> Result<u64> {
        let row = self
            .client()
            .await?
            .query_one("SELECT count(*) FROM records WHERE device_id = $1", &[&device_id.hyphenated().to_string()])
            .await
            .doing("counting records")?;
        unsigned(row.get(0))
    }

    async fn chain_entries(&self, device_id: Uuid, up_to: u64) -> Result<Vec<ChainEntry>> {
        self.chain_file(device_id, up_to).await
    }

    async fn record_hashes(&self, device_id: Uuid) -> Result<Vec<(u64, Hash32)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT seq, record_hash FROM records WHERE device_id = $1 ORDER BY seq",
                &[&device_id.hyphenated().to_string()],
            )
            .await
            .doing("reading record hashes")?;
        rows.iter()
            .map(|r| {
                let hash = Hash32::from_hex(r.get::<_, &str>(1)).map_err(|e| OfficeError::Internal(e.to_string()))?;
                Ok((unsigned(r.get(0))?, hash))
            })
            .collect()
    }
}

/// A stored device id.
fn uuid(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|e| OfficeError::Internal(format!("stored device id {id}: {e}")))
}

/// The fingerprint of a stored public key, as the kiosk shows its own; a
/// damaged key (pairing stores only valid ones) says so instead.
fn fingerprint_of(key: &[u8]) -> String {
    <[u8; 32]>::try_from(key)
        .ok()
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
        .map_or_else(|| "damaged key".to_owned(), |k| signbook_core::device::key_fingerprint(&k))
}

//! The SQLite backend: one file, opened as the kiosk's is
//! (`signbook_core::sqlite`): WAL (so `signbook-office pair` can add a code
//! while `serve` runs), `synchronous=FULL` (an acknowledged record survives
//! a power cut), foreign keys, and a busy timeout.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use signbook_core::Hash32;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::record::{PersonalData, Record, RecordHeader, format_utc};
use signbook_core::sqlite::OpenError;
use signbook_core::store::Erasure;
use signbook_core::verify::{ChainWalk, VerifyReport};
use signbook_sync::auth::MAX_CLOCK_SKEW_SECS;
use signbook_sync::wire::{PushRequest, PushResponse, WireErasure};
use uuid::Uuid;

use super::migrations;
use super::{Alert, Device, DeviceSummary, OfficeStore};
use crate::error::{DbContext, OfficeError, Result};
use crate::ingest::{check_extension, decode_batch, implausible_time};

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The office database file.
#[derive(Debug)]
pub struct SqliteStore {
    pub(super) conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        let path = path.as_ref().to_owned();
        let conn = migrations::SCHEMA.open(&path, BUSY_TIMEOUT).map_err(|error| match error {
            OpenError::Unreadable(source) => OfficeError::Db { doing: "opening the office database", source },
            OpenError::Foreign => OfficeError::ForeignDatabase { path: path.clone() },
            OpenError::TooNew { found, supported } => {
                OfficeError::SchemaTooNew { path: path.clone(), found, supported }
            }
            OpenError::Migration(source) => OfficeError::Db { doing: "upgrading the office database schema", source },
            OpenError::Permissions(source) => OfficeError::Io { path: path.clone(), source },
        })?;
        let mut conn = conn;
        super::search::backfill(&mut conn)?;
        Ok(SqliteStore { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows stored for `device_id` (tests and the `kiosks` listing).
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

/// Remembers a request nonce; `false` if this device used it before.
fn insert_nonce(tx: &Transaction<'_>, device_id: Uuid, nonce: &str, now_secs: i64) -> Result<bool> {
    const DOING: &str = "checking the request nonce";
    // A nonce older than twice the clock window can no longer pass the
    // timestamp check, so it need not be remembered.
    tx.prepare_cached("DELETE FROM nonces WHERE seen_at < ?1")
        .and_then(|mut s| s.execute([now_secs - 2 * MAX_CLOCK_SKEW_SECS]))
        .doing(DOING)?;
    let inserted = tx
        .prepare_cached("INSERT OR IGNORE INTO nonces (device_id, nonce, seen_at) VALUES (?1, ?2, ?3)")
        .and_then(|mut s| s.execute(params![device_id.hyphenated().to_string(), nonce, now_secs]))
        .doing(DOING)?;
    Ok(inserted == 1)
}

fn head(tx: &Connection, device: &str) -> Result<(u64, Hash32)> {
    let row: Option<(u64, String)> = tx
        .prepare_cached("SELECT seq, record_hash FROM records WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1")
        .and_then(|mut s| s.query_row([device], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .doing("reading the chain head")?;
    match row {
        None => Ok((0, Hash32::ZERO)),
        Some((seq, hash)) => Ok((seq, Hash32::from_hex(&hash).map_err(|e| OfficeError::Internal(e.to_string()))?)),
    }
}

fn parse_device(row: (String, Vec<u8>, Option<String>, String, Option<String>)) -> Result<Device> {
    let (id, key, name, paired_at, revoked_at) = row;
    let device_id = Uuid::parse_str(&id).map_err(|e| OfficeError::Internal(format!("stored device id {id}: {e}")))?;
    let key: [u8; 32] =
        key.try_into().map_err(|_| OfficeError::Internal(format!("stored key of {id} is not 32 bytes")))?;
    let public_key = VerifyingKey::from_bytes(&key)
        .map_err(|_| OfficeError::Internal(format!("stored key of {id} is not an Ed25519 key")))?;
    Ok(Device { device_id, public_key, name, paired_at, revoked_at })
}

/// Applies an erasure to a stored record; `false` if already erased or
/// the record is not held (it will then arrive as a tombstone).
fn apply_erasure(tx: &Transaction<'_>, device: &str, seq: u64, erasure: &Erasure, now: &str) -> Result<bool> {
    const DOING: &str = "applying an erasure";
    let held: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM records WHERE device_id = ?1 AND seq = ?2)",
            params![device, seq],
            |r| r.get(0),
        )
        .doing(DOING)?;
    if !held {
        return Ok(false);
    }
    let inserted = tx
        .execute(
            "INSERT OR IGNORE INTO erasures (device_id, seq, reason, erased_at, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![device, seq, erasure.reason, format_utc(&erasure.erased_at), now],
        )
        .doing(DOING)?;
    if inserted == 0 {
        // Erased here already. If office staff did it, the kiosk sending it
        // back means its own copy is gone too.
        tx.execute(
            "UPDATE erasures SET kiosk_confirmed_at = ?3 WHERE device_id = ?1 AND seq = ?2 AND origin = 'office' AND kiosk_confirmed_at IS NULL",
            params![device, seq, now],
        )
        .doing(DOING)?;
        return Ok(false);
    }
    drop_personal_data(tx, device, seq)?;
    Ok(true)
}

/// Office erasures the kiosk has not confirmed yet, oldest first.
fn office_erasures_to_send(tx: &Transaction<'_>, device: &str) -> Result<Vec<WireErasure>> {
    const DOING: &str = "reading erasures for the kiosk";
    let mut stmt = tx
        .prepare_cached("SELECT seq, reason, erased_at FROM erasures WHERE device_id = ?1 AND origin = 'office' AND kiosk_confirmed_at IS NULL ORDER BY seq LIMIT 500")
        .doing(DOING)?;
    let rows = stmt
        .query_map([device], |r| Ok(WireErasure { seq: r.get(0)?, reason: r.get(1)?, erased_at: r.get(2)? }))
        .doing(DOING)?;
    rows.collect::<rusqlite::Result<_>>().doing(DOING)
}

/// Replaces a record's personal data with a tombstone (its erasure row is
/// the caller's), and drops it from the search index.
pub(super) fn drop_personal_data(tx: &Transaction<'_>, device: &str, seq: u64) -> Result<()> {
    tx.execute(
        "UPDATE records SET name = NULL, name_salt = NULL, organisation = NULL, organisation_salt = NULL,
            signature_png = NULL, signature_salt = NULL WHERE device_id = ?1 AND seq = ?2",
        params![device, seq],
    )
    .doing("erasing personal data")?;
    super::search::forget_personal(tx, device, seq)
}

fn insert_record(tx: &Transaction<'_>, record: &Record, now: &str) -> Result<usize> {
    let h = &record.header;
    let p = record.personal.as_ref();
    tx.prepare_cached(
        "INSERT OR IGNORE INTO records (device_id, seq, id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes,
            name_digest, organisation_digest, signature_digest, record_hash,
            name, name_salt, organisation, organisation_salt, signature_png, signature_salt, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            h.device_id.hyphenated().to_string(),
            h.seq,
            h.id.hyphenated().to_string(),
            h.prev_hash.to_hex(),
            h.agreement_hash.to_hex(),
            h.role,
            format_utc(&h.signed_at),
            h.utc_offset_minutes,
            h.name_digest.to_hex(),
            h.organisation_digest.map(|d| d.to_hex()),
            h.signature_digest.to_hex(),
            record.hash.to_hex(),
            p.map(|p| p.name.as_str()),
            p.map(|p| p.name_salt.as_slice()),
            p.and_then(|p| p.organisation.as_ref().map(|(o, _)| o.as_str())),
            p.and_then(|p| p.organisation.as_ref().map(|(_, s)| s.as_slice())),
            p.map(|p| p.signature_png.as_slice()),
            p.map(|p| p.signature_salt.as_slice()),
            now,
        ])
    })
    .doing("storing a record")
    .and_then(|inserted| {
        if inserted == 1 {
            super::search::index_record(tx, record)?;
        }
        Ok(inserted)
    })
}

impl OfficeStore for SqliteStore {
    fn add_pairing_code(&mut self, code_hash: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO pairing_codes (code_hash, created_at, expires_at) VALUES (?1, ?2, ?3)",
                params![code_hash, format_utc(&now), format_utc(&expires_at)],
            )
            .doing("saving the pairing code")?;
        Ok(())
    }

    fn pair(
        &mut self,
        code: &str,
        code_hash: &str,
        device_id: Uuid,
        public_key: &VerifyingKey,
        name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(Device, u64)> {
        const DOING: &str = "pairing a kiosk";
        let id = device_id.hyphenated().to_string();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        let row: Option<(String, Option<String>)> = tx
            .query_row("SELECT expires_at, used_by FROM pairing_codes WHERE code_hash = ?1", [code_hash], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .doing(DOING)?;
        let Some((expires_at, used_by)) = row else {
            return Err(OfficeError::PairingCodeInvalid { code: code.to_owned() });
        };
        let existing = tx
            .query_row(
                "SELECT device_id, public_key, name, paired_at, revoked_at FROM devices WHERE device_id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .doing(DOING)?
            .map(parse_device)
            .transpose()?;
        if let Some(device) = &existing {
            if device.public_key != *public_key {
                return Err(OfficeError::DeviceKeyConflict { device_id });
            }
            if let Some(revoked_at) = &device.revoked_at {
                return Err(OfficeError::DeviceRevoked { device_id, revoked_at: revoked_at.clone() });
            }
        }
        match used_by {
            // The same kiosk retrying after a lost answer: pairing is idempotent.
            Some(by) if by == id && existing.is_some() => {}
            Some(_) => return Err(OfficeError::PairingCodeUsed { code: code.to_owned() }),
            None if expires_at.as_str() <= format_utc(&now).as_str() => {
                return Err(OfficeError::PairingCodeExpired { code: code.to_owned() });
            }
            None => {
                tx.execute(
                    "UPDATE pairing_codes SET used_at = ?1, used_by = ?2 WHERE code_hash = ?3",
                    params![format_utc(&now), id, code_hash],
                )
                .doing(DOING)?;
                if existing.is_none() {
                    tx.execute(
                        "INSERT INTO devices (device_id, public_key, name, paired_at) VALUES (?1, ?2, ?3, ?4)",
                        params![id, public_key.as_bytes().as_slice(), name, format_utc(&now)],
                    )
                    .doing(DOING)?;
                }
            }
        }
        let (acked, _) = head(&tx, &id)?;
        tx.commit().doing(DOING)?;
        let device =
            self.device(device_id)?.ok_or(OfficeError::Internal("a device vanished right after pairing".into()))?;
        Ok((device, acked))
    }

    fn device(&self, device_id: Uuid) -> Result<Option<Device>> {
        self.conn
            .prepare_cached(
                "SELECT device_id, public_key, name, paired_at, revoked_at FROM devices WHERE device_id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([device_id.hyphenated().to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()
            })
            .doing("reading a kiosk")?
            .map(parse_device)
            .transpose()
    }

    fn remember_nonce(&mut self, device_id: Uuid, nonce: &str, now_secs: i64) -> Result<bool> {
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing("checking the request nonce")?;
        let fresh = insert_nonce(&tx, device_id, nonce, now_secs)?;
        tx.commit().doing("checking the request nonce")?;
        Ok(fresh)
    }

    fn ingest(
        &mut self,
        device: &Device,
        nonce: Option<(&str, i64)>,
        batch: &PushRequest,
        now: DateTime<Utc>,
    ) -> Result<PushResponse> {
        const DOING: &str = "storing a batch";
        let decoded = decode_batch(device, batch)?;
        let erasures = batch
            .erasures
            .iter()
            .map(|e| {
                e.to_erasure()
                    .map(|x| (e.seq, x))
                    .map_err(|d| OfficeError::RecordInvalid(format!("erasure of record {}: {d}", e.seq)))
            })
            .collect::<Result<Vec<_>>>()?;
        if let Some(forged) = batch.agreements.iter().find(|a| !a.is_genuine()) {
            return Err(OfficeError::AgreementInvalid { hash: forged.hash.to_hex() });
        }
        let id = device.device_id.hyphenated().to_string();
        let received = format_utc(&now);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        if let Some((nonce, now_secs)) = nonce
            && !insert_nonce(&tx, device.device_id, nonce, now_secs)?
        {
            return Err(OfficeError::Replay { nonce: nonce.to_owned() });
        }
        for agreement in &batch.agreements {
            tx.prepare_cached("INSERT OR IGNORE INTO agreements (hash, title, text, published_at, received_at) VALUES (?1, ?2, ?3, ?4, ?5)")
                .and_then(|mut s| s.execute(params![agreement.hash.to_hex(), agreement.title, agreement.text, agreement.published_at, received]))
                .doing(DOING)?;
            for role in &agreement.roles {
                tx.prepare_cached("INSERT OR IGNORE INTO agreement_roles (hash, role) VALUES (?1, ?2)")
                    .and_then(|mut s| s.execute(params![agreement.hash.to_hex(), role]))
                    .doing(DOING)?;
            }
        }
        if nonce.is_some() {
            // A live push (not a bundle): the kiosk is alive and says how far its chain reaches.
            tx.prepare_cached("UPDATE devices SET last_seen_at = ?1, reported_head = coalesce(?2, reported_head) WHERE device_id = ?3")
                .and_then(|mut s| s.execute(params![received, batch.kiosk_head_seq, id]))
                .doing(DOING)?;
        }
        let held = head(&tx, &id)?;
        let mut response =
            PushResponse { acknowledged_seq: held.0, stored: 0, duplicates: 0, erasures_applied: 0, erase: Vec::new() };

        // Records the office holds already: a resend after a lost answer.
        let split = decoded.partition_point(|(r, _)| r.header.seq <= held.0);
        for (record, erasure) in &decoded[..split] {
            let seq = record.header.seq;
            let stored: String = tx
                .prepare_cached("SELECT record_hash FROM records WHERE device_id = ?1 AND seq = ?2")
                .and_then(|mut s| s.query_row(params![id, seq], |r| r.get(0)))
                .doing(DOING)?;
            let stored = Hash32::from_hex(&stored).map_err(|e| OfficeError::Internal(e.to_string()))?;
            if stored != record.hash {
                return Err(OfficeError::Fork { seq, held: stored, sent: record.hash });
            }
            response.duplicates += 1;
            if let Some(erasure) = erasure {
                response.erasures_applied += u64::from(apply_erasure(&tx, &id, seq, erasure, &received)?);
            }
        }

        // Records that extend the office's copy.
        let new = &decoded[split..];
        check_extension(device, held, new, batch.checkpoint.as_ref())?;
        if new.is_empty() {
            if let Some(cp) = &batch.checkpoint {
                // Only duplicates: the checkpoint must still be genuine.
                let checkpoint = cp.to_checkpoint(device.device_id);
                let stored_hash = decoded.iter().find(|(r, _)| r.header.seq == cp.seq).map(|(r, _)| r.hash);
                if !checkpoint.is_some_and(|c| c.is_valid(&device.public_key) && Some(c.head_hash) == stored_hash) {
                    return Err(OfficeError::CheckpointInvalid {
                        detail: "it is not the kiosk's signature over a record of this batch".into(),
                    });
                }
            }
        }
        for (record, erasure) in new {
            let seq = record.header.seq;
            if insert_record(&tx, record, &received)? == 0 {
                // Unreachable while we hold the write lock; never overwrite.
                return Err(OfficeError::Internal(format!("record {seq} appeared during the batch")));
            }
            response.stored += 1;
            if let Some(erasure) = erasure {
                tx.execute(
                    "INSERT INTO erasures (device_id, seq, reason, erased_at, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, seq, erasure.reason, format_utc(&erasure.erased_at), received],
                )
                .doing(DOING)?;
            }
            if let Some(why) = implausible_time(record.header.signed_at, now) {
                tx.execute(
                    "INSERT INTO alerts (device_id, seq, kind, detail, raised_at) VALUES (?1, ?2, 'clock_implausible', ?3, ?4)",
                    params![id, seq, why, received],
                )
                .doing(DOING)?;
            }
        }
        if let (Some(cp), Some((last, _))) = (&batch.checkpoint, new.last()) {
            let checkpoint = cp.to_checkpoint(device.device_id).expect("checked by check_extension");
            tx.execute(
                "INSERT INTO checkpoints (device_id, seq, head_hash, signature, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, last.header.seq, checkpoint.head_hash.to_hex(), checkpoint.signature.as_slice(), received],
            )
            .doing(DOING)?;
        }
        for (seq, erasure) in &erasures {
            response.erasures_applied += u64::from(apply_erasure(&tx, &id, *seq, erasure, &received)?);
        }
        response.acknowledged_seq = head(&tx, &id)?.0;
        response.erase = office_erasures_to_send(&tx, &id)?;
        tx.commit().doing(DOING)?;
        Ok(response)
    }

    fn raise_alert(
        &mut self,
        device_id: Option<Uuid>,
        seq: Option<u64>,
        kind: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO alerts (device_id, seq, kind, detail, raised_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![device_id.map(|d| d.hyphenated().to_string()), seq, kind, detail, format_utc(&now)],
            )
            .doing("raising an alert")?;
        Ok(())
    }

    fn revoke(&mut self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let device = self.device(device_id)?.ok_or(OfficeError::UnknownDevice { device_id })?;
        if device.revoked_at.is_some() {
            return Ok(false);
        }
        self.conn
            .execute(
                "UPDATE devices SET revoked_at = ?1 WHERE device_id = ?2",
                params![format_utc(&now), device_id.hyphenated().to_string()],
            )
            .doing("revoking a kiosk")?;
        Ok(true)
    }

    fn devices(&self) -> Result<Vec<DeviceSummary>> {
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

    fn alerts(&self) -> Result<Vec<Alert>> {
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

    fn verify(&self) -> Result<Vec<VerifyReport>> {
        const DOING: &str = "verifying stored chains";
        let mut reports = Vec::new();
        let devices: Vec<Device> = {
            let mut stmt = self
                .conn
                .prepare("SELECT device_id, public_key, name, paired_at, revoked_at FROM devices ORDER BY paired_at")
                .doing(DOING)?;
            let rows =
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).doing(DOING)?;
            let raw: Vec<_> = rows.collect::<rusqlite::Result<_>>().doing(DOING)?;
            raw.into_iter().map(parse_device).collect::<Result<_>>()?
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
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT r.seq, r.id, r.prev_hash, r.agreement_hash, r.role, r.signed_at, r.utc_offset_minutes, r.name_digest,
                        r.organisation_digest, r.signature_digest, r.record_hash, r.name, r.name_salt, r.organisation,
                        r.organisation_salt, r.signature_png, r.signature_salt, e.reason, e.erased_at
                     FROM records r LEFT JOIN erasures e ON e.device_id = r.device_id AND e.seq = r.seq
                     WHERE r.device_id = ?1 ORDER BY r.seq",
                )
                .doing(DOING)?;
            let mut rows = stmt.query([&id]).doing(DOING)?;
            while let Some(row) = rows.next().doing(DOING)? {
                let (record, erasure) = decode_office_row(device.device_id, row).doing(DOING)?;
                walk.check(&record, erasure.as_ref());
            }
            reports.push(walk.finish());
        }
        Ok(reports)
    }
}

/// Reads a stored row back. Unreadable values become values that fail
/// verification (zeros), so a damaged row is reported, not skipped.
pub(super) fn decode_office_row(
    device_id: Uuid,
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<(Record, Option<Erasure>)> {
    let hash = |i: usize| -> rusqlite::Result<Hash32> {
        Ok(Hash32::from_hex(&row.get::<_, String>(i)?).unwrap_or(Hash32::ZERO))
    };
    let time = |text: String| {
        DateTime::parse_from_rfc3339(&text).map(|t| t.with_timezone(&Utc)).unwrap_or(DateTime::UNIX_EPOCH)
    };
    let salt = |i: usize| -> rusqlite::Result<Option<[u8; 16]>> {
        Ok(row.get::<_, Option<Vec<u8>>>(i)?.map(|b| b.try_into().unwrap_or([0; 16])))
    };
    let header = RecordHeader {
        id: Uuid::parse_str(&row.get::<_, String>(1)?).unwrap_or_default(),
        device_id,
        seq: row.get(0)?,
        prev_hash: hash(2)?,
        agreement_hash: hash(3)?,
        role: row.get(4)?,
        signed_at: time(row.get(5)?),
        utc_offset_minutes: row.get(6)?,
        name_digest: hash(7)?,
        organisation_digest: row.get::<_, Option<String>>(8)?.map(|d| Hash32::from_hex(&d).unwrap_or(Hash32::ZERO)),
        signature_digest: hash(9)?,
    };
    let (name, name_salt): (Option<String>, _) = (row.get(11)?, salt(12)?);
    let (organisation, organisation_salt): (Option<String>, _) = (row.get(13)?, salt(14)?);
    let (signature_png, signature_salt): (Option<Vec<u8>>, _) = (row.get(15)?, salt(16)?);
    // Any personal column present means personal data; a value without its
    // salt (or the reverse) is kept as one that fails its digest, never
    // dropped, so an injected field cannot pass as absent.
    let present = name.is_some()
        || name_salt.is_some()
        || organisation.is_some()
        || organisation_salt.is_some()
        || signature_png.is_some()
        || signature_salt.is_some();
    let personal = present.then(|| PersonalData {
        name: name.unwrap_or_default(),
        name_salt: name_salt.unwrap_or([0; 16]),
        organisation: (organisation.is_some() || organisation_salt.is_some())
            .then(|| (organisation.unwrap_or_default(), organisation_salt.unwrap_or([0; 16]))),
        signature_png: signature_png.unwrap_or_default(),
        signature_salt: signature_salt.unwrap_or([0; 16]),
    });
    let erasure = row
        .get::<_, Option<String>>(17)?
        .map(|reason| -> rusqlite::Result<Erasure> { Ok(Erasure { reason, erased_at: time(row.get(18)?) }) })
        .transpose()?;
    Ok((Record { header, hash: hash(10)?, personal }, erasure))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_or_foreign_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("office.db");
        drop(SqliteStore::open(&path).unwrap());
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        assert_eq!(err.code(), "schema_too_new");
        assert!(err.to_string().contains("schema 99") && err.to_string().contains("has not been changed"), "{err}");

        let other = dir.path().join("other.db");
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        assert_eq!(SqliteStore::open(&other).unwrap_err().code(), "foreign_database");
    }
}

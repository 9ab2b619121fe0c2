//! The sync side: pairing, nonces, ingesting batches, alerts, revocation.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use signbook_core::Hash32;
use signbook_core::erasure::ChainEntry;
use signbook_core::record::{Erasure, Record, format_utc};
use signbook_sync::auth::MAX_CLOCK_SKEW_SECS;
use signbook_sync::wire::{PushRequest, PushResponse};
use uuid::Uuid;

use super::Db;
use super::ingest_erasures::{apply_erasure, insert_erasure_entry, known_targets, office_erasures_to_send};
use crate::error::{DbContext, OfficeError, Result};
use crate::ingest::{check_extension, decode_batch, implausible_time};
use crate::store::sync::Device;

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

/// The head of the office's copy of `device`'s chain: its last record,
/// erasure entry or held entry.
pub(super) fn head(tx: &Connection, device: &str) -> Result<(u64, Hash32)> {
    let row: Option<(u64, String)> = tx
        .prepare_cached(
            "SELECT seq, hash FROM (
                SELECT * FROM (SELECT seq, record_hash AS hash FROM records WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1)
                UNION ALL
                SELECT * FROM (SELECT seq, entry_hash AS hash FROM erasure_entries WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1)
                UNION ALL
                SELECT * FROM (SELECT seq, entry_hash AS hash FROM held_entries WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1)
             ) ORDER BY seq DESC LIMIT 1",
        )
        .and_then(|mut s| s.query_row([device], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .doing("reading the chain head")?;
    match row {
        None => Ok((0, Hash32::ZERO)),
        Some((seq, hash)) => Ok((seq, Hash32::from_hex(&hash).map_err(|e| OfficeError::Internal(e.to_string()))?)),
    }
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

impl Db {
    pub fn remember_nonce(&mut self, device_id: Uuid, nonce: &str, now_secs: i64) -> Result<bool> {
        let tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing("checking the request nonce")?;
        let fresh = insert_nonce(&tx, device_id, nonce, now_secs)?;
        tx.commit().doing("checking the request nonce")?;
        Ok(fresh)
    }

    pub fn ingest(
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
        super::agreements::store_sent_agreements(&tx, &id, &batch.agreements, now)?;
        // A first kiosk's versions may have made some current: a new configuration.
        let configuration_version = super::configuration::issue_configuration(
            &tx,
            device.site,
            &format!("kiosk {}", &id[..8.min(id.len())]),
            now,
            0,
        )?;
        if nonce.is_some() {
            // A live push (not a bundle): the kiosk is alive and says how far its chain reaches.
            tx.prepare_cached("UPDATE devices SET last_seen_at = ?1, reported_head = coalesce(?2, reported_head) WHERE device_id = ?3")
                .and_then(|mut s| s.execute(params![received, batch.kiosk_head_seq, id]))
                .doing(DOING)?;
            if let Some(status) = &batch.configuration {
                super::configuration::note_kiosk_configuration(&tx, &id, status, &received)?;
            }
        }
        let held = head(&tx, &id)?;
        let mut response = PushResponse {
            acknowledged_seq: held.0,
            stored: 0,
            duplicates: 0,
            erasures_applied: 0,
            erase: Vec::new(),
            erase_details: Vec::new(),
            next_certificate: None,
            configuration_version,
        };

        // Entries the office holds already: a resend after a lost answer.
        let split = decoded.partition_point(|entry| entry.seq() <= held.0);
        for entry in &decoded[..split] {
            let seq = entry.seq();
            let stored: Option<String> = tx
                .prepare_cached(
                    "SELECT record_hash FROM records WHERE device_id = ?1 AND seq = ?2
                     UNION ALL SELECT entry_hash FROM erasure_entries WHERE device_id = ?1 AND seq = ?2
                     UNION ALL SELECT entry_hash FROM held_entries WHERE device_id = ?1 AND seq = ?2",
                )
                .and_then(|mut s| s.query_row(params![id, seq], |r| r.get(0)).optional())
                .doing(DOING)?;
            let stored =
                stored.ok_or_else(|| OfficeError::Internal(format!("entry {seq} below the head is not held")))?;
            let stored = Hash32::from_hex(&stored).map_err(|e| OfficeError::Internal(e.to_string()))?;
            if stored != entry.hash() {
                return Err(OfficeError::Fork { seq, held: stored, sent: entry.hash() });
            }
            // `duplicates`, like `stored`, counts records.
            if let ChainEntry::Record(_, erasure) = entry {
                response.duplicates += 1;
                if let Some(erasure) = erasure {
                    response.erasures_applied += u64::from(apply_erasure(&tx, &id, seq, erasure, &received)?);
                }
            }
        }

        // Entries that extend the office's copy.
        let new = &decoded[split..];
        let known = known_targets(&tx, &id, held.0, new)?;
        check_extension(device, held, split > 0, new, batch.checkpoint.as_ref(), &known)?;
        if new.is_empty()
            && let Some(cp) = &batch.checkpoint
        {
            // Only duplicates: the checkpoint must still be genuine.
            let checkpoint = cp.to_checkpoint(device.device_id);
            let stored_hash = decoded.iter().find(|entry| entry.seq() == cp.seq).map(ChainEntry::hash);
            if !checkpoint.is_some_and(|c| c.is_valid(&device.public_key) && Some(c.head_hash) == stored_hash) {
                return Err(OfficeError::CheckpointInvalid {
                    detail: "it is not the kiosk's signature over a record of this batch".into(),
                });
            }
        }
        for entry in new {
            let (record, erasure) = match entry {
                ChainEntry::Record(record, erasure) => (record, erasure),
                ChainEntry::Erasure(erasure) => {
                    // Not counted in `stored`, which counts records.
                    insert_erasure_entry(&tx, &id, erasure, &received)?;
                    // The office's copy of the record is erased too (if it
                    // is not already), and an office erasure is confirmed.
                    let e = &erasure.entry;
                    let log = Erasure { reason: erasure.reason_text.clone(), erased_at: e.erased_at };
                    response.erasures_applied += u64::from(apply_erasure(&tx, &id, e.target_seq, &log, &received)?);
                    continue;
                }
                ChainEntry::Held(held) => {
                    // The kiosk removed its copy; the office keeps its own.
                    super::held::insert_held_entry(&tx, &id, held, &received)?;
                    continue;
                }
            };
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
        if let (Some(cp), Some(last)) = (&batch.checkpoint, new.last()) {
            let checkpoint = cp.to_checkpoint(device.device_id).expect("checked by check_extension");
            tx.execute(
                "INSERT INTO checkpoints (device_id, seq, head_hash, signature, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, last.seq(), checkpoint.head_hash.to_hex(), checkpoint.signature.as_slice(), received],
            )
            .doing(DOING)?;
        }
        for (seq, erasure) in &erasures {
            response.erasures_applied += u64::from(apply_erasure(&tx, &id, *seq, erasure, &received)?);
        }
        response.acknowledged_seq = head(&tx, &id)?.0;
        (response.erase, response.erase_details) = office_erasures_to_send(&tx, &id)?;
        tx.commit().doing(DOING)?;
        Ok(response)
    }

    pub fn raise_alert(
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
}

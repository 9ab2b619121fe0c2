//! PostgreSQL: the counterpart of `store/sqlite/ingest.rs`. Nonces,
//! ingesting batches, alerts; and [`SyncStore`] for [`PgStore`], whose
//! pairing half is in `pairing.rs`.
//!
//! SQLite's `BEGIN IMMEDIATE` made one writer at a time. Here a push first
//! locks its kiosk's row, so two servers taking the same kiosk's batches at
//! once extend its chain one after the other: the second finds the first's
//! records already held and counts them as duplicates.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use ed25519_dalek::VerifyingKey;
use signbook_core::erasure::ChainEntry;
use signbook_core::record::{Erasure, Record, format_utc};
use signbook_sync::auth::MAX_CLOCK_SKEW_SECS;
use signbook_sync::wire::{PushRequest, PushResponse};
use uuid::Uuid;

use super::ingest_erasures::{apply_erasure, insert_erasure_entry, known_targets, office_erasures_to_send};
use super::insert_records::insert_records;
use super::pairing::{self, prune};
use super::shared::{big, head};
use super::{PgContext, PgStore};
use crate::error::{OfficeError, Result};
use crate::ingest::{check_extension, decode_batch, implausible_time};
use crate::pairing::{PairingAlerts, PairingThrottle};
use crate::store::RecentFailures;
use crate::store::sites::SiteId;
use crate::store::sync::{Device, PakeExchange, SyncStore};

/// Remembers a request nonce; `false` if this device used it before, on
/// any server (the first use's row, committed or not, wins the insert).
async fn insert_nonce(tx: &Transaction<'_>, device_id: Uuid, nonce: &str, now_secs: i64) -> Result<bool> {
    const DOING: &str = "checking the request nonce";
    // A nonce older than twice the clock window can no longer pass the
    // timestamp check, so it need not be remembered.
    prune(tx, "nonces", "seen_at < $1", now_secs - 2 * MAX_CLOCK_SKEW_SECS).await?;
    let statement = tx
        .prepare_cached("INSERT INTO nonces (device_id, nonce, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .await
        .doing(DOING)?;
    let inserted =
        tx.execute(&statement, &[&device_id.hyphenated().to_string(), &nonce, &now_secs]).await.doing(DOING)?;
    Ok(inserted == 1)
}

/// Stores the records of `run` (then empties it): their rows and index
/// rows, then for each an erasure it was sent with and an alert for an
/// implausible signing time, as one record at a time did.
async fn store_run(
    tx: &Transaction<'_>,
    id: &str,
    run: &mut Vec<(&Record, &Option<Erasure>)>,
    now: DateTime<Utc>,
    received: &str,
    response: &mut PushResponse,
) -> Result<()> {
    const DOING: &str = "storing a batch";
    let records: Vec<&Record> = run.iter().map(|(record, _)| *record).collect();
    insert_records(tx, id, &records, received).await?;
    response.stored += records.len() as u64;
    for (record, erasure) in run.drain(..) {
        let seq = big(record.header.seq)?;
        if let Some(erasure) = erasure {
            tx.execute(
                "INSERT INTO erasures (device_id, seq, reason, erased_at, received_at) VALUES ($1, $2, $3, $4, $5)",
                &[&id, &seq, &erasure.reason, &format_utc(&erasure.erased_at), &received],
            )
            .await
            .doing(DOING)?;
        }
        if let Some(why) = implausible_time(record.header.signed_at, now) {
            tx.execute(
                "INSERT INTO alerts (device_id, seq, kind, detail, raised_at) VALUES ($1, $2, 'clock_implausible', $3, $4)",
                &[&id, &seq, &why, &received],
            )
            .await
            .doing(DOING)?;
        }
    }
    Ok(())
}

async fn ingest(
    store: &PgStore,
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
    let mut client = store.client().await?;
    let tx = client.transaction().await.doing(DOING)?;
    // This kiosk's chain, ours until commit: another server's push of it waits here.
    let lock = tx.prepare_cached("SELECT 1 FROM devices WHERE device_id = $1 FOR UPDATE").await.doing(DOING)?;
    if tx.query_opt(&lock, &[&id]).await.doing(DOING)?.is_none() {
        return Err(OfficeError::UnknownDevice { device_id: device.device_id });
    }
    if let Some((nonce, now_secs)) = nonce
        && !insert_nonce(&tx, device.device_id, nonce, now_secs).await?
    {
        return Err(OfficeError::Replay { nonce: nonce.to_owned() });
    }
    super::agreements::store_sent_agreements(&tx, &id, &batch.agreements, now).await?;
    // A first kiosk's versions may have made some current: a new configuration.
    let configuration_version = super::configuration::issue_configuration(
        &tx,
        device.site,
        &format!("kiosk {}", &id[..8.min(id.len())]),
        now,
        0,
    )
    .await?;
    if nonce.is_some() {
        // A live push (not a bundle): the kiosk is alive and says how far its chain reaches.
        let seen = tx
            .prepare_cached(
                "UPDATE devices SET last_seen_at = $1, reported_head = coalesce($2, reported_head) WHERE device_id = $3",
            )
            .await
            .doing(DOING)?;
        let reported = batch.kiosk_head_seq.map(big).transpose()?;
        tx.execute(&seen, &[&received, &reported, &id]).await.doing(DOING)?;
        if let Some(status) = &batch.configuration {
            super::configuration::note_kiosk_configuration(&tx, &id, status, &received).await?;
        }
    }
    let held = head(&tx, &id).await?;
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
        let stored = super::held::entry_hash(&tx, &id, seq).await?;
        if stored != entry.hash() {
            return Err(OfficeError::Fork { seq, held: stored, sent: entry.hash() });
        }
        // `duplicates`, like `stored`, counts records.
        if let ChainEntry::Record(_, erasure) = entry {
            response.duplicates += 1;
            if let Some(erasure) = erasure {
                response.erasures_applied += u64::from(apply_erasure(&tx, &id, seq, erasure, &received).await?);
            }
        }
    }

    // Entries that extend the office's copy.
    let new = &decoded[split..];
    let known = known_targets(&tx, &id, held.0, new).await?;
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
    // Runs of records are stored a run at a time (`insert_records`); an
    // erasure or held entry between them is stored in its chain order,
    // after the records before it, whose rows it may name.
    let mut run: Vec<(&Record, &Option<Erasure>)> = Vec::new();
    for entry in new {
        match entry {
            ChainEntry::Record(record, erasure) => run.push((record, erasure)),
            ChainEntry::Erasure(erasure) => {
                store_run(&tx, &id, &mut run, now, &received, &mut response).await?;
                // Not counted in `stored`, which counts records.
                insert_erasure_entry(&tx, &id, erasure, &received).await?;
                // The office's copy of the record is erased too (if it
                // is not already), and an office erasure is confirmed.
                let e = &erasure.entry;
                let log = Erasure { reason: erasure.reason_text.clone(), erased_at: e.erased_at };
                response.erasures_applied += u64::from(apply_erasure(&tx, &id, e.target_seq, &log, &received).await?);
            }
            ChainEntry::Held(held) => {
                store_run(&tx, &id, &mut run, now, &received, &mut response).await?;
                // The kiosk removed its copy; the office keeps its own.
                super::held::insert_held_entry(&tx, &id, held, &received).await?;
            }
        }
    }
    store_run(&tx, &id, &mut run, now, &received, &mut response).await?;
    if let (Some(cp), Some(last)) = (&batch.checkpoint, new.last()) {
        let checkpoint = cp
            .to_checkpoint(device.device_id)
            .ok_or_else(|| OfficeError::Internal("a checkpoint passed its checks but cannot be read".into()))?;
        tx.execute(
            "INSERT INTO checkpoints (device_id, seq, head_hash, signature, received_at) VALUES ($1, $2, $3, $4, $5)",
            &[&id, &big(last.seq())?, &checkpoint.head_hash.to_hex(), &checkpoint.signature.as_slice(), &received],
        )
        .await
        .doing(DOING)?;
    }
    for (seq, erasure) in &erasures {
        response.erasures_applied += u64::from(apply_erasure(&tx, &id, *seq, erasure, &received).await?);
    }
    response.acknowledged_seq = head(&tx, &id).await?.0;
    (response.erase, response.erase_details) = office_erasures_to_send(&tx, &id).await?;
    tx.commit().await.doing(DOING)?;
    Ok(response)
}

#[async_trait]
impl SyncStore for PgStore {
    async fn add_pairing_code(
        &self,
        site: SiteId,
        code: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool> {
        pairing::add_pairing_code(self, site, code, now, expires_at).await
    }

    async fn pake_code(&self, code_id: &str, now: DateTime<Utc>) -> Result<String> {
        pairing::pake_code(self, code_id, now).await
    }

    async fn save_pake_exchange(&self, exchange: &PakeExchange) -> Result<()> {
        pairing::save_pake_exchange(self, exchange).await
    }

    async fn take_pake_exchange(&self, exchange_id: &str, now: i64) -> Result<Option<PakeExchange>> {
        pairing::take_pake_exchange(self, exchange_id, now).await
    }

    async fn pair(
        &self,
        code: &str,
        code_hash: &str,
        device_id: Uuid,
        public_key: &VerifyingKey,
        name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(Device, u64)> {
        pairing::pair(self, code, code_hash, device_id, public_key, name, now).await
    }

    async fn recent_pairing_failures(
        &self,
        throttle: &PairingThrottle,
        address: &str,
        now: i64,
    ) -> Result<RecentFailures> {
        pairing::recent_pairing_failures(self, throttle, address, now).await
    }

    async fn note_pairing_failure(&self, throttle: &PairingThrottle, address: &str, now: i64) -> Result<PairingAlerts> {
        pairing::note_pairing_failure(self, throttle, address, now).await
    }

    async fn device(&self, device_id: Uuid) -> Result<Option<Device>> {
        pairing::device(self, device_id).await
    }

    async fn remember_nonce(&self, device_id: Uuid, nonce: &str, now_secs: i64) -> Result<bool> {
        const DOING: &str = "checking the request nonce";
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        let fresh = insert_nonce(&tx, device_id, nonce, now_secs).await?;
        tx.commit().await.doing(DOING)?;
        Ok(fresh)
    }

    async fn ingest(
        &self,
        device: &Device,
        nonce: Option<(&str, i64)>,
        batch: PushRequest,
        now: DateTime<Utc>,
    ) -> Result<PushResponse> {
        ingest(self, device, nonce, &batch, now).await
    }

    async fn raise_alert(
        &self,
        device_id: Option<Uuid>,
        seq: Option<u64>,
        kind: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO alerts (device_id, seq, kind, detail, raised_at) VALUES ($1, $2, $3, $4, $5)",
                &[
                    &device_id.map(|d| d.hyphenated().to_string()),
                    &seq.map(big).transpose()?,
                    &kind,
                    &detail,
                    &format_utc(&now),
                ],
            )
            .await
            .doing("raising an alert")?;
        Ok(())
    }

    async fn revoke(&self, device_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        pairing::revoke(self, device_id, now).await
    }

    async fn rename_kiosk(&self, device_id: Uuid, name: &str) -> Result<Option<String>> {
        pairing::rename_kiosk(self, device_id, name).await
    }
}

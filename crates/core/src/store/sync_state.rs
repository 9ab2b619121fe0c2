//! What the kiosk remembers about syncing: the paired office, how far the
//! office has acknowledged, and the last outcome for the admin area.

use chrono::Utc;
use ed25519_dalek::SigningKey;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::agreements::parse_time;
use super::database::Store;
use super::records::RECORD_COLUMNS;
use crate::error::{DbContext, Result};
use crate::hash::Hash32;
use crate::record::Erasure;
use crate::record::{Record, format_utc};
use crate::sqlite::record_row::{RowDefect, decode_record_row};

/// The office this kiosk is paired with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncConfig {
    /// `https://HOST:PORT`.
    pub office_url: String,
    /// SHA-256 of the office certificate.
    pub fingerprint: Hash32,
    /// SHA-256 of the certificate the office announced it will use next,
    /// accepted beside `fingerprint` until the office presents it.
    pub next_fingerprint: Option<Hash32>,
    /// When pairing succeeded.
    pub paired_at: String,
}

/// How far sending records to the office has got, as the kiosk's database
/// records it: what the office acknowledged, what waits, and how the last
/// push went. `signbook sync-status` prints it; the kiosk's admin area
/// shows it as `signbook_kiosk::SyncView`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncProgress {
    /// The paired office, if any.
    pub office_url: Option<String>,
    /// Highest sequence the office acknowledged.
    pub acknowledged_seq: u64,
    /// Newest record on this kiosk.
    pub head_seq: u64,
    /// Records not yet acknowledged.
    pub pending: u64,
    /// Erasures of acknowledged records not yet confirmed by the office.
    pub pending_erasures: u64,
    /// Last push attempt (RFC 3339).
    pub last_attempt_at: Option<String>,
    /// Last push that completed.
    pub last_success_at: Option<String>,
    /// Code of the last failure, cleared by a success.
    pub last_error_code: Option<String>,
    /// Its message.
    pub last_error: Option<String>,
}

impl Store {
    /// The paired office, or `None` before pairing.
    pub fn sync_config(&self) -> Result<Option<SyncConfig>> {
        const DOING: &str = "reading the sync settings";
        let row: Option<(String, String, Option<String>, String)> = self
            .conn
            .query_row("SELECT office_url, fingerprint, next_fingerprint, paired_at FROM sync_config", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .doing(DOING)?;
        row.map(|(office_url, fingerprint, next, paired_at)| {
            Ok(SyncConfig {
                office_url,
                fingerprint: Hash32::from_hex(&fingerprint)?,
                next_fingerprint: next.as_deref().map(Hash32::from_hex).transpose()?,
                paired_at,
            })
        })
        .transpose()
    }

    /// Keeps the fingerprint of the certificate the office announced it
    /// will use next (over the channel pinned to the current one), or
    /// forgets it (`None`: the office no longer announces one). A kiosk
    /// that is not paired keeps nothing.
    pub fn save_next_office_pin(&mut self, next: Option<Hash32>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE sync_config SET next_fingerprint = ?1 WHERE next_fingerprint IS NOT ?1 AND fingerprint IS NOT ?1",
                [next.map(|h| h.to_hex())],
            )
            .doing("saving the office's next certificate")?;
        Ok(())
    }

    /// The office presented the certificate it announced: it becomes the
    /// pin, and the old one is dropped. Nothing changes unless `presented`
    /// is the stored next fingerprint; returns whether it changed.
    pub fn promote_next_office_pin(&mut self, presented: Hash32) -> Result<bool> {
        let changed = self
            .conn
            .execute(
                "UPDATE sync_config SET fingerprint = next_fingerprint, next_fingerprint = NULL WHERE next_fingerprint = ?1",
                [presented.to_hex()],
            )
            .doing("pinning the office's new certificate")?;
        Ok(changed == 1)
    }

    /// Points the kiosk at another address of the office it paired with.
    /// Changes nothing unless the pin is still `pinned` (a pairing in
    /// between wins); returns whether it changed. The caller has checked
    /// that the server at `office_url` presents that certificate.
    pub fn set_office_address(&mut self, office_url: &str, pinned: Hash32) -> Result<bool> {
        let changed = self
            .conn
            .execute(
                "UPDATE sync_config SET office_url = ?1 WHERE fingerprint = ?2",
                params![office_url, pinned.to_hex()],
            )
            .doing("saving the office's new address")?;
        Ok(changed == 1)
    }

    /// Pending count, last success and last error.
    pub fn sync_status(&self) -> Result<SyncProgress> {
        const DOING: &str = "reading the sync status";
        let config = self.sync_config()?;
        let (acked, last_attempt_at, last_success_at, last_error_code, last_error): (
            u64,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        ) = self
            .conn
            .query_row(
                "SELECT acked_seq, last_attempt_at, last_success_at, last_error_code, last_error FROM sync_state",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .doing(DOING)?;
        let head_seq = self.head()?.map_or(0, |(seq, _)| seq);
        let pending_erasures: u64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM erasures WHERE seq <= ?1 AND seq NOT IN (SELECT seq FROM synced_erasures)",
                [acked],
                |r| r.get(0),
            )
            .doing(DOING)?;
        Ok(SyncProgress {
            office_url: config.map(|c| c.office_url),
            acknowledged_seq: acked,
            head_seq,
            pending: head_seq.saturating_sub(acked),
            pending_erasures,
            last_attempt_at,
            last_success_at,
            last_error_code,
            last_error,
        })
    }

    /// Saves the office after a successful pairing, starting from what the
    /// office says it already holds.
    pub fn save_pairing(&mut self, office_url: &str, fingerprint: Hash32, acknowledged_seq: u64) -> Result<()> {
        const DOING: &str = "saving the office pairing";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        tx.execute(
            "INSERT INTO sync_config (singleton, office_url, fingerprint, paired_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (singleton) DO UPDATE SET office_url = excluded.office_url, fingerprint = excluded.fingerprint, next_fingerprint = NULL, paired_at = excluded.paired_at",
            params![office_url, fingerprint.to_hex(), format_utc(&Utc::now())],
        )
        .doing(DOING)?;
        tx.execute(
            "UPDATE sync_state SET acked_seq = ?1, last_error_code = NULL, last_error = NULL",
            [acknowledged_seq],
        )
        .doing(DOING)?;
        tx.execute(
            "INSERT OR IGNORE INTO acknowledgements (acked_seq, acknowledged_at, office_certificate_sha256)
             SELECT ?1, ?2, ?3 WHERE ?1 > coalesce((SELECT max(acked_seq) FROM acknowledgements), 0)",
            params![acknowledged_seq, format_utc(&Utc::now()), fingerprint.to_hex()],
        )
        .doing(DOING)?;
        // Another office (or the same one again) numbers its own
        // configurations: start from none, and send it no status until it
        // says it knows of configurations.
        tx.execute(
            "UPDATE office_configuration SET office_version = NULL, applied_version = 0, pending_version = NULL,
             pending_body = NULL, refused_version = NULL, refused_code = NULL, refused_reason = NULL, refused_at = NULL",
            [],
        )
        .doing(DOING)?;
        tx.commit().doing(DOING)
    }

    /// Up to `limit` records after `after`, in sequence order.
    pub fn records_after(&self, after: u64, limit: usize) -> Result<Vec<(Record, Option<Erasure>)>> {
        const DOING: &str = "reading records to sync";
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {RECORD_COLUMNS} FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2"))
            .doing(DOING)?;
        let mut rows = stmt.query(params![after, limit as i64]).doing(DOING)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().doing(DOING)? {
            out.push(decode_record_row(row).map_err(RowDefect::into_error)?);
        }
        Ok(out)
    }

    /// Erasures of records the office holds (`seq <= acked`) that it has
    /// not confirmed yet.
    pub fn unsent_erasures(&self, acked: u64, limit: usize) -> Result<Vec<(u64, Erasure)>> {
        const DOING: &str = "reading erasures to sync";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, reason, erased_at FROM erasures
                 WHERE seq <= ?1 AND seq NOT IN (SELECT seq FROM synced_erasures) ORDER BY seq LIMIT ?2",
            )
            .doing(DOING)?;
        let rows = stmt
            .query_map(params![acked, limit as i64], |r| {
                Ok((r.get::<_, u64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .doing(DOING)?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, reason, erased_at) = row.doing(DOING)?;
            out.push((seq, Erasure { reason, erased_at: parse_time(&erased_at) }));
        }
        Ok(out)
    }

    /// Records the office's acknowledgement, in one transaction: the office
    /// holds `1..=acked`, and has applied `erasures`.
    pub fn note_push_success(&mut self, acked: u64, erasures: &[u64]) -> Result<()> {
        const DOING: &str = "saving the sync progress";
        let now = format_utc(&Utc::now());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        tx.execute(
            "UPDATE sync_state SET acked_seq = ?1, last_attempt_at = ?2, last_success_at = ?2, last_error_code = NULL, last_error = NULL",
            params![acked, now],
        )
        .doing(DOING)?;
        // When, and by which office, this stretch was acknowledged: what a
        // held entry names when the kiosk later removes the personal data.
        tx.execute(
            "INSERT OR IGNORE INTO acknowledgements (acked_seq, acknowledged_at, office_certificate_sha256)
             SELECT ?1, ?2, fingerprint FROM sync_config
             WHERE ?1 > coalesce((SELECT max(acked_seq) FROM acknowledgements), 0)",
            params![acked, now],
        )
        .doing(DOING)?;
        for seq in erasures {
            tx.execute("INSERT OR IGNORE INTO synced_erasures (seq) VALUES (?1)", [seq]).doing(DOING)?;
        }
        tx.commit().doing(DOING)
    }

    /// Keeps the last failure for the admin area.
    pub fn note_push_failure(&mut self, code: &str, message: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE sync_state SET last_attempt_at = ?1, last_error_code = ?2, last_error = ?3",
                params![format_utc(&Utc::now()), code, message],
            )
            .doing("saving the sync error")?;
        Ok(())
    }

    /// The kiosk key, to sign requests and batch checkpoints.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

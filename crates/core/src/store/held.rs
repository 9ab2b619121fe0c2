//! Personal data "held at the office" (record format version 3): once the
//! office has acknowledged a record and the kiosk's local limit has passed,
//! the kiosk blanks the record's personal data and appends a held entry and
//! a checkpoint, in one transaction per batch. A keyed lookup of the name
//! (no readable personal data) keeps the re-sign rules working.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use uuid::Uuid;

use super::agreements::parse_time;
use super::database::Store;
use super::erasures::chain_head;
use super::records::write_checkpoint;
use crate::error::{DbContext, Result};
use crate::hash::Hash32;
use crate::held::{ChainHeld, HeldEntry};
use crate::record::format_utc;
use crate::sqlite::record_row::{RowDefect, decode_held_row};

/// The columns [`decode_held_row`] reads, in its order.
pub(super) const HELD_COLUMNS: &str = "seq, id, device_id, prev_hash, target_seq, target_hash, removed_at, \
     acknowledged_at, office_certificate_sha256, entry_hash";

/// Days a kiosk keeps the personal data of an acknowledged record when the
/// office never said otherwise.
pub const DEFAULT_LOCAL_RETENTION_DAYS: u32 = 30;
/// Accepted local limits, in days.
pub const LOCAL_RETENTION_DAYS: std::ops::RangeInclusive<u32> = 1..=3650;
/// Records blanked per transaction, so a signing never waits long.
pub const RELEASE_BATCH: usize = 200;
const BATCH: usize = RELEASE_BATCH;
/// Where the limit is kept in the `settings` table.
const SETTING_KEY: &str = "local_retention_days";

/// What one run of [`Store::release_to_office`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Released {
    /// Records whose personal data was removed locally.
    pub records: u64,
}

impl Store {
    /// Days the kiosk keeps personal data of records the office acknowledged.
    pub fn local_retention_days(&self) -> Result<u32> {
        let value: Option<String> = self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [SETTING_KEY], |r| r.get(0))
            .optional()
            .doing("reading the local retention")?;
        Ok(value
            .and_then(|v| v.parse().ok())
            .filter(|d| LOCAL_RETENTION_DAYS.contains(d))
            .unwrap_or(DEFAULT_LOCAL_RETENTION_DAYS))
    }

    /// Sets the local limit (from the office's configuration).
    pub fn set_local_retention_days(&mut self, days: u32) -> Result<()> {
        save_local_retention_days(&self.conn, days)
    }

    /// The highest sequence any office ever acknowledged holding: what a
    /// held entry may name. Not the current acknowledgement, which a
    /// restored office or a new pairing moves back without un-holding
    /// anything.
    pub fn highest_acknowledged_seq(&self) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT max(coalesce((SELECT max(acked_seq) FROM acknowledgements), 0), (SELECT acked_seq FROM sync_state))",
                [],
                |r| r.get(0),
            )
            .doing("reading what the office acknowledged")
    }

    /// Whether the chain has any held entry (exports then say record format 3).
    pub fn has_held_entries(&self) -> Result<bool> {
        self.conn
            .query_row("SELECT EXISTS (SELECT 1 FROM held_entries)", [], |r| r.get(0))
            .doing("reading held entries")
    }

    /// The held entries, in sequence order.
    pub fn held_entries(&self) -> Result<Vec<ChainHeld>> {
        const DOING: &str = "reading held entries";
        let mut stmt =
            self.conn.prepare(&format!("SELECT {HELD_COLUMNS} FROM held_entries ORDER BY seq")).doing(DOING)?;
        let mut rows = stmt.query([]).doing(DOING)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().doing(DOING)? {
            out.push(decode_held_row(row).map_err(RowDefect::into_error)?);
        }
        Ok(out)
    }

    /// Removes, locally, the personal data of every record the office has
    /// acknowledged and that was signed more than the local limit before
    /// `now`, appending a held entry for each and a checkpoint per batch.
    /// A kiosk no office acknowledged anything for removes nothing.
    /// Erased records are left alone (their entry already says so).
    pub fn release_to_office(&mut self, now: DateTime<Utc>) -> Result<Released> {
        self.release_to_office_at_most(now, u64::MAX)
    }

    /// [`Store::release_to_office`], stopping after about `limit` records
    /// (whole batches), so a kiosk with a long backlog never keeps the next
    /// visitor waiting: about 75 ms a batch on a test machine.
    pub fn release_to_office_at_most(&mut self, now: DateTime<Utc>, limit: u64) -> Result<Released> {
        const DOING: &str = "removing personal data the office holds";
        let now = now.trunc_subsecs(3);
        let cutoff = format_utc(&(now - Duration::days(i64::from(self.local_retention_days()?))));
        let name_key = self.name_lookup_key();
        let mut released = Released::default();
        loop {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
            let due: Vec<Due> = {
                let mut stmt = tx
                    .prepare_cached(
                        "SELECT r.seq, r.record_hash, r.role, r.agreement_hash, r.signed_at, r.name,
                            (SELECT a.acknowledged_at FROM acknowledgements a WHERE a.acked_seq >= r.seq ORDER BY a.acked_seq LIMIT 1),
                            (SELECT a.office_certificate_sha256 FROM acknowledgements a WHERE a.acked_seq >= r.seq ORDER BY a.acked_seq LIMIT 1)
                         FROM records r
                         WHERE r.name IS NOT NULL AND r.signed_at < ?1
                           AND r.seq <= (SELECT acked_seq FROM sync_state)
                           AND r.seq NOT IN (SELECT seq FROM erasures)
                           AND r.seq NOT IN (SELECT target_seq FROM held_entries)
                           AND EXISTS (SELECT 1 FROM acknowledgements a WHERE a.acked_seq >= r.seq)
                         ORDER BY r.seq LIMIT ?2",
                    )
                    .doing(DOING)?;
                let rows = stmt
                    .query_map(params![cutoff, BATCH as i64], |r| {
                        Ok(Due {
                            seq: r.get(0)?,
                            hash: r.get(1)?,
                            role: r.get(2)?,
                            agreement: r.get(3)?,
                            signed_at: r.get(4)?,
                            name: r.get(5)?,
                            acknowledged_at: r.get(6)?,
                            office: r.get(7)?,
                        })
                    })
                    .doing(DOING)?;
                rows.collect::<rusqlite::Result<_>>().doing(DOING)?
            };
            if due.is_empty() {
                break;
            }
            let (first_prev, _) = chain_head(&tx)?.unwrap_or((0, Hash32::ZERO));
            let mut head = None;
            for record in &due {
                head = Some(hold(&tx, self.device_id, record, now, &name_key)?);
            }
            let (seq, hash) = head.expect("the batch is not empty");
            write_checkpoint(&tx, &self.key, self.device_id, first_prev, seq, hash)?;
            tx.commit().doing(DOING)?;
            released.records += due.len() as u64;
            if due.len() < BATCH || released.records >= limit {
                break;
            }
        }
        if released.records > 0 {
            // secure_delete zeroed the freed bytes in the main file; move the
            // pages out of the WAL too, as erasure does.
            if let Err(error) = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                tracing::warn!(%error, "WAL checkpoint after removing held personal data deferred");
            }
            tracing::info!(records = released.records, "removed personal data the office holds");
        }
        Ok(released)
    }

    /// The key of the name lookup: derived from the kiosk key, so the
    /// lookup holds nothing readable without the key file.
    pub(super) fn name_lookup_key(&self) -> [u8; 32] {
        let mut bytes = b"signbook-name-lookup-v1\0".to_vec();
        bytes.extend_from_slice(self.key.as_bytes());
        Hash32::of(&bytes).0
    }
}

/// The name's keyed lookup value: the same folding as the re-sign query's
/// `COLLATE NOCASE` (ASCII letters only), so a held record matches exactly
/// what a record with its name would have.
pub(super) fn name_lookup(key: &[u8; 32], name: &str) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(name.to_ascii_lowercase().as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Refuses a local limit outside [`LOCAL_RETENTION_DAYS`].
pub(super) fn check_local_retention_days(days: u32) -> Result<()> {
    if LOCAL_RETENTION_DAYS.contains(&days) {
        return Ok(());
    }
    Err(crate::Error::SettingInvalid {
        field: "local retention",
        reason: format!("use a number of days from {} to {}", LOCAL_RETENTION_DAYS.start(), LOCAL_RETENTION_DAYS.end()),
    })
}

pub(super) fn save_local_retention_days(conn: &rusqlite::Connection, days: u32) -> Result<()> {
    check_local_retention_days(days)?;
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![SETTING_KEY, days.to_string()],
    )
    .doing("saving the local retention")?;
    Ok(())
}

struct Due {
    seq: u64,
    hash: String,
    role: String,
    agreement: String,
    signed_at: String,
    name: String,
    acknowledged_at: String,
    office: String,
}

/// Blanks one record, keeps its name lookup, appends its held entry.
fn hold(
    tx: &Transaction<'_>,
    device_id: Uuid,
    record: &Due,
    now: DateTime<Utc>,
    name_key: &[u8; 32],
) -> Result<(u64, Hash32)> {
    const DOING: &str = "writing the held entry";
    tx.execute(
        "INSERT INTO held_name_lookup (seq, role, agreement_hash, signed_at, name_key) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![record.seq, record.role, record.agreement, record.signed_at, name_lookup(name_key, &record.name)],
    )
    .doing(DOING)?;
    tx.execute(
        "UPDATE records SET name = NULL, name_salt = NULL, organisation = NULL, organisation_salt = NULL,
            signature_png = NULL, signature_salt = NULL WHERE seq = ?1",
        [record.seq],
    )
    .doing(DOING)?;
    let (prev_seq, prev_hash) = chain_head(tx)?.unwrap_or((0, Hash32::ZERO));
    let entry = HeldEntry {
        id: Uuid::now_v7(),
        device_id,
        seq: prev_seq + 1,
        prev_hash,
        target_seq: record.seq,
        target_hash: Hash32::from_hex(&record.hash)?,
        removed_at: now,
        acknowledged_at: parse_time(&record.acknowledged_at),
        office_certificate_sha256: Hash32::from_hex(&record.office)?,
    };
    let hash = entry.hash();
    tx.execute(
        &format!("INSERT INTO held_entries ({HELD_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
        params![
            entry.seq,
            entry.id.hyphenated().to_string(),
            entry.device_id.hyphenated().to_string(),
            entry.prev_hash.to_hex(),
            entry.target_seq,
            entry.target_hash.to_hex(),
            format_utc(&entry.removed_at),
            format_utc(&entry.acknowledged_at),
            entry.office_certificate_sha256.to_hex(),
            hash.to_hex(),
        ],
    )
    .doing(DOING)?;
    Ok((entry.seq, hash))
}

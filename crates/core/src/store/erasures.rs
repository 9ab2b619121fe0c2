//! Erasure (UK GDPR) as an entry of the signed chain (record format
//! version 2): erasing appends an erasure entry and a checkpoint, in the
//! transaction that blanks the record; the upgrade from version 1 turns
//! each old erasure log row into an entry; and the chain is read back as
//! records and erasure entries, in sequence order.

use std::iter::Peekable;

use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use uuid::Uuid;

use super::agreements::parse_time as parse_stored_time;
use super::database::Store;
use super::held::HELD_COLUMNS;
use super::records::{RECORD_COLUMNS, write_checkpoint};
use crate::erasure::{ChainEntry, ChainErasure, ErasureEntry, ReasonCategory, Requester};
use crate::error::{DbContext, Error, Result};
use crate::hash::Hash32;
use crate::record::format_utc;
use crate::sqlite::record_row::{RowDefect, decode_erasure_row, decode_held_row, decode_record_row};

/// Longest erasure reason kept.
const MAX_REASON_CHARS: usize = 500;

/// The columns [`decode_erasure_row`] reads, in its order.
const ERASURE_COLUMNS: &str = "seq, id, device_id, prev_hash, target_seq, target_hash, erased_at, recorded_at, \
     requested_by, reason, entry_hash, reason_text";

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErasureReceipt {
    /// The record erased.
    pub seq: u64,
    /// Its id.
    pub id: Uuid,
    /// When.
    pub erased_at: String,
    /// The erasure entry's own place in the chain.
    pub entry_seq: u64,
}

/// Who asked for an erasure, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureRequest<'a> {
    /// Who asked.
    pub requested_by: Requester,
    /// Which kind of reason.
    pub category: ReasonCategory,
    /// Staff's words; kept outside the hash. Must not be blank.
    pub reason: &'a str,
}

impl Store {
    /// Erases a record's personal data (UK GDPR) at a kiosk admin's request,
    /// leaving a tombstone whose digests keep the chain verifiable, and
    /// appends the erasure entry that names it.
    pub fn erase(&mut self, seq: u64, reason: &str) -> Result<ErasureReceipt> {
        self.erase_as(
            seq,
            &ErasureRequest { requested_by: Requester::KioskAdmin, category: ReasonCategory::Request, reason },
        )
    }

    /// [`Store::erase`] saying who asked and why.
    pub fn erase_as(&mut self, seq: u64, request: &ErasureRequest<'_>) -> Result<ErasureReceipt> {
        const DOING: &str = "erasing personal data";
        let reason = request.reason.trim();
        if reason.is_empty() {
            return Err(Error::ErasureReasonEmpty);
        }
        let reason: String = reason.chars().take(MAX_REASON_CHARS).collect();
        let now = Utc::now().trunc_subsecs(3);
        let erased_at = format_utc(&now);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        let target: (String, String) = tx
            .query_row("SELECT id, record_hash FROM records WHERE seq = ?1", [seq], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .doing(DOING)?
            .ok_or(Error::RecordNotFound { seq })?;
        let earlier: Option<String> = tx
            .query_row("SELECT erased_at FROM erasures WHERE seq = ?1", [seq], |r| r.get(0))
            .optional()
            .doing(DOING)?;
        if let Some(erased_at) = earlier {
            return Err(Error::AlreadyErased { seq, erased_at });
        }
        tx.execute(
            "UPDATE records SET name = NULL, name_salt = NULL, organisation = NULL, organisation_salt = NULL,
                signature_png = NULL, signature_salt = NULL WHERE seq = ?1",
            [seq],
        )
        .doing(DOING)?;
        // A record held at the office keeps a keyed lookup of its name for
        // the re-sign rules: derived from personal data, so it goes too.
        tx.execute("DELETE FROM held_name_lookup WHERE seq = ?1", [seq]).doing(DOING)?;
        // The version 1 log row stays: the sync and the exports' `erased_at`
        // read it, and it keeps staff's words beside the entry's.
        tx.execute(
            "INSERT INTO erasures (seq, reason, erased_at) VALUES (?1, ?2, ?3)",
            params![seq, reason, erased_at],
        )
        .doing(DOING)?;
        let target_hash = Hash32::from_hex(&target.1)?;
        let new = NewErasure {
            target_seq: seq,
            target_hash,
            erased_at: now,
            recorded_at: now,
            requested_by: &request.requested_by,
            reason: request.category,
            reason_text: &reason,
        };
        let entry_seq = append_erasure_entry(&tx, &self.key, self.device_id, &new)?;
        tx.commit().doing(DOING)?;
        // Move the erased pages out of the WAL so the old bytes do not linger
        // there; secure_delete has already zeroed them in the main file. A
        // busy reader only delays this to the next automatic checkpoint.
        if let Err(error) = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
            tracing::warn!(%error, "WAL checkpoint after erasure deferred");
        }
        Ok(ErasureReceipt { seq, id: Uuid::parse_str(&target.0).unwrap_or_default(), erased_at, entry_seq })
    }

    /// The upgrade to record format version 2: each record erased under
    /// version 1 (a row in the erasure log, no erasure entry) gets an
    /// erasure entry, `requested_by: v1-log`, recorded now, carrying the
    /// log's time as `erased_at` (a claim: nothing signed it then). Done
    /// only when the chain verifies under the version 1 rules, so a
    /// tombstone faked before the upgrade is not made legitimate by it;
    /// otherwise verification keeps naming the break. Returns how many.
    pub(super) fn upgrade_v1_erasures(&mut self) -> Result<u64> {
        const DOING: &str = "recording earlier erasures in the chain";
        let pending: Vec<(u64, String, String, String)> = {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT e.seq, e.reason, e.erased_at, r.record_hash FROM erasures e JOIN records r ON r.seq = e.seq
                     WHERE e.seq NOT IN (SELECT target_seq FROM erasure_entries) ORDER BY e.seq",
                )
                .doing(DOING)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).doing(DOING)?;
            rows.collect::<rusqlite::Result<_>>().doing(DOING)?
        };
        if pending.is_empty() {
            return Ok(0);
        }
        let report = self.verify_v1_rules()?;
        if let Some(problem) = report.problem {
            tracing::warn!(%problem, "the chain does not verify: earlier erasures were not recorded in it");
            return Ok(0);
        }
        let now = Utc::now().trunc_subsecs(3);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
        for (seq, reason, erased_at, hash) in &pending {
            let erased_at = parse_stored_time(erased_at);
            let hash = Hash32::from_hex(hash)?;
            let new = NewErasure {
                target_seq: *seq,
                target_hash: hash,
                erased_at,
                recorded_at: now,
                requested_by: &Requester::V1Log,
                reason: ReasonCategory::Other,
                reason_text: reason,
            };
            append_erasure_entry(&tx, &self.key, self.device_id, &new)?;
        }
        tx.commit().doing(DOING)?;
        tracing::info!(count = pending.len(), "recorded earlier erasures as erasure entries of the chain");
        Ok(pending.len() as u64)
    }

    /// The erasure entries, in sequence order.
    pub fn erasure_entries(&self) -> Result<Vec<ChainErasure>> {
        const DOING: &str = "reading erasure entries";
        let mut stmt =
            self.conn.prepare(&format!("SELECT {ERASURE_COLUMNS} FROM erasure_entries ORDER BY seq")).doing(DOING)?;
        let mut rows = stmt.query([]).doing(DOING)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().doing(DOING)? {
            out.push(decode_erasure_row(row).map_err(RowDefect::into_error)?);
        }
        Ok(out)
    }

    /// Calls `each` with every entry of the chain, records and erasure
    /// entries, in sequence order, damaged or not; for verification.
    pub(crate) fn for_each_raw_entry(
        &self,
        mut each: impl FnMut(std::result::Result<ChainEntry, RowDefect>) -> Result<()>,
    ) -> Result<()> {
        const DOING: &str = "reading the chain";
        let mut records =
            self.conn.prepare(&format!("SELECT {RECORD_COLUMNS} FROM records ORDER BY seq")).doing(DOING)?;
        let mut erasures =
            self.conn.prepare(&format!("SELECT {ERASURE_COLUMNS} FROM erasure_entries ORDER BY seq")).doing(DOING)?;
        let records = records
            .query_map([], |row| Ok(decode_record_row(row).map(|(r, e)| ChainEntry::Record(r, e))))
            .doing(DOING)?;
        let erasures =
            erasures.query_map([], |row| Ok(decode_erasure_row(row).map(ChainEntry::Erasure))).doing(DOING)?;
        let mut held =
            self.conn.prepare(&format!("SELECT {HELD_COLUMNS} FROM held_entries ORDER BY seq")).doing(DOING)?;
        let held = held.query_map([], |row| Ok(decode_held_row(row).map(ChainEntry::Held))).doing(DOING)?;
        merge_by_seq(vec![Box::new(records), Box::new(erasures), Box::new(held)], |entry| each(entry.doing(DOING)?))
    }

    /// Up to `limit` entries of the chain after `after` (records and
    /// erasure entries), in sequence order: what the next push sends.
    pub fn chain_after(&self, after: u64, limit: usize) -> Result<Vec<ChainEntry>> {
        const DOING: &str = "reading the chain to sync";
        let mut records = self
            .conn
            .prepare_cached(&format!("SELECT {RECORD_COLUMNS} FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2"))
            .doing(DOING)?;
        let mut erasures = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ERASURE_COLUMNS} FROM erasure_entries WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))
            .doing(DOING)?;
        let records = records
            .query_map(params![after, limit as i64], |row| {
                Ok(decode_record_row(row).map(|(r, e)| ChainEntry::Record(r, e)))
            })
            .doing(DOING)?;
        let erasures = erasures
            .query_map(params![after, limit as i64], |row| Ok(decode_erasure_row(row).map(ChainEntry::Erasure)))
            .doing(DOING)?;
        let mut held = self
            .conn
            .prepare_cached(&format!("SELECT {HELD_COLUMNS} FROM held_entries WHERE seq > ?1 ORDER BY seq LIMIT ?2"))
            .doing(DOING)?;
        let held = held
            .query_map(params![after, limit as i64], |row| Ok(decode_held_row(row).map(ChainEntry::Held)))
            .doing(DOING)?;
        let mut out = Vec::new();
        merge_by_seq(vec![Box::new(records), Box::new(erasures), Box::new(held)], |entry| {
            if out.len() < limit {
                out.push(entry.doing(DOING)?.map_err(RowDefect::into_error)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `each` with every entry of the chain in sequence order, for
    /// exports; a damaged row stops the walk with [`Error::DamagedRecord`].
    pub fn for_each_chain_entry(&self, mut each: impl FnMut(ChainEntry) -> Result<()>) -> Result<()> {
        self.for_each_raw_entry(|entry| each(entry.map_err(RowDefect::into_error)?))
    }
}

/// What [`append_erasure_entry`] writes.
struct NewErasure<'a> {
    target_seq: u64,
    target_hash: Hash32,
    erased_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    requested_by: &'a Requester,
    reason: ReasonCategory,
    reason_text: &'a str,
}

/// Appends an erasure entry and its checkpoint; returns its sequence.
fn append_erasure_entry(
    tx: &Transaction<'_>,
    key: &ed25519_dalek::SigningKey,
    device_id: Uuid,
    new: &NewErasure<'_>,
) -> Result<u64> {
    const DOING: &str = "writing the erasure entry";
    let (prev_seq, prev_hash) = chain_head(tx)?.unwrap_or((0, Hash32::ZERO));
    let entry = ErasureEntry {
        id: Uuid::now_v7(),
        device_id,
        seq: prev_seq + 1,
        prev_hash,
        target_seq: new.target_seq,
        target_hash: new.target_hash,
        erased_at: new.erased_at,
        recorded_at: new.recorded_at,
        requested_by: new.requested_by.clone(),
        reason: new.reason,
    };
    let hash = entry.hash();
    tx.execute(
        &format!(
            "INSERT INTO erasure_entries ({ERASURE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ),
        params![
            entry.seq,
            entry.id.hyphenated().to_string(),
            entry.device_id.hyphenated().to_string(),
            entry.prev_hash.to_hex(),
            entry.target_seq,
            entry.target_hash.to_hex(),
            format_utc(&entry.erased_at),
            format_utc(&entry.recorded_at),
            entry.requested_by.to_string(),
            entry.reason.as_str(),
            hash.to_hex(),
            new.reason_text,
        ],
    )
    .doing(DOING)?;
    write_checkpoint(tx, key, device_id, prev_seq, entry.seq, hash)?;
    Ok(entry.seq)
}

pub(super) type EntryRow = rusqlite::Result<std::result::Result<ChainEntry, RowDefect>>;

/// Merges seq-ordered streams of rows (records, erasure entries, held
/// entries) into one, in seq order.
pub(super) fn merge_by_seq<'a>(
    streams: Vec<Box<dyn Iterator<Item = EntryRow> + 'a>>,
    mut each: impl FnMut(EntryRow) -> Result<()>,
) -> Result<()> {
    fn seq_of(row: &EntryRow) -> u64 {
        match row {
            Ok(Ok(entry)) => entry.seq(),
            Ok(Err(defect)) => defect.seq,
            Err(_) => 0,
        }
    }
    let mut streams: Vec<Peekable<_>> = streams.into_iter().map(Iterator::peekable).collect();
    loop {
        // The first stream wins a tie, as records did before erasure entries.
        let mut next: Option<(usize, u64)> = None;
        for (i, stream) in streams.iter_mut().enumerate() {
            if let Some(row) = stream.peek() {
                let seq = seq_of(row);
                if next.is_none_or(|(_, best)| seq < best) {
                    next = Some((i, seq));
                }
            }
        }
        let Some((i, _)) = next else { return Ok(()) };
        each(streams[i].next().expect("peeked"))?;
    }
}

/// The chain's head `(seq, hash)`: its last record, erasure entry or held entry.
pub(super) fn chain_head(conn: &rusqlite::Connection) -> Result<Option<(u64, Hash32)>> {
    let head: Option<(u64, String)> = conn
        .prepare_cached(
            "SELECT seq, hash FROM (
                SELECT * FROM (SELECT seq, record_hash AS hash FROM records ORDER BY seq DESC LIMIT 1)
                UNION ALL
                SELECT * FROM (SELECT seq, entry_hash AS hash FROM erasure_entries ORDER BY seq DESC LIMIT 1)
                UNION ALL
                SELECT * FROM (SELECT seq, entry_hash AS hash FROM held_entries ORDER BY seq DESC LIMIT 1)
             ) ORDER BY seq DESC LIMIT 1",
        )
        .and_then(|mut stmt| stmt.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .doing("reading the chain head")?;
    head.map(|(seq, hash)| Ok((seq, Hash32::from_hex(&hash)?))).transpose()
}

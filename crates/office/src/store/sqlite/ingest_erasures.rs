//! Erasures in a push: applying a kiosk's erasures, storing its erasure entries and the records they name, and the office's erasures sent back.

use rusqlite::{OptionalExtension, Transaction, params};
use signbook_core::Hash32;
use signbook_core::erasure::{ChainEntry, ChainErasure};
use signbook_core::record::{Erasure, format_utc};
use signbook_core::verify::TargetState;
use signbook_sync::wire::{WireEraseDetail, WireErasure};

use crate::error::{DbContext, OfficeError, Result};

/// Applies an erasure to a stored record; `false` if already erased or
/// the record is not held (it will then arrive as a tombstone).
pub(super) fn apply_erasure(
    tx: &Transaction<'_>,
    device: &str,
    seq: u64,
    erasure: &Erasure,
    now: &str,
) -> Result<bool> {
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

/// Office erasures the kiosk has not confirmed yet, oldest first, and who
/// asked for each: a staff account by its number (never its name), or the
/// office itself; a retention purge's reason category is `retention`.
pub(super) fn office_erasures_to_send(
    tx: &Transaction<'_>,
    device: &str,
) -> Result<(Vec<WireErasure>, Vec<WireEraseDetail>)> {
    const DOING: &str = "reading erasures for the kiosk";
    let mut stmt = tx
        .prepare_cached(
            "SELECT e.seq, e.reason, e.erased_at, (SELECT u.rowid FROM users u WHERE u.username = e.erased_by)
             FROM erasures e WHERE e.device_id = ?1 AND e.origin = 'office' AND e.kiosk_confirmed_at IS NULL
             ORDER BY e.seq LIMIT 500",
        )
        .doing(DOING)?;
    let rows = stmt
        .query_map([device], |r| {
            let erasure = WireErasure { seq: r.get(0)?, reason: r.get(1)?, erased_at: r.get(2)? };
            let account: Option<u64> = r.get(3)?;
            let detail = WireEraseDetail {
                seq: erasure.seq,
                requested_by: super::erasure_log::office_requester(account),
                reason: super::erasure_log::office_reason(&erasure.reason).into(),
            };
            Ok((erasure, detail))
        })
        .doing(DOING)?;
    let both: Vec<(WireErasure, WireEraseDetail)> = rows.collect::<rusqlite::Result<_>>().doing(DOING)?;
    Ok(both.into_iter().unzip())
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

/// What the office holds of the records that `new`'s erasure entries name
/// below its head (`held`), for [`check_extension`](crate::ingest::check_extension): each one's hash, and
/// whether an earlier entry already erased it. One it still holds personal
/// data for is the entry's to erase here, so it is not refused for that.
pub(super) fn known_targets(
    tx: &Transaction<'_>,
    device: &str,
    held: u64,
    new: &[ChainEntry],
) -> Result<Vec<(u64, Hash32, TargetState)>> {
    const DOING: &str = "reading the records erasure entries name";
    let mut out = Vec::new();
    for entry in new {
        let target = match entry {
            ChainEntry::Erasure(erasure) => erasure.entry.target_seq,
            // A record a stored held entry already names is not offered to
            // the walk, which then refuses a second one.
            ChainEntry::Held(entry) if super::held::is_held(tx, device, entry.entry.target_seq)? => continue,
            ChainEntry::Held(entry) => entry.entry.target_seq,
            ChainEntry::Record(..) => continue,
        };
        if target > held {
            continue;
        }
        let row: Option<(String, bool, bool)> = tx
            .prepare_cached(
                "SELECT record_hash, name IS NULL,
                    EXISTS (SELECT 1 FROM erasure_entries e WHERE e.device_id = ?1 AND e.target_seq = ?2)
                 FROM records WHERE device_id = ?1 AND seq = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![device, target], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()
            })
            .doing(DOING)?;
        let Some((hash, erased, named)) = row else { continue };
        let hash = Hash32::from_hex(&hash).map_err(|e| OfficeError::Internal(e.to_string()))?;
        let state = match (named, erased) {
            (true, _) => TargetState::ErasedByEntry,
            (false, true) => TargetState::Erased,
            // An erasure entry erases the office's copy when stored; a held
            // entry leaves it.
            (false, false) if matches!(entry, ChainEntry::Held(_)) => TargetState::HoldsData,
            (false, false) => TargetState::Withheld,
        };
        out.push((target, hash, state));
    }
    Ok(out)
}

pub(super) fn insert_erasure_entry(
    tx: &Transaction<'_>,
    device: &str,
    erasure: &ChainErasure,
    now: &str,
) -> Result<()> {
    let e = &erasure.entry;
    tx.prepare_cached(
        "INSERT INTO erasure_entries (device_id, seq, id, prev_hash, target_seq, target_hash, erased_at, recorded_at,
            requested_by, reason, entry_hash, reason_text, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            device,
            e.seq,
            e.id.hyphenated().to_string(),
            e.prev_hash.to_hex(),
            e.target_seq,
            e.target_hash.to_hex(),
            format_utc(&e.erased_at),
            format_utc(&e.recorded_at),
            e.requested_by.to_string(),
            e.reason.as_str(),
            erasure.hash.to_hex(),
            erasure.reason_text,
            now,
        ])
    })
    .doing("storing an erasure entry")?;
    Ok(())
}

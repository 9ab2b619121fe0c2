//! PostgreSQL: the counterpart of `store/sqlite/ingest_erasures.rs`.
//! Erasures in a push: applying a kiosk's erasures, storing its erasure
//! entries and the records they name, and the office's erasures sent back.

use deadpool_postgres::Transaction;
use signbook_core::Hash32;
use signbook_core::erasure::{ChainEntry, ChainErasure};
use signbook_core::record::{Erasure, format_utc};
use signbook_core::verify::TargetState;
use signbook_sync::wire::{WireEraseDetail, WireErasure};

use super::PgContext;
use super::shared::{big, drop_personal_data, unsigned};
use crate::erasure_log::{office_reason, office_requester};
use crate::error::{OfficeError, Result};

/// Applies an erasure to a stored record; `false` if already erased or
/// the record is not held (it will then arrive as a tombstone).
pub(super) async fn apply_erasure(
    tx: &Transaction<'_>,
    device: &str,
    seq: u64,
    erasure: &Erasure,
    now: &str,
) -> Result<bool> {
    const DOING: &str = "applying an erasure";
    let seq_big = big(seq)?;
    let held: bool = tx
        .query_one("SELECT EXISTS (SELECT 1 FROM records WHERE device_id = $1 AND seq = $2)", &[&device, &seq_big])
        .await
        .doing(DOING)?
        .get(0);
    if !held {
        return Ok(false);
    }
    let inserted = tx
        .execute(
            "INSERT INTO erasures (device_id, seq, reason, erased_at, received_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (device_id, seq) DO NOTHING",
            &[&device, &seq_big, &erasure.reason, &format_utc(&erasure.erased_at), &now],
        )
        .await
        .doing(DOING)?;
    if inserted == 0 {
        // Erased here already. If office staff did it, the kiosk sending it
        // back means its own copy is gone too.
        tx.execute(
            "UPDATE erasures SET kiosk_confirmed_at = $3
             WHERE device_id = $1 AND seq = $2 AND origin = 'office' AND kiosk_confirmed_at IS NULL",
            &[&device, &seq_big, &now],
        )
        .await
        .doing(DOING)?;
        return Ok(false);
    }
    drop_personal_data(tx, device, seq).await?;
    Ok(true)
}

/// Office erasures the kiosk has not confirmed yet, oldest first, and who
/// asked for each: a staff account by its number (never its name), or the
/// office itself; a retention purge's reason category is `retention`.
pub(super) async fn office_erasures_to_send(
    tx: &Transaction<'_>,
    device: &str,
) -> Result<(Vec<WireErasure>, Vec<WireEraseDetail>)> {
    const DOING: &str = "reading erasures for the kiosk";
    // Usernames compare ignoring case, as SQLite's NOCASE column did.
    let statement = tx
        .prepare_cached(
            "SELECT e.seq, e.reason, e.erased_at, (SELECT u.id FROM users u WHERE lower(u.username) = lower(e.erased_by))
             FROM erasures e WHERE e.device_id = $1 AND e.origin = 'office' AND e.kiosk_confirmed_at IS NULL
             ORDER BY e.seq LIMIT 500",
        )
        .await
        .doing(DOING)?;
    let mut out = (Vec::new(), Vec::new());
    for row in tx.query(&statement, &[&device]).await.doing(DOING)? {
        let erasure = WireErasure { seq: unsigned(row.get(0))?, reason: row.get(1), erased_at: row.get(2) };
        let account = row.get::<_, Option<i64>>(3).map(unsigned).transpose()?;
        out.1.push(WireEraseDetail {
            seq: erasure.seq,
            requested_by: office_requester(account),
            reason: office_reason(&erasure.reason).into(),
        });
        out.0.push(erasure);
    }
    Ok(out)
}

/// What the office holds of the records that `new`'s erasure entries name
/// below its head (`held`), for [`check_extension`](crate::ingest::check_extension): each one's hash, and
/// whether an earlier entry already erased it. One it still holds personal
/// data for is the entry's to erase here, so it is not refused for that.
pub(super) async fn known_targets(
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
            ChainEntry::Held(entry) if super::held::is_held(tx, device, entry.entry.target_seq).await? => continue,
            ChainEntry::Held(entry) => entry.entry.target_seq,
            ChainEntry::Record(..) => continue,
        };
        if target > held {
            continue;
        }
        let statement = tx
            .prepare_cached(
                "SELECT record_hash, name IS NULL,
                    EXISTS (SELECT 1 FROM erasure_entries e WHERE e.device_id = $1 AND e.target_seq = $2)
                 FROM records WHERE device_id = $1 AND seq = $2",
            )
            .await
            .doing(DOING)?;
        let Some(row) = tx.query_opt(&statement, &[&device, &big(target)?]).await.doing(DOING)? else { continue };
        let (hash, erased, named): (String, bool, bool) = (row.get(0), row.get(1), row.get(2));
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

pub(super) async fn insert_erasure_entry(
    tx: &Transaction<'_>,
    device: &str,
    erasure: &ChainErasure,
    now: &str,
) -> Result<()> {
    const DOING: &str = "storing an erasure entry";
    let e = &erasure.entry;
    let statement = tx
        .prepare_cached(
            "INSERT INTO erasure_entries (device_id, seq, id, prev_hash, target_seq, target_hash, erased_at, recorded_at,
                requested_by, reason, entry_hash, reason_text, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .await
        .doing(DOING)?;
    tx.execute(
        &statement,
        &[
            &device,
            &big(e.seq)?,
            &e.id.hyphenated().to_string(),
            &e.prev_hash.to_hex(),
            &big(e.target_seq)?,
            &e.target_hash.to_hex(),
            &format_utc(&e.erased_at),
            &format_utc(&e.recorded_at),
            &e.requested_by.to_string(),
            &e.reason.as_str(),
            &erasure.hash.to_hex(),
            &erasure.reason_text,
            &now,
        ],
    )
    .await
    .doing(DOING)?;
    Ok(())
}

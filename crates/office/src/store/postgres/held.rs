//! PostgreSQL: the counterpart of `store/sqlite/held.rs`. Kiosks' "held at
//! the office" entries (record format 3, `docs/record-format.md` section
//! 14): stored in the chain as they arrived. The office keeps the record's
//! personal data.

use deadpool_postgres::Transaction;
use signbook_core::Hash32;
use signbook_core::held::ChainHeld;
use signbook_core::record::format_utc;

use super::PgContext;
use super::shared::big;
use crate::error::{OfficeError, Result};

/// Stores a checked held entry of `device`'s chain, received at `now`.
pub(super) async fn insert_held_entry(tx: &Transaction<'_>, device: &str, held: &ChainHeld, now: &str) -> Result<()> {
    const DOING: &str = "storing a held entry";
    let e = &held.entry;
    let statement = tx
        .prepare_cached(
            "INSERT INTO held_entries (device_id, seq, id, prev_hash, target_seq, target_hash, removed_at, acknowledged_at,
                office_certificate_sha256, entry_hash, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
            &format_utc(&e.removed_at),
            &format_utc(&e.acknowledged_at),
            &e.office_certificate_sha256.to_hex(),
            &held.hash.to_hex(),
            &now,
        ],
    )
    .await
    .doing(DOING)?;
    Ok(())
}

/// Whether a stored held entry of `device`'s chain names record `seq`.
pub(super) async fn is_held(tx: &Transaction<'_>, device: &str, seq: u64) -> Result<bool> {
    const DOING: &str = "reading the office's held entries";
    let statement = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM held_entries WHERE device_id = $1 AND target_seq = $2)")
        .await
        .doing(DOING)?;
    Ok(tx.query_one(&statement, &[&device, &big(seq)?]).await.doing(DOING)?.get(0))
}

/// The hash of entry `seq` of `device`'s chain the office holds: a record,
/// an erasure entry or a held entry.
pub(super) async fn entry_hash(tx: &Transaction<'_>, device: &str, seq: u64) -> Result<Hash32> {
    let statement = tx
        .prepare_cached(
            "SELECT record_hash FROM records WHERE device_id = $1 AND seq = $2
             UNION ALL SELECT entry_hash FROM erasure_entries WHERE device_id = $1 AND seq = $2
             UNION ALL SELECT entry_hash FROM held_entries WHERE device_id = $1 AND seq = $2",
        )
        .await
        .doing("storing a batch")?;
    let row = tx.query_opt(&statement, &[&device, &big(seq)?]).await.doing("storing a batch")?;
    let stored = row.ok_or_else(|| OfficeError::Internal(format!("entry {seq} below the head is not held")))?;
    Hash32::from_hex(stored.get(0)).map_err(|e| OfficeError::Internal(e.to_string()))
}

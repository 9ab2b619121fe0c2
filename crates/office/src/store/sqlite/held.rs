//! Kiosks' "held at the office" entries (record format 3,
//! `docs/record-format.md` section 14): stored in the chain as they
//! arrived. The office keeps the record's personal data.

use rusqlite::{Transaction, params};
use signbook_core::held::ChainHeld;
use signbook_core::record::format_utc;

use crate::error::{DbContext, Result};

/// Stores a checked held entry of `device`'s chain, received at `now`.
pub(super) fn insert_held_entry(tx: &Transaction<'_>, device: &str, held: &ChainHeld, now: &str) -> Result<()> {
    let e = &held.entry;
    tx.prepare_cached(
        "INSERT INTO held_entries (device_id, seq, id, prev_hash, target_seq, target_hash, removed_at, acknowledged_at,
            office_certificate_sha256, entry_hash, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            device,
            e.seq,
            e.id.hyphenated().to_string(),
            e.prev_hash.to_hex(),
            e.target_seq,
            e.target_hash.to_hex(),
            format_utc(&e.removed_at),
            format_utc(&e.acknowledged_at),
            e.office_certificate_sha256.to_hex(),
            held.hash.to_hex(),
            now,
        ])
    })
    .doing("storing a held entry")?;
    Ok(())
}

/// Whether a stored held entry of `device`'s chain names record `seq`.
pub(super) fn is_held(tx: &Transaction<'_>, device: &str, seq: u64) -> Result<bool> {
    tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM held_entries WHERE device_id = ?1 AND target_seq = ?2)")
        .and_then(|mut s| s.query_row(params![device, seq], |r| r.get(0)))
        .doing("reading the office's held entries")
}

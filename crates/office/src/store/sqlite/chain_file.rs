//! A kiosk's chain as the office holds it, entry by entry, for an evidence
//! pack's chain file: records by their hashed fields alone (the pack's own
//! records come with their personal data from the record stream), and the
//! kiosk's erasure and "held at the office" entries in their places.

use signbook_core::erasure::ChainEntry;
use signbook_core::sqlite::record_row::{RowDefect, decode_erasure_row, decode_held_row, decode_record_row};

use super::Db;
use crate::error::{DbContext, Result};

impl Db {
    /// Entries 1 to `up_to` of `device_id`'s chain, in sequence order; a
    /// damaged row ends it with [`crate::OfficeError::DamagedRecord`].
    pub fn chain_entries(&self, device_id: uuid::Uuid, up_to: u64) -> Result<Vec<ChainEntry>> {
        const DOING: &str = "reading a kiosk's chain for an evidence pack";
        let id = device_id.hyphenated().to_string();
        let mut records = self
            .conn
            .prepare(
                // `decode_record_row`'s columns, personal data and erasure left out.
                "SELECT seq, id, device_id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes,
                    name_digest, organisation_digest, signature_digest, record_hash, NULL, NULL,
                    NULL, NULL, NULL, NULL, NULL, NULL
                 FROM records WHERE device_id = ?1 AND seq <= ?2 ORDER BY seq",
            )
            .doing(DOING)?;
        let mut entries = self
            .conn
            .prepare(
                "SELECT seq, id, device_id, prev_hash, target_seq, target_hash, erased_at, recorded_at,
                    requested_by, reason, entry_hash, reason_text
                 FROM erasure_entries WHERE device_id = ?1 AND seq <= ?2 ORDER BY seq",
            )
            .doing(DOING)?;
        let mut held = self
            .conn
            .prepare(
                "SELECT seq, id, device_id, prev_hash, target_seq, target_hash, removed_at, acknowledged_at,
                    office_certificate_sha256, entry_hash
                 FROM held_entries WHERE device_id = ?1 AND seq <= ?2 ORDER BY seq",
            )
            .doing(DOING)?;
        let damaged = |d: RowDefect| crate::OfficeError::DamagedRecord { device_id, seq: d.seq, detail: d.detail };
        let mut out = Vec::new();
        let rows = records.query_map(rusqlite::params![id, up_to], |r| Ok(decode_record_row(r))).doing(DOING)?;
        for row in rows {
            out.push(ChainEntry::Record(row.doing(DOING)?.map_err(damaged)?.0, None));
        }
        let rows = entries.query_map(rusqlite::params![id, up_to], |r| Ok(decode_erasure_row(r))).doing(DOING)?;
        for row in rows {
            out.push(ChainEntry::Erasure(row.doing(DOING)?.map_err(damaged)?));
        }
        let rows = held.query_map(rusqlite::params![id, up_to], |r| Ok(decode_held_row(r))).doing(DOING)?;
        for row in rows {
            out.push(ChainEntry::Held(row.doing(DOING)?.map_err(damaged)?));
        }
        out.sort_by_key(ChainEntry::seq);
        Ok(out)
    }
}

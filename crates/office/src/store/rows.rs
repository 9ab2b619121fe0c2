//! Reading stored records back as [`StoredRecord`]s.

use uuid::Uuid;

use super::StoredRecord;
use super::sqlite::decode_office_row;

/// Every column [`stored_record`] reads; add `WHERE`/`ORDER BY` after it.
pub(super) const SELECT_RECORDS: &str = "SELECT r.seq, r.id, r.prev_hash, r.agreement_hash, r.role, r.signed_at, r.utc_offset_minutes,
        r.name_digest, r.organisation_digest, r.signature_digest, r.record_hash, r.name, r.name_salt, r.organisation,
        r.organisation_salt, r.signature_png, r.signature_salt, e.reason, e.erased_at, r.device_id, d.name, r.received_at
     FROM records r
     JOIN devices d ON d.device_id = r.device_id
     LEFT JOIN erasures e ON e.device_id = r.device_id AND e.seq = r.seq";

/// Decodes a row of [`SELECT_RECORDS`].
pub(super) fn stored_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRecord> {
    let device_id = Uuid::parse_str(&row.get::<_, String>(19)?).unwrap_or_default();
    let (record, erasure) = decode_office_row(device_id, row)?;
    Ok(StoredRecord { record, erasure, kiosk_name: row.get(20)?, received_at: row.get(21)? })
}

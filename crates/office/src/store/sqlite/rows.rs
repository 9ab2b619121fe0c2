//! Reading stored records back as [`StoredRecord`]s, with the decoder the
//! kiosk uses (`signbook_core::sqlite::record_row`): a damaged row is
//! reported as damaged, never read as something else.

use signbook_core::sqlite::record_row::{RECORD_ROW_COLUMNS, RowDefect, decode_record_row};
use uuid::Uuid;

use super::super::records::{DamagedRecord, StoredRecord};

/// The columns [`stored_record`] reads, in `decode_record_row`'s order and
/// then the kiosk's name and when the record arrived; add `WHERE` or
/// `ORDER BY` after it.
pub(super) const SELECT_RECORDS: &str = "SELECT r.seq, r.id, r.device_id, r.prev_hash, r.agreement_hash, r.role, r.signed_at,
        r.utc_offset_minutes, r.name_digest, r.organisation_digest, r.signature_digest, r.record_hash, r.name, r.name_salt,
        r.organisation, r.organisation_salt, r.signature_png, r.signature_salt, e.reason, e.erased_at, d.name, r.received_at
     FROM records r
     JOIN devices d ON d.device_id = r.device_id
     LEFT JOIN erasures e ON e.device_id = r.device_id AND e.seq = r.seq";

/// Decodes a row of [`SELECT_RECORDS`].
pub(super) fn stored_record(row: &rusqlite::Row<'_>) -> Result<StoredRecord, DamagedRecord> {
    let damaged = |defect: RowDefect| DamagedRecord {
        device_id: row.get::<_, String>(2).ok().and_then(|d| Uuid::parse_str(&d).ok()).unwrap_or_default(),
        seq: defect.seq,
        detail: defect.detail,
    };
    let (record, erasure) = decode_record_row(row).map_err(damaged)?;
    let extra = |detail: &str| DamagedRecord {
        device_id: record.header.device_id,
        seq: record.header.seq,
        detail: detail.into(),
    };
    let kiosk_name = row.get(RECORD_ROW_COLUMNS).map_err(|_| extra("its kiosk's name is unreadable"))?;
    let received_at = row.get(RECORD_ROW_COLUMNS + 1).map_err(|_| extra("the time it arrived is unreadable"))?;
    Ok(StoredRecord { record, erasure, kiosk_name, received_at })
}

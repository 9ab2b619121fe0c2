//! PostgreSQL: the counterpart of `store/sqlite/rows.rs`. Stored rows are
//! read back with the kiosk's own decoders (`signbook_core::sqlite::record_row`)
//! through [`PgRow`], so a damaged or tampered row is named in the same
//! words as on SQLite. The columns are typed here, but a bad hash, a
//! partly erased record or a salt of the wrong length still gets past them.

use signbook_core::sqlite::record_row::{RECORD_ROW_COLUMNS, RowDefect, RowValues, WrongType, decode_record_row};
use tokio_postgres::Row;
use tokio_postgres::types::Type;
use uuid::Uuid;

use crate::store::records::{DamagedRecord, StoredRecord};

/// A PostgreSQL row as the kiosk's decoders read one (a newtype: neither
/// the trait nor `Row` is this crate's). A value of another type than the
/// getter asks for reads as unreadable, as with SQLite's typed gets.
pub(super) struct PgRow<'a>(pub(super) &'a Row);

impl RowValues for PgRow<'_> {
    fn text(&self, i: usize) -> Option<String> {
        self.0.try_get::<_, Option<String>>(i).ok().flatten()
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>, WrongType> {
        self.0.try_get::<_, Option<String>>(i).map_err(|_| WrongType)
    }

    fn int(&self, i: usize) -> Option<i64> {
        // Sequence numbers are BIGINT, a UTC offset INTEGER: read either.
        match *self.0.columns().get(i)?.type_() {
            Type::INT8 => self.0.try_get::<_, Option<i64>>(i).ok().flatten(),
            Type::INT4 => self.0.try_get::<_, Option<i32>>(i).ok().flatten().map(i64::from),
            Type::INT2 => self.0.try_get::<_, Option<i16>>(i).ok().flatten().map(i64::from),
            _ => None,
        }
    }

    fn opt_blob(&self, i: usize) -> Result<Option<Vec<u8>>, WrongType> {
        self.0.try_get::<_, Option<Vec<u8>>>(i).map_err(|_| WrongType)
    }
}

/// The columns [`stored_record`] reads, in `decode_record_row`'s order and
/// then the kiosk's name and when the record arrived; add `JOIN`, `WHERE`
/// or `ORDER BY` after it.
pub(super) const SELECT_RECORDS: &str = "SELECT r.seq, r.id, r.device_id, r.prev_hash, r.agreement_hash, r.role, r.signed_at,
        r.utc_offset_minutes, r.name_digest, r.organisation_digest, r.signature_digest, r.record_hash, r.name, r.name_salt,
        r.organisation, r.organisation_salt, r.signature_png, r.signature_salt, e.reason, e.erased_at, d.name, r.received_at
     FROM records r
     JOIN devices d ON d.device_id = r.device_id
     LEFT JOIN erasures e ON e.device_id = r.device_id AND e.seq = r.seq";

/// [`SELECT_RECORDS`] with each signature PNG left unread (empty), for
/// exports that never show it: it is most of every row.
pub(super) fn select_records(signatures: bool) -> String {
    if signatures {
        SELECT_RECORDS.to_owned()
    } else {
        SELECT_RECORDS.replace("r.signature_png,", "CASE WHEN r.signature_png IS NULL THEN NULL ELSE ''::bytea END,")
    }
}

/// Decodes a row of [`SELECT_RECORDS`].
pub(super) fn stored_record(row: &Row) -> Result<StoredRecord, DamagedRecord> {
    let values = PgRow(row);
    let damaged = |defect: RowDefect| DamagedRecord {
        device_id: values.text(2).and_then(|d| Uuid::parse_str(&d).ok()).unwrap_or_default(),
        seq: defect.seq,
        detail: defect.detail,
    };
    let (record, erasure) = decode_record_row(&values).map_err(damaged)?;
    let extra = |detail: &str| DamagedRecord {
        device_id: record.header.device_id,
        seq: record.header.seq,
        detail: detail.into(),
    };
    let kiosk_name = values.opt_text(RECORD_ROW_COLUMNS).map_err(|_| extra("its kiosk's name is unreadable"))?;
    let received_at = values.text(RECORD_ROW_COLUMNS + 1).ok_or_else(|| extra("the time it arrived is unreadable"))?;
    Ok(StoredRecord { record, erasure, kiosk_name, received_at })
}

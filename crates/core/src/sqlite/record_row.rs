//! Reading a stored record row back into a [`Record`], naming what is
//! wrong with a row that has been damaged or tampered with. The kiosk's
//! store and the office's both read their rows here, so a damaged row is
//! reported the same way at both ends (and `verify` names it), never
//! silently read as something else.

use chrono::{DateTime, Utc};
use rusqlite::Row;
use uuid::Uuid;

use crate::erasure::{ChainErasure, ErasureEntry};
use crate::error::Error;
use crate::hash::Hash32;
use crate::held::{ChainHeld, HeldEntry};
use crate::record::{Erasure, PersonalData, Record, RecordHeader, Salt};

/// How many leading columns [`decode_record_row`] reads; a query may select
/// more after them.
pub const RECORD_ROW_COLUMNS: usize = 20;

/// The values a decoder reads from a row, by column index: implemented
/// here for a SQLite row, and by the office for a PostgreSQL one, so both
/// backends name a damaged row with the same words. Each getter fails
/// (`None` or `Err`) on a value of the wrong type, as SQLite's typed gets do.
pub trait RowValues {
    /// A text value; `None` if NULL, missing or not text.
    fn text(&self, i: usize) -> Option<String>;
    /// A text value or NULL; `Err` if of another type.
    fn opt_text(&self, i: usize) -> Result<Option<String>, WrongType>;
    /// An integer; `None` if NULL, missing or not an integer.
    fn int(&self, i: usize) -> Option<i64>;
    /// A blob or NULL; `Err` if of another type.
    fn opt_blob(&self, i: usize) -> Result<Option<Vec<u8>>, WrongType>;
}

impl RowValues for Row<'_> {
    fn text(&self, i: usize) -> Option<String> {
        self.get::<_, String>(i).ok()
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>, WrongType> {
        self.get::<_, Option<String>>(i).map_err(|_| WrongType)
    }

    fn int(&self, i: usize) -> Option<i64> {
        self.get::<_, i64>(i).ok()
    }

    fn opt_blob(&self, i: usize) -> Result<Option<Vec<u8>>, WrongType> {
        self.get::<_, Option<Vec<u8>>>(i).map_err(|_| WrongType)
    }
}

/// A value of another type than a [`RowValues`] getter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongType;

/// A non-negative integer (a sequence number), as SQLite's `u64` get reads one.
fn uint(row: &(impl RowValues + ?Sized), i: usize) -> Option<u64> {
    row.int(i).and_then(|n| u64::try_from(n).ok())
}

/// A row that cannot be read as a record (what is wrong, in words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowDefect {
    /// Its sequence number (0 if even that is unreadable).
    pub seq: u64,
    /// Its id, when readable.
    pub id: Option<Uuid>,
    /// What is wrong.
    pub detail: String,
}

impl RowDefect {
    /// The error a store reports for the row.
    pub fn into_error(self) -> Error {
        Error::DamagedRecord { seq: self.seq, detail: self.detail }
    }
}

/// Decodes a row whose first [`RECORD_ROW_COLUMNS`] columns are, in order:
/// `seq, id, device_id, prev_hash, agreement_hash, role, signed_at,
/// utc_offset_minutes, name_digest, organisation_digest, signature_digest,
/// record_hash, name, name_salt, organisation, organisation_salt,
/// signature_png, signature_salt`, then the erasure's `reason` and
/// `erased_at` (both NULL when the record is not erased).
///
/// Personal data is all there (organisation and its salt optional,
/// together) or all absent; anything in between is a defect, so a field
/// injected into a tombstone cannot pass as absent.
pub fn decode_record_row(row: &(impl RowValues + ?Sized)) -> Result<(Record, Option<Erasure>), RowDefect> {
    let seq: u64 = uint(row, 0).unwrap_or(0);
    let id = row.text(1).and_then(|id| Uuid::parse_str(&id).ok());
    let defect = |detail: String| RowDefect { seq, id, detail };
    let text = |i: usize, what: &str| row.text(i).ok_or_else(|| defect(format!("its {what} is unreadable")));
    let hash = |i: usize, what: &str| {
        Hash32::from_hex(&text(i, what)?).map_err(|_| defect(format!("its {what} is not a SHA-256 hash")))
    };
    let uuid = |i: usize, what: &str| {
        Uuid::parse_str(&text(i, what)?).map_err(|_| defect(format!("its {what} is not a UUID")))
    };
    let blob = |i: usize| row.opt_blob(i).map_err(|_| defect("a personal field has the wrong type".into()));
    let salt = |i: usize| -> Result<Option<Salt>, RowDefect> {
        blob(i)?
            .map(|b| Salt::try_from(b.as_slice()).map_err(|_| defect("a salt has the wrong length".into())))
            .transpose()
    };

    let signed_at_text = text(6, "signing time")?;
    let signed_at = DateTime::parse_from_rfc3339(&signed_at_text)
        .map_err(|_| defect(format!("its signing time {signed_at_text:?} is not a valid time")))?
        .with_timezone(&Utc);
    let organisation_digest =
        match row.opt_text(9).map_err(|_| defect("its organisation digest is unreadable".into()))? {
            Some(d) => {
                Some(Hash32::from_hex(&d).map_err(|_| defect("its organisation digest is not a SHA-256 hash".into()))?)
            }
            None => None,
        };
    let header = RecordHeader {
        id: uuid(1, "id")?,
        device_id: uuid(2, "device id")?,
        seq,
        prev_hash: hash(3, "previous hash")?,
        agreement_hash: hash(4, "agreement hash")?,
        role: text(5, "role")?,
        signed_at,
        utc_offset_minutes: row
            .int(7)
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| defect("its UTC offset is unreadable".into()))?,
        name_digest: hash(8, "name digest")?,
        organisation_digest,
        signature_digest: hash(10, "signature digest")?,
    };
    let record_hash = hash(11, "record hash")?;
    let name: Option<String> = row.opt_text(12).map_err(|_| defect("its name has the wrong type".into()))?;
    let organisation: Option<String> =
        row.opt_text(14).map_err(|_| defect("its organisation has the wrong type".into()))?;
    let (name_salt, organisation_salt, signature_salt) = (salt(13)?, salt(15)?, salt(17)?);
    let png = blob(16)?;
    let personal = match (name, name_salt, png, signature_salt) {
        (None, None, None, None) if organisation.is_none() && organisation_salt.is_none() => None,
        (Some(name), Some(name_salt), Some(signature_png), Some(signature_salt)) => {
            let organisation = match (organisation, organisation_salt) {
                (Some(o), Some(s)) => Some((o, s)),
                (None, None) => None,
                _ => return Err(defect("its organisation and organisation salt do not match".into())),
            };
            Some(PersonalData { name, name_salt, organisation, signature_png, signature_salt })
        }
        _ => return Err(defect("its personal data is partly missing".into())),
    };
    let erasure = row
        .opt_text(18)
        .ok()
        .flatten()
        .map(|reason| Erasure { reason, erased_at: erasure_time(&row.text(19).unwrap_or_default()) });
    Ok((Record { header, hash: record_hash, personal }, erasure))
}

/// When an erasure happened. It is not part of any hash, so an unreadable
/// time reads as the epoch rather than hiding the erasure.
fn erasure_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or(DateTime::UNIX_EPOCH)
}
/// Decodes an erasure entry row whose first columns are, in order: `seq,
/// id, device_id, prev_hash, target_seq, target_hash, erased_at,
/// recorded_at, requested_by, reason, entry_hash, reason_text`, naming what
/// is wrong with a damaged one. The kiosk's store and the office's both
/// read their `erasure_entries` rows here.
pub fn decode_erasure_row(row: &(impl RowValues + ?Sized)) -> std::result::Result<ChainErasure, RowDefect> {
    let seq: u64 = uint(row, 0).unwrap_or(0);
    let id = row.text(1).and_then(|id| Uuid::parse_str(&id).ok());
    let defect = |detail: String| RowDefect { seq, id, detail };
    let text = |i: usize, what: &str| row.text(i).ok_or_else(|| defect(format!("its {what} is unreadable")));
    let hash = |i: usize, what: &str| {
        Hash32::from_hex(&text(i, what)?).map_err(|_| defect(format!("its {what} is not a SHA-256 hash")))
    };
    let time = |i: usize, what: &str| -> std::result::Result<DateTime<Utc>, RowDefect> {
        let t = text(i, what)?;
        DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc()).map_err(|_| defect(format!("its {what} is not a time")))
    };
    let entry = ErasureEntry {
        id: id.ok_or_else(|| defect("its id is not a UUID".into()))?,
        device_id: Uuid::parse_str(&text(2, "device id")?).map_err(|_| defect("its device id is not a UUID".into()))?,
        seq,
        prev_hash: hash(3, "previous hash")?,
        target_seq: uint(row, 4).ok_or_else(|| defect("its target is unreadable".into()))?,
        target_hash: hash(5, "target hash")?,
        erased_at: time(6, "erasure time")?,
        recorded_at: time(7, "recording time")?,
        requested_by: text(8, "requester")?.parse().map_err(defect)?,
        reason: text(9, "reason category")?.parse().map_err(defect)?,
    };
    Ok(ChainErasure { entry, hash: hash(10, "entry hash")?, reason_text: text(11, "reason")? })
}

/// Decodes a held entry row whose first columns are, in order: `seq, id,
/// device_id, prev_hash, target_seq, target_hash, removed_at,
/// acknowledged_at, office_certificate_sha256, entry_hash`, naming what is
/// wrong with a damaged one. The kiosk's store and the office's both read
/// their `held_entries` rows here.
pub fn decode_held_row(row: &(impl RowValues + ?Sized)) -> std::result::Result<ChainHeld, RowDefect> {
    let seq: u64 = uint(row, 0).unwrap_or(0);
    let id = row.text(1).and_then(|id| Uuid::parse_str(&id).ok());
    let defect = |detail: String| RowDefect { seq, id, detail };
    let text = |i: usize, what: &str| row.text(i).ok_or_else(|| defect(format!("its {what} is unreadable")));
    let hash = |i: usize, what: &str| {
        Hash32::from_hex(&text(i, what)?).map_err(|_| defect(format!("its {what} is not a SHA-256 hash")))
    };
    let time = |i: usize, what: &str| -> std::result::Result<DateTime<Utc>, RowDefect> {
        let t = text(i, what)?;
        DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc()).map_err(|_| defect(format!("its {what} is not a time")))
    };
    let entry = HeldEntry {
        id: id.ok_or_else(|| defect("its id is not a UUID".into()))?,
        device_id: Uuid::parse_str(&text(2, "device id")?).map_err(|_| defect("its device id is not a UUID".into()))?,
        seq,
        prev_hash: hash(3, "previous hash")?,
        target_seq: uint(row, 4).ok_or_else(|| defect("its target is unreadable".into()))?,
        target_hash: hash(5, "target hash")?,
        removed_at: time(6, "removal time")?,
        acknowledged_at: time(7, "acknowledgement time")?,
        office_certificate_sha256: hash(8, "office certificate hash")?,
    };
    Ok(ChainHeld { entry, hash: hash(9, "entry hash")? })
}

//! One record as the export's columns, typed: the single source of rows for
//! the CSV here and the office's .xlsx, so the two cannot drift apart.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, Utc};

use super::CSV_COLUMNS;
use super::lines::LOCAL_TIME_FORMAT;
use crate::record::{Record, format_utc};

/// One cell of an export row ([`export_row`]), typed so each writer shows
/// it its own way: the CSV as text, a spreadsheet as a date or a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportCell {
    /// Text, shown exactly as it is (a writer must never run it as a formula).
    Text(String),
    /// The kiosk's wall-clock time when it was signed (school time).
    LocalTime(DateTime<FixedOffset>),
    /// The same moment in UTC.
    UtcTime(DateTime<Utc>),
    /// A whole number (the sequence number).
    Number(u64),
}

impl ExportCell {
    /// The cell as the CSV writes it (before formula neutralising).
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            ExportCell::Text(text) => Cow::Borrowed(text),
            ExportCell::LocalTime(at) => at.format(LOCAL_TIME_FORMAT).to_string().into(),
            ExportCell::UtcTime(at) => format_utc(at).into(),
            ExportCell::Number(n) => n.to_string().into(),
        }
    }
}

/// `record`'s cells in [`CSV_COLUMNS`] order; `agreement_title` is
/// empty when unknown. An erased record (personal data `None`) has status
/// `erased` and empty name and organisation.
pub fn export_row(record: &Record, agreement_title: &str) -> [ExportCell; CSV_COLUMNS.len()] {
    let h = &record.header;
    let p = record.personal.as_ref();
    let text = ExportCell::Text;
    [
        text(record.reference()),
        ExportCell::LocalTime(h.signed_at_local()),
        ExportCell::UtcTime(h.signed_at),
        text(h.role.clone()),
        text(p.map_or_else(String::new, |p| p.name.clone())),
        text(p.and_then(|p| p.organisation.as_ref().map(|(o, _)| o.clone())).unwrap_or_default()),
        text(agreement_title.to_owned()),
        text(h.agreement_hash.to_hex()),
        text(if p.is_some() { "signed" } else { "erased" }.to_owned()),
        text(h.device_id.hyphenated().to_string()),
        ExportCell::Number(h.seq),
        text(h.id.hyphenated().to_string()),
        text(record.hash.to_hex()),
    ]
}

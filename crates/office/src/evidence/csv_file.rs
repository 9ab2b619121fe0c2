//! The office's CSV: exactly the kiosk's (`signbook_core::export::CsvWriter`).

use std::collections::HashMap;
use std::io::Write;

use signbook_core::Hash32;
use signbook_core::export::{CSV_COLUMNS, CsvWriter};

use super::error::EvidenceError;
use crate::i18n::{Lang, t};
use crate::store::{StoredAgreement, StoredRecord};

/// Agreement titles by version hash, as [`write_csv`] wants them.
pub fn agreement_titles(agreements: &[StoredAgreement]) -> HashMap<Hash32, String> {
    agreements.iter().map(|a| (a.hash, a.title.clone())).collect()
}

/// The column headings of exports in the current language
/// ([`crate::i18n::current`]): the kiosk's own, [`CSV_COLUMNS`], in English.
pub fn csv_headings() -> [&'static str; CSV_COLUMNS.len()] {
    match crate::i18n::current() {
        Lang::En => CSV_COLUMNS,
        Lang::Cy => [
            t("csv.reference"),
            t("csv.signed_at_local"),
            t("csv.signed_at_utc"),
            t("csv.role"),
            t("csv.name"),
            t("csv.organisation"),
            t("csv.agreement_title"),
            t("csv.agreement_hash"),
            t("csv.status"),
            t("csv.device_id"),
            t("csv.seq"),
            t("csv.record_id"),
            t("csv.record_hash"),
        ],
    }
}

/// Writes `records` as the kiosk's CSV (BOM, CRLF, formulas neutralised),
/// headed in the current language ([`csv_headings`]);
/// `titles` fills the agreement title column (empty when unknown).
/// Returns the number of rows written, heading excluded.
pub fn write_csv<'a>(
    records: impl IntoIterator<Item = &'a StoredRecord>,
    titles: &HashMap<Hash32, String>,
    out: &mut dyn Write,
) -> Result<u64, EvidenceError> {
    let mut csv = CsvWriter::with_headings(out, &csv_headings())?;
    for stored in records {
        let title = titles.get(&stored.record.header.agreement_hash).map_or("", String::as_str);
        csv.write(&stored.record, title)?;
    }
    Ok(csv.finish()?)
}

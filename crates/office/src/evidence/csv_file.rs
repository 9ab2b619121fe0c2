//! The office's CSV: exactly the kiosk's (`signbook_core::export::CsvWriter`).

use std::collections::HashMap;
use std::io::Write;

use signbook_core::Hash32;
use signbook_core::export::CsvWriter;

use super::error::EvidenceError;
use crate::store::{StoredAgreement, StoredRecord};

/// Agreement titles by version hash, as [`write_csv`] wants them.
pub fn agreement_titles(agreements: &[StoredAgreement]) -> HashMap<Hash32, String> {
    agreements.iter().map(|a| (a.hash, a.title.clone())).collect()
}

/// Writes `records` as the kiosk's CSV (BOM, CRLF, formulas neutralised);
/// `titles` fills the agreement title column (empty when unknown).
/// Returns the number of rows written, heading excluded.
pub fn write_csv<'a>(
    records: impl IntoIterator<Item = &'a StoredRecord>,
    titles: &HashMap<Hash32, String>,
    out: &mut dyn Write,
) -> Result<u64, EvidenceError> {
    let mut csv = CsvWriter::new(out)?;
    for stored in records {
        let title = titles.get(&stored.record.header.agreement_hash).map_or("", String::as_str);
        csv.write(&stored.record, title)?;
    }
    Ok(csv.finish()?)
}

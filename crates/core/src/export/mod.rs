//! Exports for office staff: CSV for Excel, JSON Lines for scripts.
//!
//! CSV is RFC 4180 (comma, CRLF, quoted where needed), UTF-8 with a BOM so
//! Excel shows "Zoë" rather than "ZoÃ«", and every cell that a spreadsheet
//! would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is
//! prefixed with `'` (OWASP's advice for CSV injection). JSON Lines carries
//! every field of the record, including the salts and the signature PNG
//! (base64), after a header with the kiosk's public key and its signed
//! checkpoint, so an auditor can recompute each hash and prove the export
//! complete from the file alone ([`verify::verify_export`]).

pub mod chain_file;
mod fields;
mod header;
mod lines;
mod read;
mod row;
pub mod verify;

pub use lines::{
    EXPORT_CHECKPOINT_FORMAT, EXPORT_FORMAT, EXPORT_RECORD_FORMAT, EXPORT_RECORD_FORMAT_WITHOUT_HELD, ExportHeader,
    HeaderCheckpoint, HeaderFilter,
};
pub use row::{ExportCell, export_row};

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use crate::erasure::ChainEntry;
use crate::error::{Error, Result};
use crate::record::{Record, format_utc};
use crate::store::{RecordFilter, Store};
pub use chain_file::JsonlWriter;

/// Export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Spreadsheet-friendly CSV.
    Csv,
    /// One JSON object per line, every field.
    Jsonl,
}

/// CSV column headings, in order.
pub const CSV_COLUMNS: [&str; 13] = [
    "reference",
    "signed_at_local",
    "signed_at_utc",
    "role",
    "name",
    "organisation",
    "agreement_title",
    "agreement_hash",
    "status",
    "device_id",
    "seq",
    "record_id",
    "record_hash",
];

/// Writes the records matching `filter` to `out` atomically: the file
/// appears complete or not at all. Returns how many records were written.
pub fn export_to_file(store: &Store, format: Format, filter: &RecordFilter, out: &Path) -> Result<u64> {
    let io = |source| Error::Io { path: out.to_owned(), source };
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let count = {
        let mut writer = std::io::BufWriter::new(file.as_file_mut());
        let count = export(store, format, filter, &mut writer)?;
        writer.flush().map_err(io)?;
        count
    };
    file.as_file().sync_all().map_err(io)?;
    file.persist(out).map_err(|e| io(e.error))?;
    Ok(count)
}

/// Writes the records matching `filter` to `out`.
pub fn export(store: &Store, format: Format, filter: &RecordFilter, out: &mut dyn Write) -> Result<u64> {
    let titles: HashMap<String, String> =
        store.agreements()?.into_iter().map(|a| (a.version.hash.to_hex(), a.version.title)).collect();
    match format {
        Format::Csv => {
            let mut csv = CsvWriter::new(out)?;
            store.for_each_record(filter, |record, erasure| {
                let held = record.personal.is_none() && erasure.is_none();
                csv.write_with_status(&record, title_of(&titles, &record), held.then_some("held"))
            })?;
            csv.finish()
        }
        Format::Jsonl => store.read_snapshot(|store| write_jsonl(store, filter, &titles, out)),
    }
}

fn title_of<'a>(titles: &'a HashMap<String, String>, record: &Record) -> &'a str {
    titles.get(&record.header.agreement_hash.to_hex()).map_or("", String::as_str)
}

/// The header, then every record of the chain up to the signed head: those
/// `filter` selects in full, the others as `omitted` lines.
fn write_jsonl(
    store: &Store,
    filter: &RecordFilter,
    titles: &HashMap<String, String>,
    out: &mut dyn Write,
) -> Result<u64> {
    let key = store.public_key();
    let header = ExportHeader {
        signbook_export: EXPORT_FORMAT,
        record_format: if store.has_held_entries()? { EXPORT_RECORD_FORMAT } else { EXPORT_RECORD_FORMAT_WITHOUT_HELD },
        checkpoint_format: EXPORT_CHECKPOINT_FORMAT,
        device_id: store.device_id().hyphenated().to_string(),
        public_key: hex::encode(key.as_bytes()),
        key_fingerprint: crate::device::key_fingerprint(&key),
        exported_at: format_utc(&chrono::Utc::now()),
        filter: HeaderFilter::of(filter),
        // The newest checkpoint is the head's (the others are kept every
        // 1000 records); a head without one fails verification, as it should.
        checkpoint: store.checkpoints()?.last().map(HeaderCheckpoint::of),
    };
    let mut lines = JsonlWriter::new(out);
    lines.header(&header)?;
    let mut count = 0;
    store.for_each_chain_entry(|entry| match entry {
        ChainEntry::Record(record, erasure) if filter.matches(&record.header) => {
            count += 1;
            lines.record(&record, erasure.as_ref(), title_of(titles, &record))
        }
        ChainEntry::Record(record, _) => lines.omitted(&record),
        // Whatever the filter: it holds no personal data, and it is how a
        // tombstone proves it was erased by the kiosk.
        ChainEntry::Erasure(erasure) => lines.erasure(&erasure),
        // Likewise: how a record without its data proves the office holds it.
        ChainEntry::Held(held) => lines.held(&held),
    })?;
    Ok(count)
}

/// Writes the kiosk's CSV row by row, so the office can export its own
/// rows (from its own database) with exactly the kiosk's columns and rules.
///
/// ```
/// # use signbook_core::export::CsvWriter;
/// let mut out = Vec::new();
/// let csv = CsvWriter::new(&mut out).unwrap();
/// // csv.write(&record, "Acceptable Use 2026")? for each record
/// assert_eq!(csv.finish().unwrap(), 0);
/// assert!(String::from_utf8(out).unwrap().starts_with("\u{feff}reference,signed_at_local,"));
/// ```
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    csv: csv::Writer<W>,
    count: u64,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the BOM and the heading row ([`CSV_COLUMNS`]).
    pub fn new(out: W) -> Result<Self> {
        Self::with_headings(out, &CSV_COLUMNS)
    }

    /// Writes the BOM and `headings` (the same columns in another
    /// language, for the office's Welsh exports) instead of [`CSV_COLUMNS`].
    pub fn with_headings(mut out: W, headings: &[&str; CSV_COLUMNS.len()]) -> Result<Self> {
        out.write_all("\u{feff}".as_bytes()).map_err(|e| Error::Csv(e.into()))?;
        let mut csv = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
        csv.write_record(headings)?;
        Ok(CsvWriter { csv, count: 0 })
    }

    /// Writes one record; `agreement_title` is empty when unknown. An
    /// erased record (personal data `None`) shows status `erased` and
    /// empty name and organisation; the CSV has no erasure date column.
    pub fn write(&mut self, record: &Record, agreement_title: &str) -> Result<()> {
        self.write_with_status(record, agreement_title, None)
    }

    /// [`CsvWriter::write`] with another status than `signed`/`erased`: a
    /// kiosk's record whose data it removed once the office held it says
    /// `held` (record format 3), not `erased`.
    fn write_with_status(&mut self, record: &Record, agreement_title: &str, status: Option<&str>) -> Result<()> {
        let mut cells = export_row(record, agreement_title);
        if let (Some(status), Some(i)) = (status, CSV_COLUMNS.iter().position(|c| *c == "status")) {
            cells[i] = ExportCell::Text(status.to_owned());
        }
        self.csv.write_record(cells.iter().map(|c| neutralise_formula(&c.to_text()).into_owned()))?;
        self.count += 1;
        Ok(())
    }

    /// Flushes and returns how many records were written.
    pub fn finish(mut self) -> Result<u64> {
        self.csv.flush().map_err(|e| Error::Csv(e.into()))?;
        Ok(self.count)
    }
}

/// Makes a cell safe to open in a spreadsheet: a leading `=`, `+`, `-`,
/// `@`, tab or CR gets a `'` in front, so it shows as text.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}").into() } else { cell.into() }
}

#[cfg(test)]
mod tests {
    use super::neutralise_formula;

    #[test]
    fn formula_cells_are_neutralised_and_others_untouched() {
        for (cell, shown) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+44 1234", "'+44 1234"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
            ("Zoë", "Zoë"),
            ("O'Brien", "O'Brien"),
            ("Acme = Co", "Acme = Co"),
            ("", ""),
        ] {
            assert_eq!(neutralise_formula(cell), shown, "{cell:?}");
        }
    }
}

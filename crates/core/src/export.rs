//! Exports for office staff: CSV for Excel, JSON Lines for scripts.
//!
//! CSV is RFC 4180 (comma, CRLF, quoted where needed), UTF-8 with a BOM so
//! Excel shows "Zoë" rather than "ZoÃ«", and every cell that a spreadsheet
//! would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is
//! prefixed with `'` (OWASP's advice for CSV injection). JSON Lines carries
//! every field of the record, including the salts and the signature PNG
//! (base64), so an auditor can recompute each hash from the export alone.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::record::{Erasure, Record, format_offset, format_utc};
use crate::store::{RecordFilter, Store};

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
    let title_of =
        |record: &Record| -> &str { titles.get(&record.header.agreement_hash.to_hex()).map_or("", String::as_str) };
    let mut count = 0;
    match format {
        Format::Csv => {
            let mut csv = CsvWriter::new(out)?;
            store.for_each_record(filter, |record, _| csv.write(&record, title_of(&record)))?;
            count = csv.finish()?;
        }
        Format::Jsonl => store.for_each_record(filter, |record, erasure| {
            let row = ExportRow::new(&record, erasure.as_ref(), title_of(&record));
            serde_json::to_writer(&mut *out, &row)?;
            out.write_all(b"\n").map_err(|e| Error::Json(serde_json::Error::io(e)))?;
            count += 1;
            Ok(())
        })?,
    }
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
    /// Writes the BOM and the heading row.
    pub fn new(mut out: W) -> Result<Self> {
        out.write_all("\u{feff}".as_bytes()).map_err(|e| Error::Csv(e.into()))?;
        let mut csv = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
        csv.write_record(CSV_COLUMNS)?;
        Ok(CsvWriter { csv, count: 0 })
    }

    /// Writes one record; `agreement_title` is empty when unknown. An
    /// erased record (personal data `None`) shows status `erased` and
    /// empty name and organisation; the CSV has no erasure date column.
    pub fn write(&mut self, record: &Record, agreement_title: &str) -> Result<()> {
        let h = &record.header;
        let p = record.personal.as_ref();
        let cells = [
            record.reference(),
            h.signed_at_local().format("%Y-%m-%d %H:%M:%S").to_string(),
            format_utc(&h.signed_at),
            h.role.clone(),
            p.map_or_else(String::new, |p| p.name.clone()),
            p.and_then(|p| p.organisation.as_ref().map(|(o, _)| o.clone())).unwrap_or_default(),
            agreement_title.to_owned(),
            h.agreement_hash.to_hex(),
            if p.is_some() { "signed" } else { "erased" }.to_owned(),
            h.device_id.hyphenated().to_string(),
            h.seq.to_string(),
            h.id.hyphenated().to_string(),
            record.hash.to_hex(),
        ];
        self.csv.write_record(cells.iter().map(|c| neutralise_formula(c)).map(|c| c.into_owned()))?;
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

/// One exported record. Field names are the JSONL keys.
#[derive(Debug, Serialize)]
struct ExportRow<'a> {
    reference: String,
    record_id: String,
    device_id: String,
    seq: u64,
    prev_hash: String,
    agreement_hash: String,
    agreement_title: &'a str,
    role: &'a str,
    signed_at_utc: String,
    signed_at_local: String,
    utc_offset: String,
    status: &'static str,
    name: Option<&'a str>,
    organisation: Option<&'a str>,
    name_digest: String,
    organisation_digest: Option<String>,
    signature_digest: String,
    name_salt: Option<String>,
    organisation_salt: Option<String>,
    signature_salt: Option<String>,
    signature_png_base64: Option<String>,
    record_hash: String,
    erased_at: Option<String>,
}

impl<'a> ExportRow<'a> {
    fn new(record: &'a Record, erasure: Option<&Erasure>, agreement_title: &'a str) -> Self {
        let h = &record.header;
        let p = record.personal.as_ref();
        let agreement_hash = h.agreement_hash.to_hex();
        ExportRow {
            reference: record.reference(),
            record_id: h.id.hyphenated().to_string(),
            device_id: h.device_id.hyphenated().to_string(),
            seq: h.seq,
            prev_hash: h.prev_hash.to_hex(),
            agreement_title,
            agreement_hash,
            role: &h.role,
            signed_at_utc: format_utc(&h.signed_at),
            signed_at_local: h.signed_at_local().format("%Y-%m-%d %H:%M:%S").to_string(),
            utc_offset: format_offset(h.utc_offset_minutes),
            status: if p.is_some() { "signed" } else { "erased" },
            name: p.map(|p| p.name.as_str()),
            organisation: p.and_then(|p| p.organisation.as_ref().map(|(o, _)| o.as_str())),
            name_digest: h.name_digest.to_hex(),
            organisation_digest: h.organisation_digest.map(|d| d.to_hex()),
            signature_digest: h.signature_digest.to_hex(),
            name_salt: p.map(|p| hex::encode(p.name_salt)),
            organisation_salt: p.and_then(|p| p.organisation.as_ref().map(|(_, s)| hex::encode(s))),
            signature_salt: p.map(|p| hex::encode(p.signature_salt)),
            signature_png_base64: p.map(|p| base64::engine::general_purpose::STANDARD.encode(&p.signature_png)),
            record_hash: record.hash.to_hex(),
            erased_at: erasure.map(|e| format_utc(&e.erased_at)),
        }
    }
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

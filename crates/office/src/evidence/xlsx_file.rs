//! Spreadsheet downloads (.xlsx) beside the CSVs.
//!
//! The CSV is right (UTF-8 with a byte-order mark), but LibreOffice opens it
//! as Western European unless the person picks UTF-8 in its import dialog,
//! and every accented or non-Latin name turns to mojibake. An .xlsx has no
//! encoding to guess. Every cell is written as text or a real date, never as
//! a formula, so a name such as `=HYPERLINK(…)` stays a name.

use chrono::NaiveDateTime;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use signbook_core::Hash32;
use signbook_core::export::CSV_COLUMNS;
use signbook_core::record::Record;
use std::collections::HashMap;

/// One cell of a [`Spreadsheet`] row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Shown exactly as given, never evaluated.
    Text(String),
    /// A date and time a spreadsheet can sort and filter as one.
    DateTime(NaiveDateTime),
    /// A whole number (sequence numbers).
    Number(u64),
}

/// A one-sheet workbook with a frozen, bold header row and sized columns.
pub struct Spreadsheet {
    workbook: Workbook,
    rows: u32,
    date_format: Format,
}

impl std::fmt::Debug for Spreadsheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spreadsheet").field("rows", &self.rows).finish_non_exhaustive()
    }
}

impl Spreadsheet {
    /// A workbook whose one sheet is called `sheet` and whose first row is `headers`.
    pub fn new(sheet: &str, headers: &[&str]) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(sheet)?;
        for (col, heading) in (0u16..).zip(headers) {
            worksheet.write_string_with_format(0, col, *heading, &bold)?;
        }
        worksheet.set_freeze_panes(1, 0)?;
        Ok(Spreadsheet { workbook, rows: 1, date_format: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss") })
    }

    /// Appends one row.
    pub fn push(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        let row = self.rows;
        let date_format = self.date_format.clone();
        let sheet = self.sheet()?;
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Text(text) => sheet.write_string(row, col, text)?,
                Cell::DateTime(at) => sheet.write_datetime_with_format(row, col, at, &date_format)?,
                Cell::Number(n) => sheet.write_number(row, col, *n as f64)?,
            };
        }
        self.rows += 1;
        Ok(())
    }

    /// Rows written, the header excluded.
    pub fn len(&self) -> u64 {
        u64::from(self.rows - 1)
    }

    /// Whether only the header has been written.
    pub fn is_empty(&self) -> bool {
        self.rows == 1
    }

    /// Sizes the columns to their contents and returns the file's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        self.sheet()?.autofit();
        self.workbook.save_to_buffer()
    }

    fn sheet(&mut self) -> Result<&mut Worksheet, XlsxError> {
        self.workbook.worksheet_from_index(0)
    }
}

/// The records spreadsheet: the CSV's columns, with both times as real dates.
#[derive(Debug)]
pub struct RecordsSheet<'a> {
    sheet: Spreadsheet,
    titles: &'a HashMap<Hash32, String>,
}

impl<'a> RecordsSheet<'a> {
    /// `titles` fills the agreement title column (empty when unknown).
    pub fn new(titles: &'a HashMap<Hash32, String>) -> Result<Self, XlsxError> {
        Ok(RecordsSheet { sheet: Spreadsheet::new("Records", &CSV_COLUMNS)?, titles })
    }

    /// Appends one record; an erased record has status `erased` and no name.
    pub fn push(&mut self, record: &Record) -> Result<(), XlsxError> {
        let h = &record.header;
        let p = record.personal.as_ref();
        let text = |s: String| Cell::Text(s);
        let cells = [
            text(record.reference()),
            Cell::DateTime(h.signed_at_local().naive_local()),
            Cell::DateTime(h.signed_at.naive_utc()),
            text(h.role.clone()),
            text(p.map_or_else(String::new, |p| p.name.clone())),
            text(p.and_then(|p| p.organisation.as_ref().map(|(o, _)| o.clone())).unwrap_or_default()),
            text(self.titles.get(&h.agreement_hash).cloned().unwrap_or_default()),
            text(h.agreement_hash.to_hex()),
            text(if p.is_some() { "signed" } else { "erased" }.to_owned()),
            text(h.device_id.hyphenated().to_string()),
            Cell::Number(h.seq),
            text(h.id.hyphenated().to_string()),
            text(record.hash.to_hex()),
        ];
        debug_assert_eq!(cells.len(), CSV_COLUMNS.len());
        self.sheet.push(&cells)
    }

    /// Rows written, and the file's bytes.
    pub fn finish(self) -> Result<(u64, Vec<u8>), XlsxError> {
        let count = self.sheet.len();
        Ok((count, self.sheet.finish()?))
    }
}

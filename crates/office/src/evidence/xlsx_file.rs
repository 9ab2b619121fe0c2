//! Spreadsheet downloads (.xlsx) beside the CSVs.
//!
//! The CSV is right (UTF-8 with a byte-order mark), but LibreOffice opens it
//! as Western European unless the person picks UTF-8 in its import dialog,
//! and every accented or non-Latin name turns to mojibake. An .xlsx has no
//! encoding to guess. Every cell is written as text or a real date, never as
//! a formula, so a name such as `=HYPERLINK(…)` stays a name.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use signbook_core::export::{CSV_COLUMNS, ExportCell};

/// Most rows a sheet holds below its header: Excel's and LibreOffice's
/// limit is 1,048,576 rows.
pub const MAX_SPREADSHEET_ROWS: u64 = 1_048_575;

/// Widest a column is sized to its contents, in pixels (about 40
/// characters): longer cells (hashes, long titles) stay whole in the cell,
/// the column just does not fill the screen.
const MAX_COLUMN_PIXELS: u32 = 300;

/// How a date cell is shown: sorts as written, reads the same everywhere.
const DATE_FORMAT: &str = "yyyy-mm-dd hh:mm:ss";

/// Width of a date column, in characters: the date's 19 and a margin.
/// `autofit` guesses dates at Excel's default `mm/dd/yyyy` width, which
/// would show this format as `###`.
const DATE_COLUMN_CHARS: usize = 21;

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

impl From<ExportCell> for Cell {
    /// Both times as the CSV shows them: the kiosk's wall clock, and UTC.
    fn from(cell: ExportCell) -> Cell {
        match cell {
            ExportCell::Text(text) => Cell::Text(text),
            ExportCell::LocalTime(at) => Cell::DateTime(at.naive_local()),
            ExportCell::UtcTime(at) => Cell::DateTime(at.naive_utc()),
            ExportCell::Number(n) => Cell::Number(n),
        }
    }
}

/// A one-sheet workbook with a frozen, bold header row and sized columns.
pub struct Spreadsheet {
    workbook: Workbook,
    rows: u32,
    date_format: Format,
    /// Each column's header width in characters, and which hold dates.
    header_chars: Vec<usize>,
    date_columns: BTreeSet<u16>,
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
        Ok(Spreadsheet {
            workbook,
            rows: 1,
            date_format: Format::new().set_num_format(DATE_FORMAT),
            header_chars: headers.iter().map(|h| h.chars().count()).collect(),
            date_columns: BTreeSet::new(),
        })
    }

    /// Appends one row. Text goes in with `write_string`, so a cell such
    /// as `=1+1` or `@SUM(A1)` is shown as typed, never run as a formula.
    pub fn push(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        let row = self.rows;
        let date_format = self.date_format.clone();
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Text(text) => sheet.write_string(row, col, text)?,
                Cell::DateTime(at) => {
                    self.date_columns.insert(col);
                    sheet.write_datetime_with_format(row, col, at, &date_format)?
                }
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
        let sheet: &mut Worksheet = self.workbook.worksheet_from_index(0)?;
        sheet.set_autofit_max_width(MAX_COLUMN_PIXELS);
        sheet.autofit();
        for &col in &self.date_columns {
            let chars = self.header_chars.get(usize::from(col)).map_or(0, |h| h + 2).max(DATE_COLUMN_CHARS);
            sheet.set_column_width(col, chars as f64)?;
        }
        self.workbook.save_to_buffer()
    }
}

/// The records spreadsheet: the CSV's columns and rows (`export_row`),
/// with both times as real dates.
///
/// ```
/// # use signbook_office::evidence::RecordsSheet;
/// let sheet = RecordsSheet::new().unwrap();
/// // sheet.push(signbook_core::export::export_row(&record, "Acceptable Use 2026"))? for each record
/// let (rows, bytes) = sheet.finish().unwrap();
/// assert_eq!(rows, 0);
/// assert!(bytes.starts_with(b"PK"), "an .xlsx is a ZIP");
/// ```
#[derive(Debug)]
pub struct RecordsSheet {
    sheet: Spreadsheet,
}

impl RecordsSheet {
    /// A sheet called "Records" with the CSV's header row, both in the
    /// current language ([`super::csv_file::csv_headings`]).
    pub fn new() -> Result<Self, XlsxError> {
        Ok(RecordsSheet {
            sheet: Spreadsheet::new(crate::i18n::t("xlsx.records_sheet"), &super::csv_file::csv_headings())?,
        })
    }

    /// Appends one record's row, as [`signbook_core::export::export_row`] makes it.
    pub fn push(&mut self, row: [ExportCell; CSV_COLUMNS.len()]) -> Result<(), XlsxError> {
        self.sheet.push(&row.map(Cell::from))
    }

    /// Rows written, and the file's bytes.
    pub fn finish(self) -> Result<(u64, Vec<u8>), XlsxError> {
        let count = self.sheet.len();
        Ok((count, self.sheet.finish()?))
    }
}

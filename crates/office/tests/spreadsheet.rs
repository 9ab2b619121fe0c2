//! The .xlsx downloads, opened the way an office would: by LibreOffice
//! (headless, converting to CSV, the cells as it reads them) and by
//! calamine for the cell types (text stays text, dates are dates).

mod evidence_fixture;

use std::io::Cursor;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use evidence_fixture::Kiosk;
use signbook_core::export::CSV_COLUMNS;
use signbook_office::evidence::{Cell, RecordsSheet, Spreadsheet, agreement_titles};

const PEOPLE: &[(&str, &str, Option<&str>)] = &[
    ("visitor", "Siân Ffion Llŷr", Some("Ysgol y Môr")),
    ("governor", "Αλέξανδρος Παπαδόπουλος", None),
    ("contractor", "=HYPERLINK(\"http://evil.example\",\"x\")", Some("+44 Builders")),
    ("staff", "王小明", None),
];

fn records_xlsx(kiosk: &Kiosk) -> Vec<u8> {
    let titles = agreement_titles(&kiosk.agreements());
    let mut sheet = RecordsSheet::new(&titles).unwrap();
    for stored in kiosk.records() {
        sheet.push(&stored.record).unwrap();
    }
    let (count, bytes) = sheet.finish().unwrap();
    assert_eq!(count, kiosk.records().len() as u64);
    bytes
}

/// The sheet as LibreOffice reads it: each row's cells, as it shows them.
fn libreoffice_rows(xlsx: &[u8]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.xlsx");
    std::fs::write(&path, xlsx).unwrap();
    // 44 = comma, 34 = double quote, 76 = UTF-8; a private profile so a
    // running LibreOffice of the user's is never touched.
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.path().display());
    let out = Command::new("soffice")
        .args([&profile, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run soffice ({e}): install libreoffice-calc-nogui (./scripts/setup test does)")
        });
    let csv_path = dir.path().join("records.csv");
    assert!(csv_path.exists(), "LibreOffice did not convert the file: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(csv_path).unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn libreoffice_opens_the_records_spreadsheet_with_every_name_intact() {
    let kiosk = Kiosk::with(PEOPLE);
    let rows = libreoffice_rows(&records_xlsx(&kiosk));
    assert_eq!(rows[0], CSV_COLUMNS.map(str::to_owned), "the header row");
    assert_eq!(rows.len(), 1 + PEOPLE.len());
    for (row, (role, name, organisation)) in rows[1..].iter().zip(PEOPLE) {
        assert_eq!(&row[3], role);
        assert_eq!(&row[4], name, "the name as typed, in any script, not as a formula's result");
        assert_eq!(row[5], organisation.unwrap_or(""));
        assert_eq!(row[8], "signed");
    }
    // The first record was signed at 09:05:03 BST: local and UTC times.
    assert_eq!(rows[1][1], "2026-05-22 09:05:03");
    assert_eq!(rows[1][2], "2026-05-22 08:05:03");
    let records = kiosk.records();
    assert_eq!(rows[1][0], records[0].record.reference());
    assert_eq!(rows[1][12], records[0].record.hash.to_hex());
}

#[test]
fn dates_are_real_dates_and_every_other_cell_is_text() {
    let kiosk = Kiosk::with(PEOPLE);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(records_xlsx(&kiosk))).unwrap();
    let range = book.worksheet_range("Records").unwrap();
    let formulas = book.worksheet_formula("Records").unwrap();
    assert!(formulas.used_cells().next().is_none(), "no cell holds a formula");
    for row in 1..=PEOPLE.len() as u32 {
        for col in 0..CSV_COLUMNS.len() as u32 {
            let cell = range.get_value((row, col)).unwrap();
            match CSV_COLUMNS[col as usize] {
                "signed_at_local" | "signed_at_utc" => assert!(matches!(cell, Data::DateTime(_)), "{cell:?}"),
                "seq" => assert_eq!(cell, &Data::Float(f64::from(row))),
                "organisation" if row == 2 || row == 4 => assert!(matches!(cell, Data::Empty | Data::String(_))),
                _ => {
                    assert!(matches!(cell, Data::String(_)), "column {} row {row}: {cell:?}", CSV_COLUMNS[col as usize])
                }
            }
        }
    }
}

#[test]
fn an_erased_record_has_no_name_in_the_spreadsheet() {
    let mut kiosk = Kiosk::with(&PEOPLE[..2]);
    kiosk.store.erase(1, "asked to be forgotten").unwrap();
    let rows = libreoffice_rows(&records_xlsx(&kiosk));
    assert_eq!((rows[1][4].as_str(), rows[1][8].as_str()), ("", "erased"));
    assert_eq!(rows[2][4], PEOPLE[1].1);
}

#[test]
fn a_text_sheet_keeps_leading_signs_and_formulas_as_typed() {
    let mut sheet = Spreadsheet::new("Outstanding", &["name", "note"]).unwrap();
    sheet.push(&[Cell::Text("-Dash".into()), Cell::Text("@SUM(A1)".into())]).unwrap();
    assert_eq!(sheet.len(), 1);
    let rows = libreoffice_rows(&sheet.finish().unwrap());
    assert_eq!(rows, vec![vec!["name".to_owned(), "note".into()], vec!["-Dash".into(), "@SUM(A1)".into()]]);
}

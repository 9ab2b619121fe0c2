//! The .xlsx downloads, opened the way an office would: by LibreOffice
//! (headless, converting to CSV, the cells as it reads them), and the
//! sheet's XML for the cell types (text stays text, dates are dates).
//! Not calamine: its `zip` features switch `flate2` to zlib-rs for the
//! whole workspace's test build, which changes the kiosk's signature PNG
//! bytes (crates/core/tests/signature.rs pins them).

mod evidence_fixture;

use std::io::{Cursor, Read};
use std::process::Command;

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

/// The XML of cell `reference` (e.g. `B2`) in the first sheet of `xlsx`.
fn cell_xml(sheet: &str, reference: &str) -> String {
    let start = sheet.find(&format!("<c r=\"{reference}\"")).unwrap_or_else(|| panic!("no cell {reference}"));
    let rest = &sheet[start..];
    let end = rest.find("</c>").map_or_else(|| rest.find("/>").unwrap() + 2, |e| e + 4);
    rest[..end].to_owned()
}

#[test]
fn dates_are_real_dates_and_every_other_cell_is_text() {
    let kiosk = Kiosk::with(PEOPLE);
    let mut zip = zip::ZipArchive::new(Cursor::new(records_xlsx(&kiosk))).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut sheet).unwrap();
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "no cell holds a formula");
    for row in 2..=PEOPLE.len() + 1 {
        for (col, name) in ('A'..).zip(CSV_COLUMNS) {
            if name == "organisation" && (row == 3 || row == 5) {
                continue; // none given: an empty cell
            }
            let cell = cell_xml(&sheet, &format!("{col}{row}"));
            match name {
                // A number with a date style: what a spreadsheet sorts and filters as a date.
                "signed_at_local" | "signed_at_utc" => assert!(!cell.contains(" t=") && cell.contains(" s="), "{cell}"),
                "seq" => assert!(cell.ends_with(&format!("<v>{}</v></c>", row - 1)), "{cell}"),
                _ => assert!(cell.contains("t=\"s\""), "{name} is text: {cell}"),
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

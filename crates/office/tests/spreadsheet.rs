//! The .xlsx downloads, fetched from the dashboard as staff would and opened
//! the way an office would: by LibreOffice (headless, one conversion to CSV
//! per file, quoting every cell it reads as text, so a date or a number
//! comes back unquoted), and the sheet's XML for column widths.
//! Not calamine: its `zip` features switch `flate2` to zlib-rs for the
//! whole workspace's test build, which changes the kiosk's signature PNG
//! bytes (crates/core/tests/signature.rs pins them).

#[path = "dashboard_fixture/mod.rs"]
mod dashboard_fixture;

use std::io::{Cursor, Read};
use std::process::Command;

use axum::http::{StatusCode, header};
use chrono::Utc;
use dashboard_fixture::Office;
use signbook_core::export::CSV_COLUMNS;
use signbook_office::store::{FIRST_SITE, Scope};
use signbook_office::store::{PrivacyStore, RosterStore, StaffRole, parse_roster};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const PEOPLE: &[(&str, &str, Option<&str>)] = &[
    ("visitor", "Siân Ŵyn", Some("Ysgol y Môr")),
    ("governor", "Αλέξανδρος Παπαδόπουλος", Some("Пётр и партнёры")),
    ("contractor", "=1+1 Smith", Some("+44 Builders")),
    ("staff", "王小明", None),
    ("visitor", "=HYPERLINK(\"http://evil.example\",\"x\")", Some("@SUM(A1)")),
    ("visitor", "Erased Person", None),
];

/// One cell as LibreOffice wrote it: its text, and whether it read it as text.
#[derive(Debug, PartialEq)]
struct ReadCell {
    text: String,
    is_text: bool,
}

/// Splits LibreOffice's CSV into rows of cells, keeping whether each was
/// quoted: with "quote all text cells" that is the only sign in a CSV of a
/// cell's type, and the csv crate does not report it, so this is by hand.
fn parse_quoted_csv(text: &str) -> Vec<Vec<ReadCell>> {
    let mut rows = vec![];
    let (mut row, mut cell, mut quoted, mut in_quotes) = (vec![], String::new(), false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', true) => in_quotes = false,
            ('"', false) => (in_quotes, quoted) = (true, true),
            (',', false) => {
                row.push(ReadCell { text: std::mem::take(&mut cell), is_text: std::mem::take(&mut quoted) })
            }
            ('\n', false) => {
                row.push(ReadCell { text: std::mem::take(&mut cell), is_text: std::mem::take(&mut quoted) });
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => cell.push(c),
        }
    }
    if !row.is_empty() || !cell.is_empty() {
        row.push(ReadCell { text: cell, is_text: quoted });
        rows.push(row);
    }
    rows
}

/// The sheet as LibreOffice reads it: each row's cells, as it shows them.
fn libreoffice_rows(xlsx: &[u8]) -> Vec<Vec<ReadCell>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("download.xlsx");
    std::fs::write(&path, xlsx).unwrap();
    // 44 = comma, 34 = double quote, 76 = UTF-8, 7th token: quote every
    // text cell. A private profile, so parallel tests and a LibreOffice the
    // user has open never share one.
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.path().display());
    let out = Command::new("soffice")
        .args([&profile, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true", "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            let ci = if std::env::var("CI").is_ok_and(|v| v == "true") { " (CI must have it)" } else { "" };
            panic!(
                "cannot run soffice ({e}){ci}: install LibreOffice Calc, `apt-get install libreoffice-calc-nogui` (./scripts/setup test does)"
            )
        });
    let csv_path = dir.path().join("download.csv");
    assert!(csv_path.exists(), "LibreOffice did not convert the file: {}", String::from_utf8_lossy(&out.stderr));
    parse_quoted_csv(&std::fs::read_to_string(csv_path).unwrap())
}

fn texts(row: &[ReadCell]) -> Vec<&str> {
    row.iter().map(|c| c.text.as_str()).collect()
}

#[tokio::test]
async fn the_records_spreadsheet_opens_in_libreoffice_with_every_name_as_typed_and_dates_as_dates() {
    let office = Office::with(StaffRole::Records, PEOPLE).await;
    let device = office.kiosk.store.device_id();
    office.store.erase_record(&Scope::Trust, device, 6, "asked to be forgotten", "head", Utc::now()).await.unwrap();
    let (cookie, _) = office.session("tester").await;

    let (status, headers, body) = office.download("/export/records.xlsx?role=", &cookie).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], XLSX);
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"signbook-records-{}.xlsx\"", Utc::now().format("%Y-%m-%d"))
    );
    let rows = libreoffice_rows(&body);
    assert_eq!(texts(&rows[0]), CSV_COLUMNS, "the header row");
    assert_eq!(rows.len(), 1 + PEOPLE.len());
    for (row, (role, name, organisation)) in rows[1..].iter().zip(PEOPLE) {
        let erased = *name == "Erased Person";
        assert_eq!(row[3].text, *role);
        let name_shown = if erased { "" } else { name };
        assert_eq!(row[4].text, name_shown, "the name as typed, in any script, never a formula's result");
        assert!(row[4].is_text || erased, "{name} is text to LibreOffice");
        assert_eq!(row[5].text, organisation.unwrap_or(""));
        assert_eq!(row[8].text, if erased { "erased" } else { "signed" });
        for (cell, column) in row.iter().zip(CSV_COLUMNS) {
            let value = matches!(column, "signed_at_local" | "signed_at_utc" | "seq");
            assert!(cell.is_text != value || cell.text.is_empty(), "{column} {cell:?}: text or value as it should be");
        }
    }
    // The oldest record was signed at 09:05:03 BST: school time, and UTC.
    let oldest = &rows[1];
    assert_eq!((oldest[1].text.as_str(), oldest[2].text.as_str()), ("2026-05-22 09:05:03", "2026-05-22 08:05:03"));
    assert_eq!((oldest[1].is_text, oldest[2].is_text), (false, false), "both times are dates to LibreOffice");
    assert_eq!(oldest[10].text, "1");
    assert_eq!(oldest[12].text, office.kiosk.records()[0].record.hash.to_hex());

    let log = office.store.audit_log(&Scope::Trust, 5).await.unwrap();
    assert_eq!(log[0].action, "export_xlsx");
    assert!(log[0].detail.starts_with("6 records as a spreadsheet (.xlsx)"), "{}", log[0].detail);
}

#[tokio::test]
async fn the_records_spreadsheet_takes_the_searchs_filters() {
    let office = Office::with(StaffRole::Records, PEOPLE).await;
    let (cookie, _) = office.session("tester").await;
    let (status, _, body) = office.download("/export/records.xlsx?role=governor", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<String> = sheet_strings(&body);
    assert!(names.iter().any(|s| s == "Αλέξανδρος Παπαδόπουλος"), "{names:?}");
    assert!(!names.iter().any(|s| s == "Siân Ŵyn" || s == "王小明"), "only the governor: {names:?}");
}

#[tokio::test]
async fn the_outstanding_spreadsheet_lists_who_has_not_signed_exactly_as_the_roster_names_them() {
    let office = Office::with(StaffRole::Records, &PEOPLE[..1]).await;
    let roster = "name,role,email\nSiân Ŵyn,visitor,\n=1+1,staff,\n-Dash Jones,staff,d@example.org\n李华,governor,\n";
    office
        .store
        .replace_roster(FIRST_SITE, &parse_roster(roster.as_bytes()).unwrap(), "head", Utc::now())
        .await
        .unwrap();
    let (cookie, _) = office.session("tester").await;

    let (status, headers, body) = office.download("/roster/outstanding.xlsx", &cookie).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], XLSX);
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert_eq!(disposition, format!("attachment; filename=\"outstanding-{}.xlsx\"", Utc::now().format("%Y-%m-%d")));
    let rows = libreoffice_rows(&body);
    assert_eq!(texts(&rows[0]), ["name", "role", "email", "status", "possible_matches"]);
    let mut names: Vec<&str> = rows[1..].iter().map(|r| r[0].text.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["-Dash Jones", "=1+1", "李华"], "as typed, and Siân, who signed, is not listed");
    assert!(rows[1..].iter().all(|r| r[0].is_text), "every name is text to LibreOffice");
    let log = office.store.audit_log(&Scope::Trust, 5).await.unwrap();
    assert_eq!(
        (log[0].action.as_str(), log[0].detail.as_str()),
        ("export_outstanding", "the roster's outstanding list (spreadsheet)")
    );
}

/// Every shared string of an .xlsx: the text cells, whatever their column.
fn sheet_strings(xlsx: &[u8]) -> Vec<String> {
    let xml = zip_text(xlsx, "xl/sharedStrings.xml");
    xml.split("<t>")
        .skip(1)
        .chain(xml.split("<t xml:space=\"preserve\">").skip(1))
        .map(|s| s[..s.find("</t>").unwrap()].to_owned())
        .collect()
}

fn zip_text(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut text = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}

/// Each column's width in characters, from the sheet's `<cols>`: the
/// first and last column of each run of one width, and the width.
fn column_widths(xlsx: &[u8]) -> Vec<(usize, usize, f64)> {
    let sheet = zip_text(xlsx, "xl/worksheets/sheet1.xml");
    let attribute = |col: &str, name: &str| {
        let col = format!(" {col}");
        let start = col.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        col[start..start + col[start..].find('"').unwrap()].to_owned()
    };
    sheet
        .split("<col ")
        .skip(1)
        .map(|col| {
            let number = |name| attribute(col, name).parse().unwrap();
            (number("min"), number("max"), attribute(col, "width").parse().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn columns_are_sized_to_their_contents_within_a_cap_and_the_header_row_is_frozen() {
    let office = Office::with(StaffRole::Records, PEOPLE).await;
    let (cookie, _) = office.session("tester").await;
    let (_, _, body) = office.download("/export/records.xlsx", &cookie).await;
    let widths = column_widths(&body);
    let width = |column: &str| {
        let n = CSV_COLUMNS.iter().position(|c| *c == column).unwrap() + 1;
        widths
            .iter()
            .find(|(min, max, _)| (min..=max).contains(&&n))
            .unwrap_or_else(|| panic!("{column}: {widths:?}"))
            .2
    };
    for date in ["signed_at_local", "signed_at_utc"] {
        assert!(width(date) >= 19.0, "{date} is wide enough for 2026-05-22 09:05:03, not ###: {}", width(date));
    }
    assert!(width("role") < width("name"), "sized to the contents");
    assert!((40.0..45.0).contains(&width("record_hash")), "64 hex digits, capped: {}", width("record_hash"));
    let sheet = zip_text(&body, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"),
        "{sheet}"
    );
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "no cell holds a formula");
}

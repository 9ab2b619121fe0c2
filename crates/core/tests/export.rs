//! Exports as office staff open them: CSV in Excel, JSON Lines in scripts.

mod common;

use common::Kiosk;
use signbook_core::RecordFilter;
use signbook_core::export::{CSV_COLUMNS, Format, export, export_to_file};
use signbook_core::role::Role;

fn csv_of(kiosk: &Kiosk, filter: &RecordFilter) -> String {
    let mut out = Vec::new();
    export(&kiosk.store, Format::Csv, filter, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn rows(csv: &str) -> Vec<csv::StringRecord> {
    let body = csv.strip_prefix('\u{feff}').expect("CSV starts with a UTF-8 BOM for Excel");
    csv::Reader::from_reader(body.as_bytes()).records().map(Result::unwrap).collect()
}

#[test]
fn csv_is_rfc4180_with_a_bom_and_opens_names_correctly() {
    let mut kiosk = Kiosk::new();
    kiosk.sign_as("contractor", "Zoë O'Brien", Some("Smith, Jones & \"Sons\""));
    let csv = csv_of(&kiosk, &RecordFilter::default());
    assert!(csv.starts_with("\u{feff}reference,signed_at_local,"), "{csv}");
    assert!(csv.contains("\r\n"), "CRLF line ends");
    assert!(csv.contains(r#""Smith, Jones & ""Sons""""#), "commas and quotes are quoted: {csv}");
    let rows = rows(&csv);
    assert_eq!(rows.len(), 1);
    let header: Vec<&str> = CSV_COLUMNS.to_vec();
    let get = |name: &str| rows[0].get(header.iter().position(|h| *h == name).unwrap()).unwrap().to_owned();
    assert_eq!(get("name"), "Zoë O'Brien");
    assert_eq!(get("organisation"), "Smith, Jones & \"Sons\"");
    assert_eq!(get("role"), "contractor");
    assert_eq!(get("status"), "signed");
    assert_eq!(get("seq"), "1");
    assert_eq!(get("agreement_title"), "IT Acceptable Use Agreement");
    assert_eq!(get("reference"), kiosk.store.record(1).unwrap().reference());
}

#[test]
fn formula_injection_is_neutralised_in_every_cell() {
    let mut kiosk = Kiosk::new();
    kiosk.sign_as("visitor", "=HYPERLINK(\"http://evil\",\"Click\")", Some("+cmd|' /C calc'!A0"));
    kiosk.sign_as("visitor", "@SUM(A1:A9) Smith", Some("-Dash Ltd"));
    let csv = csv_of(&kiosk, &RecordFilter::default());
    let rows = rows(&csv);
    assert_eq!(&rows[0][4], "'=HYPERLINK(\"http://evil\",\"Click\")");
    assert_eq!(&rows[0][5], "'+cmd|' /C calc'!A0");
    assert_eq!(&rows[1][4], "'@SUM(A1:A9) Smith");
    assert_eq!(&rows[1][5], "'-Dash Ltd");
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "unsafe cell {cell:?}");
        }
    }
}

#[test]
fn filters_use_the_kiosk_local_date_and_role() {
    let mut kiosk = Kiosk::new();
    kiosk.sign_at("Late Night", "2026-05-05T00:30:00+01:00"); // 23:30 UTC on the 4th, but the 5th at school
    kiosk.sign_at("Next Day", "2026-05-06T09:00:00+01:00");
    kiosk.sign_at("Week Later", "2026-05-12T09:00:00+01:00");
    kiosk.sign_as("staff", "Staff Member", None);
    let names = |filter: RecordFilter| -> Vec<String> {
        rows(&csv_of(&kiosk, &filter)).iter().map(|r| r[4].to_owned()).collect()
    };
    let day = |s: &str| Some(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());

    assert_eq!(names(RecordFilter { since: day("2026-05-05"), until: day("2026-05-05"), role: None }), ["Late Night"]);
    assert_eq!(
        names(RecordFilter { since: day("2026-05-05"), until: day("2026-05-06"), role: None }),
        ["Late Night", "Next Day"]
    );
    assert_eq!(names(RecordFilter { since: None, until: day("2026-05-04"), role: None }), Vec::<String>::new());
    assert_eq!(
        names(RecordFilter { since: day("2026-05-06"), until: None, role: Some(Role::new("visitor").unwrap()) }),
        ["Next Day", "Week Later"]
    );
    assert_eq!(names(RecordFilter { role: Some(Role::new("staff").unwrap()), ..Default::default() }), ["Staff Member"]);
}

#[test]
fn jsonl_carries_every_field_and_tombstones_carry_no_personal_data() {
    let mut kiosk = Kiosk::new();
    kiosk.sign("Ann Able");
    kiosk.sign("Ben Baker");
    kiosk.store.erase(2, "request").unwrap();
    let mut out = Vec::new();
    assert_eq!(export(&kiosk.store, Format::Jsonl, &RecordFilter::default(), &mut out).unwrap(), 2);
    let all: Vec<serde_json::Value> =
        String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (header, lines) = (&all[0], &all[1..]);
    assert_eq!(header["signbook_export"], 2);
    assert_eq!(header["public_key"], hex::encode(kiosk.store.public_key().as_bytes()));
    assert_eq!(header["record_format"], 2);
    assert_eq!(header["checkpoint"]["seq"], 3, "the head's checkpoint: the erasure entry");
    assert_eq!(lines[0]["kind"], "record");
    assert_eq!(lines[0]["name"], "Ann Able");
    assert_eq!(lines[0]["status"], "signed");
    assert!(lines[0]["signature_png_base64"].as_str().unwrap().starts_with("iVBORw0KGgo"), "a PNG");
    assert_eq!(lines[0]["record_hash"], kiosk.store.record(1).unwrap().hash.to_hex());
    assert_eq!(lines[1]["status"], "erased");
    for key in ["name", "organisation", "name_salt", "signature_salt", "signature_png_base64"] {
        assert!(lines[1][key].is_null(), "{key} of an erased record is empty");
    }
    assert!(lines[1]["erased_at"].is_string());
    assert_eq!(lines[1]["prev_hash"], lines[0]["record_hash"]);
    let erasure = &lines[2];
    assert_eq!(erasure["kind"], "erasure");
    assert_eq!((erasure["seq"].as_u64(), erasure["target_seq"].as_u64()), (Some(3), Some(2)));
    assert_eq!(erasure["target_hash"], lines[1]["record_hash"]);
    assert_eq!(erasure["prev_hash"], lines[1]["record_hash"]);
    assert_eq!(erasure["erased_at"], lines[1]["erased_at"]);
    assert_eq!((erasure["requested_by"].as_str(), erasure["reason"].as_str()), (Some("kiosk-admin"), Some("request")));
    assert!(erasure.get("reason_text").is_none(), "staff's words stay out of the export");
    assert_eq!(erasure.as_object().unwrap().len(), 12, "exactly what the hash covers, and the kind");
}

#[test]
fn an_export_file_appears_whole_and_a_bad_path_is_a_clear_error() {
    let mut kiosk = Kiosk::new();
    kiosk.sign("Ann Able");
    let out = kiosk.dir.path().join("out.csv");
    assert_eq!(export_to_file(&kiosk.store, Format::Csv, &RecordFilter::default(), &out).unwrap(), 1);
    assert!(std::fs::read_to_string(&out).unwrap().contains("Ann Able"));
    let leftovers: Vec<_> = std::fs::read_dir(kiosk.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left behind");

    let missing = kiosk.dir.path().join("no-such-dir").join("out.csv");
    let err = export_to_file(&kiosk.store, Format::Csv, &RecordFilter::default(), &missing).unwrap_err();
    assert_eq!(err.code(), "io");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}

/// A filtered JSON Lines export holds in full exactly the records the CSV
/// (the database query) selects, and every other record as an omitted line.
#[test]
fn a_filtered_jsonl_export_selects_what_the_csv_does_and_omits_the_rest() {
    let mut kiosk = Kiosk::new();
    kiosk.sign_at("Late Night", "2026-05-05T00:30:00+01:00");
    kiosk.sign_at("Next Day", "2026-05-06T09:00:00+01:00");
    kiosk.sign_as("staff", "Staff Member", None);
    kiosk.sign_at("Week Later", "2026-05-12T09:00:00+01:00");
    let day = |s: &str| Some(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    for filter in [
        RecordFilter { since: day("2026-05-05"), until: day("2026-05-06"), role: None },
        RecordFilter { role: Some(Role::new("visitor").unwrap()), since: day("2026-05-06"), until: None },
        RecordFilter { role: Some(Role::new("staff").unwrap()), ..Default::default() },
    ] {
        let csv_seqs: Vec<String> = rows(&csv_of(&kiosk, &filter)).iter().map(|r| r[10].to_owned()).collect();
        let mut out = Vec::new();
        let count = export(&kiosk.store, Format::Jsonl, &filter, &mut out).unwrap();
        let lines: Vec<serde_json::Value> =
            String::from_utf8(out.clone()).unwrap().lines().skip(1).map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 4, "every record of the chain has a line");
        let full: Vec<String> = lines.iter().filter(|l| l["kind"] == "record").map(|l| l["seq"].to_string()).collect();
        assert_eq!(full, csv_seqs, "{filter:?}");
        assert_eq!(count as usize, full.len());
        let report =
            signbook_core::export::verify::verify_export(out.as_slice(), Some(&kiosk.store.public_key())).unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!((report.records, report.omitted), (full.len() as u64, 4 - full.len() as u64));
    }
}

#[test]
fn an_export_of_an_empty_chain_verifies_and_one_of_a_forged_head_does_not() {
    let mut kiosk = Kiosk::new();
    let verify = |kiosk: &Kiosk| {
        let mut out = Vec::new();
        export(&kiosk.store, Format::Jsonl, &RecordFilter::default(), &mut out).unwrap();
        signbook_core::export::verify::verify_export(out.as_slice(), None).unwrap()
    };
    let empty = verify(&kiosk);
    assert!(empty.is_intact() && empty.head_seq.is_none(), "{empty:?}");
    kiosk.sign("Ann Able");
    kiosk.sign("Ben Baker");
    // A record appended to the database by something without the kiosk key:
    // the export carries the old head's checkpoint, so the new head is unsigned.
    kiosk.tamperer().execute("DELETE FROM checkpoints WHERE seq = 2", []).unwrap();
    let report = verify(&kiosk);
    let problem = report.problem.expect("caught");
    assert_eq!(problem.seq, Some(2));
    assert!(problem.to_string().contains("no kiosk checkpoint covers it"), "{problem}");
}

/// Longer than one batch of the verifier's pipeline: a problem in a later
/// batch is named by its own line and record, and the walk stops there.
#[test]
fn a_long_export_is_verified_in_order_across_batches() {
    let mut kiosk = Kiosk::new();
    kiosk.store.unsafe_disable_fsync_for_fixtures().unwrap();
    let png = signbook_core::signature::render_png(&common::signature()).unwrap();
    let visitor = Role::new("visitor").unwrap();
    for i in 0..1300 {
        let at = chrono::Local::now().fixed_offset();
        kiosk.store.sign_prerendered_at(&visitor, &format!("Visitor {i}"), None, png.clone(), at).unwrap();
    }
    let mut out = Vec::new();
    export(&kiosk.store, Format::Jsonl, &RecordFilter::default(), &mut out).unwrap();
    let verify = |bytes: &[u8]| signbook_core::export::verify::verify_export(bytes, None).unwrap();
    let report = verify(&out);
    assert!(report.is_intact() && report.records == 1300, "{report:?}");

    let text = String::from_utf8(out).unwrap();
    let tampered = text.replacen("\"name\":\"Visitor 1100\"", "\"name\":\"Visitor 1101\"", 1);
    let problem = verify(tampered.as_bytes()).problem.expect("caught");
    assert_eq!((problem.line, problem.seq), (1102, Some(1101)), "{problem}");
    assert!(problem.to_string().contains("name no longer matches"), "{problem}");
}

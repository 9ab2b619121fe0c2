//! Evidence exports checked the way staff and auditors would: PDFs read
//! back with poppler's `pdftotext`/`pdfimages`, CSV parsed, the ZIP pack
//! opened and every manifest hash recomputed.

mod evidence_fixture;

use std::io::{Cursor, Read};
use std::process::Command;

use evidence_fixture::{KIOSK_NAME, Kiosk, SCHOOL};
use sha2::{Digest, Sha256};
use signbook_core::Hash32;
use signbook_core::export::{Format, export};
use signbook_office::evidence::{EvidenceError, PackInput, agreement_titles, record_pdf, write_csv, write_pack};
use signbook_office::store::StoredRecord;

const SCRIPT: &str = "<script>alert(1)</script>";

/// Runs a poppler tool on `pdf`; poppler-utils is installed by scripts/setup.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new(tool)
        .args(args)
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): install poppler-utils (./scripts/setup does)"));
    assert!(out.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn pdf_text(pdf: &[u8]) -> String {
    poppler("pdftotext", &["-enc", "UTF-8"], pdf)
}

/// Images in the PDF (pdfimages -list prints two heading lines).
fn pdf_images(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out =
        Command::new("pdfimages").arg("-list").arg(&path).output().expect("pdfimages (poppler-utils) is installed");
    String::from_utf8(out.stdout).unwrap().lines().skip(2).map(str::to_owned).collect()
}

fn squashed(text: &str) -> String {
    text.split_whitespace().collect()
}

fn pdf_of(kiosk: &Kiosk, record: &StoredRecord) -> Vec<u8> {
    let agreements = kiosk.agreements();
    let agreement = agreements.iter().find(|a| a.hash == record.record.header.agreement_hash);
    record_pdf(SCHOOL, record, agreement, &kiosk.chain()).unwrap()
}

#[test]
fn a_record_pdf_shows_every_fact_the_signature_and_the_agreement_text() {
    let kiosk =
        Kiosk::with(&[("visitor", "Ann Visitor", None), ("contractor", "Siôn Ŵyn Dafydd", Some("Ŷd & Co Cyf"))]);
    let records = kiosk.records();
    let record = &records[1];
    let pdf = pdf_of(&kiosk, record);
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    let flat = squashed(&text);
    let h = &record.record.header;
    let agreement = &kiosk.agreements()[0];
    for expected in [
        SCHOOL,
        "Signature evidence",
        &format!("Record {}", record.record.reference()),
        "Siôn Ŵyn Dafydd",
        "Ŷd & Co Cyf",
        "contractor",
        "Friday 22 May 2026, 09:06:03 (UTC+01:00)",
        "2026-05-22T08:06:03.120Z",
        KIOSK_NAME,
        &h.device_id.hyphenated().to_string(),
        "record 2 in this kiosk's chain",
        &agreement.title,
        "Intact: this kiosk's chain verifies from record 1 to record 2",
        "The agreement this person signed",
    ] {
        assert!(text.contains(expected), "PDF text lacks {expected:?}:\n{text}");
    }
    for hash in [h.agreement_hash.to_hex(), record.record.hash.to_hex(), h.prev_hash.to_hex()] {
        assert!(flat.contains(&hash), "PDF text lacks hash {hash}");
    }
    // Every line of the agreement, wrapped or not, is there, in order.
    let body = flat.replace('•', "");
    let mut from = 0;
    for line in
        agreement.text.lines().map(|l| squashed(l.trim_start_matches(['#', '-', '*', ' ']))).filter(|l| !l.is_empty())
    {
        let at = body[from..]
            .find(&line)
            .unwrap_or_else(|| panic!("agreement line {line:?} is not in the PDF after byte {from}"));
        from += at + line.len();
    }
    let pages = text.matches("Page ").count();
    assert!(pages >= 2, "the agreement flows onto a second page:\n{text}");
    assert!(
        text.contains(&format!("Page 1 of {pages}")) && text.contains(&format!("Page {pages} of {pages}")),
        "{text}"
    );
    let images = pdf_images(&pdf);
    assert_eq!(images.len(), 1, "one signature image: {images:?}");
}

#[test]
fn an_erased_record_still_has_a_page_without_name_or_signature() {
    let mut kiosk = Kiosk::with(&[("governor", "Gwen Governor", Some("Friends of the School"))]);
    kiosk.store.erase(1, "left the governing body").unwrap();
    let record = &kiosk.records()[0];
    assert!(record.record.personal.is_none());
    let pdf = pdf_of(&kiosk, record);
    let text = pdf_text(&pdf);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(text.contains(&format!("erased on {today} (left the governing body)")), "{text}");
    assert!(text.contains("No signature image"), "{text}");
    assert!(!text.contains("Gwen") && !text.contains("Friends of the School"), "erased data must not appear:\n{text}");
    assert!(text.contains(&record.record.reference()) && text.contains("governor"));
    assert!(pdf_images(&pdf).is_empty(), "no signature image for an erased record");
}

#[test]
fn a_missing_agreement_version_is_named_by_its_hash() {
    let kiosk = Kiosk::with(&[("staff", "Sam Staff", None)]);
    let record = &kiosk.records()[0];
    let pdf = record_pdf(SCHOOL, record, None, &kiosk.chain()).unwrap();
    let flat = squashed(&pdf_text(&pdf));
    let hash = record.record.header.agreement_hash.to_hex();
    assert!(
        flat.contains(&squashed(&format!("The office does not hold the text of agreement version {hash}"))),
        "{flat}"
    );
    assert!(flat.contains("doesnothold") || flat.contains("(theofficedoesnotholdthisversion)"));
}

#[test]
fn a_script_tag_name_is_text_in_the_pdf_and_the_csv() {
    let kiosk = Kiosk::with(&[("visitor", SCRIPT, Some("=HYPERLINK(\"http://evil\")"))]);
    let records = kiosk.records();
    let text = pdf_text(&pdf_of(&kiosk, &records[0]));
    assert!(text.contains(SCRIPT), "{text}");
    assert!(text.contains("=HYPERLINK(\"http://evil\")"), "the PDF shows the organisation as typed");
    let mut csv = Vec::new();
    write_csv(&records, &agreement_titles(&kiosk.agreements()), &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let row =
        csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes()).records().next().unwrap().unwrap();
    assert_eq!(&row[4], SCRIPT);
    assert_eq!(&row[5], "'=HYPERLINK(\"http://evil\")", "formula neutralised");
}

#[test]
fn names_in_greek_cyrillic_and_welsh_render_and_uncovered_scripts_are_flagged() {
    let kiosk = Kiosk::with(&[
        ("visitor", "Αλέξανδρος Παπαδόπουλος", None),
        ("visitor", "Пётр Ильич", None),
        ("visitor", "王小明", None),
    ]);
    let records = kiosk.records();
    let greek = pdf_text(&pdf_of(&kiosk, &records[0]));
    assert!(greek.contains("Αλέξανδρος Παπαδόπουλος"), "{greek}");
    assert!(!greek.contains("outside this PDF's font"));
    assert!(pdf_text(&pdf_of(&kiosk, &records[1])).contains("Пётр Ильич"));
    let chinese = squashed(&pdf_text(&pdf_of(&kiosk, &records[2])));
    assert!(chinese.contains(&squashed("Some characters of this name are outside this PDF's font")), "{chinese}");
}

#[test]
fn the_office_csv_is_byte_for_byte_the_kiosk_csv() {
    let mut kiosk = Kiosk::with(&[
        ("visitor", "Zoë O'Brien", Some("Smith, Jones & \"Sons\"")),
        ("contractor", "@SUM(A1) Jones", Some("-Dash Ltd")),
        ("staff", "Ann Staff", None),
    ]);
    kiosk.store.erase(2, "asked to be forgotten").unwrap();
    let mut kiosk_csv = Vec::new();
    export(&kiosk.store, Format::Csv, &Default::default(), &mut kiosk_csv).unwrap();
    let mut office_csv = Vec::new();
    let rows = write_csv(&kiosk.records(), &agreement_titles(&kiosk.agreements()), &mut office_csv).unwrap();
    assert_eq!(rows, 3);
    assert_eq!(String::from_utf8(office_csv).unwrap(), String::from_utf8(kiosk_csv).unwrap());
}

#[test]
fn the_pack_holds_what_its_manifest_says_with_correct_hashes() {
    let mut kiosk =
        Kiosk::with(&[("visitor", "Ann Visitor", None), ("governor", SCRIPT, None), ("staff", "Bob Staff", None)]);
    kiosk.store.erase(3, "left the school").unwrap();
    let records = kiosk.records();
    let agreements = kiosk.agreements();
    let chain = kiosk.chain();
    let generated_at = chrono::DateTime::parse_from_rfc3339("2026-06-01T10:00:00Z").unwrap().to_utc();
    let input = PackInput {
        school: SCHOOL,
        filter: "all roles, May 2026",
        generated_at,
        records: &records,
        agreements: &agreements,
        chains: std::slice::from_ref(&chain),
        office: None,
    };
    let mut zip_bytes = Cursor::new(Vec::new());
    let summary = write_pack(&mut zip_bytes, &input).unwrap();
    assert_eq!(summary.records, 3);
    assert_eq!(summary.agreements, 1);

    let mut zip = zip::ZipArchive::new(Cursor::new(zip_bytes.into_inner())).unwrap();
    let entries = zip.len();
    assert_eq!(
        zip.by_name("records.csv").unwrap().last_modified().map(|t| (t.year(), t.month(), t.day())),
        Some((2026, 6, 1)),
        "entries dated when the pack was made"
    );
    let mut read = |name: &str| {
        let mut bytes = Vec::new();
        zip.by_name(name).unwrap_or_else(|e| panic!("{name} is in the pack: {e}")).read_to_end(&mut bytes).unwrap();
        bytes
    };
    let manifest: serde_json::Value = serde_json::from_slice(&read("manifest.json")).unwrap();
    assert_eq!(manifest["school"], SCHOOL);
    assert_eq!(manifest["filter"], "all roles, May 2026");
    assert_eq!(manifest["generated_at"], "2026-06-01T10:00:00.000Z");
    assert_eq!(manifest["records"], 3);
    let files = manifest["files"].as_array().unwrap();
    let mut listed: Vec<String> = Vec::new();
    for file in files {
        let path = file["path"].as_str().unwrap();
        let bytes = read(path);
        assert_eq!(file["sha256"].as_str().unwrap(), hex::encode(Sha256::digest(&bytes)), "{path}");
        assert_eq!(file["bytes"].as_u64().unwrap(), bytes.len() as u64, "{path}");
        listed.push(path.to_owned());
    }
    let mut expected: Vec<String> = records.iter().map(|r| format!("records/{}.pdf", r.record.reference())).collect();
    expected.extend([
        "records.csv".to_owned(),
        format!("agreements/{}.md", agreements[0].hash.to_hex()),
        "verification.txt".to_owned(),
    ]);
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected, "the manifest lists every file but itself");
    assert_eq!(entries, expected.len() + 1, "nothing unlisted in the ZIP");

    let csv = String::from_utf8(read("records.csv")).unwrap();
    assert_eq!(csv.trim_end().lines().count(), 4, "heading and three rows");
    assert!(csv.contains(SCRIPT));
    assert_eq!(
        String::from_utf8(read(&format!("agreements/{}.md", agreements[0].hash.to_hex()))).unwrap(),
        agreements[0].text
    );
    assert_eq!(
        Hash32::of(&read(&format!("agreements/{}.md", agreements[0].hash.to_hex()))),
        agreements[0].hash,
        "the text is the signed version"
    );
    let script_pdf = read(&format!("records/{}.pdf", records[1].record.reference()));
    assert!(pdf_text(&script_pdf).contains(SCRIPT));
    let report = String::from_utf8(read("verification.txt")).unwrap();
    for expected in [
        &format!("Kiosk {} ({KIOSK_NAME})", chain.device_id.hyphenated()),
        "chain:           INTACT",
        "records checked: 3 (1 erased)",
        "head:            record 4",
        "first problem:   none",
        "Records chosen by: all roles, May 2026",
    ] {
        assert!(report.contains(expected), "verification.txt lacks {expected:?}:\n{report}");
    }
}

#[test]
fn a_broken_chain_and_a_missing_agreement_are_reported_in_the_pack() {
    let kiosk = Kiosk::with(&[("visitor", "Ann Visitor", None), ("visitor", "Bob Visitor", None)]);
    let records = kiosk.records();
    let mut chain = kiosk.chain();
    chain.problem = Some(signbook_core::verify::Problem {
        seq: 2,
        id: None,
        kind: signbook_core::verify::ProblemKind::ErasedWithoutLog,
    });
    let input = PackInput {
        school: SCHOOL,
        filter: "visitors",
        generated_at: chrono::Utc::now(),
        records: &records,
        agreements: &[],
        chains: std::slice::from_ref(&chain),
        office: None,
    };
    let mut out = Cursor::new(Vec::new());
    let summary = write_pack(&mut out, &input).unwrap();
    let hash = records[0].record.header.agreement_hash;
    assert_eq!(summary.missing_agreements, [hash]);
    let mut zip = zip::ZipArchive::new(Cursor::new(out.into_inner())).unwrap();
    let mut report = String::new();
    zip.by_name("verification.txt").unwrap().read_to_string(&mut report).unwrap();
    assert!(report.contains("chain:           BROKEN"), "{report}");
    assert!(report.contains("first problem:   record 2: has lost its personal data"), "{report}");
    assert!(report.contains(&format!("{} (2 record(s)): NOT HELD", hash.to_hex())), "{report}");
    let mut pdf = Vec::new();
    zip.by_name(&format!("records/{}.pdf", records[1].record.reference())).unwrap().read_to_end(&mut pdf).unwrap();
    assert!(pdf_text(&pdf).contains("BROKEN: record 2"));
    let mut pdf = Vec::new();
    zip.by_name(&format!("records/{}.pdf", records[0].record.reference())).unwrap().read_to_end(&mut pdf).unwrap();
    assert!(pdf_text(&pdf).contains("This record verifies, but this kiosk's chain is broken later"));
}

#[test]
fn bad_input_gets_a_typed_error() {
    let kiosk = Kiosk::with(&[("visitor", "Ann Visitor", None)]);
    let other = Kiosk::with(&[("visitor", "Bob Visitor", None)]);
    let record = &kiosk.records()[0];
    let err = record_pdf(SCHOOL, record, None, &other.chain()).unwrap_err();
    assert!(matches!(err, EvidenceError::WrongChain { .. }), "{err}");

    let mut wrong = kiosk.agreements()[0].clone();
    wrong.hash = Hash32::of(b"another version");
    let err = record_pdf(SCHOOL, record, Some(&wrong), &kiosk.chain()).unwrap_err();
    assert!(matches!(err, EvidenceError::WrongAgreement { .. }), "{err}");

    let mut damaged = record.clone();
    damaged.record.personal.as_mut().unwrap().signature_png = b"not a png".to_vec();
    let err = record_pdf(SCHOOL, &damaged, None, &kiosk.chain()).unwrap_err();
    assert!(matches!(err, EvidenceError::SignatureImage { .. }), "{err}");
    assert!(
        err.to_string().contains(&record.record.reference()) && err.to_string().contains("signbook-office verify"),
        "{err}"
    );

    let input = PackInput {
        school: SCHOOL,
        filter: "all",
        generated_at: chrono::Utc::now(),
        records: std::slice::from_ref(record),
        agreements: &[],
        chains: &[],
        office: None,
    };
    let err = write_pack(Cursor::new(Vec::new()), &input).unwrap_err();
    assert!(matches!(err, EvidenceError::MissingChain(d) if d == record.record.header.device_id), "{err}");
}

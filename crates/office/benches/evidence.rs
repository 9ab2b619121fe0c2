//! Evidence export benchmarks: prints one table; docs/benchmarks.md keeps
//! the figures.
//!
//! Run: `cargo bench -p signbook-office --bench evidence` (release build).
//!
//! * pack: a ZIP evidence pack of 1,000 records (1,000 PDFs, CSV, agreement,
//!   verification report, manifest) written to a file (target ≤ 10 s), on
//!   every core and on one, to show what the parallel rendering buys;
//! * one PDF: `record_pdf` alone, 200 runs, p50/p99;
//! * CSV: 100,000 records to a file (target ≤ 2 s);
//! * .xlsx: the same 100,000 rows as the dashboard's spreadsheet download.
//!
//! The 1,000 records are genuine (a kiosk store signs them, 1 in 50 is
//! erased, every one carries the 8.9 KB demo signature). The CSV's 100,000
//! rows are those 1,000 repeated with new sequence numbers and the PNG
//! dropped (the CSV never reads it), so the run fits in memory; reading rows
//! from the office database is the dashboard's query, not timed here.

#[path = "../tests/evidence_fixture/mod.rs"]
mod evidence_fixture;

use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

use evidence_fixture::{Kiosk, SCHOOL};
use signbook_core::export::export_row;
use signbook_office::evidence::{PackInput, RecordsSheet, agreement_titles, record_pdf, write_csv, write_pack};
use signbook_office::store::StoredRecord;

const ROLES: [&str; 5] = ["visitor", "governor", "staff", "volunteer", "contractor"];
const NAMES: [&str; 6] =
    ["Ann Hughes", "Siôn Ŵyn Dafydd", "Zoë O'Brien", "Αλέξανδρος Παπαδόπουλος", "Пётр Ильич", "Mohammed Al-Farsi"];

fn main() {
    let t = Instant::now();
    let mut kiosk = Kiosk::new();
    let png = evidence_fixture::demo_png();
    for i in 0..1000usize {
        let organisation = (i % 3 == 0).then_some("Acme Building Services Ltd");
        kiosk.sign(ROLES[i % 5], &format!("{} {i}", NAMES[i % NAMES.len()]), organisation, png.clone());
    }
    for seq in (50..=1000).step_by(50) {
        kiosk.store.erase(seq, "left the school").unwrap();
    }
    let records = kiosk.records();
    let agreements = kiosk.agreements();
    let chain = kiosk.chain();
    assert!(chain.is_intact());
    eprintln!("fixture: 1,000 signed records in {:.1} s", t.elapsed().as_secs_f64());

    let dir = tempfile::tempdir().unwrap();
    let input = PackInput {
        school: SCHOOL,
        filter: "all records",
        generated_at: chrono::Utc::now(),
        records: &records,
        agreements: &agreements,
        chains: std::slice::from_ref(&chain),
        office: None,
    };
    let pack = |threads: usize| {
        let path = dir.path().join(format!("pack-{threads}.zip"));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let t = Instant::now();
        let summary =
            pool.install(|| write_pack(BufWriter::new(std::fs::File::create(&path).unwrap()), &input)).unwrap();
        let elapsed = t.elapsed();
        assert_eq!(summary.records, 1000);
        let pdf_bytes: u64 = summary.files.iter().filter(|f| f.path.ends_with(".pdf")).map(|f| f.bytes).sum();
        (elapsed, std::fs::metadata(&path).unwrap().len(), pdf_bytes / 1000)
    };
    // Warm up: the fonts and glyph tables are parsed once per process.
    record_pdf(SCHOOL, &records[0], agreements.first(), &chain).unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (one_core, _, _) = pack(1);
    let (all_cores, zip_bytes, pdf_avg) = pack(cores);

    let mut times: Vec<Duration> = (0..200)
        .map(|i| {
            let t = Instant::now();
            let pdf = record_pdf(SCHOOL, &records[i * 5 % 1000], agreements.first(), &chain).unwrap();
            std::hint::black_box(pdf);
            t.elapsed()
        })
        .collect();
    times.sort();

    let rows: Vec<StoredRecord> = (0..100)
        .flat_map(|copy| {
            records.iter().map(move |r| {
                let mut r = r.clone();
                r.record.header.seq += copy * 1000;
                if let Some(p) = r.record.personal.as_mut() {
                    p.signature_png = Vec::new();
                }
                r
            })
        })
        .collect();
    let titles = agreement_titles(&agreements);
    let csv_path = dir.path().join("records.csv");
    let t = Instant::now();
    let mut out = BufWriter::new(std::fs::File::create(&csv_path).unwrap());
    let written = write_csv(&rows, &titles, &mut out).unwrap();
    out.flush().unwrap();
    let csv_time = t.elapsed();
    assert_eq!(written, 100_000);

    // The same rows as the dashboard's .xlsx download, built in memory.
    let t = Instant::now();
    let mut sheet = RecordsSheet::new().unwrap();
    for r in &rows {
        let title = titles.get(&r.record.header.agreement_hash).map_or("", String::as_str);
        sheet.push(export_row(&r.record, title)).unwrap();
    }
    let (sheet_rows, xlsx) = sheet.finish().unwrap();
    let xlsx_time = t.elapsed();
    assert_eq!(sheet_rows, 100_000);

    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    let s = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    println!("\n| measurement | result | target |\n| --- | --- | --- |");
    println!(
        "| evidence pack of 1,000 records, {cores} threads | {} ({:.1} MB ZIP, {:.1} KB per PDF) | ≤ 10 s |",
        s(all_cores),
        zip_bytes as f64 / 1e6,
        pdf_avg as f64 / 1e3
    );
    println!("| same, 1 thread | {} | |", s(one_core));
    println!("| one record PDF (`record_pdf`): p50 | {} | |", ms(times[100]));
    println!("| same: p99 | {} | |", ms(times[197]));
    println!(
        "| CSV of 100,000 records | {} ({:.1} MB) | ≤ 2 s |",
        s(csv_time),
        std::fs::metadata(&csv_path).unwrap().len() as f64 / 1e6
    );
    println!(
        "| .xlsx of 100,000 records (in memory) | {} ({:.1} MB) | ≤ 10 s |",
        s(xlsx_time),
        xlsx.len() as f64 / 1e6
    );
}

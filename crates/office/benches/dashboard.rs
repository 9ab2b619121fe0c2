//! Dashboard benchmarks over a 200,000-record office database: prints one
//! table; docs/benchmarks.md keeps the figures.
//!
//! Run: `cargo bench -p signbook-office --bench dashboard` (release build,
//! about two minutes to build the database, which is ~1.6 GB because every
//! record carries the 8.9 KB demo signature, as real ones do).
//!
//! Timed is the server's work for a page: the store call the handler makes
//! (search through `record_index`, then the 50 rows of the page read with
//! their signatures), on a warm cache, as on an office server that has
//! been running. HTML rendering of 50 rows is a few hundred microseconds
//! and is not included.

#[path = "../tests/evidence_fixture/mod.rs"]
mod evidence_fixture;

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use evidence_fixture::Kiosk;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::export::CsvWriter;
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::RecordQuery;
use signbook_office::store::{FIRST_SITE, Scope};
use signbook_office::store::{RecordStore, SyncStore};
use signbook_office::{SqliteStore, db_path};
use signbook_sync::wire::{PushRequest, WireCheckpoint, WireRecord};

const RECORDS: u64 = 200_000;
const FIRST: [&str; 12] =
    ["Ann", "Siôn", "Zoë", "Gareth", "Mohammed", "Aoife", "Priya", "Tomasz", "Eleri", "Kwame", "Ffion", "Dafydd"];
const LAST: [&str; 10] =
    ["Hughes", "O'Brien", "Jones", "Al-Farsi", "Nowak", "Evans", "Patel", "Mensah", "Llŷr", "Price"];
const ROLES: [&str; 5] = ["visitor", "governor", "staff", "volunteer", "contractor"];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let started = Instant::now();
    let mut kiosk = Kiosk::new();
    let png = evidence_fixture::demo_png();
    for i in 0..RECORDS as usize {
        let name = format!("{} {} {}", FIRST[i % FIRST.len()], LAST[(i / 7) % LAST.len()], i);
        kiosk.sign(ROLES[i % 5], &name, (i % 5 == 0).then_some("Acme Building Services Ltd"), png.clone());
    }
    let key = signbook_core::device::load_key(&kiosk.dir.path().join("kiosk.db.key")).unwrap();
    let office_dir = tempfile::tempdir().unwrap();
    let office = SqliteStore::open(db_path(office_dir.path())).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let code = new_code();
    let now = Utc::now();
    assert!(
        runtime.block_on(office.add_pairing_code(FIRST_SITE, &code, now, now + chrono::Duration::minutes(15))).unwrap()
    );
    let (device, _) = runtime
        .block_on(office.pair(
            &code,
            &code_hash(&code),
            kiosk.store.device_id(),
            &kiosk.store.public_key(),
            Some("Main reception"),
            now,
        ))
        .unwrap();
    for first in (1..=RECORDS).step_by(500) {
        let records: Vec<WireRecord> =
            (first..first + 500).map(|s| WireRecord::from_record(&kiosk.store.record(s).unwrap(), None)).collect();
        let last = records.last().unwrap();
        let checkpoint = WireCheckpoint::new(&Checkpoint::sign(&key, device.device_id, last.seq, last.hash));
        let batch = PushRequest {
            records,
            checkpoint: Some(checkpoint),
            erasures: vec![],
            agreements: vec![],
            kiosk_head_seq: None,
            erasure_entries: vec![],
            configuration: None,
            held_entries: vec![],
        };
        runtime.block_on(office.ingest(&device, None, batch, Utc::now())).unwrap();
    }
    let size = std::fs::metadata(db_path(office_dir.path())).unwrap().len();
    eprintln!(
        "fixture: {RECORDS} records in the office database ({:.1} GB) in {:.0} s",
        size as f64 / 1e9,
        started.elapsed().as_secs_f64()
    );

    let searches: Vec<(&str, RecordQuery)> = vec![
        ("no filter, newest first (page 1)", RecordQuery::default()),
        ("part of a name (\"o'brien\")", RecordQuery { name: "o'brien".into(), ..Default::default() }),
        ("name without accents (\"sion\")", RecordQuery { name: "sion".into(), ..Default::default() }),
        ("rare name (\"kwame mensah 19\")", RecordQuery { name: "kwame mensah 19".into(), ..Default::default() }),
        (
            "role + date range",
            RecordQuery {
                role: Some("governor".into()),
                from: NaiveDate::from_ymd_opt(2026, 6, 1),
                to: NaiveDate::from_ymd_opt(2026, 7, 31),
                ..Default::default()
            },
        ),
        (
            "organisation + role",
            RecordQuery { organisation: "acme".into(), role: Some("visitor".into()), ..Default::default() },
        ),
    ];
    let mut rows = Vec::new();
    for (label, query) in &searches {
        let mut times = Vec::new();
        let mut total = String::new();
        for run in 0..22 {
            let t = Instant::now();
            let page = runtime.block_on(office.search_records(&Scope::Trust, query, 0, 50)).unwrap();
            if run >= 2 {
                times.push(t.elapsed()); // the first two warm the cache
            }
            // The page counts up to 10,000 matches.
            total = if page.more { format!("more than {}", page.total) } else { page.total.to_string() };
        }
        times.sort();
        rows.push((
            format!("search: {label} → {total} matches"),
            format!("{:.1} / {:.1} ms", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.99))),
            "≤ 100 ms".to_owned(),
        ));
    }
    let deep = Instant::now();
    runtime.block_on(office.search_records(&Scope::Trust, &RecordQuery::default(), 150_000, 50)).unwrap();
    rows.push((
        "search: no filter, page 3,001 of 4,000".into(),
        format!("{:.1} ms", ms(deep.elapsed())),
        "≤ 100 ms".into(),
    ));

    // The dashboard's CSV download, from the database: every record.
    let t = Instant::now();
    let mut bytes = Vec::new();
    let mut csv = CsvWriter::new(&mut bytes).unwrap();
    runtime.block_on(async {
        let mut records = office.matching_records(&Scope::Trust, &RecordQuery::default(), false).await.unwrap();
        while let Some(r) = records.next().await {
            csv.write(&r.unwrap().record, "Staff, Governor and Visitor Acceptable Use Agreement").unwrap();
        }
    });
    let written = csv.finish().unwrap();
    let took = t.elapsed().as_secs_f64();
    rows.push((format!("CSV download from the database: {written} rows"), format!("{took:.2} s"), String::new()));
    rows.push(("  per 100,000 rows".into(), format!("{:.2} s", took * 100_000.0 / written as f64), "≤ 2 s".into()));

    println!("| {:<62} | {:>16} | {:>15} |", "dashboard, 200,000 records", "p50 / p99", "target");
    println!("|{}|{}|{}|", "-".repeat(64), "-".repeat(18), "-".repeat(17));
    for (what, value, target) in rows {
        println!("| {what:<62} | {value:>16} | {target:>15} |");
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

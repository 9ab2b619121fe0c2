//! Sync benchmarks on loopback, against the real `signbook-office` binary.
//!
//! Run: `cargo bench -p signbook-office --bench sync` (release build).
//! Prints one table; docs/benchmarks.md keeps the figures.
//!
//! * drain: a kiosk with a 10,000-record backlog pushes it all (target ≤ 10 s);
//! * ingest: the office's verify-and-store alone, 10,000 records in batches
//!   of 500 straight into SQLite (target ≥ 2,000 records/s);
//! * burst: 50 kiosks each push a burst of 20 new records at the same moment,
//!   5 rounds; latency of each push (target p99 < 200 ms, no errors).

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, Utc};
use signbook_core::Store;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::role::Role;
use signbook_core::signature::{Strokes, render_png};
use signbook_office::pairing::{code_hash, make_pairing_code, new_code};
use signbook_office::store::FIRST_SITE;
use signbook_office::store::SyncStore;
use signbook_office::testing::{Office, block_on};
use signbook_office::{SqliteStore, db_path};
use signbook_sync::wire::{PushRequest, WireCheckpoint, WireRecord};

fn start_office(data: &Path) -> Office {
    Office::start(Path::new(env!("CARGO_BIN_EXE_signbook-office")), data, "127.0.0.1:0", "error").unwrap()
}

/// The demo signature (460 points, an 8.9 KB PNG: a typical real one).
fn png() -> Vec<u8> {
    let json = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/demo-signature.json")).unwrap();
    render_png(&Strokes::from_json(&json).unwrap()).unwrap()
}

fn kiosk(dir: &Path, n: u64) -> Store {
    let mut store = Store::open(dir.join("kiosk.db")).unwrap();
    store.unsafe_disable_fsync_for_fixtures().unwrap();
    store.publish_agreement("# AUP\n\nI will log off.\n", "AUP", &[Role::new("visitor").unwrap()]).unwrap();
    sign(&mut store, n, &png());
    store
}

fn sign(store: &mut Store, n: u64, png: &[u8]) {
    let role = Role::new("visitor").unwrap();
    let start: DateTime<FixedOffset> = Utc::now().fixed_offset() - ChronoDuration::hours(2);
    let from = store.head().unwrap().map_or(0, |(s, _)| s);
    for i in from..from + n {
        store
            .sign_prerendered_at(
                &role,
                &format!("Visitor Number{i}"),
                Some("Acme Ltd"),
                png.to_vec(),
                start + ChronoDuration::milliseconds(i as i64),
            )
            .unwrap();
    }
}

fn pair(office: &Office, data: &Path, store: &mut Store) {
    let db = SqliteStore::open(db_path(data)).unwrap();
    let code = block_on(make_pairing_code(&db, FIRST_SITE, Utc::now())).unwrap();
    signbook_sync::pair(store, &office.url(), &code, &office.fingerprint).unwrap();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    // `cargo bench -- --list` and the like: nothing to list.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mut rows: Vec<(String, String, String)> = Vec::new();

    // 1. Backlog drain over HTTPS.
    {
        let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let office = start_office(office_dir.path());
        let mut store = kiosk(kiosk_dir.path(), 10_000);
        pair(&office, office_dir.path(), &mut store);
        let started = Instant::now();
        let report = signbook_sync::push(&mut store).unwrap();
        let took = started.elapsed();
        assert_eq!((report.acknowledged_seq, report.pending), (10_000, 0));
        rows.push((
            "drain 10,000-record backlog (HTTPS, batches of 500)".into(),
            format!("{:.2} s", took.as_secs_f64()),
            "≤ 10 s".into(),
        ));
        rows.push(("  end-to-end rate".into(), format!("{:.0} records/s", 10_000.0 / took.as_secs_f64()), "".into()));
    }

    // 2. Office ingest alone (verify + store, fsync on).
    {
        let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let store = kiosk(kiosk_dir.path(), 10_000);
        let key = signbook_core::device::load_key(&kiosk_dir.path().join("kiosk.db.key")).unwrap();
        let batches: Vec<PushRequest> = (0..20)
            .map(|b| {
                let records: Vec<WireRecord> = (b * 500 + 1..=(b + 1) * 500)
                    .map(|s| WireRecord::from_record(&store.record(s).unwrap(), None))
                    .collect();
                let last = records.last().unwrap();
                let checkpoint = WireCheckpoint::new(&Checkpoint::sign(&key, store.device_id(), last.seq, last.hash));
                PushRequest {
                    records,
                    checkpoint: Some(checkpoint),
                    erasures: vec![],
                    agreements: vec![],
                    kiosk_head_seq: None,
                    erasure_entries: vec![],
                    configuration: None,
                    held_entries: vec![],
                }
            })
            .collect();
        let office = SqliteStore::open(db_path(office_dir.path())).unwrap();
        let code = new_code();
        let now = Utc::now();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let took = runtime.block_on(async {
            assert!(office.add_pairing_code(FIRST_SITE, &code, now, now + ChronoDuration::minutes(15)).await.unwrap());
            let (device, _) =
                office.pair(&code, &code_hash(&code), store.device_id(), &store.public_key(), None, now).await.unwrap();
            let started = Instant::now();
            for batch in batches {
                office.ingest(&device, None, batch, Utc::now()).await.unwrap();
            }
            started.elapsed()
        });
        rows.push((
            "office ingest (verify + store, 20 × 500)".into(),
            format!("{:.0} records/s", 10_000.0 / took.as_secs_f64()),
            "≥ 2,000/s".into(),
        ));
    }

    // 3. 50 kiosks, bursts of 20 at once.
    {
        const KIOSKS: usize = 50;
        const ROUNDS: usize = 5;
        let office_dir = tempfile::tempdir().unwrap();
        let office = Arc::new(start_office(office_dir.path()));
        let dirs: Vec<_> = (0..KIOSKS).map(|_| tempfile::tempdir().unwrap()).collect();
        let stores: Vec<Store> = dirs
            .iter()
            .map(|d| {
                let mut s = kiosk(d.path(), 0);
                pair(&office, office_dir.path(), &mut s);
                s
            })
            .collect();
        let barrier = Arc::new(Barrier::new(KIOSKS));
        let png = Arc::new(png());
        let handles: Vec<_> = stores
            .into_iter()
            .map(|mut store| {
                let (barrier, png) = (barrier.clone(), png.clone());
                std::thread::spawn(move || {
                    let mut latencies = Vec::new();
                    let mut errors = 0;
                    for _ in 0..ROUNDS {
                        sign(&mut store, 20, &png);
                        barrier.wait();
                        let started = Instant::now();
                        match signbook_sync::push(&mut store) {
                            Ok(r) if r.pending == 0 => latencies.push(started.elapsed()),
                            _ => errors += 1,
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let mut all = Vec::new();
        let mut errors = 0;
        for h in handles {
            let (l, e) = h.join().unwrap();
            all.extend(l);
            errors += e;
        }
        all.sort();
        rows.push((
            format!("{KIOSKS} kiosks × burst of 20, {ROUNDS} rounds: p50"),
            format!("{:.1} ms", percentile(&all, 0.5).as_secs_f64() * 1e3),
            "".into(),
        ));
        rows.push(("  p99".into(), format!("{:.1} ms", percentile(&all, 0.99).as_secs_f64() * 1e3), "< 200 ms".into()));
        rows.push(("  max".into(), format!("{:.1} ms", all.last().unwrap().as_secs_f64() * 1e3), "".into()));
        rows.push(("  errors".into(), format!("{errors} of {}", KIOSKS * ROUNDS), "0".into()));
        drop(office);
    }

    println!("\n| measurement | result | target |\n| --- | --- | --- |");
    for (what, result, target) in rows {
        println!("| {what} | {result} | {target} |");
    }
}

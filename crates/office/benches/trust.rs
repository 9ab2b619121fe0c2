//! A trust's load on one office (issue 18), on the backend the office
//! suite runs on: SQLite, or PostgreSQL with
//! `SIGNBOOK_TEST_BACKEND=postgres SIGNBOOK_TEST_POSTGRES=postgres://…`.
//!
//! Run: `cargo bench -p signbook-office --bench trust` (release build,
//! about three and a half minutes). Prints one table; docs/benchmarks.md
//! keeps the figures.
//!
//! * ingest: the store's verify-and-store alone, 10,000 records in batches
//!   of 500, from one kiosk and from four at once (target on PostgreSQL
//!   ≥ 5,000 records/s);
//! * steady: 500 kiosks each push 1-5 new records every 30 s (± 5 s of
//!   jitter) for two minutes to the real server over HTTPS (p99 ≤ 200 ms);
//! * burst: the same 500 kiosks each push a burst of 20 records at the same
//!   moment, as after an outage, 2 rounds (p99 ≤ 1 s, no errors).
//!
//! Kiosks and office share the machine, so the table also gives the CPU
//! time each side spent per push (this process is all 500 kiosks).

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, Utc};
use signbook_core::Store;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::role::Role;
use signbook_core::signature::{Strokes, render_png};
use signbook_office::pairing::make_pairing_code;
use signbook_office::store::FIRST_SITE;
use signbook_office::testing::{Office, block_on, on_postgres, open_test_store};
use signbook_sync::wire::{PushRequest, WireCheckpoint, WireRecord};

const KIOSKS: usize = 500;
const STEADY: Duration = Duration::from_secs(120);
const BURST_ROUNDS: usize = 2;

/// The demo signature (an 8.9 KB PNG: a typical real one).
fn png() -> Vec<u8> {
    let json = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/demo-signature.json")).unwrap();
    render_png(&Strokes::from_json(&json).unwrap()).unwrap()
}

fn kiosk(dir: &Path, n: u64, png: &[u8]) -> Store {
    let mut store = Store::open(dir.join("kiosk.db")).unwrap();
    store.unsafe_disable_fsync_for_fixtures().unwrap();
    store.publish_agreement("# AUP\n\nI will log off.\n", "AUP", &[Role::new("visitor").unwrap()]).unwrap();
    sign(&mut store, n, png);
    store
}

fn sign(store: &mut Store, n: u64, png: &[u8]) {
    let role = Role::new("visitor").unwrap();
    let start: DateTime<FixedOffset> = Utc::now().fixed_offset() - ChronoDuration::hours(2);
    let from = store.head().unwrap().map_or(0, |(s, _)| s);
    for i in from..from + n {
        let at = start + ChronoDuration::milliseconds(i as i64);
        store.sign_prerendered_at(&role, &format!("Visitor Number{i}"), Some("Acme Ltd"), png.to_vec(), at).unwrap();
    }
}

/// A small deterministic generator: each kiosk its own schedule.
struct XorShift(u64);
impl XorShift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// CPU seconds (user + system) a process has used, from /proc (Linux).
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0 // USER_HZ is 100 on Linux
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

type Row = (String, String, String);

/// Pushes of one phase: latencies, errors, and both sides' CPU per push.
fn report(rows: &mut Vec<Row>, label: &str, target: &str, results: Vec<(Vec<Duration>, usize)>, cpu: (f64, f64)) {
    let mut all: Vec<Duration> = results.iter().flat_map(|(l, _)| l.iter().copied()).collect();
    let errors: usize = results.iter().map(|(_, e)| e).sum();
    all.sort();
    let pushes = all.len() + errors;
    rows.push((format!("{label}: pushes"), format!("{pushes}"), String::new()));
    rows.push((
        "  p50 / p99 / max".into(),
        format!("{} / {} / {}", ms(percentile(&all, 0.5)), ms(percentile(&all, 0.99)), ms(*all.last().unwrap())),
        target.into(),
    ));
    rows.push(("  errors".into(), format!("{errors}"), "0".into()));
    rows.push((
        "  CPU per push: kiosks / office".into(),
        format!("{:.1} ms / {:.1} ms", cpu.0 * 1e3 / pushes as f64, cpu.1 * 1e3 / pushes as f64),
        String::new(),
    ));
}

/// One kiosk's records as pushes of 500, each with its checkpoint.
fn batches(store: &Store, key_file: &Path, records: u64) -> Vec<PushRequest> {
    let key = signbook_core::device::load_key(key_file).unwrap();
    (0..records / 500)
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
        .collect()
}

/// The store's verify-and-store alone: 10,000 records from `kiosks`
/// kiosks, each kiosk's pushes in order and all kiosks at once, as an
/// office with several kiosks catching up receives them.
fn ingest(rows: &mut Vec<Row>, png: &[u8], kiosks: u64) {
    let office_dir = tempfile::tempdir().unwrap();
    let kiosk_dirs: Vec<_> = (0..kiosks).map(|_| tempfile::tempdir().unwrap()).collect();
    let per_kiosk = 10_000 / kiosks;
    let stores: Vec<Store> = kiosk_dirs.iter().map(|d| kiosk(d.path(), per_kiosk, png)).collect();
    let pushes: Vec<Vec<PushRequest>> = stores
        .iter()
        .zip(&kiosk_dirs)
        .map(|(store, dir)| batches(store, &dir.path().join("kiosk.db.key"), per_kiosk))
        .collect();
    let office = open_test_store(office_dir.path());
    let took = block_on(async {
        let now = Utc::now();
        let mut devices = Vec::new();
        for store in &stores {
            let code = make_pairing_code(&*office, FIRST_SITE, now).await.unwrap();
            let hash = signbook_office::pairing::code_hash(&code);
            devices.push(office.pair(&code, &hash, store.device_id(), &store.public_key(), None, now).await.unwrap().0);
        }
        let started = Instant::now();
        let tasks: Vec<_> = devices
            .into_iter()
            .zip(pushes)
            .map(|(device, pushes)| {
                let office = office.clone();
                tokio::spawn(async move {
                    for push in pushes {
                        office.ingest(&device, None, push, Utc::now()).await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        started.elapsed()
    });
    let label = match kiosks {
        1 => "store ingest, one kiosk (verify + store, 20 × 500)".to_string(),
        n => format!("store ingest, {n} kiosks at once ({n} × {} × 500)", per_kiosk / 500),
    };
    // Printed now too: profiling ingest needs no wait for the load phases.
    eprintln!("{label}: {:.0} records/s", 10_000.0 / took.as_secs_f64());
    rows.push((label, format!("{:.0} records/s", 10_000.0 / took.as_secs_f64()), "≥ 5,000/s on PostgreSQL".into()));
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let backend = if on_postgres() { "PostgreSQL" } else { "SQLite" };
    let png = Arc::new(png());
    let mut rows: Vec<Row> = Vec::new();
    ingest(&mut rows, &png, 1);
    ingest(&mut rows, &png, 4);

    let office_dir = tempfile::tempdir().unwrap();
    let office =
        Office::start(Path::new(env!("CARGO_BIN_EXE_signbook-office")), office_dir.path(), "127.0.0.1:0", "error")
            .unwrap();
    let db = office.db().unwrap();
    let dirs: Vec<_> = (0..KIOSKS).map(|_| tempfile::tempdir().unwrap()).collect();
    let paired = Instant::now();
    let stores: Vec<Store> = dirs
        .iter()
        .map(|d| {
            let mut store = kiosk(d.path(), 0, &png);
            let code = block_on(make_pairing_code(&*db, FIRST_SITE, Utc::now())).unwrap();
            signbook_sync::pair(&mut store, &office.url(), &code, &office.fingerprint).unwrap();
            store
        })
        .collect();
    eprintln!("{KIOSKS} kiosks paired in {:.0} s", paired.elapsed().as_secs_f64());
    let office_pid = office.child.id();
    let cpu = move || (cpu_secs(std::process::id()), cpu_secs(office_pid));

    // Steady: each kiosk on its own schedule; signing is outside the timed push.
    let (start, before) = (Instant::now(), cpu());
    let handles: Vec<_> = stores
        .into_iter()
        .enumerate()
        .map(|(i, mut store)| {
            let png = png.clone();
            std::thread::spawn(move || {
                let mut random = XorShift(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
                let (mut latencies, mut errors) = (Vec::new(), 0);
                let mut next = start + Duration::from_millis(random.below(30_000));
                while next < start + STEADY {
                    std::thread::sleep(next.saturating_duration_since(Instant::now()));
                    sign(&mut store, 1 + random.below(5), &png);
                    let t = Instant::now();
                    match signbook_sync::push(&mut store) {
                        Ok(r) if r.pending == 0 => latencies.push(t.elapsed()),
                        _ => errors += 1,
                    }
                    next += Duration::from_millis(25_000 + random.below(10_000));
                }
                (store, latencies, errors)
            })
        })
        .collect();
    let mut stores = Vec::new();
    let mut results = Vec::new();
    for h in handles {
        let (store, l, e) = h.join().unwrap();
        stores.push(store);
        results.push((l, e));
    }
    let after = cpu();
    report(
        &mut rows,
        &format!("steady: {KIOSKS} kiosks, 1-5 records every 30 s ± 5 s, 2 min"),
        "p99 ≤ 200 ms",
        results,
        (after.0 - before.0, after.1 - before.1),
    );

    // Burst: every kiosk's 20 records signed first, then all push at once.
    // CPU is counted from the moment all have signed to the last answer.
    let barrier = Arc::new(Barrier::new(KIOSKS));
    let spent = Arc::new(std::sync::Mutex::new(((0.0, 0.0), (0.0, 0.0))));
    let handles: Vec<_> = stores
        .into_iter()
        .map(|mut store| {
            let (barrier, png, spent) = (barrier.clone(), png.clone(), spent.clone());
            std::thread::spawn(move || {
                let (mut latencies, mut errors) = (Vec::new(), 0);
                for _ in 0..BURST_ROUNDS {
                    sign(&mut store, 20, &png);
                    if barrier.wait().is_leader() {
                        spent.lock().unwrap().0 = cpu();
                    }
                    barrier.wait();
                    let t = Instant::now();
                    match signbook_sync::push(&mut store) {
                        Ok(r) if r.pending == 0 => latencies.push(t.elapsed()),
                        _ => errors += 1,
                    }
                    if barrier.wait().is_leader() {
                        let (now, mut spent) = (cpu(), spent.lock().unwrap());
                        spent.1 = (spent.1.0 + now.0 - spent.0.0, spent.1.1 + now.1 - spent.0.1);
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let burst_cpu = spent.lock().unwrap().1;
    report(
        &mut rows,
        &format!("burst: {KIOSKS} kiosks × 20 records at once, {BURST_ROUNDS} rounds"),
        "p99 ≤ 1 s",
        results,
        burst_cpu,
    );
    drop(office);

    println!("\n| {backend} | result | target |\n| --- | --- | --- |");
    for (what, result, target) in rows {
        println!("| {what} | {result} | {target} |");
    }
}

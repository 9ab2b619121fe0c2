//! The issue-2 (and issue-14 export verification) performance targets, measured and printed as a Markdown
//! table for docs/benchmarks.md:
//!
//!     cargo bench -p signbook-core --bench targets
//!
//! Percentiles come from individual timings (criterion reports means, and
//! the target is a p99). `SIGNBOOK_BENCH_RECORDS` changes the 100,000.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Local;
use signbook_core::export::verify::verify_export;
use signbook_core::export::{Format, export, export_to_file};
use signbook_core::role::Role;
use signbook_core::signature::{Strokes, render_png};
use signbook_core::{RecordFilter, SignRequest, Store};

const SIGNATURE: &str = include_str!("../tests/fixtures/signatures/realistic-2000.json");
const AUP: &str = include_str!("../../../assets/sample-agreement.md");

fn main() {
    let strokes = Strokes::from_json(SIGNATURE.as_bytes()).expect("fixture");
    let points: usize = strokes.strokes.iter().map(Vec::len).sum();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rows = Vec::new();

    let render = sample(300, || {
        black_box(render_png(&strokes).expect("render"));
    });
    let png = render_png(&strokes).expect("render");
    rows.push(row(&format!("render {points}-point signature to PNG ({} bytes)", png.len()), &render, "<= 3 ms"));

    let mut store = Store::open(dir.path().join("sign.db")).expect("open");
    store.publish_agreement(AUP, "AUP", &[Role::new("visitor").expect("role")]).expect("publish");
    let sign = sample(500, || {
        let request = SignRequest {
            role: "visitor",
            name: "Benchmark Person",
            organisation: Some("Acme Ltd"),
            strokes: &strokes,
            agreement: None,
        };
        black_box(store.sign(&request).expect("sign"));
    });
    rows.push(row("sign: validate + render + chain + fsync'd commit", &sign, "p99 <= 10 ms"));

    let bare = bare_insert(&dir.path().join("bare.db"), png.len());
    rows.push(row("bare fsync'd SQLite insert of the same bytes", &bare, "baseline"));
    let ratio = percentile(&sign, 50.0).as_secs_f64() / percentile(&bare, 50.0).as_secs_f64();

    let n: u64 = std::env::var("SIGNBOOK_BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let big = build_chain(&dir.path().join("big.db"), n, &png);
    let verify = sample(3, || assert!(big.verify().expect("verify").is_intact()));
    rows.push(row(&format!("verify {n} records"), &verify, "<= 2 s"));
    let csv = sample(3, || {
        let mut sink = std::io::sink();
        assert_eq!(export(&big, Format::Csv, &RecordFilter::default(), &mut sink).expect("export"), n);
    });
    rows.push(row(&format!("export {n} records to CSV"), &csv, "<= 2 s"));

    // Issue 14: the JSON Lines export proves itself complete from the file
    // alone (no database): every hash, digest, link and the signed head.
    let jsonl_path = dir.path().join("export.jsonl");
    let jsonl = sample(3, || {
        assert_eq!(export_to_file(&big, Format::Jsonl, &RecordFilter::default(), &jsonl_path).expect("export"), n);
    });
    rows.push(row(&format!("export {n} records to JSON Lines (header + checkpoint)"), &jsonl, "baseline"));
    let size_mb = std::fs::metadata(&jsonl_path).expect("export written").len() as f64 / 1e6;
    let key = big.public_key();
    let from_file = sample(3, || {
        let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&jsonl_path).expect("open"));
        let report = verify_export(file, Some(&key)).expect("readable");
        assert!(report.is_intact() && report.records == n, "{report:?}");
    });
    rows.push(row(&format!("verify-export {n} records from the JSONL file ({size_mb:.0} MB)"), &from_file, "<= 2 s"));

    println!("\n| measurement | p50 | p99 | max | target |\n|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    println!("\nsign / bare insert (p50): {ratio:.2}x\n");
}

/// Times `f` `n` times, after one warm-up call.
fn sample(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    f();
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[index]
}

fn row(what: &str, times: &[Duration], target: &str) -> String {
    let fmt = |d: Duration| {
        if d >= Duration::from_millis(100) {
            format!("{:.2} s", d.as_secs_f64())
        } else {
            format!("{:.2} ms", d.as_secs_f64() * 1e3)
        }
    };
    format!(
        "| {what} | {} | {} | {} | {target} |",
        fmt(percentile(times, 50.0)),
        fmt(percentile(times, 99.0)),
        fmt(times[times.len() - 1])
    )
}

/// An insert of a row the size of a record, in the same durable mode, with
/// none of our work around it: the floor `sign` is compared with.
fn bare_insert(path: &Path, png_len: usize) -> Vec<Duration> {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).expect("wal");
    conn.pragma_update(None, "synchronous", "FULL").expect("sync");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BLOB, c TEXT)").expect("table");
    let blob = vec![7u8; png_len];
    let text = "x".repeat(600);
    sample(500, || {
        conn.execute("INSERT INTO t (a, b, c) VALUES (?1, ?2, ?3)", (&text, &blob, &text)).expect("insert");
    })
}

/// A chain of `n` records with real PNGs, built with fsync off (fixture only).
fn build_chain(path: &Path, n: u64, png: &[u8]) -> Store {
    let mut store = Store::open(path).expect("open");
    store.unsafe_disable_fsync_for_fixtures().expect("fixture mode");
    let visitor = Role::new("visitor").expect("role");
    store.publish_agreement(AUP, "AUP", std::slice::from_ref(&visitor)).expect("publish");
    let start = Instant::now();
    for i in 0..n {
        store
            .sign_prerendered_at(
                &visitor,
                &format!("Visitor Number {i}"),
                Some("Acme Ltd"),
                png.to_vec(),
                Local::now().fixed_offset(),
            )
            .expect("sign");
    }
    eprintln!("built {n}-record chain in {:.1} s", start.elapsed().as_secs_f64());
    drop(store);
    Store::open(path).expect("reopen")
}

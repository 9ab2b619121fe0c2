//! Issue 14: an evidence ZIP of 100,000 records verified from the file
//! alone by `signbook verify-export PACK.zip` (target <= 2 s). Prints one
//! Markdown table for docs/benchmarks.md:
//!
//!     cargo bench -p signbook-cli --bench verify_pack
//!
//! The chain is built as `signbook-core`'s `targets` bench builds its
//! 100,000-record chain (real PNGs, fsync off for the fixture), and the
//! pack holds what `signbook_office::evidence::write_pack` writes for a
//! pack of every record, less the PDFs: the chain file (every record in
//! full, by the same JSON Lines writer), records.csv, the office statement
//! signed by a real office certificate, and the manifest. A pack's PDFs
//! are only hashed (SHA-256 against the manifest), so they add their size
//! at hashing speed; 100,000 PDFs cannot be rendered in a benchmark's time.
//! `SIGNBOOK_BENCH_RECORDS` changes the 100,000. `SIGNBOOK_BENCH_FULL_EVERY=20`
//! makes every 20th record a governor's and the pack governors' only, as
//! a dashboard pack is (at most 5,000 records in full): the chain file then
//! holds 5,000 records in full and 95,000 `omitted` lines.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Local;
use serde_json::json;
use sha2::{Digest, Sha256};
use signbook_core::device::key_fingerprint;
use signbook_core::export::{Format, export_to_file};
use signbook_core::role::Role;
use signbook_core::signature::{Strokes, render_png};
use signbook_core::{RecordFilter, Store};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

const SIGNATURE: &str = include_str!("../../core/tests/fixtures/signatures/realistic-2000.json");
const AUP: &str = include_str!("../../../assets/sample-agreement.md");

fn main() {
    let n: u64 = std::env::var("SIGNBOOK_BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let png = render_png(&Strokes::from_json(SIGNATURE.as_bytes()).expect("fixture")).expect("render");
    let full_every: Option<u64> = std::env::var("SIGNBOOK_BENCH_FULL_EVERY").ok().and_then(|v| v.parse().ok());
    let store = build_chain(&dir.path().join("kiosk.db"), n, &png, full_every);
    let filter = match full_every {
        Some(_) => RecordFilter { role: Some(Role::new("governor").expect("role")), ..RecordFilter::default() },
        None => RecordFilter::default(),
    };
    let full = full_every.map_or(n, |every| n.div_ceil(every));

    let chain = dir.path().join("chain.jsonl");
    let csv = dir.path().join("records.csv");
    assert_eq!(export_to_file(&store, Format::Jsonl, &filter, &chain).expect("export"), full);
    export_to_file(&store, Format::Csv, &filter, &csv).expect("csv");
    let device = store.device_id().hyphenated().to_string();
    let key = store.public_key();
    let checkpoint = store.checkpoints().expect("checkpoints").pop().expect("a head");

    let office = tempfile::tempdir().expect("tempdir");
    let identity = signbook_office::tls::OfficeIdentity::load_or_create(office.path()).expect("office identity");
    let signer = identity.signer().expect("signer");
    let statement = serde_json::to_vec_pretty(&json!({
        "format": "signbook-office-statement-v1",
        "school": "Benchmark School",
        "generated_at": "2026-12-01T04:00:00.000Z",
        "filter": "all records",
        "office_certificate_sha256": signer.fingerprint().to_hex(),
        "kiosks": [{
            "device_id": device,
            "name": "Reception",
            "public_key": hex::encode(key.as_bytes()),
            "key_fingerprint": key_fingerprint(&key),
            "head": {"seq": checkpoint.seq, "head_hash": checkpoint.head_hash.to_hex(), "signature": hex::encode(checkpoint.signature)},
        }],
    }))
    .expect("json");
    let signature = signer.sign_statement(&statement).expect("sign");

    let files: Vec<(String, Vec<u8>, CompressionMethod)> = vec![
        ("records.csv".into(), std::fs::read(&csv).expect("csv"), CompressionMethod::Deflated),
        ("office-statement.json".into(), statement, CompressionMethod::Deflated),
        ("office-statement.sig".into(), signature, CompressionMethod::Stored),
        ("office-certificate.der".into(), signer.certificate_der().to_vec(), CompressionMethod::Stored),
        (format!("chains/{device}.jsonl"), std::fs::read(&chain).expect("chain"), CompressionMethod::Deflated),
    ];
    let pack = dir.path().join("pack.zip");
    let t = Instant::now();
    write_zip(&pack, &files);
    let (chain_mb, zip_mb) = (files[4].1.len() as f64 / 1e6, std::fs::metadata(&pack).expect("zip").len() as f64 / 1e6);
    eprintln!("pack written in {:.1} s: chain file {chain_mb:.0} MB, ZIP {zip_mb:.0} MB", t.elapsed().as_secs_f64());
    drop(files);
    // `SIGNBOOK_BENCH_PACK=FILE` keeps a copy of the pack, to profile the verifier on it.
    if let Ok(keep) = std::env::var("SIGNBOOK_BENCH_PACK") {
        std::fs::copy(&pack, keep).expect("keep the pack");
    }

    let key_hex = hex::encode(key.as_bytes());
    let mut times: Vec<Duration> = (0..3)
        .map(|_| {
            let t = Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_signbook"))
                .args(["verify-export", pack.to_str().expect("utf-8"), "--key", &key_hex])
                .output()
                .expect("signbook runs");
            let elapsed = t.elapsed();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
            elapsed
        })
        .collect();
    times.sort();
    println!("| measurement | p50 | max | target |");
    println!("|---|---|---|---|");
    println!(
        "| verify-export an evidence ZIP of a {n}-entry chain, {full} records in full (chain file {chain_mb:.0} MB, ZIP {zip_mb:.0} MB), whole process | {:.2} s | {:.2} s | <= 2 s |",
        times[1].as_secs_f64(),
        times[2].as_secs_f64()
    );
}

fn write_zip(path: &Path, files: &[(String, Vec<u8>, CompressionMethod)]) {
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(std::fs::File::create(path).expect("zip")));
    let mut listed = Vec::new();
    for (name, bytes, method) in files {
        zip.start_file(name.as_str(), SimpleFileOptions::default().compression_method(*method).large_file(true))
            .expect("entry");
        zip.write_all(bytes).expect("write");
        listed.push(json!({"path": name, "sha256": hex::encode(Sha256::digest(bytes)), "bytes": bytes.len()}));
    }
    let manifest = json!({"format": "signbook-evidence-pack-v2", "school": "Benchmark School", "filter": "all records",
        "generated_at": "2026-12-01T04:00:00.000Z", "records": files.len(), "missing_agreements": [], "narrowed": false,
        "files": listed});
    zip.start_file("manifest.json", SimpleFileOptions::default()).expect("manifest");
    zip.write_all(&serde_json::to_vec_pretty(&manifest).expect("json")).expect("write");
    zip.finish().expect("finish");
}

/// `signbook-core`'s `targets` bench chain: `n` records with real PNGs, fsync off (fixture only).
/// With `full_every`, every so many records are a governor's.
fn build_chain(path: &Path, n: u64, png: &[u8], full_every: Option<u64>) -> Store {
    let mut store = Store::open(path).expect("open");
    store.unsafe_disable_fsync_for_fixtures().expect("fixture mode");
    let visitor = Role::new("visitor").expect("role");
    let governor = Role::new("governor").expect("role");
    store.publish_agreement(AUP, "AUP", &[visitor.clone(), governor.clone()]).expect("publish");
    let start = Instant::now();
    for i in 0..n {
        store
            .sign_prerendered_at(
                if full_every.is_some_and(|every| i % every == 0) { &governor } else { &visitor },
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

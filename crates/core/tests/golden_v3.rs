//! Golden vectors of record format version 3: "held at the office" entries
//! appended to the version 1 vectors' chain (`tests/golden/vectors.json`,
//! left as it is, like `vectors-v2.json`), frozen in
//! `tests/golden/vectors-v3.json`. A change here
//! is a new format, never a fix-up; `docs/auditor/recompute.py vectors`
//! checks this file independently.
//! To write it the first time: `SIGNBOOK_WRITE_GOLDEN=1 cargo test --test golden_v3`.

use chrono::DateTime;
use serde_json::{Value, json};
use signbook_core::Hash32;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::held::HeldEntry;
use uuid::Uuid;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/vectors-v3.json");
const V1_VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/vectors.json");

struct Input {
    description: &'static str,
    id: &'static str,
    target_seq: u64,
    removed_at: &'static str,
    acknowledged_at: &'static str,
}

/// The office's certificate hash in these vectors: SHA-256 of the ASCII
/// text "signbook golden office certificate".
fn office() -> Hash32 {
    Hash32::of(b"signbook golden office certificate")
}

fn inputs() -> Vec<Input> {
    vec![
        Input {
            description: "the kiosk removes record 1's personal data locally, 30 days after signing; the office holds it",
            id: "019375a4-0000-7a1b-8c3d-4e5f60718293",
            target_seq: 1,
            removed_at: "2026-07-01T08:15:31.000Z",
            acknowledged_at: "2026-06-01T08:16:02.750Z",
        },
        Input {
            description: "the kiosk removes record 2's personal data locally, acknowledged by the same office a day later",
            id: "019375a4-1000-7b2c-9d4e-5f6071829304",
            target_seq: 2,
            removed_at: "2027-08-01T00:00:00.000Z",
            acknowledged_at: "2026-06-02T17:45:00.000Z",
        },
    ]
}

fn compute() -> Value {
    let v1: Value = serde_json::from_str(&std::fs::read_to_string(V1_VECTORS).unwrap()).unwrap();
    let record_hash = |seq: u64| -> Hash32 {
        let hex = v1["records"].as_array().unwrap().iter().find(|r| r["input"]["seq"] == seq).unwrap()["expected"]
            ["record_hash"]
            .as_str()
            .unwrap();
        Hash32::from_hex(hex).unwrap()
    };
    let device = Uuid::parse_str(v1["checkpoint"]["device"].as_str().unwrap()).unwrap();
    let mut prev = record_hash(3);
    let mut seq = 3;
    let mut held = Vec::new();
    for input in inputs() {
        seq += 1;
        let entry = HeldEntry {
            id: Uuid::parse_str(input.id).unwrap(),
            device_id: device,
            seq,
            prev_hash: prev,
            target_seq: input.target_seq,
            target_hash: record_hash(input.target_seq),
            removed_at: DateTime::parse_from_rfc3339(input.removed_at).unwrap().to_utc(),
            acknowledged_at: DateTime::parse_from_rfc3339(input.acknowledged_at).unwrap().to_utc(),
            office_certificate_sha256: office(),
        };
        let hash = entry.hash();
        held.push(json!({
            "description": input.description,
            "input": {
                "id": input.id, "device": device.to_string(), "seq": seq, "prev": prev.to_hex(),
                "target_seq": input.target_seq, "target": entry.target_hash.to_hex(),
                "removed_at": input.removed_at, "acknowledged_at": input.acknowledged_at,
                "office_certificate_sha256": office().to_hex(),
            },
            "expected": {
                "canonical": String::from_utf8(entry.canonical_bytes()).unwrap(),
                "entry_hash": hash.to_hex(),
            },
        }));
        prev = hash;
    }
    let seed = [0x42u8; 32];
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let checkpoint = Checkpoint::sign(&key, device, seq, prev);
    json!({
        "format": "signbook-held-v1",
        "records_from": "vectors.json",
        "held": held,
        "checkpoint": {
            "ed25519_seed_hex": hex::encode(seed),
            "public_key_hex": hex::encode(key.verifying_key().as_bytes()),
            "device": device.to_string(), "seq": seq, "head": prev.to_hex(),
            "message": String::from_utf8(Checkpoint::message(&device, seq, &prev)).unwrap(),
            "signature_hex": hex::encode(checkpoint.signature),
        },
    })
}

#[test]
fn held_entries_match_the_golden_vectors() {
    let computed = compute();
    if std::env::var_os("SIGNBOOK_WRITE_GOLDEN").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "SIGNBOOK_WRITE_GOLDEN is set under CI: refusing to rewrite golden files"
        );
        std::fs::write(VECTORS, serde_json::to_string_pretty(&computed).unwrap() + "\n").unwrap();
    }
    let frozen: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).expect("golden vectors file")).unwrap();
    assert_eq!(frozen, computed, "golden vectors of record format 3 changed");
}

#[test]
fn the_frozen_held_encoding_is_exactly_what_the_docs_say() {
    let frozen: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap();
    let first = frozen["held"][0]["expected"]["canonical"].as_str().unwrap();
    let lines: Vec<&str> = first.split('\n').collect();
    assert_eq!(lines[0], "signbook-held-v1");
    assert_eq!(lines[1], "id:019375a4-0000-7a1b-8c3d-4e5f60718293");
    assert_eq!(lines[3], "seq:4");
    assert_eq!(lines[5], "target_seq:1");
    assert_eq!(lines[7], "removed_at:2026-07-01T08:15:31.000Z");
    assert_eq!(lines[8], "acknowledged_at:2026-06-01T08:16:02.750Z");
    assert!(lines[9].starts_with("office_certificate_sha256:"));
    assert_eq!(lines.len(), 11, "10 lines, each ending in LF");
    assert!(!first.contains("erase"), "nothing in a held entry reads as an erasure");
    assert_eq!(Hash32::of(first.as_bytes()).to_hex(), frozen["held"][0]["expected"]["entry_hash"].as_str().unwrap());
}

//! Golden vectors of record format version 2: erasure entries appended to
//! the version 1 vectors' chain (`tests/golden/vectors.json`, left as it
//! is), frozen in `tests/golden/vectors-v2.json`. Like the version 1 file,
//! a change here is a new format, never a fix-up; `docs/auditor/recompute.py
//! vectors` checks this file independently.
//! To write it the first time: `SIGNBOOK_WRITE_GOLDEN=1 cargo test --test golden_v2`.

use chrono::DateTime;
use serde_json::{Value, json};
use signbook_core::Hash32;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::erasure::{ErasureEntry, ReasonCategory, Requester};
use uuid::Uuid;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/vectors-v2.json");
const V1_VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/vectors.json");

struct Input {
    description: &'static str,
    id: &'static str,
    target_seq: u64,
    erased_at: &'static str,
    recorded_at: &'static str,
    requested_by: Requester,
    reason: ReasonCategory,
}

fn inputs() -> Vec<Input> {
    vec![
        Input {
            description: "a kiosk admin erases record 2 at the person's request",
            id: "019375a3-0000-7d4e-8f60-718293041526",
            target_seq: 2,
            erased_at: "2026-07-01T10:00:00.125Z",
            recorded_at: "2026-07-01T10:00:00.125Z",
            requested_by: Requester::KioskAdmin,
            reason: ReasonCategory::Request,
        },
        Input {
            description: "office staff account 7 erases record 1 when its retention period ends",
            id: "019375a3-1000-7e5f-9071-829304152637",
            target_seq: 1,
            erased_at: "2027-06-01T00:00:00.000Z",
            recorded_at: "2027-06-01T00:00:00.000Z",
            requested_by: Requester::OfficeStaff(7),
            reason: ReasonCategory::Retention,
        },
        Input {
            description: "record 3, erased under version 1, recorded in the chain at the upgrade (erased_at is the old log's claim)",
            id: "019375a3-2000-7f60-a182-930415263748",
            target_seq: 3,
            erased_at: "2026-12-30T09:00:00.000Z",
            recorded_at: "2027-07-01T08:30:00.500Z",
            requested_by: Requester::V1Log,
            reason: ReasonCategory::Other,
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
    let mut erasures = Vec::new();
    for input in inputs() {
        seq += 1;
        let entry = ErasureEntry {
            id: Uuid::parse_str(input.id).unwrap(),
            device_id: device,
            seq,
            prev_hash: prev,
            target_seq: input.target_seq,
            target_hash: record_hash(input.target_seq),
            erased_at: DateTime::parse_from_rfc3339(input.erased_at).unwrap().to_utc(),
            recorded_at: DateTime::parse_from_rfc3339(input.recorded_at).unwrap().to_utc(),
            requested_by: input.requested_by.clone(),
            reason: input.reason,
        };
        let hash = entry.hash();
        erasures.push(json!({
            "description": input.description,
            "input": {
                "id": input.id, "device": device.to_string(), "seq": seq, "prev": prev.to_hex(),
                "target_seq": input.target_seq, "target": entry.target_hash.to_hex(),
                "erased_at": input.erased_at, "recorded_at": input.recorded_at,
                "requested_by": input.requested_by.to_string(), "reason": input.reason.as_str(),
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
        "format": "signbook-erasure-v2",
        "records_from": "vectors.json",
        "erasures": erasures,
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
fn erasure_entries_match_the_golden_vectors() {
    let computed = compute();
    if std::env::var_os("SIGNBOOK_WRITE_GOLDEN").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "SIGNBOOK_WRITE_GOLDEN is set under CI: refusing to rewrite golden files"
        );
        std::fs::write(VECTORS, serde_json::to_string_pretty(&computed).unwrap() + "\n").unwrap();
    }
    let frozen: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).expect("golden vectors file")).unwrap();
    assert_eq!(frozen, computed, "golden vectors of record format 2 changed");
}

#[test]
fn the_frozen_erasure_encoding_is_exactly_what_the_docs_say() {
    let frozen: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap();
    let first = frozen["erasures"][0]["expected"]["canonical"].as_str().unwrap();
    let lines: Vec<&str> = first.split('\n').collect();
    assert_eq!(lines[0], "signbook-erasure-v2");
    assert_eq!(lines[1], "id:019375a3-0000-7d4e-8f60-718293041526");
    assert_eq!(lines[3], "seq:4");
    assert_eq!(lines[5], "target_seq:2");
    assert_eq!(lines[7], "erased_at:2026-07-01T10:00:00.125Z");
    assert_eq!(lines[9], "requested_by:kiosk-admin");
    assert_eq!(lines[10], "reason:request");
    assert_eq!(lines.len(), 12, "11 lines, each ending in LF");
    assert!(
        frozen["erasures"][1]["expected"]["canonical"].as_str().unwrap().contains("\nrequested_by:office-staff:7\n")
    );
    assert_eq!(
        Hash32::of(first.as_bytes()).to_hex(),
        frozen["erasures"][0]["expected"]["entry_hash"].as_str().unwrap()
    );
}

//! Golden vectors: the canonical record encoding, field digests, record
//! hashes and checkpoint signatures, frozen in `tests/golden/vectors.json`.
//!
//! If this test fails, stored records would no longer verify: the format
//! changed. That is never a fix-up; it is a new format version with its own
//! vectors. `docs/auditor/recompute.py` checks the same file independently.
//! To write the file the first time: `SIGNBOOK_WRITE_GOLDEN=1 cargo test --test golden`.

use chrono::DateTime;
use serde_json::{Value, json};
use signbook_core::checkpoint::Checkpoint;
use signbook_core::record::{RecordHeader, Salt, field_digest, labels, reference_code};
use signbook_core::{Hash32, agreement};
use uuid::Uuid;

#[path = "golden/normalisation.rs"]
mod normalisation;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/vectors.json");

struct Input {
    description: &'static str,
    id: &'static str,
    seq: u64,
    role: &'static str,
    signed_at: &'static str,
    utc_offset_minutes: i32,
    name: &'static str,
    organisation: Option<&'static str>,
    signature_png: &'static [u8],
}

const DEVICE: &str = "5b0a6f1e-3c9d-4e2a-9f47-1d2c3b4a5e6f";
const AGREEMENT: &str = "# IT Acceptable Use Agreement\r\n\r\nI will keep my password secret.  \r\n";

fn inputs() -> Vec<Input> {
    vec![
        Input {
            description: "first record of a chain: visitor with an organisation, BST",
            id: "019375a2-8c00-7a1b-8c3d-4e5f60718293",
            seq: 1,
            role: "visitor",
            signed_at: "2026-06-01T08:15:30.250Z",
            utc_offset_minutes: 60,
            name: "Zoë O'Brien",
            organisation: Some("Acme Plumbing, Ltd"),
            signature_png: b"\x89PNG\r\n\x1a\nnot a real image: the digest covers whatever bytes are stored",
        },
        Input {
            description: "second record: governor without organisation, non-Latin name, negative half-hour offset",
            id: "019375a2-9000-7b2c-9d4e-5f6071829304",
            seq: 2,
            role: "governor",
            signed_at: "2026-06-01T23:59:59.999Z",
            utc_offset_minutes: -210,
            name: "李小龍",
            organisation: None,
            signature_png: b"\x89PNG\r\n\x1a\n\x00\x01\x02\xff",
        },
        Input {
            description: "third record: Arabic name, winter time (UTC+00:00)",
            id: "019375a2-a000-7c3d-ae5f-607182930415",
            seq: 3,
            role: "staff",
            signed_at: "2026-12-24T12:00:00.000Z",
            utc_offset_minutes: 0,
            name: "محمد",
            organisation: None,
            signature_png: b"",
        },
    ]
}

fn salt(seq: u64, field: u8) -> Salt {
    std::array::from_fn(|i| (seq as u8).wrapping_mul(31).wrapping_add(field * 17).wrapping_add(i as u8))
}

fn compute() -> Value {
    let agreement_hash = agreement::agreement_hash(AGREEMENT);
    let device = Uuid::parse_str(DEVICE).unwrap();
    let mut prev = Hash32::ZERO;
    let mut records = Vec::new();
    for input in inputs() {
        let (name_salt, organisation_salt, signature_salt) =
            (salt(input.seq, 1), salt(input.seq, 2), salt(input.seq, 3));
        let header = RecordHeader {
            id: Uuid::parse_str(input.id).unwrap(),
            device_id: device,
            seq: input.seq,
            prev_hash: prev,
            agreement_hash,
            role: input.role.into(),
            signed_at: DateTime::parse_from_rfc3339(input.signed_at).unwrap().to_utc(),
            utc_offset_minutes: input.utc_offset_minutes,
            name_digest: field_digest(labels::NAME, &name_salt, input.name.as_bytes()),
            organisation_digest: input
                .organisation
                .map(|o| field_digest(labels::ORGANISATION, &organisation_salt, o.as_bytes())),
            signature_digest: field_digest(labels::SIGNATURE, &signature_salt, input.signature_png),
        };
        let hash = header.hash();
        records.push(json!({
            "description": input.description,
            "input": {
                "id": input.id, "device": DEVICE, "seq": input.seq, "prev": prev.to_hex(),
                "agreement": agreement_hash.to_hex(), "role": input.role, "signed_at": input.signed_at,
                "utc_offset_minutes": input.utc_offset_minutes,
                "name": input.name, "name_salt": hex::encode(name_salt),
                "organisation": input.organisation, "organisation_salt": input.organisation.map(|_| hex::encode(organisation_salt)),
                "signature_png_hex": hex::encode(input.signature_png), "signature_salt": hex::encode(signature_salt),
            },
            "expected": {
                "name_digest": header.name_digest.to_hex(),
                "organisation_digest": header.organisation_digest.map(|d| d.to_hex()),
                "signature_digest": header.signature_digest.to_hex(),
                "canonical": String::from_utf8(header.canonical_bytes()).unwrap(),
                "record_hash": hash.to_hex(),
                "reference": reference_code(&hash),
            },
        }));
        prev = hash;
    }
    let seed = [0x42u8; 32];
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let checkpoint = Checkpoint::sign(&key, device, 3, prev);
    json!({
        "format": "signbook-record-v1",
        "normalisation": normalisation::compute(),
        "agreement": {
            "as_typed": AGREEMENT,
            "canonical": agreement::canonical_text(AGREEMENT),
            "hash": agreement_hash.to_hex(),
        },
        "records": records,
        "checkpoint": {
            "ed25519_seed_hex": hex::encode(seed),
            "public_key_hex": hex::encode(key.verifying_key().as_bytes()),
            "device": DEVICE, "seq": 3, "head": prev.to_hex(),
            "message": String::from_utf8(Checkpoint::message(&device, 3, &prev)).unwrap(),
            "signature_hex": hex::encode(checkpoint.signature),
        },
    })
}

#[test]
fn encoding_and_hashes_match_the_golden_vectors() {
    let computed = compute();
    if std::env::var_os("SIGNBOOK_WRITE_GOLDEN").is_some() {
        // A frozen format is only frozen if CI compares instead of rewriting.
        assert!(
            std::env::var_os("CI").is_none(),
            "SIGNBOOK_WRITE_GOLDEN is set under CI: refusing to rewrite golden files"
        );
        std::fs::write(VECTORS, serde_json::to_string_pretty(&computed).unwrap() + "\n").unwrap();
    }
    let frozen: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).expect("golden vectors file")).unwrap();
    for (i, (frozen, computed)) in
        frozen["records"].as_array().unwrap().iter().zip(computed["records"].as_array().unwrap()).enumerate()
    {
        assert_eq!(frozen["expected"], computed["expected"], "record vector {i} changed");
    }
    assert_eq!(frozen, computed, "golden vectors changed");
}

#[test]
fn the_frozen_canonical_text_is_exactly_what_the_docs_say() {
    // Spot-check the frozen file against the spec by hand, so a wrong
    // encoding cannot be frozen unnoticed.
    let frozen: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap();
    let first = &frozen["records"][0];
    let canonical = first["expected"]["canonical"].as_str().unwrap();
    let lines: Vec<&str> = canonical.split('\n').collect();
    assert_eq!(lines[0], "signbook-record-v1");
    assert_eq!(lines[1], "id:019375a2-8c00-7a1b-8c3d-4e5f60718293");
    assert_eq!(lines[3], "seq:1");
    assert_eq!(lines[4], format!("prev:{}", "0".repeat(64)));
    assert_eq!(lines[6], "role:visitor");
    assert_eq!(lines[7], "signed_at:2026-06-01T08:15:30.250Z");
    assert_eq!(lines[8], "utc_offset:+01:00");
    assert_eq!(lines.len(), 13, "12 lines, each ending in LF");
    assert_eq!(lines[12], "");
    assert_eq!(
        frozen["records"][1]["expected"]["canonical"].as_str().unwrap().lines().nth(8),
        Some("utc_offset:-03:30")
    );
    assert!(frozen["records"][1]["expected"]["canonical"].as_str().unwrap().contains("\norganisation:-\n"));
    assert_eq!(
        Hash32::of(canonical.as_bytes()).to_hex(),
        first["expected"]["record_hash"].as_str().unwrap(),
        "the record hash is SHA-256 of the canonical bytes"
    );
    assert_eq!(frozen["agreement"]["canonical"], "# IT Acceptable Use Agreement\n\nI will keep my password secret.\n");
}

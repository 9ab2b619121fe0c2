//! What a kiosk written from `docs/sync-protocol.md` alone meets: every
//! refusal the document names that `refusals.rs` and `ingest_rules.rs` do
//! not already show, each sent as raw JSON and headers, the way another
//! implementation would send it. A third-party kiosk had to find these by
//! trying; now the document states them and these tests hold it to that.

mod common;

use chrono::Utc;
use common::{Office, block_on, kiosk};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use signbook_core::Store;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::hash::Hash32;
use signbook_sync::auth::{HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use signbook_sync::http::{HttpResponse, OfficeClient};
use signbook_sync::wire::{ErrorBody, WireCheckpoint, WireRecord};
use signbook_sync::{PAIR_PATH, PUSH_PATH, parse_fingerprint};
use uuid::Uuid;

fn client(office: &Office) -> OfficeClient {
    OfficeClient::new(&office.url(), parse_fingerprint(&office.fingerprint).unwrap()).unwrap()
}

fn kiosk_key(dir: &std::path::Path) -> SigningKey {
    signbook_core::device::load_key(&dir.join("kiosk.db.key")).unwrap()
}

/// `(status, code, message)`; `(200, "", body)` when accepted.
fn answer(response: &HttpResponse) -> (u16, String, String) {
    if response.status == 200 {
        return (200, String::new(), String::from_utf8_lossy(&response.body).into_owned());
    }
    let error: ErrorBody = serde_json::from_slice(&response.body)
        .unwrap_or_else(|_| panic!("a JSON error body: {}", String::from_utf8_lossy(&response.body)));
    (response.status, error.code, error.message)
}

/// Signs `body` for `path` as the protocol says, with `key` for `device`.
fn post(client: &OfficeClient, key: &SigningKey, device: &str, path: &str, body: &[u8]) -> (u16, String, String) {
    let headers = signed_headers(key, device, path, Utc::now().timestamp().to_string(), body);
    answer(&client.post(path, &headers, body).unwrap())
}

/// The four headers, the signed message written out by hand from the
/// document: each line ends in LF, the body's SHA-256 in lowercase hex.
fn signed_headers(
    key: &SigningKey,
    device: &str,
    path: &str,
    timestamp: String,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let nonce = hex::encode(Uuid::new_v4().as_bytes());
    let message = format!(
        "signbook-request-v1\nPOST\n{path}\n{device}\n{timestamp}\n{nonce}\n{}\n",
        hex::encode(Sha256::digest(body))
    );
    let signature = hex::encode(key.sign(message.as_bytes()).to_bytes());
    vec![
        (HEADER_DEVICE, device.into()),
        (HEADER_TIMESTAMP, timestamp),
        (HEADER_NONCE, nonce),
        (HEADER_SIGNATURE, signature),
    ]
}

/// A paired kiosk with `n` records, and what a test needs to speak for it.
struct Paired {
    _dir: tempfile::TempDir,
    store: Store,
    key: SigningKey,
    device: String,
}

fn paired(office: &Office, n: u64) -> Paired {
    let dir = tempfile::tempdir().unwrap();
    let mut store = kiosk(dir.path(), n);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    let key = kiosk_key(dir.path());
    let device = store.device_id().hyphenated().to_string();
    Paired { _dir: dir, store, key, device }
}

impl Paired {
    /// Records `from..=to` as JSON values, as the kiosk sends them.
    fn records(&self, from: u64, to: u64) -> Vec<Value> {
        (from..=to)
            .map(|s| serde_json::to_value(WireRecord::from_record(&self.store.record(s).unwrap(), None)).unwrap())
            .collect()
    }

    /// A push body of `records` with the kiosk's checkpoint over the last.
    fn body(&self, records: Vec<Value>) -> Vec<u8> {
        let last = records.last().unwrap();
        let (seq, hash) = (last["seq"].as_u64().unwrap(), Hash32::from_hex(last["hash"].as_str().unwrap()).unwrap());
        let checkpoint = WireCheckpoint::new(&Checkpoint::sign(&self.key, self.store.device_id(), seq, hash));
        serde_json::to_vec(&json!({"records": records, "checkpoint": checkpoint, "erasures": []})).unwrap()
    }
}

/// The canonical encoding a sender would hash for this wire record, with
/// its fields copied as they stand (so a field in the wrong form is hashed
/// in that form, as another implementation would): its SHA-256 in hex.
fn sender_hash(record: &Value) -> String {
    let field = |name: &str| record[name].as_str().unwrap().to_owned();
    let minutes = record["utc_offset_minutes"].as_i64().unwrap();
    let offset = format!("{}{:02}:{:02}", if minutes < 0 { '-' } else { '+' }, minutes.abs() / 60, minutes.abs() % 60);
    let organisation = record["organisation_digest"].as_str().unwrap_or("-").to_owned();
    let text = format!(
        "signbook-record-v1\nid:{}\ndevice:{}\nseq:{}\nprev:{}\nagreement:{}\nrole:{}\nsigned_at:{}\nutc_offset:{offset}\nname:{}\norganisation:{organisation}\nsignature:{}\n",
        field("id"),
        field("device_id"),
        record["seq"],
        field("prev_hash"),
        field("agreement_hash"),
        field("role"),
        field("signed_at"),
        field("name_digest"),
        field("signature_digest"),
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[test]
fn authentication_headers_in_another_form_are_auth_missing_naming_the_header() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let kiosk = paired(&office, 1);
    let client = client(&office);
    let body = kiosk.body(kiosk.records(1, 1));
    let now = Utc::now().timestamp();

    // Signed over the upper-case id, as a kiosk that writes UUIDs in capitals would.
    let upper = kiosk.device.to_uppercase();
    let headers = signed_headers(&kiosk.key, &upper, PUSH_PATH, now.to_string(), &body);
    let (status, code, message) = answer(&client.post(PUSH_PATH, &headers, &body).unwrap());
    assert_eq!((status, code.as_str()), (401, "auth_missing"), "{message}");
    assert!(message.contains(HEADER_DEVICE) && message.contains("lowercase"), "names header and form: {message}");

    let headers = signed_headers(&kiosk.key, &kiosk.device, PUSH_PATH, format!("0{now}"), &body);
    let (status, code, message) = answer(&client.post(PUSH_PATH, &headers, &body).unwrap());
    assert_eq!((status, code.as_str()), (401, "auth_missing"), "{message}");
    assert!(message.contains(HEADER_TIMESTAMP), "{message}");

    let genuine = signed_headers(&kiosk.key, &kiosk.device, PUSH_PATH, now.to_string(), &body);
    for (header, value) in [(HEADER_NONCE, "not-hex-at-all!!".to_owned()), (HEADER_NONCE, "abc".into())] {
        let headers: Vec<_> =
            genuine.iter().map(|(n, v)| (*n, if *n == header { value.clone() } else { v.clone() })).collect();
        let (status, code, message) = answer(&client.post(PUSH_PATH, &headers, &body).unwrap());
        assert_eq!((status, code.as_str()), (401, "auth_missing"), "{header}={value}: {message}");
        assert!(message.contains(header), "{message}");
    }
    for missing in [HEADER_DEVICE, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE] {
        let headers: Vec<_> = genuine.iter().filter(|(n, _)| *n != missing).cloned().collect();
        let (status, code, message) = answer(&client.post(PUSH_PATH, &headers, &body).unwrap());
        assert_eq!((status, code.as_str()), (401, "auth_missing"), "without {missing}: {message}");
        assert!(message.contains(missing), "{message}");
    }
    // The same request with the headers in their form is taken.
    assert_eq!(answer(&client.post(PUSH_PATH, &genuine, &body).unwrap()).0, 200);
}

#[test]
fn pairing_is_signed_over_its_own_path_and_body_and_may_be_repeated() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let client = client(&office);
    let key = SigningKey::from_bytes(&[21; 32]);
    let device = Uuid::now_v7().hyphenated().to_string();
    let public_key = hex::encode(key.verifying_key().as_bytes());
    let pair = |code: &str, extra: Value| {
        let mut body = json!({"code": code, "device_id": device, "public_key": public_key});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        serde_json::to_vec(&body).unwrap()
    };

    // Signed as if it were a push: the path is part of what is signed.
    let body = pair(&office.pairing_code(), json!({}));
    let headers = signed_headers(&key, &device, PUSH_PATH, Utc::now().timestamp().to_string(), &body);
    let (status, code, _) = answer(&client.post(PAIR_PATH, &headers, &body).unwrap());
    assert_eq!((status, code.as_str()), (401, "signature_invalid"));

    // `kiosk_name` may be left out; the answer says what the office holds.
    let (status, _, answer_body) = post(&client, &key, &device, PAIR_PATH, &body);
    assert_eq!(status, 200, "{answer_body}");
    assert_eq!(serde_json::from_str::<Value>(&answer_body).unwrap()["acknowledged_seq"], 0);

    // An unknown field, or a key that is not one.
    let (status, code, _) = post(&client, &key, &device, PAIR_PATH, &pair(&office.pairing_code(), json!({"x": 1})));
    assert_eq!((status, code.as_str()), (400, "malformed_json"));
    let mut bad_key = serde_json::from_slice::<Value>(&pair(&office.pairing_code(), json!({}))).unwrap();
    bad_key["public_key"] = json!("zz".repeat(32));
    let (status, code, _) = post(&client, &key, &device, PAIR_PATH, &serde_json::to_vec(&bad_key).unwrap());
    assert_eq!((status, code.as_str()), (400, "public_key_invalid"));

    // Re-pairing the paired kiosk with a fresh code (and `kiosk_name` null) keeps what it sent.
    let kiosk_dir = tempfile::tempdir().unwrap();
    let mut store = kiosk(kiosk_dir.path(), 3);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let again = signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    assert_eq!(again.acknowledged_seq, 3, "a re-paired kiosk starts from what the office holds");
    let its_key = kiosk_key(kiosk_dir.path());
    let its_id = store.device_id().hyphenated().to_string();
    let body = serde_json::to_vec(&json!({"code": office.pairing_code(), "device_id": its_id,
        "public_key": hex::encode(its_key.verifying_key().as_bytes()), "kiosk_name": null}))
    .unwrap();
    assert_eq!(post(&client, &its_key, &its_id, PAIR_PATH, &body).0, 200);

    // The same id with another key is a conflict, not a takeover.
    let thief = SigningKey::from_bytes(&[22; 32]);
    let body = serde_json::to_vec(&json!({"code": office.pairing_code(), "device_id": its_id,
        "public_key": hex::encode(thief.verifying_key().as_bytes())}))
    .unwrap();
    let (status, code, _) = post(&client, &thief, &its_id, PAIR_PATH, &body);
    assert_eq!((status, code.as_str()), (409, "device_key_conflict"));
    assert_eq!(block_on(office.db().record_count(store.device_id())).unwrap(), 3);

    // Signed an hour ago, and a revoked kiosk pairing again.
    let body = serde_json::to_vec(&json!({"code": office.pairing_code(), "device_id": its_id,
        "public_key": hex::encode(its_key.verifying_key().as_bytes())}))
    .unwrap();
    let stale = signed_headers(&its_key, &its_id, PAIR_PATH, (Utc::now().timestamp() - 3600).to_string(), &body);
    let (status, code, _) = answer(&client.post(PAIR_PATH, &stale, &body).unwrap());
    assert_eq!((status, code.as_str()), (401, "clock_skew"));
    assert!(office.cli(&["revoke", &its_id]).status.success());
    let (status, code, _) = post(&client, &its_key, &its_id, PAIR_PATH, &body);
    assert_eq!((status, code.as_str()), (403, "device_revoked"));
}

#[test]
fn ids_hashes_and_times_in_another_form_are_record_invalid_before_any_hash_is_checked() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let kiosk = paired(&office, 2);
    let client = client(&office);

    type Change = fn(&mut Value);
    let cases: [(&str, Change, &str); 5] = [
        ("an upper-case id", |r| r["id"] = json!(r["id"].as_str().unwrap().to_uppercase()), "its id"),
        (
            "an upper-case device id",
            |r| r["device_id"] = json!(r["device_id"].as_str().unwrap().to_uppercase()),
            "its device_id",
        ),
        ("a time without milliseconds", |r| r["signed_at"] = json!("2026-11-02T08:00:00Z"), "its signed_at"),
        ("a time with an offset", |r| r["signed_at"] = json!("2026-11-02T09:00:00.000+01:00"), "its signed_at"),
        (
            "an upper-case agreement hash",
            |r| r["agreement_hash"] = json!(r["agreement_hash"].as_str().unwrap().to_uppercase()),
            "its agreement_hash",
        ),
    ];
    for (what, change, named) in cases {
        let mut records = kiosk.records(1, 2);
        change(&mut records[1]);
        // Hashed by the sender in the form it sent, so only the form is wrong.
        records[1]["hash"] = json!(sender_hash(&records[1]));
        let (status, code, message) = post(&client, &kiosk.key, &kiosk.device, PUSH_PATH, &kiosk.body(records));
        assert_eq!((status, code.as_str()), (422, "record_invalid"), "{what}: {message}");
        assert!(message.starts_with("record 2: ") && message.contains(named), "{what}: names the rule: {message}");
    }
    assert_eq!(block_on(office.db().record_count(kiosk.store.device_id())).unwrap(), 0, "nothing stored");
    let kinds: Vec<String> = block_on(office.db().alerts()).unwrap().into_iter().map(|a| a.kind).collect();
    assert_eq!(kinds, vec!["record_invalid"; 5], "each kept for staff");
}

#[test]
fn what_a_push_body_may_leave_out_and_what_it_may_not() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let kiosk = paired(&office, 2);
    let client = client(&office);
    let push = |body: Value| post(&client, &kiosk.key, &kiosk.device, PUSH_PATH, &serde_json::to_vec(&body).unwrap());

    // `checkpoint` may be null or absent when there are no records; `erasures` may not be absent.
    assert_eq!(push(json!({"records": [], "erasures": []})).0, 200);
    assert_eq!(push(json!({"records": [], "checkpoint": null, "erasures": []})).0, 200);
    let (status, code, message) = push(json!({"records": [], "checkpoint": null}));
    assert_eq!((status, code.as_str()), (400, "malformed_json"), "{message}");
    assert!(message.contains("erasures"), "{message}");

    // Unknown fields are refused, at the top and inside a record.
    let mut records = kiosk.records(1, 2);
    records[0]["note"] = json!("hello");
    let (status, code, message) = push(json!({"records": records, "erasures": []}));
    assert_eq!((status, code.as_str()), (400, "malformed_json"), "{message}");
    assert!(message.contains("note"), "{message}");

    // Records need a checkpoint over the last of them.
    let (status, code, message) = push(json!({"records": kiosk.records(1, 2), "erasures": []}));
    assert_eq!((status, code.as_str()), (422, "checkpoint_invalid"), "{message}");

    // A record of another kiosk, and a tombstone without its erasure.
    let mut records = kiosk.records(1, 2);
    records[1]["device_id"] = json!(Uuid::now_v7().hyphenated().to_string());
    let (status, code, _) = post(&client, &kiosk.key, &kiosk.device, PUSH_PATH, &kiosk.body(records));
    assert_eq!((status, code.as_str()), (422, "wrong_device"));
    let mut records = kiosk.records(1, 2);
    records[1]["personal"] = Value::Null;
    let (status, code, message) = post(&client, &kiosk.key, &kiosk.device, PUSH_PATH, &kiosk.body(records));
    assert_eq!((status, code.as_str()), (422, "erasure_inconsistent"), "{message}");

    // The organisation null or left out is the same: no organisation.
    let mut records = kiosk.records(1, 2);
    assert!(!records[0]["personal"]["organisation"].is_null(), "record 1 has an organisation");
    let record = &mut records[1];
    assert!(record["personal"]["organisation"].is_null(), "record 2 has none");
    let personal = record["personal"].as_object_mut().unwrap();
    personal.remove("organisation");
    personal.remove("organisation_salt");
    record.as_object_mut().unwrap().remove("organisation_digest");
    record.as_object_mut().unwrap().remove("erasure");
    let (status, _, message) = post(&client, &kiosk.key, &kiosk.device, PUSH_PATH, &kiosk.body(records));
    assert_eq!(status, 200, "{message}");
    assert_eq!(block_on(office.db().record_count(kiosk.store.device_id())).unwrap(), 2);
}

#[test]
fn records_that_do_not_link_are_a_broken_link_not_a_fork() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let mut kiosk = paired(&office, 4);
    let client = client(&office);

    // Record 3 names another previous hash (re-hashed, and record 4 follows it): a batch that is not a chain.
    let mut records = kiosk.records(1, 4);
    records[2]["prev_hash"] = json!("ab".repeat(32));
    records[2]["hash"] = json!(sender_hash(&records[2]));
    records[3]["prev_hash"] = records[2]["hash"].clone();
    records[3]["hash"] = json!(sender_hash(&records[3]));
    let (status, code, message) = post(&client, &kiosk.key, &kiosk.device, PUSH_PATH, &kiosk.body(records));
    assert_eq!((status, code.as_str()), (422, "broken_link"), "{message}");
    assert!(message.contains("record 3 does not link to record 2"), "{message}");
    assert!(message.contains("not a restored kiosk database"), "a kiosk must not take it for a fork: {message}");

    // Record 1 must name 64 zeros.
    let mut records = kiosk.records(1, 1);
    records[0]["prev_hash"] = json!("01".repeat(32));
    records[0]["hash"] = json!(sender_hash(&records[0]));
    let (status, code, message) = post(&client, &kiosk.key, &kiosk.device, PUSH_PATH, &kiosk.body(records));
    assert_eq!((status, code.as_str()), (422, "broken_link"), "{message}");
    let db = office.db();
    assert_eq!(block_on(db.record_count(kiosk.store.device_id())).unwrap(), 0);
    let alerts: Vec<(String, Option<u64>)> =
        block_on(db.alerts()).unwrap().into_iter().map(|a| (a.kind, a.seq)).collect();
    assert_eq!(alerts, [("broken_link".to_owned(), Some(3)), ("broken_link".to_owned(), Some(1))]);

    // Contradicting a record the office holds is still a fork.
    let (status, _, message) = post(&client, &kiosk.key, &kiosk.device, PUSH_PATH, &kiosk.body(kiosk.records(1, 2)));
    assert_eq!(status, 200, "{message}");
    let mut records = kiosk.records(3, 3);
    records[0]["prev_hash"] = json!("cd".repeat(32));
    records[0]["hash"] = json!(sender_hash(&records[0]));
    let (status, code, message) = post(&client, &kiosk.key, &kiosk.device, PUSH_PATH, &kiosk.body(records));
    assert_eq!((status, code.as_str()), (409, "fork"), "{message}");
    assert!(message.contains("record 2 "), "the held record it contradicts: {message}");

    // A kiosk whose own chain was broken (its database edited) is told its
    // records were refused, not that it was restored from an older copy.
    let tamperer = rusqlite::Connection::open(kiosk._dir.path().join("kiosk.db")).unwrap();
    tamperer
        .execute_batch(&format!(
            "DROP TRIGGER records_change_only_by_erasure; UPDATE records SET prev_hash = '{}' WHERE seq = 3",
            "ef".repeat(32)
        ))
        .unwrap();
    let err = signbook_sync::push(&mut kiosk.store).unwrap_err();
    assert!(matches!(&err, signbook_sync::SyncError::OfficeRefused { code, .. } if code == "broken_link"), "{err:?}");
    let status = kiosk.store.sync_status().unwrap();
    assert_eq!(status.last_error_code.as_deref(), Some("office.broken_link"), "what the admin area translates");
    assert_eq!(block_on(db.record_count(kiosk.store.device_id())).unwrap(), 2, "nothing more stored");
}

//! Each refusal gets its own error code and a message a person can act on:
//! pinning, pairing codes, revoked and unpaired kiosks, forged, replayed or
//! tampered requests, oversized and malformed bodies, and forks.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use chrono::Utc;
use common::{Office, block_on, kiosk, sign};
use ed25519_dalek::SigningKey;
use rustls::pki_types::ServerName;
use signbook_core::Store;
use signbook_core::checkpoint::Checkpoint;
use signbook_sync::SyncError;
use signbook_sync::auth::sign_request;
use signbook_sync::http::{HttpResponse, OfficeClient};
use signbook_sync::tls::pinned_client_config;
use signbook_sync::wire::{ErrorBody, PushRequest, WireCheckpoint, WireRecord};
use signbook_sync::{PUSH_PATH, parse_fingerprint};
use uuid::Uuid;

fn refused(result: Result<impl std::fmt::Debug, SyncError>) -> (String, String) {
    match result {
        Err(SyncError::OfficeRefused { code, message, .. }) => (code, message),
        other => panic!("expected a refusal from the office, got {other:?}"),
    }
}

fn error_of(response: &HttpResponse) -> (u16, String, String) {
    let body: ErrorBody = serde_json::from_slice(&response.body)
        .unwrap_or_else(|_| panic!("JSON error body: {}", String::from_utf8_lossy(&response.body)));
    (response.status, body.code, body.message)
}

fn client(office: &Office) -> OfficeClient {
    OfficeClient::new(&office.url(), parse_fingerprint(&office.fingerprint).unwrap()).unwrap()
}

/// A push body of records `from..=to` of `store`, with a genuine checkpoint.
fn batch(store: &Store, key: &SigningKey, from: u64, to: u64) -> PushRequest {
    let records: Vec<WireRecord> =
        (from..=to).map(|s| WireRecord::from_record(&store.record(s).unwrap(), None)).collect();
    let last = records.last().unwrap();
    let checkpoint = WireCheckpoint::new(&Checkpoint::sign(key, store.device_id(), last.seq, last.hash));
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
}

fn post(client: &OfficeClient, key: &SigningKey, device: Uuid, body: &[u8]) -> HttpResponse {
    let headers = sign_request(key, &device, "POST", PUSH_PATH, Utc::now().timestamp(), body);
    client.post(PUSH_PATH, &headers, body).unwrap()
}

fn kiosk_key(dir: &std::path::Path) -> SigningKey {
    signbook_core::device::load_key(&dir.join("kiosk.db.key")).unwrap()
}

#[test]
fn pinning_and_pairing_codes_refuse_with_specific_errors() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (mut a, mut b) = (kiosk(a_dir.path(), 3), kiosk(b_dir.path(), 3));
    let code = office.pairing_code();

    let wrong = "ab".repeat(32);
    let err = signbook_sync::pair(&mut a, &office.url(), &code, &wrong).unwrap_err();
    assert_eq!(err.code(), "fingerprint_mismatch");
    let message = err.to_string();
    assert!(
        message.contains(&format!("expected {wrong}")) && message.contains(&format!("got {}", office.fingerprint)),
        "{message}"
    );
    assert!(a.sync_config().unwrap().is_none(), "nothing is saved after a refused pairing");

    assert_eq!(
        signbook_sync::pair(&mut a, &office.url(), &code, "not-a-fingerprint").unwrap_err().code(),
        "fingerprint_invalid"
    );
    let (c, m) = refused(signbook_sync::pair(&mut a, &office.url(), "AAAAA-AAAAA", &office.fingerprint));
    assert_eq!(c, "pairing_code_invalid", "{m}");

    // Typed in lower case with a space: still the same code.
    let typed = code.to_lowercase().replace('-', " ");
    signbook_sync::pair(&mut a, &office.url(), &typed, &office.fingerprint).unwrap();
    // The same kiosk retrying (its answer was lost) is fine; another kiosk is not.
    signbook_sync::pair(&mut a, &office.url(), &code, &office.fingerprint).unwrap();
    let (c, m) = refused(signbook_sync::pair(&mut b, &office.url(), &code, &office.fingerprint));
    assert_eq!(c, "pairing_code_used");
    assert!(m.contains("signbook-office pair"), "says what to do: {m}");

    let expiring = office.pairing_code();
    office.sql("UPDATE pairing_codes SET expires_at = '2020-01-01T00:00:00.000Z' WHERE used_at IS NULL").unwrap();
    let (c, m) = refused(signbook_sync::pair(&mut b, &office.url(), &expiring, &office.fingerprint));
    assert_eq!(c, "pairing_code_expired");
    assert!(m.contains("15 minutes"), "{m}");
}

#[test]
fn unpaired_revoked_forged_replayed_and_stale_requests_are_refused() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let (dir, stranger_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut store = kiosk(dir.path(), 5);
    let stranger = kiosk(stranger_dir.path(), 2);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    let (client, key, device) = (client(&office), kiosk_key(dir.path()), store.device_id());
    let body = serde_json::to_vec(&batch(&store, &key, 1, 5)).unwrap();

    let unpaired = post(
        &client,
        &kiosk_key(stranger_dir.path()),
        stranger.device_id(),
        &serde_json::to_vec(&batch(&stranger, &kiosk_key(stranger_dir.path()), 1, 2)).unwrap(),
    );
    let (status, code, _) = error_of(&unpaired);
    assert_eq!((status, code.as_str()), (401, "device_not_paired"));

    let forger = SigningKey::from_bytes(&[9; 32]);
    let forged = post(&client, &forger, device, &body);
    let (status, code, message) = error_of(&forged);
    assert_eq!((status, code.as_str()), (401, "signature_invalid"), "{message}");

    let stale_headers = sign_request(&key, &device, "POST", PUSH_PATH, Utc::now().timestamp() - 3600, &body);
    let (status, code, message) = error_of(&client.post(PUSH_PATH, &stale_headers, &body).unwrap());
    assert_eq!((status, code.as_str()), (401, "clock_skew"), "{message}");
    assert!(message.contains("set the kiosk's date and time"), "{message}");

    let headers = sign_request(&key, &device, "POST", PUSH_PATH, Utc::now().timestamp(), &body);
    assert_eq!(client.post(PUSH_PATH, &headers, &body).unwrap().status, 200);
    let (status, code, _) = error_of(&client.post(PUSH_PATH, &headers, &body).unwrap());
    assert_eq!((status, code.as_str()), (401, "replay"), "the very same request twice");

    let db = office.db();
    assert_eq!(block_on(db.record_count(device)).unwrap(), 5);
    let kinds: Vec<String> = block_on(db.alerts()).unwrap().into_iter().map(|a| a.kind).collect();
    assert_eq!(kinds, ["signature_invalid", "replay"], "forgery and replay are kept for staff");

    let revoke = office.cli(&["revoke", &device.to_string()]);
    assert!(revoke.status.success(), "{}", String::from_utf8_lossy(&revoke.stderr));
    sign(&mut store, 1);
    let (c, m) = refused(signbook_sync::push(&mut store));
    assert_eq!(c, "device_revoked", "{m}");
    let status = store.sync_status().unwrap();
    // Pending counts what the office has acknowledged to this kiosk; the
    // hand-made pushes above were never acknowledged to it.
    assert_eq!(
        (status.last_error_code.as_deref(), status.pending),
        (Some("office.device_revoked"), 6),
        "shown in the admin area"
    );
    assert_eq!(block_on(db.record_count(device)).unwrap(), 5);
}

#[test]
fn tampered_records_and_forged_checkpoints_store_nothing() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let mut store = kiosk(dir.path(), 6);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    let (client, key, device) = (client(&office), kiosk_key(dir.path()), store.device_id());

    let mut role = batch(&store, &key, 1, 6);
    role.records[3].role = "governor".into();
    let (status, code, message) = error_of(&post(&client, &key, device, &serde_json::to_vec(&role).unwrap()));
    assert_eq!((status, code.as_str()), (422, "record_hash_mismatch"), "{message}");
    assert!(message.starts_with("record 4 was altered"), "{message}");

    let mut name = batch(&store, &key, 1, 6);
    name.records[1].personal.as_mut().unwrap().name = "Someone Else".into();
    let (_, code, message) = error_of(&post(&client, &key, device, &serde_json::to_vec(&name).unwrap()));
    assert_eq!(code, "personal_data_mismatch", "{message}");
    assert!(message.contains("record 2") && message.contains("name"), "{message}");

    let mut checkpoint = batch(&store, &key, 1, 6);
    let last = checkpoint.records.last().unwrap();
    checkpoint.checkpoint =
        Some(WireCheckpoint::new(&Checkpoint::sign(&SigningKey::from_bytes(&[7; 32]), device, last.seq, last.hash)));
    let (_, code, message) = error_of(&post(&client, &key, device, &serde_json::to_vec(&checkpoint).unwrap()));
    assert_eq!(code, "checkpoint_invalid", "{message}");

    let gap = batch(&store, &key, 3, 6);
    let response = post(&client, &key, device, &serde_json::to_vec(&gap).unwrap());
    let body: ErrorBody = serde_json::from_slice(&response.body).unwrap();
    assert_eq!((response.status, body.code.as_str(), body.acknowledged_seq), (409, "gap", Some(0)), "{}", body.message);

    let db = office.db();
    assert_eq!(block_on(db.record_count(device)).unwrap(), 0, "nothing of a refused batch is stored");
    let kinds: Vec<String> = block_on(db.alerts()).unwrap().into_iter().map(|a| a.kind).collect();
    assert_eq!(kinds, ["record_hash_mismatch", "personal_data_mismatch", "checkpoint_invalid", "gap"]);
    signbook_sync::push(&mut store).unwrap();
    assert_eq!(block_on(db.record_count(device)).unwrap(), 6, "the genuine chain is then accepted");
}

#[test]
fn malformed_json_is_400_and_unknown_endpoints_404() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let mut store = kiosk(dir.path(), 1);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    let (client, key) = (client(&office), kiosk_key(dir.path()));

    let (status, code, message) = error_of(&post(&client, &key, store.device_id(), br#"{"records": [{"seq": "#));
    assert_eq!((status, code.as_str()), (400, "malformed_json"), "{message}");
    assert!(message.contains("line 1 column"), "says where: {message}");
    let (status, code, message) = error_of(&post(
        &client,
        &key,
        store.device_id(),
        br#"{"records": [], "checkpoint": null, "erasures": [], "extra": 1}"#,
    ));
    assert_eq!((status, code.as_str()), (400, "malformed_json"), "{message}");
    let (status, code, _) = error_of(&client.post("/v2/push", &[], b"{}").unwrap());
    assert_eq!((status, code.as_str()), (404, "not_found"));
}

fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim()
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap()
}

/// Opens a pinned TLS connection for hand-written HTTP.
fn tls(office: &Office) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let (config, _) = pinned_client_config(parse_fingerprint(&office.fingerprint).unwrap());
    let conn = rustls::ClientConnection::new(Arc::clone(&config), ServerName::try_from("localhost").unwrap()).unwrap();
    rustls::StreamOwned::new(conn, TcpStream::connect(office.addr).unwrap())
}

#[test]
fn a_50_mb_body_gets_413_without_the_office_buffering_it() {
    const FIFTY_MB: usize = 50 * 1024 * 1024;
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let before = peak_rss_kb(office.child.id());

    // Declared up front: refused before a byte of the body is read.
    let mut stream = tls(&office);
    write!(stream, "POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {FIFTY_MB}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n").unwrap();
    stream.flush().unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(r#""code":"body_too_large""#), "{answer}");

    // Streamed without a length: the office stops reading at its limit.
    let mut stream = tls(&office);
    // Well-formed (if unknown) credentials, so the office gets as far as reading.
    let auth = sign_request(
        &SigningKey::from_bytes(&[5; 32]),
        &Uuid::new_v4(),
        "POST",
        PUSH_PATH,
        Utc::now().timestamp(),
        b"",
    );
    let auth: String = auth.iter().map(|(n, v)| format!("{n}: {v}\r\n")).collect();
    write!(stream, "POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n{auth}Connection: close\r\n\r\n").unwrap();
    let chunk = vec![b' '; 256 * 1024];
    let mut sent = 0;
    while sent < FIFTY_MB {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        if stream.write_all(&framed).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        sent < FIFTY_MB || answer.starts_with("HTTP/1.1 413"),
        "either cut off or answered 413; got {answer:?} after {sent} bytes"
    );
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 413"), "{answer}");
    let grown_mb = (peak_rss_kb(office.child.id()).saturating_sub(before)) / 1024;
    assert!(grown_mb < 30, "the office's peak memory grew by {grown_mb} MB: it buffered the body");
}

//! A paired kiosk that breaks the record format's field rules, with every
//! hash, digest and checkpoint made correctly, so only the rules can catch
//! it. A penetration test found the office stored names the kiosk itself
//! refuses (bidi overrides, CR/LF, NUL, 5,000 characters), a role
//! `Visitor`, a 6,000-minute offset, a UUIDv4 id and a 12,000-pixel image.

mod common;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::record::{Record, field_digest, labels};
use signbook_sync::PUSH_PATH;
use signbook_sync::auth::sign_request;
use signbook_sync::http::OfficeClient;
use signbook_sync::wire::{ErrorBody, PushRequest, WireCheckpoint, WireRecord};

use common::{Office, block_on, kiosk};

/// Re-hashes `record` after a change, as a tamperer holding the key would.
fn rehash(mut record: Record) -> Record {
    if let Some(p) = &record.personal {
        record.header.name_digest = field_digest(labels::NAME, &p.name_salt, p.name.as_bytes());
        record.header.organisation_digest =
            p.organisation.as_ref().map(|(o, salt)| field_digest(labels::ORGANISATION, salt, o.as_bytes()));
        record.header.signature_digest = field_digest(labels::SIGNATURE, &p.signature_salt, &p.signature_png);
    }
    record.hash = record.header.hash();
    record
}

fn push_one(client: &OfficeClient, key: &SigningKey, record: &Record) -> (u16, String, String) {
    let wire = WireRecord::from_record(record, None);
    let checkpoint = WireCheckpoint::new(&Checkpoint::sign(key, record.header.device_id, 1, record.hash));
    let request = PushRequest {
        records: vec![wire],
        checkpoint: Some(checkpoint),
        erasures: vec![],
        agreements: vec![],
        kiosk_head_seq: None,
        erasure_entries: vec![],
        configuration: None,
        held_entries: vec![],
    };
    let body = serde_json::to_vec(&request).unwrap();
    let headers = sign_request(key, &record.header.device_id, "POST", PUSH_PATH, Utc::now().timestamp(), &body);
    let response = client.post(PUSH_PATH, &headers, &body).unwrap();
    if response.status == 200 {
        return (200, String::new(), String::new());
    }
    let error: ErrorBody = serde_json::from_slice(&response.body).unwrap();
    (response.status, error.code, error.message)
}

fn big_png(side: u32) -> Vec<u8> {
    use image::ImageEncoder as _;
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&vec![255u8; (side * side) as usize], side, side, image::ExtendedColorType::L8)
        .unwrap();
    png
}

#[test]
fn records_a_kiosk_would_never_write_are_refused_naming_the_rule() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let mut store = kiosk(dir.path(), 1);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    let key = signbook_core::device::load_key(&dir.path().join("kiosk.db.key")).unwrap();
    let client =
        OfficeClient::new(&office.url(), signbook_sync::parse_fingerprint(&office.fingerprint).unwrap()).unwrap();
    let genuine = store.record(1).unwrap();

    type Change = Box<dyn Fn(&mut Record)>;
    let name = |text: &'static str| -> Change { Box::new(move |r| r.personal.as_mut().unwrap().name = text.into()) };
    let cases: Vec<(&str, Change, &str)> = vec![
        ("a bidi override in the name", name("Ja\u{202E}ne Doe"), "name"),
        ("a line break in the name", name("Jane\r\nDoe"), "name"),
        ("a NUL in the name", name("Jane\0Doe"), "name"),
        ("a name as typed, not normalised", name("  jane   doe "), "name"),
        ("a 5,000-character name", Box::new(|r| r.personal.as_mut().unwrap().name = "a".repeat(5000)), "name"),
        (
            "a blank organisation",
            Box::new(|r| r.personal.as_mut().unwrap().organisation = Some((" ".into(), [1; 16]))),
            "organisation",
        ),
        ("a role in capitals", Box::new(|r| r.header.role = "Visitor".into()), "role"),
        ("a 40-character role", Box::new(|r| r.header.role = "v".repeat(40)), "role"),
        ("a 6,000-minute offset", Box::new(|r| r.header.utc_offset_minutes = 6000), "UTC offset"),
        ("a UUIDv4 id", Box::new(|r| r.header.id = uuid::Uuid::new_v4()), "UUIDv7"),
        (
            "a 3,000-pixel-square image",
            Box::new(|r| r.personal.as_mut().unwrap().signature_png = big_png(3000)),
            "3000x3000",
        ),
    ];
    for (what, change, named) in &cases {
        let mut record = genuine.clone();
        change(&mut record);
        let (status, code, message) = push_one(&client, &key, &rehash(record));
        assert_eq!((status, code.as_str()), (422, "record_invalid"), "{what}: {message}");
        assert!(message.contains(named), "{what}: the message names the rule: {message}");
        assert_eq!(block_on(office.db().record_count(store.device_id())).unwrap(), 0, "{what}: nothing stored");
    }
    let alerts = office.cli(&["alerts"]);
    let alerts = String::from_utf8_lossy(&alerts.stdout);
    assert!(alerts.contains("record_invalid"), "staff see an alert: {alerts}");

    // The genuine record, re-hashed the same way, is taken.
    let (status, _, message) = push_one(&client, &key, &rehash(genuine));
    assert_eq!(status, 200, "{message}");
    assert_eq!(block_on(office.db().record_count(store.device_id())).unwrap(), 1);
}

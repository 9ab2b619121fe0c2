//! Freezes the sync wire format (`docs/sync-protocol.md`): the JSON of
//! every request and response body, and the bytes a request signature
//! covers. A kiosk and an office of different versions must agree on
//! these, so a change here is a new protocol version, never a fix-up.
//! To write the file the first time: `SIGNBOOK_WRITE_GOLDEN=1 cargo test --test sync_wire`.

use chrono::DateTime;
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use sha2::Digest as _;
use signbook_core::Hash32;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::erasure::{ChainErasure, ErasureEntry, ReasonCategory, Requester};
use signbook_core::held::{ChainHeld, HeldEntry};
use signbook_core::privacy_notice::PrivacyNotice;
use signbook_core::record::{PersonalData, Record, RecordHeader, field_digest, labels};
use signbook_core::store::Erasure;
use signbook_sync::CONFIGURATION_PATH;
use signbook_sync::auth::request_message;
use signbook_sync::configuration::{
    CONFIGURATION_FORMAT, Configuration, ConfigurationAgreement, ConfigurationRequest, ConfigurationSettings,
    ConfigurationStatus, SignedConfiguration, WireResignRule,
};
use signbook_sync::wire::{
    ErrorBody, PairRequest, PairResponse, PakeAnswer, PakeConfirm, PakeStart, PushRequest, PushResponse, WireAgreement,
    WireCheckpoint, WireEraseDetail, WireErasure, WireErasureEntry, WireHeldEntry, WireRecord,
};
use uuid::Uuid;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/sync_wire.json");
const DEVICE: &str = "5b0a6f1e-3c9d-4e2a-9f47-1d2c3b4a5e6f";

fn record(seq: u64, prev: Hash32, name: &str, organisation: Option<&str>) -> Record {
    let (name_salt, org_salt, sig_salt) = ([seq as u8; 16], [0xA0 | seq as u8; 16], [0x50 | seq as u8; 16]);
    let png = b"\x89PNG\r\n\x1a\n-not-a-real-image".to_vec();
    let header = RecordHeader {
        id: Uuid::parse_str(&format!("019375a2-8c00-7a1b-8c3d-4e5f6071829{seq}")).unwrap(),
        device_id: Uuid::parse_str(DEVICE).unwrap(),
        seq,
        prev_hash: prev,
        agreement_hash: Hash32::of(b"# AUP\n"),
        role: "visitor".into(),
        signed_at: DateTime::parse_from_rfc3339("2026-06-01T08:15:30.250Z").unwrap().to_utc(),
        utc_offset_minutes: 60,
        name_digest: field_digest(labels::NAME, &name_salt, name.as_bytes()),
        organisation_digest: organisation.map(|o| field_digest(labels::ORGANISATION, &org_salt, o.as_bytes())),
        signature_digest: field_digest(labels::SIGNATURE, &sig_salt, &png),
    };
    let hash = header.hash();
    let personal = PersonalData {
        name: name.into(),
        name_salt,
        organisation: organisation.map(|o| (o.to_owned(), org_salt)),
        signature_png: png,
        signature_salt: sig_salt,
    };
    Record { header, hash, personal: Some(personal) }
}

fn current() -> Value {
    let key = SigningKey::from_bytes(&[1; 32]);
    let device = Uuid::parse_str(DEVICE).unwrap();
    let first = record(1, Hash32::ZERO, "Zoë O'Brien", Some("Acme Ltd"));
    let mut second = record(2, first.hash, "Sam Lee", None);
    second.personal = None;
    let erasure = Erasure {
        reason: "subject access request 2026-14".into(),
        erased_at: DateTime::parse_from_rfc3339("2026-06-02T10:00:00.000Z").unwrap().to_utc(),
    };
    let push = PushRequest {
        records: vec![WireRecord::from_record(&first, None), WireRecord::from_record(&second, Some(&erasure))],
        checkpoint: Some(WireCheckpoint::new(&Checkpoint::sign(&key, device, 2, second.hash))),
        erasures: vec![WireErasure::new(1, &erasure)],
        agreements: vec![],
        kiosk_head_seq: None,
        erasure_entries: vec![],
        configuration: None,
        held_entries: vec![],
    };
    // Added to v1 (optional, absent when empty): the agreement texts the
    // records name, and the kiosk's own head for the office's backlog view.
    let with_agreements = PushRequest {
        records: vec![WireRecord::from_record(&first, None)],
        checkpoint: Some(WireCheckpoint::new(&Checkpoint::sign(&key, device, 1, first.hash))),
        erasures: vec![],
        agreements: vec![WireAgreement {
            hash: Hash32::of(b"# AUP\n"),
            title: "IT Acceptable Use".into(),
            text: "# AUP\n".into(),
            published_at: "2026-05-01T07:00:00.000Z".into(),
            roles: vec!["visitor".into(), "staff".into()],
        }],
        kiosk_head_seq: Some(2),
        erasure_entries: vec![],
        configuration: None,
        held_entries: vec![],
    };
    // Added for record format 2 (optional, absent when empty): record 2
    // erased after it was sent, as the chain's erasure entry 3.
    let entry = ErasureEntry {
        id: Uuid::parse_str("019375a3-0000-7d4e-8f60-718293041526").unwrap(),
        device_id: device,
        seq: 3,
        prev_hash: second.hash,
        target_seq: 2,
        target_hash: second.hash,
        erased_at: erasure.erased_at,
        recorded_at: erasure.erased_at,
        requested_by: Requester::KioskAdmin,
        reason: ReasonCategory::Request,
    };
    let entry = ChainErasure { hash: entry.hash(), entry, reason_text: "subject access request 2026-14".into() };
    let with_erasure_entry = PushRequest {
        records: vec![],
        checkpoint: Some(WireCheckpoint::new(&Checkpoint::sign(&key, device, 3, entry.hash))),
        erasures: vec![],
        agreements: vec![],
        kiosk_head_seq: Some(3),
        erasure_entries: vec![WireErasureEntry::new(&entry)],
        configuration: None,
        held_entries: vec![],
    };
    let pair = PairRequest {
        code: "7KQ2M-9XDRT".into(),
        device_id: device,
        public_key: hex::encode(key.verifying_key().as_bytes()),
        kiosk_name: Some("Hillside Primary".into()),
    };
    let message =
        request_message("POST", "/v1/push", &device, 1_780_000_000, "00112233445566778899aabbccddeeff", b"{}");
    // Added for implementers of other kiosks: the pairing request's signed
    // message, over its own path and the exact bytes of its body.
    let pair_body = serde_json::to_string(&pair).unwrap();
    let pair_message = request_message(
        "POST",
        "/v1/pair",
        &device,
        1_780_000_000,
        "ffeeddccbbaa99887766554433221100",
        pair_body.as_bytes(),
    );
    let mut frozen = json!({
        "pair_request": pair,
        "pair_response": PairResponse { device_id: device, paired_at: "2026-06-01T08:00:00.000Z".into(), acknowledged_seq: 0, next_certificate: None },
        "push_request": push,
        "push_request_with_agreements": with_agreements,
        "push_request_with_erasure_entry": with_erasure_entry,
        "push_response": PushResponse { acknowledged_seq: 2, stored: 2, duplicates: 0, erasures_applied: 0, erase: vec![], erase_details: vec![], next_certificate: None, configuration_version: None },
        "push_response_with_erase": PushResponse { acknowledged_seq: 2, stored: 0, duplicates: 0, erasures_applied: 0, erase: vec![WireErasure::new(1, &erasure)], erase_details: vec![], next_certificate: None, configuration_version: None },
        // Added for record format 2 (optional, absent when empty): who asked the office to erase.
        "push_response_with_erase_details": PushResponse { acknowledged_seq: 2, stored: 0, duplicates: 0, erasures_applied: 0, erase: vec![WireErasure::new(1, &erasure)], erase_details: vec![WireEraseDetail { seq: 1, requested_by: "office-staff:3".into(), reason: "request".into() }], next_certificate: None, configuration_version: None },
        // Added to v1 (optional, absent unless the office has a next certificate staged).
        "push_response_with_next_certificate": PushResponse { acknowledged_seq: 2, stored: 0, duplicates: 0, erasures_applied: 0, erase: vec![], erase_details: vec![], next_certificate: Some(Hash32::of(b"next office certificate")), configuration_version: None },
        "pair_response_with_next_certificate": PairResponse { device_id: device, paired_at: "2026-06-01T08:00:00.000Z".into(), acknowledged_seq: 0, next_certificate: Some(Hash32::of(b"next office certificate")) },
        "error_gap": ErrorBody { code: "gap".into(), message: "gap: the office holds records up to 0 of this kiosk, but the batch starts at 3; resend from 1".into(), acknowledged_seq: Some(0) },
        "error_fork": ErrorBody { code: "fork".into(), message: "fork: ...".into(), acknowledged_seq: None },
        "signed_request_message": String::from_utf8(message).unwrap(),
        "signed_request_message_body": "{}",
        "signed_pair_request_message": String::from_utf8(pair_message).unwrap(),
        "signed_pair_request_body": pair_body,
        // Added to v1: pairing with the code alone (docs/sync-protocol.md).
        "pake_start": PakeStart { code_id: "7K".into(), device_id: device, kiosk_message: "aa".repeat(33) },
        "pake_answer": PakeAnswer { exchange_id: "0123456789abcdef0123456789abcdef".into(), office_message: "bb".repeat(33), office_confirm: "cc".repeat(32) },
        "pake_confirm": PakeConfirm { exchange_id: "0123456789abcdef0123456789abcdef".into(), kiosk_confirm: "dd".repeat(32), device_id: device, public_key: hex::encode(key.verifying_key().as_bytes()), kiosk_name: Some("Main reception".into()) },
        "error_broken_link": ErrorBody { code: "broken_link".into(), message: "record 3 does not link to record 2: ...".into(), acknowledged_seq: None },
    });
    frozen.as_object_mut().unwrap().extend(configuration_keys(device, with_agreements));
    frozen.as_object_mut().unwrap().extend(held_keys(&key, device, &first, entry.hash));
    frozen
}

/// Added for record format 3 (optional, absent when empty, sent only to an
/// office that announced configurations): the kiosk removed record 1's
/// personal data, which the office holds, as the chain's held entry 4.
fn held_keys(key: &SigningKey, device: Uuid, first: &Record, prev: Hash32) -> serde_json::Map<String, Value> {
    let entry = HeldEntry {
        id: Uuid::parse_str("019375a4-0000-7a1b-8c3d-4e5f60718293").unwrap(),
        device_id: device,
        seq: 4,
        prev_hash: prev,
        target_seq: 1,
        target_hash: first.hash,
        removed_at: DateTime::parse_from_rfc3339("2026-07-01T08:15:31.000Z").unwrap().to_utc(),
        acknowledged_at: DateTime::parse_from_rfc3339("2026-06-01T08:16:02.750Z").unwrap().to_utc(),
        office_certificate_sha256: Hash32::of(b"office certificate"),
    };
    let held = ChainHeld { hash: entry.hash(), entry };
    let push = PushRequest {
        records: vec![],
        checkpoint: Some(WireCheckpoint::new(&Checkpoint::sign(key, device, 4, held.hash))),
        erasures: vec![],
        agreements: vec![],
        kiosk_head_seq: Some(4),
        erasure_entries: vec![],
        configuration: Some(ConfigurationStatus { applied: 3, current: Default::default() }),
        held_entries: vec![WireHeldEntry::new(&held)],
    };
    // The office's local limit, in a configuration's settings; absent (30
    // days) in configurations from before it, so those bytes are unchanged.
    let settings = ConfigurationSettings { local_retention_days: Some(30), ..Default::default() };
    json!({ "push_request_with_held_entry": push, "configuration_settings_with_local_retention": settings })
        .as_object()
        .unwrap()
        .clone()
}

/// Added to v1 (issue 17): the office's signed configuration. Optional on
/// both sides: the push answer's `configuration_version`, and the push
/// request's `configuration`, which a kiosk sends only to an office whose
/// answers carried the version.
fn configuration_keys(device: Uuid, push: PushRequest) -> serde_json::Map<String, Value> {
    let text = "# AUP\n";
    let configuration = Configuration {
        format: CONFIGURATION_FORMAT.into(),
        version: 3,
        issued_at: "2026-09-01T07:30:00.000Z".into(),
        office_certificate_sha256: Hash32::of(b"office certificate"),
        agreements: vec![ConfigurationAgreement {
            hash: Hash32::of(text.as_bytes()),
            title: "IT Acceptable Use".into(),
            text: text.into(),
            roles: vec!["staff".into(), "visitor".into()],
        }],
        current: [
            ("staff".to_owned(), Hash32::of(text.as_bytes())),
            ("visitor".to_owned(), Hash32::of(text.as_bytes())),
        ]
        .into(),
        resign_rules: [
            ("governor".to_owned(), WireResignRule::AfterDays(365)),
            ("visitor".to_owned(), WireResignRule::EveryVisit),
        ]
        .into(),
        settings: ConfigurationSettings {
            school_name: Some("Ysgol Gymraeg Aberystwyth".into()),
            idle_timeout_secs: Some(90),
            roles: Some(vec!["visitor".into(), "staff".into()]),
            privacy_notice: None,
            local_retention_days: None,
        },
    };
    // Added later (issue 17): the school's privacy notice, in both languages.
    let mut with_notice = configuration.clone();
    with_notice.version = 4;
    with_notice.settings.privacy_notice = Some(PrivacyNotice {
        english: "# How we use your information\n\nYsgol Gymraeg Aberystwyth holds it.\n".into(),
        welsh: "# Sut rydym yn defnyddio eich gwybodaeth\n\nYsgol Gymraeg Aberystwyth sy'n ei dal.\n".into(),
    });
    let request = ConfigurationRequest { applied: 2 };
    let request_body = serde_json::to_string(&request).unwrap();
    let message = request_message(
        "POST",
        CONFIGURATION_PATH,
        &device,
        1_780_000_000,
        "0123456789abcdef0123456789abcdef",
        request_body.as_bytes(),
    );
    let status = ConfigurationStatus { applied: 3, current: configuration.current.clone() };
    let with_status = PushRequest { configuration: Some(status), ..push };
    let signed = SignedConfiguration {
        configuration: serde_json::to_string(&configuration).unwrap(),
        // The shapes only: a real one carries the office's DER certificate
        // and its ECDSA P-256 signature over `configuration`'s bytes.
        certificate: "MIIBszCCAVmgAwIBAgIU...".into(),
        signature: "3045022100aa...".into(),
    };
    let answer = PushResponse {
        acknowledged_seq: 2,
        stored: 0,
        duplicates: 0,
        erasures_applied: 0,
        erase: vec![],
        erase_details: vec![],
        next_certificate: None,
        configuration_version: Some(3),
    };
    json!({
        "push_response_with_configuration_version": answer,
        "push_request_with_configuration": with_status,
        "configuration_request": request,
        "configuration_request_message": String::from_utf8(message).unwrap(),
        "configuration_request_body": request_body,
        "configuration": configuration,
        "configuration_with_privacy_notice": with_notice,
        "signed_configuration": signed,
    })
    .as_object()
    .unwrap()
    .clone()
}

#[test]
fn the_wire_format_is_frozen() {
    let now = current();
    if std::env::var_os("SIGNBOOK_WRITE_GOLDEN").is_some() {
        // A frozen format is only frozen if CI compares instead of rewriting.
        assert!(
            std::env::var_os("CI").is_none(),
            "SIGNBOOK_WRITE_GOLDEN is set under CI: refusing to rewrite golden files"
        );
        std::fs::write(GOLDEN, serde_json::to_string_pretty(&now).unwrap() + "\n").unwrap();
    }
    let frozen: Value =
        serde_json::from_str(&std::fs::read_to_string(GOLDEN).expect("tests/golden/sync_wire.json")).unwrap();
    assert_eq!(
        now, frozen,
        "the sync wire format changed: that needs a new protocol version, see docs/sync-protocol.md"
    );

    // Each signed message ends with the SHA-256 of the body it names.
    for (message, body) in [
        ("signed_request_message", "signed_request_message_body"),
        ("signed_pair_request_message", "signed_pair_request_body"),
        ("configuration_request_message", "configuration_request_body"),
    ] {
        let (message, body) = (frozen[message].as_str().unwrap(), frozen[body].as_str().unwrap());
        let body_hash = hex::encode(sha2::Sha256::digest(body.as_bytes()));
        assert!(message.ends_with(&format!("\n{body_hash}\n")), "{message} signs {body:?}");
    }
    let pair: PairRequest = serde_json::from_str(frozen["signed_pair_request_body"].as_str().unwrap()).unwrap();
    assert_eq!(serde_json::to_value(pair).unwrap(), frozen["pair_request"], "the signed body is the pair request");

    // And the frozen bodies still decode into the same records.
    let push: PushRequest = serde_json::from_value(frozen["push_request"].clone()).unwrap();
    let (first, none) = push.records[0].to_record().unwrap();
    assert_eq!((first.header.hash(), none), (first.hash, None), "a decoded record re-hashes to its hash");
    let (second, erasure) = push.records[1].to_record().unwrap();
    let extended: PushRequest = serde_json::from_value(frozen["push_request_with_agreements"].clone()).unwrap();
    assert!(extended.agreements[0].is_genuine(), "the frozen agreement text hashes to its hash");
    assert_eq!(push.agreements, vec![], "a v1 body without the optional fields still decodes");
    assert!(push.erasure_entries.is_empty() && frozen["push_request"].get("erasure_entries").is_none());
    let with_entry: PushRequest = serde_json::from_value(frozen["push_request_with_erasure_entry"].clone()).unwrap();
    let entry = with_entry.erasure_entries[0].to_chain_erasure().unwrap();
    assert_eq!(entry.entry.hash(), entry.hash, "a decoded erasure entry re-hashes to its hash");
    // An answer from an office older than the certificate rotation decodes
    // with no next certificate; one from a newer office names it, and a
    // kiosk older than it reads it as before (serde ignores the field).
    let old_office: PushResponse = serde_json::from_value(frozen["push_response"].clone()).unwrap();
    assert_eq!(old_office.next_certificate, None);
    let rotating: PushResponse = serde_json::from_value(frozen["push_response_with_next_certificate"].clone()).unwrap();
    assert_eq!(rotating.next_certificate, Some(Hash32::of(b"next office certificate")));
    /// `PushResponse` as a kiosk from before the rotation declares it.
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct OlderKioskPushResponse {
        acknowledged_seq: u64,
        stored: u64,
        duplicates: u64,
        erasures_applied: u64,
        #[serde(default)]
        erase: Vec<WireErasure>,
    }
    let older: OlderKioskPushResponse =
        serde_json::from_value(frozen["push_response_with_next_certificate"].clone()).expect("an older kiosk reads it");
    assert_eq!(
        older,
        OlderKioskPushResponse { acknowledged_seq: 2, stored: 0, duplicates: 0, erasures_applied: 0, erase: vec![] }
    );
    // Configurations: an older kiosk reads the new answer (the version is
    // ignored) and a newer kiosk reads an older office's (no version: it
    // never asks, and never sends its status).
    let older: OlderKioskPushResponse =
        serde_json::from_value(frozen["push_response_with_configuration_version"].clone())
            .expect("an older kiosk reads an answer announcing a configuration");
    assert_eq!(older.acknowledged_seq, 2);
    assert_eq!(old_office.configuration_version, None, "an older office's answer announces none");
    // An older office refuses unknown request fields: the status is sent only
    // to an office that announced a version. Its request without it is as before.
    let new_kiosk: PushRequest = serde_json::from_value(frozen["push_request_with_configuration"].clone()).unwrap();
    assert_eq!(new_kiosk.configuration.as_ref().map(|c| c.applied), Some(3));
    let mut as_before = frozen["push_request_with_configuration"].clone();
    as_before.as_object_mut().unwrap().remove("configuration");
    assert_eq!(as_before, frozen["push_request_with_agreements"], "only the one optional key is added");
    let configuration: Configuration = serde_json::from_value(frozen["configuration"].clone()).unwrap();
    configuration.check_bounds().expect("the frozen configuration is within its bounds");
    let signed: SignedConfiguration = serde_json::from_value(frozen["signed_configuration"].clone()).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&signed.configuration).unwrap(),
        frozen["configuration"],
        "the signed bytes are the configuration, as compact JSON"
    );
    // A newer office may add fields to the configuration: a kiosk ignores them.
    let mut newer = frozen["configuration"].clone();
    newer.as_object_mut().unwrap().insert("kiosk_theme".into(), json!("dark"));
    assert_eq!(serde_json::from_value::<Configuration>(newer).unwrap(), configuration);
    // The privacy notice is one optional settings key: a kiosk from before it
    // reads the configuration with it as the settings it knows.
    let noticed: Configuration = serde_json::from_value(frozen["configuration_with_privacy_notice"].clone()).unwrap();
    noticed.check_bounds().expect("a notice within its bounds");
    let mut without = frozen["configuration_with_privacy_notice"].clone();
    without["settings"].as_object_mut().unwrap().remove("privacy_notice").expect("the notice is a settings key");
    without["version"] = json!(3);
    assert_eq!(without, frozen["configuration"], "only the one optional key is added");
    /// `ConfigurationSettings` as a kiosk from before the notice declares it.
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct OlderKioskSettings {
        school_name: Option<String>,
        idle_timeout_secs: Option<u32>,
        roles: Option<Vec<String>>,
    }
    let older: OlderKioskSettings =
        serde_json::from_value(frozen["configuration_with_privacy_notice"]["settings"].clone()).unwrap();
    assert_eq!(older.school_name.as_deref(), Some("Ysgol Gymraeg Aberystwyth"));
    let mut oversized = noticed.clone();
    oversized.settings.privacy_notice.as_mut().unwrap().welsh =
        "a".repeat(signbook_core::privacy_notice::MAX_NOTICE_BYTES + 1);
    let refused = oversized.check_bounds().expect_err("a notice over its size is refused");
    assert!(refused.contains("privacy notice in Welsh"), "{refused}");
    // Record format 3: a held entry decodes and re-hashes; an older kiosk's
    // configuration reader ignores the local limit (serde ignores the field).
    let held: PushRequest = serde_json::from_value(frozen["push_request_with_held_entry"].clone()).unwrap();
    let held = held.held_entries[0].to_chain_held().unwrap();
    assert_eq!((held.entry.hash(), held.entry.target_seq), (held.hash, 1), "a decoded held entry re-hashes");
    assert!(frozen["push_request"].get("held_entries").is_none(), "absent when empty");
    let settings: ConfigurationSettings =
        serde_json::from_value(frozen["configuration_settings_with_local_retention"].clone()).unwrap();
    assert_eq!(settings.local_retention_days, Some(30));
    assert_eq!(configuration.settings.local_retention_days, None, "a configuration from before it has none");
    let message = frozen["configuration_request_message"].as_str().unwrap();
    assert!(message.contains("\n/v1/configuration\n"), "{message}");
    assert_eq!(
        (second.header.prev_hash, second.personal, erasure.map(|e| e.reason)),
        (first.hash, None, Some("subject access request 2026-14".into()))
    );
}

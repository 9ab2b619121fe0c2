//! Record format version 2 at the office: erasure entries in a push are
//! checked with the chain's own rules (link, hash, and a target that exists
//! and is erased), each refusal naming the rule, even when the kiosk's key
//! signed the batch; a genuine one is stored in place and applied.

mod common;

use chrono::Utc;
use ed25519_dalek::SigningKey;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::erasure::{ChainErasure, ErasureEntry, ReasonCategory, Requester};
use signbook_core::{Hash32, Store};
use signbook_office::erasure_log::is_signed_by;
use signbook_office::store::StaffRole;
use signbook_sync::PUSH_PATH;
use signbook_sync::auth::sign_request;
use signbook_sync::http::OfficeClient;
use signbook_sync::wire::{ErrorBody, PushRequest, WireCheckpoint, WireErasureEntry, WireRecord};

use common::{Office, block_on, kiosk, sign};
use signbook_office::store::Scope;

/// An entry after the kiosk's head naming `target`, hashed and (with the
/// batch checkpoint) signed with the kiosk's own key.
fn entry(store: &Store, prev: (u64, Hash32), target: (u64, Hash32)) -> ChainErasure {
    let at = "2026-11-30T12:00:00.000Z".parse().unwrap();
    let entry = ErasureEntry {
        id: uuid::Uuid::now_v7(),
        device_id: store.device_id(),
        seq: prev.0 + 1,
        prev_hash: prev.1,
        target_seq: target.0,
        target_hash: target.1,
        erased_at: at,
        recorded_at: at,
        requested_by: Requester::KioskAdmin,
        reason: ReasonCategory::Other,
    };
    ChainErasure { hash: entry.hash(), entry, reason_text: String::new() }
}

fn push(
    client: &OfficeClient,
    key: &SigningKey,
    store: &Store,
    records: Vec<WireRecord>,
    entry: &ChainErasure,
) -> (u16, String, String) {
    let e = &entry.entry;
    let request = PushRequest {
        records,
        checkpoint: Some(WireCheckpoint::new(&Checkpoint::sign(key, store.device_id(), e.seq, entry.hash))),
        erasures: vec![],
        agreements: vec![],
        kiosk_head_seq: None,
        erasure_entries: vec![WireErasureEntry::new(entry)],
        configuration: None,
        held_entries: vec![],
    };
    let body = serde_json::to_vec(&request).unwrap();
    let headers = sign_request(key, &store.device_id(), "POST", PUSH_PATH, Utc::now().timestamp(), &body);
    let response = client.post(PUSH_PATH, &headers, &body).unwrap();
    if response.status == 200 {
        return (200, String::new(), String::new());
    }
    let error: ErrorBody = serde_json::from_slice(&response.body).unwrap();
    (response.status, error.code, error.message)
}

#[test]
fn erasure_entries_breaking_the_chain_rules_are_refused_naming_the_rule_and_a_genuine_one_is_kept() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let mut store = kiosk(dir.path(), 3);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let key = signbook_core::device::load_key(&dir.path().join("kiosk.db.key")).unwrap();
    let client =
        OfficeClient::new(&office.url(), signbook_sync::parse_fingerprint(&office.fingerprint).unwrap()).unwrap();
    let head = store.head().unwrap().unwrap();
    let hash_of = |seq| store.record(seq).unwrap().hash;

    let no_such = entry(&store, head, (9, hash_of(2)));
    let (status, code, message) = push(&client, &key, &store, vec![], &no_such);
    assert_eq!((status, code.as_str()), (422, "erasure_inconsistent"), "{message}");
    assert!(
        message.contains("record 4 (an erasure entry): it erases record 9, which does not come before it"),
        "{message}"
    );

    let wrong_hash = entry(&store, head, (2, hash_of(1)));
    let (_, code, message) = push(&client, &key, &store, vec![], &wrong_hash);
    assert_eq!(code, "erasure_inconsistent");
    assert!(message.contains("erases record 2, which has another hash"), "{message}");

    // Not linked to the head the office holds: a fork, as for a record.
    let unlinked = entry(&store, (3, hash_of(1)), (2, hash_of(2)));
    let (_, code, message) = push(&client, &key, &store, vec![], &unlinked);
    assert_eq!(code, "fork", "{message}");

    // A record sent with its personal data, and an entry erasing it in the same batch.
    sign(&mut store, 1);
    let live = store.record(4).unwrap();
    let erases_live = entry(&store, (4, live.hash), (4, live.hash));
    let (_, code, message) = push(&client, &key, &store, vec![WireRecord::from_record(&live, None)], &erases_live);
    assert_eq!(code, "erasure_inconsistent");
    assert!(message.contains("erases record 4, but the batch carries that record with its personal data"), "{message}");
    assert!(block_on(office.db().alerts()).unwrap().iter().any(|a| a.kind == "erasure_inconsistent"), "staff are told");

    // Nothing of those was kept; the kiosk's genuine erasure is.
    store.erase(2, "asked to be forgotten").unwrap();
    let report = signbook_sync::push(&mut store).unwrap();
    assert_eq!(report.acknowledged_seq, 5, "record 4 and erasure entry 5");
    let verified = block_on(office.db().verify()).unwrap();
    assert!(verified[0].problem.is_none() && verified[0].erased == 1, "{verified:?}");
    assert_eq!(verified[0].head_seq, Some(5));
}

/// An erasure decided at the office: its signed log holds it at once,
/// signed with the key of the certificate whose fingerprint staff checked at
/// pairing; after the kiosk syncs, its chain holds its own entry too, and
/// both sides verify.
#[test]
fn an_office_erasure_is_in_the_offices_signed_log_and_then_in_the_kiosks_chain() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let mut store = kiosk(dir.path(), 5);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let signer = signbook_office::tls::OfficeIdentity::load_or_create(office_dir.path()).unwrap().signer().unwrap();
    assert_eq!(signer.fingerprint().to_hex(), office.fingerprint, "the certificate kiosks pinned");

    let db = office.db();
    block_on(db.add_user("j.evans", "correct horse battery", StaffRole::Privacy, Utc::now())).unwrap();
    block_on(db.erase_record(&Scope::Trust, store.device_id(), 2, "erasure request 2026-14", "j.evans", Utc::now()))
        .unwrap();
    assert_eq!(block_on(db.sign_office_erasures(&signer, Utc::now())).unwrap(), 1);
    assert_eq!(block_on(db.sign_office_erasures(&signer, Utc::now())).unwrap(), 0, "each is signed once");

    let log = block_on(db.office_erasure(store.device_id(), 2)).unwrap().expect("the signed statement");
    let record_hash = store.record(2).unwrap().hash;
    assert!(log.statement.starts_with("signbook-office-erasure-v1\n"), "{}", log.statement);
    assert!(log.statement.contains(&format!("\nseq:2\nrecord:{record_hash}\n")), "{}", log.statement);
    assert!(log.statement.contains("\nrequested_by:office-staff:") && log.statement.contains("\nreason:request\n"));
    assert!(!log.statement.contains("evans"), "no staff name in the signed log");
    let certificate = signer.certificate_der();
    assert!(is_signed_by(&log.statement, &log.signature, certificate), "signed by the office certificate's key");
    let moved = log.statement.replace("\nseq:2\n", "\nseq:3\n");
    assert!(!is_signed_by(&moved, &log.signature, certificate), "an altered statement fails");
    let other = signbook_office::tls::OfficeIdentity::load_or_create(tempfile::tempdir().unwrap().path()).unwrap();
    assert!(!is_signed_by(&log.statement, &log.signature, other.signer().unwrap().certificate_der()));

    // The kiosk applies it at its next push and records it in its own chain.
    signbook_sync::push(&mut store).unwrap();
    let entry = store.erasure_entries().unwrap().pop().expect("the kiosk's entry");
    assert_eq!((entry.entry.target_seq, entry.entry.target_hash), (2, record_hash));
    let requested_by = log.statement.lines().find_map(|l| l.strip_prefix("requested_by:")).unwrap();
    assert_eq!(entry.entry.requested_by.to_string(), requested_by, "both name the same staff account");
    signbook_sync::push(&mut store).unwrap();
    assert!(store.verify().unwrap().is_intact());
    let verified = block_on(db.verify()).unwrap();
    assert!(verified[0].problem.is_none() && verified[0].erased == 1, "{verified:?}");
    assert!(block_on(db.office_erasure(store.device_id(), 2)).unwrap().is_some(), "the office's log keeps it");
}

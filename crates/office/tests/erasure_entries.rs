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
use signbook_office::store::IntegrityStore as _;
use signbook_sync::PUSH_PATH;
use signbook_sync::auth::sign_request;
use signbook_sync::http::OfficeClient;
use signbook_sync::wire::{ErrorBody, PushRequest, WireCheckpoint, WireErasureEntry, WireRecord};

use common::{Office, block_on, kiosk, sign};

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

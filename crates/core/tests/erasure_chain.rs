//! Record format version 2: erasure is an entry of the signed chain. Someone
//! with the database file but not the kiosk key can no longer fake an
//! erasure, move its time, or drop its entry; and a version 1 database with
//! erased records upgrades in place and still verifies.

mod common;

use chrono::{DateTime, Utc};
use common::Kiosk;
use signbook_core::Store;
use signbook_core::erasure::{ErasureEntry, ReasonCategory, Requester};
use signbook_core::store::ErasureRequest;
use signbook_core::verify::ProblemKind;

/// Records 1 to 5; record 3 erased (its entry is 6); record 7 signed after.
fn kiosk() -> Kiosk {
    let mut kiosk = Kiosk::new();
    for name in ["Ann Able", "Ben Baker", "Cat Cole", "Dan Dee", "Eve Ennis"] {
        kiosk.sign(name);
    }
    let receipt = kiosk.store.erase(3, "asked to be forgotten").unwrap();
    assert_eq!((receipt.seq, receipt.entry_seq), (3, 6));
    kiosk.sign("Fay Ford");
    assert!(kiosk.store.verify().unwrap().is_intact());
    kiosk
}

fn first_problem(kiosk: &Kiosk) -> (u64, ProblemKind, String) {
    let store = Store::open(kiosk.db_path()).unwrap();
    let problem = store.verify().unwrap().problem.expect("tampering went unnoticed");
    (problem.seq, problem.kind.clone(), problem.to_string())
}

const UNLOCK: &str = "DROP TRIGGER erasure_entries_are_never_changed; DROP TRIGGER erasure_entries_are_never_deleted;";

#[test]
fn an_erasure_is_an_entry_naming_the_record_who_asked_and_why() {
    let kiosk = kiosk();
    let entries = kiosk.store.erasure_entries().unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!((e.entry.seq, e.entry.target_seq), (6, 3));
    assert_eq!(e.entry.target_hash, kiosk.store.record(3).unwrap().hash);
    assert_eq!(e.entry.prev_hash, kiosk.store.record(5).unwrap().hash);
    assert_eq!(kiosk.store.record(7).unwrap().header.prev_hash, e.hash, "the next record links to the entry");
    assert_eq!((e.entry.requested_by.clone(), e.entry.reason), (Requester::KioskAdmin, ReasonCategory::Request));
    assert_eq!(e.entry.erased_at, e.entry.recorded_at);
    assert_eq!(e.reason_text, "asked to be forgotten");
    assert!(!String::from_utf8_lossy(&e.entry.canonical_bytes()).contains("forgotten"), "free text is not hashed");
}

#[test]
fn office_staff_are_named_by_account_number_with_the_category() {
    let mut kiosk = kiosk();
    let request = ErasureRequest {
        requested_by: Requester::OfficeStaff(12),
        category: ReasonCategory::Retention,
        reason: "kept 1 year",
    };
    let receipt = kiosk.store.erase_as(2, &request).unwrap();
    assert_eq!(receipt.entry_seq, 8);
    let entry = kiosk.store.erasure_entries().unwrap().pop().unwrap();
    let text = String::from_utf8(entry.entry.canonical_bytes()).unwrap();
    assert!(text.contains("\nrequested_by:office-staff:12\nreason:retention\n"), "{text}");
    assert!(kiosk.store.verify().unwrap().is_intact());
}

#[test]
fn a_live_record_faked_as_a_tombstone_is_caught_even_with_a_log_row() {
    let kiosk = kiosk();
    kiosk
        .tamperer()
        .execute_batch(
            "UPDATE records SET name = NULL, name_salt = NULL, organisation = NULL, organisation_salt = NULL,
               signature_png = NULL, signature_salt = NULL WHERE seq = 2;
             INSERT INTO erasures (seq, reason, erased_at) VALUES (2, 'request', '2026-01-01T00:00:00.000Z');",
        )
        .unwrap();
    let (seq, kind, message) = first_problem(&kiosk);
    assert_eq!((seq, kind), (2, ProblemKind::TombstoneWithoutEntry), "{message}");
    assert!(message.starts_with("record 2 (") && message.contains("no erasure entry"), "{message}");
}

#[test]
fn a_changed_erasure_time_is_caught() {
    let kiosk = kiosk();
    kiosk
        .tamperer()
        .execute_batch(&format!("{UNLOCK} UPDATE erasure_entries SET erased_at = '2025-01-01T00:00:00.000Z'"))
        .unwrap();
    let (seq, kind, message) = first_problem(&kiosk);
    assert_eq!(seq, 6, "{message}");
    assert!(matches!(kind, ProblemKind::HashMismatch { .. }), "{kind:?}");
}

#[test]
fn a_removed_erasure_entry_is_caught() {
    let kiosk = kiosk();
    kiosk.tamperer().execute_batch(&format!("{UNLOCK} DELETE FROM erasure_entries")).unwrap();
    let (seq, kind, message) = first_problem(&kiosk);
    assert_eq!((seq, kind), (6, ProblemKind::Missing { found: 7 }), "{message}");
}

/// Appends an erasure entry written without the kiosk key (no checkpoint).
fn forge_entry(kiosk: &Kiosk, target_seq: u64, target_hash: signbook_core::Hash32) {
    let (seq, prev) = kiosk.store.head().unwrap().unwrap();
    let now: DateTime<Utc> = "2026-11-30T12:00:00.000Z".parse().unwrap();
    let entry = ErasureEntry {
        id: uuid::Uuid::now_v7(),
        device_id: kiosk.store.device_id(),
        seq: seq + 1,
        prev_hash: prev,
        target_seq,
        target_hash,
        erased_at: now,
        recorded_at: now,
        requested_by: Requester::KioskAdmin,
        reason: ReasonCategory::Other,
    };
    kiosk
        .tamperer()
        .execute(
            "INSERT INTO erasure_entries VALUES (?1, ?2, ?3, ?4, ?5, ?6, '2026-11-30T12:00:00.000Z',
               '2026-11-30T12:00:00.000Z', 'kiosk-admin', 'other', ?7, '')",
            (
                entry.seq,
                entry.id.to_string(),
                entry.device_id.to_string(),
                prev.to_hex(),
                target_seq,
                target_hash.to_hex(),
                entry.hash().to_hex(),
            ),
        )
        .unwrap();
}

#[test]
fn an_erasure_entry_whose_record_still_holds_data_is_caught() {
    let kiosk = kiosk();
    forge_entry(&kiosk, 4, kiosk.store.record(4).unwrap().hash);
    let (seq, kind, message) = first_problem(&kiosk);
    assert_eq!((seq, kind), (8, ProblemKind::ErasureTargetHoldsData { target_seq: 4 }), "{message}");
    assert!(message.contains("record 4, but that record's personal data is still there"), "{message}");
}

#[test]
fn an_erasure_entry_naming_no_record_is_caught() {
    let kiosk = kiosk();
    forge_entry(&kiosk, 1, kiosk.store.record(2).unwrap().hash);
    let (seq, kind, message) = first_problem(&kiosk);
    assert!(matches!(kind, ProblemKind::ErasureTargetMissing { target_seq: 1, .. }), "{kind:?}");
    assert_eq!(seq, 8);
    assert!(message.contains("has another hash"), "{message}");

    let kiosk = self::kiosk();
    forge_entry(&kiosk, 6, kiosk.store.head().unwrap().unwrap().1);
    let (_, kind, message) = first_problem(&kiosk);
    assert!(matches!(kind, ProblemKind::ErasureTargetMissing { target_seq: 6, .. }), "{message}");
}

/// Puts the file back as schema version 5 (record format version 1) left
/// it, and erases `seq` the way version 1 did: a log row, no entry.
fn as_version_1_with_erasure(kiosk: Kiosk, seq: u64, erased_at: &str) -> std::path::PathBuf {
    let path = kiosk.db_path();
    drop(kiosk.store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(&format!(
        "DROP TABLE held_entries; DROP TABLE acknowledgements; DROP TABLE held_name_lookup; DROP TRIGGER record_seq_is_not_held;
         DROP TABLE office_configuration; DROP TABLE erasure_entries; DROP TRIGGER record_seq_is_free;
         PRAGMA user_version = 5;
         UPDATE records SET name = NULL, name_salt = NULL, organisation = NULL, organisation_salt = NULL,
           signature_png = NULL, signature_salt = NULL WHERE seq = {seq};
         INSERT INTO erasures (seq, reason, erased_at) VALUES ({seq}, 'left the school', '{erased_at}');"
    ))
    .unwrap();
    std::mem::forget(kiosk.dir); // the caller's path stays valid
    path
}

#[test]
fn a_version_1_database_with_erased_records_upgrades_and_every_record_verifies() {
    let mut kiosk = Kiosk::new();
    for name in ["Ann Able", "Ben Baker", "Cat Cole"] {
        kiosk.sign(name);
    }
    let path = as_version_1_with_erasure(kiosk, 2, "2026-03-04T05:06:07.890Z");
    let store = Store::open(&path).unwrap();
    let report = store.verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!((report.records, report.erased, report.head_seq), (3, 1, Some(4)));
    let entry = store.erasure_entries().unwrap().remove(0);
    assert_eq!((entry.entry.seq, entry.entry.target_seq), (4, 2));
    assert_eq!(entry.entry.requested_by, Requester::V1Log);
    assert_eq!(signbook_core::record::format_utc(&entry.entry.erased_at), "2026-03-04T05:06:07.890Z", "the claim kept");
    assert!(entry.entry.recorded_at > entry.entry.erased_at, "recorded at the upgrade");
    assert_eq!(entry.reason_text, "left the school");
    drop(store);
    let again = Store::open(&path).unwrap();
    assert_eq!(again.erasure_entries().unwrap().len(), 1, "opening again adds nothing");
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

#[test]
fn the_upgrade_does_not_legitimise_a_chain_that_is_already_broken() {
    let mut kiosk = Kiosk::new();
    for name in ["Ann Able", "Ben Baker", "Cat Cole"] {
        kiosk.sign(name);
    }
    kiosk.tamperer().execute("UPDATE records SET role = 'governor' WHERE seq = 1", []).unwrap();
    let path = as_version_1_with_erasure(kiosk, 2, "2026-03-04T05:06:07.890Z");
    let store = Store::open(&path).unwrap();
    assert!(store.erasure_entries().unwrap().is_empty(), "no entry signed over a broken chain");
    let problem = store.verify().unwrap().problem.unwrap();
    assert_eq!(problem.seq, 1);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

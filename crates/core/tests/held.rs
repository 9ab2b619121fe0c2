//! Record format version 3: once the office has acknowledged a record and
//! the kiosk's local limit has passed, the kiosk removes the personal data
//! and appends a "held at the office" entry. The kiosk's verification stays
//! green, the bytes are gone from the file, the re-sign rules still answer,
//! and a held entry that lies fails verification.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{Kiosk, contains, database_bytes};
use signbook_core::checkpoint::Checkpoint;
use signbook_core::held::HeldEntry;
use signbook_core::role::Role;
use signbook_core::store::{MustSignReason, ResignRule, SigningStatus};
use signbook_core::verify::ProblemKind;
use signbook_core::{Hash32, Store};
use uuid::Uuid;

const OFFICE: Hash32 = Hash32([7; 32]);

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-09-15T12:00:00Z").unwrap().to_utc()
}

/// Records 1-3 signed 40 days before [`now`], 4 signed 10 days before; the
/// office has acknowledged 1..=`acked`.
fn kiosk(acked: u64) -> Kiosk {
    let mut kiosk = Kiosk::new();
    for name in ["Ann Able", "Ben Baker", "Cat Cole"] {
        kiosk.sign_at(name, "2026-08-06T09:00:00+01:00");
    }
    kiosk.sign_at("Dan Dee", "2026-09-05T09:00:00+01:00");
    kiosk.store.save_pairing("https://office.example:8443", OFFICE, 0).unwrap();
    if acked > 0 {
        kiosk.store.note_push_success(acked, &[]).unwrap();
    }
    kiosk
}

#[test]
fn acknowledged_records_past_the_limit_lose_their_data_and_the_chain_still_verifies() {
    let mut kiosk = kiosk(4);
    assert!(contains(&database_bytes(&kiosk.db_path()), b"Ben Baker"));
    let released = kiosk.store.release_to_office(now()).unwrap();
    assert_eq!(released.records, 3, "records 1-3 are over 30 days old; record 4 is not");
    for seq in 1..=3 {
        assert!(kiosk.store.record(seq).unwrap().personal.is_none(), "record {seq}");
    }
    assert!(kiosk.store.record(4).unwrap().personal.is_some());

    let held = kiosk.store.held_entries().unwrap();
    assert_eq!(held.iter().map(|h| (h.entry.seq, h.entry.target_seq)).collect::<Vec<_>>(), [(5, 1), (6, 2), (7, 3)]);
    assert_eq!(held[0].entry.office_certificate_sha256, OFFICE);
    assert_eq!(held[0].entry.target_hash, kiosk.store.record(1).unwrap().hash);
    assert_eq!(held[0].entry.removed_at, now());
    assert!(kiosk.store.erasure_entries().unwrap().is_empty(), "held is not erased");

    let report = kiosk.store.verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!((report.records, report.erased, report.held, report.head_seq), (4, 0, 3, Some(7)));
    // An office restored from an older backup acknowledges less; what was
    // held stays legitimately held.
    kiosk.store.note_push_success(1, &[]).unwrap();
    assert!(kiosk.store.verify().unwrap().is_intact());

    // Gone from the file, not only unlinked: reopen and read the bytes.
    drop(kiosk.store);
    let bytes = database_bytes(&kiosk.dir.path().join("kiosk.db"));
    for name in ["Ann Able", "Ben Baker", "Cat Cole"] {
        assert!(!contains(&bytes, name.as_bytes()), "{name} is still in the database file");
    }
    assert!(contains(&bytes, b"Dan Dee"), "record 4 keeps its data");
    let store = Store::open(kiosk.dir.path().join("kiosk.db")).unwrap();
    assert!(store.verify().unwrap().is_intact());
}

#[test]
fn nothing_is_removed_before_the_office_acknowledges_or_before_the_limit() {
    let mut kiosk = kiosk(0);
    assert_eq!(kiosk.store.release_to_office(now()).unwrap().records, 0, "nothing acknowledged");

    kiosk.store.note_push_success(2, &[]).unwrap();
    assert_eq!(kiosk.store.release_to_office(now()).unwrap().records, 2, "only what the office holds");
    assert!(kiosk.store.record(3).unwrap().personal.is_some());

    kiosk.store.note_push_success(4, &[]).unwrap();
    kiosk.store.set_local_retention_days(60).unwrap();
    assert_eq!(kiosk.store.release_to_office(now()).unwrap().records, 0, "record 3 is 40 days old, limit 60");
    kiosk.store.set_local_retention_days(5).unwrap();
    assert_eq!(kiosk.store.release_to_office(now()).unwrap().records, 2, "records 3 and 4");
    assert!(kiosk.store.set_local_retention_days(0).is_err());
    assert!(kiosk.store.set_local_retention_days(3651).is_err());
    assert!(kiosk.store.verify().unwrap().is_intact());
}

#[test]
fn a_kiosk_without_an_office_never_removes_anything() {
    let mut kiosk = Kiosk::new();
    kiosk.sign_at("Ann Able", "2020-01-01T09:00:00Z");
    assert_eq!(kiosk.store.local_retention_days().unwrap(), 30);
    assert_eq!(kiosk.store.release_to_office(now()).unwrap().records, 0);
    assert!(kiosk.store.record(1).unwrap().personal.is_some());
}

#[test]
fn the_re_sign_rules_still_recognise_a_name_whose_record_was_removed() {
    let mut kiosk = Kiosk::new();
    let staff = Role::new("staff").unwrap();
    kiosk.store.set_resign_rule(&staff, ResignRule::NewVersion).unwrap();
    let strokes = common::signature();
    let request = signbook_core::SignRequest {
        role: "staff",
        name: "Zoë Quinn",
        organisation: None,
        strokes: &strokes,
        agreement: None,
    };
    kiosk.store.sign_at(&request, DateTime::parse_from_rfc3339("2026-08-01T09:00:00+01:00").unwrap()).unwrap();
    kiosk.store.save_pairing("https://office.example:8443", OFFICE, 0).unwrap();
    kiosk.store.note_push_success(1, &[]).unwrap();
    assert_eq!(kiosk.store.release_to_office(now()).unwrap().records, 1);
    assert!(kiosk.store.record(1).unwrap().personal.is_none());

    for typed in ["Zoë Quinn", "  zoë  QUINN "] {
        let status = kiosk.store.signing_status(&staff, typed, now()).unwrap();
        assert!(matches!(status, SigningStatus::AlreadySigned { seq: 1, .. }), "{typed}: {status:?}");
    }
    let other = kiosk.store.signing_status(&staff, "Zoe Quinn", now()).unwrap();
    assert_eq!(other, SigningStatus::MustSign { reason: MustSignReason::NotSignedThisVersion });

    kiosk.store.set_resign_rule(&staff, ResignRule::AfterDays(30)).unwrap();
    let expired = kiosk.store.signing_status(&staff, "Zoë Quinn", now()).unwrap();
    assert_eq!(expired, SigningStatus::MustSign { reason: MustSignReason::Expired }, "its date is kept");
    kiosk.store.set_resign_rule(&staff, ResignRule::NewVersion).unwrap();

    // Erasing the record takes its keyed lookup with it.
    kiosk.store.erase(1, "asked to be forgotten").unwrap();
    let after = kiosk.store.signing_status(&staff, "Zoë Quinn", now()).unwrap();
    assert_eq!(after, SigningStatus::MustSign { reason: MustSignReason::NotSignedThisVersion });
    let bytes = database_bytes(&kiosk.db_path());
    assert!(!contains(&bytes, "Zoë".as_bytes()));
}

#[test]
fn a_record_released_then_erased_has_both_entries_and_verifies() {
    let mut kiosk = kiosk(4);
    kiosk.store.release_to_office(now()).unwrap();
    let receipt = kiosk.store.erase(2, "asked to be forgotten").unwrap();
    assert_eq!((receipt.seq, receipt.entry_seq), (2, 8));
    assert_eq!(kiosk.store.held_entries().unwrap()[1].entry.target_seq, 2);
    let report = kiosk.store.verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!((report.erased, report.held), (1, 3));
    kiosk.sign("Eve Ennis");
    assert!(kiosk.store.verify().unwrap().is_intact());
}

/// Appends a held entry as someone holding the kiosk key would, with its
/// checkpoint: what the entry *says* is then all that can be wrong.
fn forge_held(kiosk: &Kiosk, target_seq: u64, target_hash: Hash32) -> rusqlite::Result<()> {
    let store = Store::open(kiosk.db_path()).unwrap();
    let head = store.verify().unwrap().head_seq.unwrap();
    let head_hash = store.checkpoints().unwrap().last().unwrap().head_hash;
    let entry = HeldEntry {
        id: Uuid::now_v7(),
        device_id: store.device_id(),
        seq: head + 1,
        prev_hash: head_hash,
        target_seq,
        target_hash,
        removed_at: now(),
        acknowledged_at: now() - Duration::days(20),
        office_certificate_sha256: OFFICE,
    };
    let checkpoint = Checkpoint::sign(store.signing_key(), store.device_id(), entry.seq, entry.hash());
    let raw = rusqlite::Connection::open(kiosk.db_path()).unwrap();
    raw.execute(
        "INSERT INTO held_entries VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        rusqlite::params![
            entry.seq,
            entry.id.to_string(),
            entry.device_id.to_string(),
            entry.prev_hash.to_hex(),
            entry.target_seq,
            entry.target_hash.to_hex(),
            "2026-09-15T12:00:00.000Z",
            signbook_core::record::format_utc(&entry.acknowledged_at),
            OFFICE.to_hex(),
            entry.hash().to_hex(),
        ],
    )?;
    raw.execute(
        "INSERT INTO checkpoints (seq, head_hash, signature, created_at) VALUES (?1, ?2, ?3, '2026-09-15T12:00:00.000Z')",
        rusqlite::params![entry.seq, entry.hash().to_hex(), checkpoint.signature.as_slice()],
    )?;
    Ok(())
}

fn first_problem(kiosk: &Kiosk) -> (u64, ProblemKind) {
    let store = Store::open(kiosk.db_path()).unwrap();
    let problem = store.verify().unwrap().problem.expect("a lying held entry went unnoticed");
    (problem.seq, problem.kind)
}

const BLANK_3: &str = "UPDATE records SET name = NULL, name_salt = NULL, organisation = NULL, organisation_salt = NULL,
     signature_png = NULL, signature_salt = NULL WHERE seq = 3";

#[test]
fn a_held_entry_for_a_record_the_kiosk_still_holds_fails() {
    let kiosk = kiosk(4);
    forge_held(&kiosk, 3, kiosk.store.record(3).unwrap().hash).unwrap();
    assert_eq!(first_problem(&kiosk), (5, ProblemKind::HeldTargetHoldsData { target_seq: 3 }));
}

#[test]
fn a_held_entry_for_a_record_the_office_never_acknowledged_fails() {
    let kiosk = kiosk(2);
    let hash = kiosk.store.record(3).unwrap().hash;
    kiosk.tamperer().execute_batch(BLANK_3).unwrap();
    forge_held(&kiosk, 3, hash).unwrap();
    assert_eq!(first_problem(&kiosk), (5, ProblemKind::HeldTargetNotAcknowledged { target_seq: 3 }));
}

#[test]
fn a_held_entry_for_a_missing_or_different_record_fails() {
    let kiosk = kiosk(4);
    forge_held(&kiosk, 4, Hash32([1; 32])).unwrap();
    let (seq, kind) = first_problem(&kiosk);
    assert_eq!(seq, 5);
    assert!(matches!(kind, ProblemKind::HeldTargetMissing { target_seq: 4, .. }), "{kind:?}");

    let kiosk = self::kiosk(4);
    forge_held(&kiosk, 9, Hash32([1; 32])).unwrap();
    let (_, kind) = first_problem(&kiosk);
    assert!(matches!(kind, ProblemKind::HeldTargetMissing { target_seq: 9, detail } if detail.contains("before")));
}

#[test]
fn a_record_held_twice_fails() {
    let mut kiosk = kiosk(4);
    kiosk.store.release_to_office(now()).unwrap();
    let hash = kiosk.store.record(1).unwrap().hash;
    let refused = forge_held(&kiosk, 1, hash).unwrap_err().to_string();
    assert!(refused.contains("UNIQUE"), "the database refuses a second held entry: {refused}");

    // Past the table's constraint, verification refuses it too.
    let raw = rusqlite::Connection::open(kiosk.db_path()).unwrap();
    raw.execute_batch(
        "DROP TRIGGER record_seq_is_not_held; DROP TRIGGER erasure_seq_is_not_held;
         CREATE TABLE h AS SELECT * FROM held_entries; DROP TABLE held_entries; ALTER TABLE h RENAME TO held_entries;",
    )
    .unwrap();
    forge_held(&kiosk, 1, hash).unwrap();
    let (seq, kind) = first_problem(&kiosk);
    assert_eq!(seq, 8);
    assert!(matches!(kind, ProblemKind::HeldTargetMissing { target_seq: 1, detail } if detail.contains("held")));
}

#[test]
fn a_tombstone_without_a_held_entry_or_an_erasure_fails() {
    let mut kiosk = kiosk(4);
    kiosk.store.release_to_office(now()).unwrap();
    kiosk.tamperer().execute_batch(&BLANK_3.replace("seq = 3", "seq = 4")).unwrap();
    assert_eq!(first_problem(&kiosk), (4, ProblemKind::ErasedWithoutLog));

    // Removing a held entry (and re-signing is impossible without the key)
    // leaves the chain short of its checkpoint.
    let kiosk = self::kiosk(4);
    let mut store = Store::open(kiosk.db_path()).unwrap();
    store.release_to_office(now()).unwrap();
    drop(store);
    let raw = kiosk.tamperer();
    raw.execute_batch("DROP TRIGGER held_entries_are_never_deleted; DELETE FROM held_entries WHERE seq = 7;").unwrap();
    let (seq, kind) = first_problem(&kiosk);
    assert_eq!((seq, kind), (6, ProblemKind::Truncated { checkpoint_seq: 7 }));
}

#[test]
fn a_long_backlog_goes_one_batch_at_a_time_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("kiosk.db")).unwrap();
    store.unsafe_disable_fsync_for_fixtures().unwrap();
    let visitor = Role::new("visitor").unwrap();
    store.publish_agreement(common::AUP, "AUP", std::slice::from_ref(&visitor)).unwrap();
    let png = signbook_core::signature::render_png(&common::signature()).unwrap();
    let at = DateTime::parse_from_rfc3339("2026-01-05T09:00:00+00:00").unwrap();
    let batch = signbook_core::store::RELEASE_BATCH as u64;
    for i in 0..=batch {
        store.sign_prerendered_at(&visitor, &format!("Visitor Number{i}"), None, png.clone(), at).unwrap();
    }
    store.save_pairing("https://office.example:8443", OFFICE, 0).unwrap();
    store.note_push_success(batch + 1, &[]).unwrap();
    assert_eq!(store.release_to_office_at_most(now(), 1).unwrap().records, batch, "one whole batch");
    assert_eq!(store.release_to_office_at_most(now(), 1).unwrap().records, 1, "then the rest");
    let report = store.verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!(report.held, batch + 1);
}

//! Someone with the database file and `sqlite3` edits it. Every edit must be
//! caught, naming the first broken record and what is wrong with it.

mod common;

use common::Kiosk;
use signbook_core::Store;
use signbook_core::checkpoint::Checkpoint;
use signbook_core::record::{field_digest, labels};
use signbook_core::verify::ProblemKind;

/// A kiosk with 8 records; record 6 is erased, so entry 9 is its erasure
/// entry (record format version 2).
fn kiosk() -> Kiosk {
    let mut kiosk = Kiosk::new();
    for name in ["Ann Able", "Ben Baker", "Cat Cole", "Dan Dee", "Eve Ennis", "Fay Ford", "Gus Gray", "Hal Hart"] {
        kiosk.sign(name);
    }
    kiosk.store.erase(6, "subject request").unwrap();
    assert!(kiosk.store.verify().unwrap().is_intact());
    kiosk
}

/// Applies `sql` as a tamperer would, reopens, and returns the first problem.
fn tampered(sql: &str) -> (u64, ProblemKind, String) {
    let kiosk = kiosk();
    kiosk.tamperer().execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    first_problem(&kiosk)
}

fn first_problem(kiosk: &Kiosk) -> (u64, ProblemKind, String) {
    let store = Store::open(kiosk.db_path()).unwrap();
    let report = store.verify().unwrap();
    let problem = report.problem.unwrap_or_else(|| panic!("tampering went unnoticed"));
    (problem.seq, problem.kind.clone(), problem.to_string())
}

#[test]
fn editing_any_stored_field_is_caught_at_that_record() {
    for (sql, field_kind) in [
        ("UPDATE records SET name = 'Mallory' WHERE seq = 4", "field:name"),
        ("UPDATE records SET organisation = 'Evil Corp' WHERE seq = 4", "field:organisation"),
        ("UPDATE records SET signature_png = unhex(hex(signature_png) || '00') WHERE seq = 4", "field:signature"),
        ("UPDATE records SET signature_png = substr(signature_png, 1, 100) WHERE seq = 4", "field:signature"),
        ("UPDATE records SET name_salt = zeroblob(16) WHERE seq = 4", "field:name"),
        ("UPDATE records SET role = 'governor' WHERE seq = 4", "hash"),
        ("UPDATE records SET signed_at = '2026-01-01T00:00:00.000Z' WHERE seq = 4", "hash"),
        ("UPDATE records SET utc_offset_minutes = utc_offset_minutes + 60 WHERE seq = 4", "hash"),
        ("UPDATE records SET id = '0190f0e0-0000-7000-8000-000000000000' WHERE seq = 4", "hash"),
        ("UPDATE records SET name_digest = record_hash WHERE seq = 4", "hash"),
        ("UPDATE records SET signature_digest = record_hash WHERE seq = 4", "hash"),
        (
            "UPDATE records SET organisation_digest = NULL, organisation = NULL, organisation_salt = NULL WHERE seq = 4",
            "hash",
        ),
        ("UPDATE records SET record_hash = name_digest WHERE seq = 4", "hash"),
        ("UPDATE records SET prev_hash = record_hash WHERE seq = 4", "link"),
        ("UPDATE records SET device_id = '00000000-0000-4000-8000-000000000000' WHERE seq = 4", "device"),
        ("UPDATE records SET signed_at = 'yesterday' WHERE seq = 4", "unreadable"),
    ] {
        let (seq, kind, message) = tampered(sql);
        assert_eq!(seq, 4, "{sql}: {message}");
        let ok = match field_kind {
            "field:name" => kind == ProblemKind::FieldAltered { field: "name" },
            "field:organisation" => kind == ProblemKind::FieldAltered { field: "organisation" },
            "field:signature" => kind == ProblemKind::FieldAltered { field: "signature" },
            "hash" => matches!(kind, ProblemKind::HashMismatch { .. }),
            "link" => matches!(kind, ProblemKind::BrokenLink { .. }),
            "device" => matches!(kind, ProblemKind::WrongDevice { .. }),
            "unreadable" => matches!(kind, ProblemKind::Unreadable { .. }),
            _ => unreachable!(),
        };
        assert!(ok, "{sql}: got {kind:?}");
        assert!(message.starts_with("record 4 ("), "the message names the record and its id: {message}");
    }
}

#[test]
fn pointing_a_record_at_another_agreement_version_is_caught() {
    let mut kiosk = kiosk();
    let other = kiosk.store.publish_agreement("# Other\n", "Other", &common::roles(&["visitor"])).unwrap().version.hash;
    kiosk.tamperer().execute("UPDATE records SET agreement_hash = ?1 WHERE seq = 2", [other.to_hex()]).unwrap();
    let (seq, kind, _) = first_problem(&kiosk);
    assert_eq!(seq, 2);
    assert!(matches!(kind, ProblemKind::HashMismatch { .. }), "{kind:?}");
}

#[test]
fn deleting_a_record_is_caught() {
    let (seq, kind, message) = tampered("DELETE FROM records WHERE seq = 3");
    assert_eq!((seq, kind), (3, ProblemKind::Missing { found: 4 }));
    assert_eq!(message, "record 3: is missing (the chain jumps to 4)");

    let (seq, kind, message) = tampered("DELETE FROM records WHERE seq IN (3, 4, 5)");
    assert_eq!((seq, kind), (3, ProblemKind::Missing { found: 6 }));
    assert!(message.contains("up to 5 are missing"), "{message}");

    let (seq, kind, _) = tampered("DELETE FROM records WHERE seq = 1");
    assert_eq!((seq, kind), (1, ProblemKind::Missing { found: 2 }));
}

#[test]
fn deleting_the_newest_records_is_caught_by_the_signed_checkpoint() {
    const UNLOCK: &str = "DROP TRIGGER erasure_entries_are_never_deleted; DELETE FROM erasure_entries;";
    let (seq, kind, message) = tampered(&format!("{UNLOCK} DELETE FROM records WHERE seq >= 7"));
    assert_eq!((seq, kind), (6, ProblemKind::Truncated { checkpoint_seq: 9 }));
    assert!(message.contains("records after 6 were deleted"), "{message}");

    let (_, kind, message) = tampered(&format!("{UNLOCK} DELETE FROM records"));
    assert_eq!(kind, ProblemKind::Truncated { checkpoint_seq: 9 });
    assert!(message.contains("every record was deleted"), "{message}");
}

#[test]
fn reordering_records_is_caught() {
    let (seq, kind, _) = tampered(
        "UPDATE records SET seq = 100 WHERE seq = 3; UPDATE records SET seq = 3 WHERE seq = 4; UPDATE records SET seq = 4 WHERE seq = 100;",
    );
    assert_eq!(seq, 3);
    assert!(matches!(kind, ProblemKind::BrokenLink { .. } | ProblemKind::HashMismatch { .. }), "{kind:?}");
}

#[test]
fn inserting_a_copied_record_in_the_middle_is_caught() {
    let (seq, kind, _) = tampered(
        "UPDATE records SET seq = seq + 100 WHERE seq >= 4; UPDATE records SET seq = seq - 99 WHERE seq >= 104;
         UPDATE erasures SET seq = seq + 1; UPDATE checkpoints SET seq = seq + 1;
         INSERT INTO records SELECT 4, id || 'x', device_id, prev_hash, agreement_hash, role, signed_at, utc_offset_minutes,
            name_digest, organisation_digest, signature_digest, record_hash || 'x', name, name_salt, organisation,
            organisation_salt, signature_png, signature_salt FROM records WHERE seq = 3;",
    );
    assert_eq!(seq, 4);
    assert!(
        matches!(
            kind,
            ProblemKind::BrokenLink { .. } | ProblemKind::Unreadable { .. } | ProblemKind::HashMismatch { .. }
        ),
        "{kind:?}"
    );
}

#[test]
fn removing_personal_data_without_an_erasure_entry_is_caught() {
    let (seq, kind, _) = tampered(
        "UPDATE records SET name = NULL, name_salt = NULL, organisation = NULL, organisation_salt = NULL,
         signature_png = NULL, signature_salt = NULL WHERE seq = 2",
    );
    assert_eq!((seq, kind), (2, ProblemKind::ErasedWithoutLog));

    let (seq, kind, _) = tampered("DELETE FROM erasures WHERE seq = 6");
    assert_eq!((seq, kind), (6, ProblemKind::ErasedWithoutLog));

    let (seq, kind, _) = tampered("UPDATE records SET name = NULL WHERE seq = 2");
    assert_eq!(seq, 2);
    assert!(matches!(kind, ProblemKind::Unreadable { .. }), "half-erased: {kind:?}");

    let (seq, kind, _) = tampered("INSERT INTO erasures VALUES (3, 'fake', '2026-01-01T00:00:00.000Z')");
    assert_eq!((seq, kind), (3, ProblemKind::ErasureNotApplied));
}

#[test]
fn forged_or_edited_checkpoints_are_caught() {
    let (seq, kind, _) = tampered("UPDATE checkpoints SET signature = zeroblob(64) WHERE seq = 9");
    assert_eq!((seq, kind), (9, ProblemKind::CheckpointForged));

    let (seq, kind, _) =
        tampered("UPDATE checkpoints SET head_hash = (SELECT record_hash FROM records WHERE seq = 7) WHERE seq = 9");
    assert_eq!(seq, 9);
    assert!(matches!(kind, ProblemKind::CheckpointForged), "an edited head no longer matches its signature: {kind:?}");

    let (seq, kind, _) = tampered("DELETE FROM checkpoints");
    assert_eq!((seq, kind), (9, ProblemKind::HeadNotSigned));
}

/// The strongest attack without the kiosk key: rewrite record 5 (a real
/// edit, with its digest, hash and every later hash recomputed so the
/// SHA-256 chain is perfect again). Only the signed checkpoint can tell.
#[test]
fn a_consistently_rewritten_chain_is_caught_by_the_kiosk_signature() {
    let kiosk = kiosk();
    let store = Store::open(kiosk.db_path()).unwrap();
    let conn = kiosk.tamperer();
    let mut prev = store.record(4).unwrap().hash;
    let mut erased_hash = signbook_core::Hash32::ZERO;
    for seq in 5..=8 {
        let mut record = store.record(seq).unwrap();
        if seq == 5 {
            let personal = record.personal.as_mut().unwrap();
            personal.name = "Mallory".into();
            record.header.name_digest = field_digest(labels::NAME, &personal.name_salt, b"Mallory");
            conn.execute(
                "UPDATE records SET name = 'Mallory', name_digest = ?1 WHERE seq = 5",
                [record.header.name_digest.to_hex()],
            )
            .unwrap();
        }
        record.header.prev_hash = prev;
        let hash = record.header.hash();
        conn.execute(
            "UPDATE records SET prev_hash = ?1, record_hash = ?2 WHERE seq = ?3",
            (record.header.prev_hash.to_hex(), hash.to_hex(), seq as i64),
        )
        .unwrap();
        if seq == 6 {
            erased_hash = hash;
        }
        prev = hash;
    }
    // The erasure entry (9) names record 6 by hash and links to 8: redone too.
    let mut erasure = store.erasure_entries().unwrap().remove(0);
    erasure.entry.prev_hash = prev;
    erasure.entry.target_hash = erased_hash;
    prev = erasure.entry.hash();
    conn.execute_batch("DROP TRIGGER erasure_entries_are_never_changed").unwrap();
    conn.execute(
        "UPDATE erasure_entries SET prev_hash = ?1, target_hash = ?2, entry_hash = ?3 WHERE seq = 9",
        (erasure.entry.prev_hash.to_hex(), erased_hash.to_hex(), prev.to_hex()),
    )
    .unwrap();
    // Re-signing the head with a key of the tamperer's own does not help.
    let forged = Checkpoint::sign(&ed25519_dalek::SigningKey::from_bytes(&[7; 32]), store.device_id(), 9, prev);
    conn.execute(
        "UPDATE checkpoints SET head_hash = ?1, signature = ?2 WHERE seq = 9",
        (prev.to_hex(), forged.signature.as_slice()),
    )
    .unwrap();
    drop(store);

    let (seq, kind, message) = first_problem(&kiosk);
    assert_eq!((seq, kind), (9, ProblemKind::CheckpointForged), "{message}");
}

#[test]
fn appending_a_record_without_the_kiosk_key_is_caught() {
    let kiosk = kiosk();
    let store = Store::open(kiosk.db_path()).unwrap();
    let mut record = store.record(8).unwrap();
    record.header.seq = 10;
    record.header.prev_hash = store.head().unwrap().unwrap().1;
    record.header.id = uuid::Uuid::now_v7();
    let hash = record.header.hash();
    kiosk
        .tamperer()
        .execute(
            "INSERT INTO records SELECT 10, ?1, device_id, ?2, agreement_hash, role, signed_at, utc_offset_minutes,
               name_digest, organisation_digest, signature_digest, ?3, name, name_salt, organisation, organisation_salt,
               signature_png, signature_salt FROM records WHERE seq = 8",
            (record.header.id.to_string(), record.header.prev_hash.to_hex(), hash.to_hex()),
        )
        .unwrap();
    drop(store);
    let (seq, kind, _) = first_problem(&kiosk);
    assert_eq!((seq, kind), (10, ProblemKind::HeadNotSigned));
}

#[test]
fn an_untouched_chain_with_an_erasure_verifies() {
    let kiosk = kiosk();
    let report = kiosk.store.verify().unwrap();
    assert!(report.is_intact());
    assert_eq!((report.records, report.erased, report.head_seq), (8, 1, Some(9)), "8 records and 1 erasure entry");
    assert_eq!(report.checkpoints, 1, "only the head checkpoint is kept below 1000 records");
}

#[test]
fn exporting_a_damaged_database_refuses_instead_of_leaving_records_out() {
    let kiosk = kiosk();
    kiosk.tamperer().execute_batch("UPDATE records SET signed_at = 'yesterday' WHERE seq = 4").unwrap();
    let store = Store::open(kiosk.db_path()).unwrap();
    let mut out = Vec::new();
    let err = signbook_core::export::export(&store, signbook_core::export::Format::Csv, &Default::default(), &mut out)
        .unwrap_err();
    assert_eq!(err.code(), "damaged_record");
    assert!(err.to_string().starts_with("record 4 is damaged"), "{err}");
}

/// Found by the reliability suite: a duplicated row (uniqueness dropped by
/// rebuilding the table) was reported as "record 9: and those after it up
/// to 7 are missing". It is the repeated row that is broken.
#[test]
fn a_duplicated_row_is_named_as_repeated() {
    let (seq, kind, message) = tampered(
        "DROP TRIGGER erasure_entry_seq_is_free; DROP TRIGGER held_entry_seq_is_free; CREATE TABLE records_copy AS SELECT * FROM records; DROP TABLE records; ALTER TABLE records_copy RENAME TO records;
         INSERT INTO records SELECT * FROM records WHERE seq = 8;",
    );
    assert_eq!((seq, kind), (8, ProblemKind::Repeated { after: 8 }), "{message}");
    assert!(message.starts_with("record 8 (") && message.contains("appears again after record 8"), "{message}");
}

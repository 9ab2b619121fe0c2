//! The kiosk store as its users meet it: signing, agreements, erasure, and
//! what happens with bad input or a database it must not touch.

mod common;

use common::{AUP, Kiosk, contains, database_bytes, roles, signature};
use signbook_core::role::Role;
use signbook_core::signature::Strokes;
use signbook_core::{Error, Hash32, SignRequest, Store};

#[test]
fn each_signature_extends_the_chain_and_gets_a_receipt() {
    let mut kiosk = Kiosk::new();
    let first = kiosk.sign("  Zoë   O'Brien ");
    let second = kiosk.sign("李小龍");
    assert_eq!((first.seq, second.seq), (1, 2));
    assert_eq!(first.first_name, "Zoë");
    assert_eq!(first.role, "visitor");
    assert!(first.id.get_version_num() == 7, "record ids are UUIDv7");
    let code = &first.reference;
    assert!(code.len() == 9 && code.as_bytes()[4] == b'-', "{code}");
    assert!(code.chars().all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_uppercase()), "{code}");

    let stored = kiosk.store.record(2).unwrap();
    assert_eq!(stored.header.prev_hash.to_hex(), first.record_hash, "record 2 links to record 1");
    assert_eq!(stored.hash.to_hex(), second.record_hash);
    assert_eq!(stored.personal.as_ref().unwrap().name, "李小龍");
    assert_eq!(kiosk.store.record(1).unwrap().header.prev_hash, Hash32::ZERO);
    assert!(kiosk.store.verify().unwrap().is_intact());
}

#[test]
fn names_are_stored_normalised() {
    let mut kiosk = Kiosk::new();
    kiosk.sign("Zoe\u{0308}   Smith");
    assert_eq!(kiosk.store.record(1).unwrap().personal.unwrap().name, "Zoë Smith");
}

#[test]
fn bad_input_is_refused_with_its_own_code_and_nothing_is_stored() {
    let mut kiosk = Kiosk::new();
    kiosk.sign("Ann Example");
    let head = kiosk.store.head().unwrap();
    let good = signature();
    let empty = Strokes { width: 600.0, height: 240.0, strokes: vec![] };
    let unknown = Hash32::of(b"no such agreement");
    let long_name = "x".repeat(101);
    kiosk.store.publish_agreement("# Staff only\n", "Staff code", &roles(&["staff"])).unwrap();
    let staff_only = kiosk.store.current_agreement(&Role::new("staff").unwrap()).unwrap().unwrap().hash;
    let cases: Vec<(&str, SignRequest<'_>)> = vec![
        (
            "name_empty",
            SignRequest { role: "visitor", name: "   ", organisation: None, strokes: &good, agreement: None },
        ),
        (
            "name_no_letters",
            SignRequest { role: "visitor", name: "1234", organisation: None, strokes: &good, agreement: None },
        ),
        (
            "name_hidden_character",
            SignRequest { role: "visitor", name: "Ev\u{202E}il", organisation: None, strokes: &good, agreement: None },
        ),
        (
            "organisation_hidden_character",
            SignRequest {
                role: "visitor",
                name: "Ann",
                organisation: Some("Ac\u{200B}me"),
                strokes: &good,
                agreement: None,
            },
        ),
        (
            "name_too_long",
            SignRequest { role: "visitor", name: &long_name, organisation: None, strokes: &good, agreement: None },
        ),
        (
            "role_invalid",
            SignRequest { role: "Visitor!", name: "Ann", organisation: None, strokes: &good, agreement: None },
        ),
        (
            "no_current_agreement",
            SignRequest { role: "inspector", name: "Ann", organisation: None, strokes: &good, agreement: None },
        ),
        (
            "unknown_agreement",
            SignRequest { role: "visitor", name: "Ann", organisation: None, strokes: &good, agreement: Some(unknown) },
        ),
        (
            "agreement_not_for_role",
            SignRequest {
                role: "visitor",
                name: "Ann",
                organisation: None,
                strokes: &good,
                agreement: Some(staff_only),
            },
        ),
        (
            "signature_empty",
            SignRequest { role: "visitor", name: "Ann", organisation: None, strokes: &empty, agreement: None },
        ),
    ];
    for (code, request) in cases {
        let err = kiosk.store.sign(&request).unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert!(!err.to_string().is_empty());
    }
    assert_eq!(kiosk.store.head().unwrap(), head, "no refused signature reached the chain");
    assert!(kiosk.store.verify().unwrap().is_intact());
}

#[test]
fn publishing_the_same_text_twice_gives_one_version() {
    let mut kiosk = Kiosk::new();
    let again =
        kiosk.store.publish_agreement(&AUP.replace('\n', "\r\n"), "Another title", &roles(&["visitor"])).unwrap();
    assert!(!again.new_version);
    assert_eq!(again.version.title, "IT Acceptable Use Agreement", "a version keeps its first title");
    assert_eq!(kiosk.store.agreements().unwrap().len(), 1);
}

#[test]
fn a_new_version_becomes_current_for_its_roles_and_records_name_what_was_signed() {
    let mut kiosk = Kiosk::new();
    let visitor = Role::new("visitor").unwrap();
    let staff = Role::new("staff").unwrap();
    let v1 = kiosk.store.current_agreement(&visitor).unwrap().unwrap();
    kiosk.sign("Early Visitor");
    let v2 = kiosk
        .store
        .publish_agreement(
            "# IT Acceptable Use Agreement 2027\n\n- Be kind.\n",
            "AUP 2027",
            std::slice::from_ref(&visitor),
        )
        .unwrap();
    assert!(v2.new_version);
    assert_eq!(kiosk.store.current_agreement(&visitor).unwrap().unwrap().hash, v2.version.hash);
    assert_eq!(kiosk.store.current_agreement(&staff).unwrap().unwrap().hash, v1.hash, "other roles keep their version");
    let late = kiosk.sign("Late Visitor");
    assert_eq!(late.agreement_hash, v2.version.hash.to_hex());

    // Someone who started reading v1 just before v2 was published signs v1.
    let strokes = signature();
    let slow = kiosk
        .store
        .sign(&SignRequest {
            role: "visitor",
            name: "Slow Reader",
            organisation: None,
            strokes: &strokes,
            agreement: Some(v1.hash),
        })
        .unwrap();
    assert_eq!(slow.agreement_hash, v1.hash.to_hex());

    let list = kiosk.store.agreements().unwrap();
    assert_eq!(list.len(), 2, "versions are kept forever");
    let counts: Vec<(String, u64)> = list.iter().map(|a| (a.version.title.clone(), a.signatures)).collect();
    assert_eq!(counts, [("IT Acceptable Use Agreement".to_owned(), 2), ("AUP 2027".to_owned(), 1)]);
    assert_eq!(list[1].current_for, [visitor]);
}

#[test]
fn reopening_keeps_the_identity_and_the_chain() {
    let mut kiosk = Kiosk::new();
    let device = kiosk.store.device_id();
    kiosk.sign("Ann");
    drop(kiosk.store);
    let store = Store::open(kiosk.dir.path().join("kiosk.db")).unwrap();
    assert_eq!(store.device_id(), device);
    assert_eq!(store.head().unwrap().unwrap().0, 1);
}

#[test]
fn a_database_from_a_newer_signbook_is_refused_untouched() {
    let kiosk = Kiosk::new();
    let path = kiosk.db_path();
    drop(kiosk.store);
    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
    let before = Hash32::of(&database_bytes(&path));
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, Error::SchemaTooNew { found: 99, supported: signbook_core::store::SCHEMA_VERSION, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer version of Signbook"), "{err}");
    assert_eq!(Hash32::of(&database_bytes(&path)), before, "the newer database was not modified");
}

#[test]
fn files_that_are_not_signbook_databases_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("notes.db");
    std::fs::write(&garbage, b"These are my notes, not a database. ".repeat(200)).unwrap();
    assert_eq!(Store::open(&garbage).unwrap_err().code(), "not_a_database");

    let other = dir.path().join("other-app.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE photos (id INTEGER);").unwrap();
    let before = Hash32::of(&std::fs::read(&other).unwrap());
    let err = Store::open(&other).unwrap_err();
    assert_eq!(err.code(), "foreign_database", "{err}");
    assert_eq!(Hash32::of(&std::fs::read(&other).unwrap()), before, "the other program's database was not modified");
}

#[test]
fn a_missing_or_foreign_key_file_is_reported_not_replaced() {
    let kiosk = Kiosk::new();
    let path = kiosk.db_path();
    drop(kiosk.store);
    let key = signbook_core::device::key_path_for(&path);
    let original = std::fs::read(&key).unwrap();

    std::fs::remove_file(&key).unwrap();
    assert_eq!(Store::open(&path).unwrap_err().code(), "key_missing");
    assert!(!key.exists(), "a new key was not silently created");

    std::fs::write(&key, [9u8; 32]).unwrap();
    assert_eq!(Store::open(&path).unwrap_err().code(), "key_mismatch");

    std::fs::write(&key, original).unwrap();
    assert!(Store::open(&path).is_ok());
}

#[test]
fn erasure_leaves_a_tombstone_that_verifies_and_removes_the_data_from_disk() {
    let mut kiosk = Kiosk::new();
    kiosk.sign("Keep Me");
    kiosk.sign_as("contractor", "Forget Mehere", Some("Secret Plumbing Co"));
    kiosk.sign("Also Kept");
    let receipt = kiosk.store.erase(2, "Subject request SR-14").unwrap();
    assert_eq!(receipt.seq, 2);

    let tombstone = kiosk.store.record(2).unwrap();
    assert!(tombstone.personal.is_none());
    assert_eq!(kiosk.store.record(1).unwrap().personal.unwrap().name, "Keep Me");
    let report = kiosk.store.verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!((report.records, report.erased), (3, 1));

    let bytes = database_bytes(&kiosk.db_path());
    assert!(!contains(&bytes, b"Forget Mehere"), "the erased name is gone from the database file and WAL");
    assert!(!contains(&bytes, b"Secret Plumbing Co"));
    assert!(contains(&bytes, b"Also Kept"));

    assert_eq!(kiosk.store.erase(2, "again").unwrap_err().code(), "already_erased");
    assert_eq!(kiosk.store.erase(9, "no such").unwrap_err().code(), "record_not_found");
    assert_eq!(kiosk.store.erase(1, "   ").unwrap_err().code(), "erasure_reason_empty");
    assert!(kiosk.store.record(1).unwrap().personal.is_some(), "refused erasures change nothing");
}

#[test]
fn stroke_timing_and_pressure_never_reach_the_database() {
    let mut kiosk = Kiosk::new();
    kiosk.sign("Ann");
    let bytes = database_bytes(&kiosk.db_path());
    assert!(!contains(&bytes, b"1732300000"), "no stroke timestamp stored");
    assert!(!contains(&bytes, b"pressure"));
}

#[test]
fn the_store_itself_refuses_to_edit_or_delete_a_record() {
    let mut kiosk = Kiosk::new();
    kiosk.sign("Ann");
    let raw = rusqlite::Connection::open(kiosk.db_path()).unwrap();
    let edit = raw.execute("UPDATE records SET name = 'Eve' WHERE seq = 1", []).unwrap_err();
    assert!(edit.to_string().contains("immutable"), "{edit}");
    let delete = raw.execute("DELETE FROM records WHERE seq = 1", []).unwrap_err();
    assert!(delete.to_string().contains("never deleted"), "{delete}");
}

#[cfg(unix)]
#[test]
fn the_kiosk_key_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let kiosk = Kiosk::new();
    let key = signbook_core::device::key_path_for(&kiosk.db_path());
    assert_eq!(std::fs::metadata(key).unwrap().permissions().mode() & 0o777, 0o600);
}

/// Found by a penetration test: the database was created 0644 in a 0755
/// folder, so any local account could read every signer's name.
#[cfg(unix)]
#[test]
fn the_database_and_its_folder_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new-folder/kiosk.db");
    let mut kiosk = Store::open(&db).unwrap();
    kiosk.publish_agreement(common::AUP, "AUP", &common::roles(&["visitor"])).unwrap();
    let files: Vec<_> = signbook_core::private_files::database_files(&db).into_iter().filter(|f| f.exists()).collect();
    assert!(files.len() >= 2, "the database and its WAL: {files:?}");
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(db.parent().unwrap()), 0o700, "the folder the kiosk created");
    drop(kiosk);

    // A database left readable by an older version, or by hand, is narrowed on open.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _kiosk = Store::open(&db).unwrap();
    for file in signbook_core::private_files::database_files(&db).iter().filter(|f| f.exists()) {
        assert_eq!(mode(file), 0o600, "narrowed on open: {}", file.display());
    }
}

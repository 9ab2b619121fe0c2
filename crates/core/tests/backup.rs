//! `signbook backup`: a copy taken while the kiosk is running holds every
//! record and the kiosk's identity, and restores by putting it in place.

mod common;

use common::{Kiosk, database_bytes};
use signbook_core::backup::{BackupError, backup_database, backup_kiosk};
use signbook_core::{SignRequest, Store};

#[test]
fn a_backup_of_an_open_kiosk_has_every_record_even_those_still_in_the_wal() {
    let mut kiosk = Kiosk::new();
    for name in ["Ann Lee", "Bob Roy", "Cy Tam"] {
        kiosk.sign(name);
    }
    let wal = kiosk.dir.path().join("kiosk.db-wal");
    assert!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0,
        "the records are still in the WAL, as on a running kiosk"
    );

    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("monday.db");
    let report = backup_kiosk(&kiosk.db_path(), &out).unwrap();
    assert_eq!(report.files, vec![out.clone(), out_dir.path().join("monday.db.key")]);
    assert_eq!((report.records, report.bytes), (3, std::fs::metadata(&out).unwrap().len()));
    assert!(!out_dir.path().join("monday.db-wal").exists(), "the backup is one self-contained file");

    // The kiosk carries on; the backup is the moment it was taken.
    kiosk.sign("Dee Fox");
    let restored = Store::open(&out).unwrap();
    assert_eq!(restored.device_id(), kiosk.store.device_id(), "same kiosk identity, so it syncs as the same kiosk");
    let report = restored.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 3);
    assert_eq!(restored.record(3).unwrap().personal.unwrap().name, "Cy Tam");
}

#[test]
fn signatures_taken_during_backups_are_in_the_copy_whole_or_not_at_all() {
    let kiosk = Kiosk::new();
    let db = kiosk.db_path();
    let writer = {
        let db = db.clone();
        std::thread::spawn(move || {
            let mut store = Store::open(&db).unwrap();
            let strokes = common::signature();
            for i in 0..30 {
                let name = format!("Visitor {i}");
                store
                    .sign(&SignRequest {
                        role: "visitor",
                        name: &name,
                        organisation: Some("Acme"),
                        strokes: &strokes,
                        agreement: None,
                    })
                    .unwrap();
            }
        })
    };
    let out_dir = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    for i in 0..8 {
        let out = out_dir.path().join(format!("copy{i}.db"));
        let copied = backup_kiosk(&db, &out).unwrap().records;
        let report = Store::open(&out).unwrap().verify().unwrap();
        assert!(report.is_intact(), "copy {i}: {report:?}");
        assert_eq!(report.records, copied, "copy {i} says what it holds");
        seen.push(report.records);
    }
    writer.join().unwrap();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "each later copy holds at least as much: {seen:?}");
    let out = out_dir.path().join("after.db");
    backup_kiosk(&db, &out).unwrap();
    assert_eq!(Store::open(&out).unwrap().verify().unwrap().records, 30);
}

#[cfg(unix)]
#[test]
fn backup_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mut kiosk = Kiosk::new();
    kiosk.sign("Ann Lee");
    let out_dir = tempfile::tempdir().unwrap();
    for file in backup_kiosk(&kiosk.db_path(), &out_dir.path().join("b.db")).unwrap().files {
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "{}", file.display());
    }
}

#[test]
fn a_backup_that_cannot_be_made_says_why_and_changes_nothing() {
    let mut kiosk = Kiosk::new();
    kiosk.sign("Ann Lee");
    let db = kiosk.db_path();
    let before = database_bytes(&db);
    let out_dir = tempfile::tempdir().unwrap();

    let err = backup_database(&out_dir.path().join("none.db"), &out_dir.path().join("b.db")).unwrap_err();
    assert!(matches!(err, BackupError::Missing { .. }), "{err:?}");
    assert!(err.to_string().contains("there is no database at"), "{err}");
    assert!(!out_dir.path().join("none.db").exists(), "a missing database is not created");

    let err = backup_database(&db, &db).unwrap_err();
    assert!(matches!(err, BackupError::SameFile { .. }), "{err:?}");
    assert!(err.to_string().contains("choose another file"), "{err}");

    let err = backup_database(&db, &out_dir.path().join("no/such/folder/b.db")).unwrap_err();
    assert!(matches!(err, BackupError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("check the folder exists"), "{err}");

    assert_eq!(database_bytes(&db), before, "the database is untouched");
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0, "no stray files left behind");
    assert!(kiosk.store.verify().unwrap().is_intact());
}

//! A kiosk database restored from an older copy signs again: the office
//! refuses the fork, raises an alert, and changes nothing it holds.

mod common;

use common::{Office, block_on, kiosk, kiosk_hashes, sign};
use signbook_core::Store;
use signbook_sync::SyncError;

#[test]
fn a_restored_kiosk_signing_again_is_refused_as_a_fork_and_nothing_stored_changes() {
    let (office_dir, kiosk_dir, copy_dir) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 10);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();

    // Back up the kiosk (database closed, so the WAL is folded in).
    drop(store);
    for file in ["kiosk.db", "kiosk.db.key"] {
        std::fs::copy(kiosk_dir.path().join(file), copy_dir.path().join(file)).unwrap();
    }
    let mut store = Store::open(kiosk_dir.path().join("kiosk.db")).unwrap();
    sign(&mut store, 5);
    assert_eq!(signbook_sync::push(&mut store).unwrap().acknowledged_seq, 15);
    let held = block_on(office.db().record_hashes(store.device_id())).unwrap();
    assert_eq!(held, kiosk_hashes(&store));

    // The old copy comes back and takes three new signatures: 11 to 13 again.
    let mut restored = Store::open(copy_dir.path().join("kiosk.db")).unwrap();
    sign(&mut restored, 3);
    let err = signbook_sync::push(&mut restored).unwrap_err();
    let SyncError::OfficeRefused { status, code, message, .. } = &err else { panic!("{err:?}") };
    assert_eq!((*status, code.as_str()), (409, "fork"), "{message}");
    assert!(message.contains("record 11") && message.contains("restored from an older copy"), "{message}");
    let status = restored.sync_status().unwrap();
    assert_eq!(
        (status.last_error_code.as_deref(), status.acknowledged_seq, status.pending),
        (Some("office.fork"), 10, 3)
    );

    let db = office.db();
    assert_eq!(block_on(db.record_hashes(store.device_id())).unwrap(), held, "the office's copy is unchanged");
    let alerts = block_on(db.alerts()).unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(
        (alerts[0].kind.as_str(), alerts[0].seq, alerts[0].device_id),
        ("fork", Some(11), Some(store.device_id()))
    );
    let listing = String::from_utf8(office.cli(&["alerts"]).stdout).unwrap();
    assert!(listing.contains("fork") && listing.contains("record 11"), "{listing}");

    // The genuine kiosk carries on unaffected.
    sign(&mut store, 1);
    assert_eq!(signbook_sync::push(&mut store).unwrap().acknowledged_seq, 16);
}

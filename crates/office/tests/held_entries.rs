//! Record format version 3 at the office: a kiosk that removed the personal
//! data of records the office acknowledged pushes its "held at the office"
//! entries; the office stores them in the chain, keeps its own copy of the
//! data, and both sides verify, before and after a later erasure.

mod common;

use chrono::{Duration, Utc};
use signbook_core::record::PersonalData;
use signbook_office::store::StaffRole;

use common::{Office, block_on, kiosk};
use signbook_office::store::Scope;

fn office_personal(office: &Office, device: uuid::Uuid, seq: u64) -> Option<PersonalData> {
    block_on(office.db().stored_record(&Scope::Trust, device, seq))
        .unwrap()
        .expect("the office holds the record")
        .record
        .personal
}

#[test]
fn held_entries_are_stored_the_office_keeps_the_data_and_both_sides_verify() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let mut store = kiosk(dir.path(), 3);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    assert!(
        store.configuration_state().unwrap().office_version.is_some(),
        "the office announced configurations, so it takes held entries"
    );

    // The office sets the kiosks' local limit; the kiosk applies it.
    assert_eq!(store.local_retention_days().unwrap(), 30, "the default while the office sets none");
    let set = office.cli(&["settings", "set", "local-retention-days", "10"]);
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    signbook_sync::push(&mut store).unwrap();
    signbook_sync::apply_pending_configuration(&mut store, Utc::now()).unwrap();
    assert_eq!(store.local_retention_days().unwrap(), 10);

    // Nine days on, nothing goes; eleven days on, the kiosk removes its copies.
    let signed = store.record(3).unwrap().header.signed_at;
    assert_eq!(store.release_to_office(signed + Duration::days(9)).unwrap().records, 0);
    let later = signed + Duration::days(11);
    assert_eq!(store.release_to_office(later).unwrap().records, 3);
    assert!(store.record(2).unwrap().personal.is_none());
    let report = signbook_sync::push(&mut store).unwrap();
    assert_eq!(report.acknowledged_seq, 6, "records 1-3 and held entries 4-6");

    let device = store.device_id();
    let kept = office_personal(&office, device, 2).expect("the office keeps the personal data");
    assert_eq!(kept.name, "Visitor Number1");
    let verified = block_on(office.db().verify()).unwrap();
    assert!(verified[0].problem.is_none(), "{verified:?}");
    assert_eq!((verified[0].held, verified[0].erased, verified[0].head_seq), (3, 0, Some(6)));
    assert!(store.verify().unwrap().is_intact());

    // An erasure decided later at the kiosk: both entries, both sides green.
    store.erase(2, "asked to be forgotten").unwrap();
    signbook_sync::push(&mut store).unwrap();
    assert!(office_personal(&office, device, 2).is_none(), "the office's copy is erased too");
    let verified = block_on(office.db().verify()).unwrap();
    assert!(verified[0].problem.is_none(), "{verified:?}");
    assert_eq!((verified[0].held, verified[0].erased), (3, 1));

    // And one decided at the office reaches the kiosk's held record.
    let db = office.db();
    block_on(db.add_user("j.evans", "correct horse battery", StaffRole::Privacy, Utc::now())).unwrap();
    block_on(db.erase_record(&Scope::Trust, device, 3, "erasure request 2026-15", "j.evans", Utc::now())).unwrap();
    signbook_sync::push(&mut store).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let entry = store.erasure_entries().unwrap().pop().expect("the kiosk's entry for the office erasure");
    assert_eq!(entry.entry.target_seq, 3);
    assert!(store.verify().unwrap().is_intact());
    let verified = block_on(office.db().verify()).unwrap();
    assert!(verified[0].problem.is_none(), "{verified:?}");
    assert_eq!((verified[0].held, verified[0].erased, verified[0].head_seq), (3, 2, Some(8)));
}

/// A kiosk whose office link is down carries its held entries to the
/// office on a USB bundle: the office already holds the records (with
/// their data), takes the entries, and verifies green.
#[test]
fn held_entries_travel_in_a_usb_bundle() {
    let office_dir = tempfile::tempdir().unwrap();
    let office = Office::start(office_dir.path());
    let dir = tempfile::tempdir().unwrap();
    let mut store = kiosk(dir.path(), 3);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let signed = store.record(3).unwrap().header.signed_at;
    assert_eq!(store.release_to_office(signed + Duration::days(31)).unwrap().records, 3);

    let bundle = dir.path().join("bundle.jsonl");
    signbook_sync::export_bundle(&store, &bundle).unwrap();
    let text = std::fs::read_to_string(&bundle).unwrap();
    assert!(text.contains("\"held_entries\":[") && !text.contains("Visitor Number1"), "no personal data left to carry");
    let imported = office.cli(&["import-bundle", bundle.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));

    let verified = block_on(office.db().verify()).unwrap();
    assert!(verified[0].problem.is_none(), "{verified:?}");
    assert_eq!((verified[0].held, verified[0].head_seq), (3, Some(6)));
    assert!(office_personal(&office, store.device_id(), 1).is_some(), "the office keeps its copy");
}

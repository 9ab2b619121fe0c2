//! Less personal data on the kiosk (issue 17): once the office has
//! acknowledged a record and the local limit has passed, the kiosk removes
//! the record's personal data between two visitors, never part-way through
//! someone's signing, and the bytes are gone from the database file.

use chrono::{Duration, Utc};
use signbook_core::{Hash32, Store};
use signbook_kiosk::{Kiosk, Submission};

const DEMO_SIGNATURE: &str = include_str!("../../../assets/demo-signature.json");

fn submission(kiosk: &Kiosk, name: &str) -> Submission {
    Submission {
        role: "visitor".into(),
        name: name.into(),
        organisation: Some("Acme Ltd".into()),
        strokes_json: DEMO_SIGNATURE.into(),
        agreement_hash: kiosk.agreement_for("visitor").unwrap().hash,
    }
}

/// What a sync with an office that announced configurations leaves: the
/// office holds `1..=acked`.
fn office_acknowledged(path: &std::path::Path, acked: u64) {
    let mut store = Store::open(path).unwrap();
    store.save_pairing("https://office.example:8443", Hash32([9; 32]), 0).unwrap();
    store.note_office_configuration_version(1).unwrap();
    store.note_push_success(acked, &[]).unwrap();
}

fn file_holds(path: &std::path::Path, text: &str) -> bool {
    let mut bytes = std::fs::read(path).unwrap();
    bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

#[test]
fn personal_data_the_office_holds_goes_between_visitors_after_the_limit_and_never_mid_signing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    let mut kiosk = Kiosk::open(&path).unwrap();
    let now = Utc::now();
    kiosk.welcome_at(now).unwrap();
    kiosk.submit(&submission(&kiosk, "Gwen Morgan-Price")).unwrap();
    kiosk.submit(&submission(&kiosk, "Idris Fychan")).unwrap();
    office_acknowledged(&path, 2);

    // 29 days on: within the limit, nothing goes.
    kiosk.welcome_at(now + Duration::days(29)).unwrap();
    assert!(kiosk.store().record(1).unwrap().personal.is_some());

    // 31 days on, someone is part-way through signing: the name screen and
    // the submit never remove anything.
    kiosk.check_name("visitor", "Nia Roberts", Some("Acme Ltd")).unwrap();
    kiosk.submit(&submission(&kiosk, "Nia Roberts")).unwrap();
    assert!(kiosk.store().record(1).unwrap().personal.is_some(), "not in the middle of a signing");

    // The next visitor's welcome screen: records 1 and 2 go; record 3, not
    // yet acknowledged, stays.
    kiosk.welcome_at(now + Duration::days(31)).unwrap();
    assert!(kiosk.store().record(1).unwrap().personal.is_none());
    assert!(kiosk.store().record(2).unwrap().personal.is_none());
    assert!(kiosk.store().record(3).unwrap().personal.is_some());
    let report = kiosk.store().verify().unwrap();
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!(report.held, 2);

    drop(kiosk);
    for name in ["Gwen Morgan-Price", "Idris Fychan"] {
        assert!(!file_holds(&path, name), "{name} is still in the database file");
    }
    assert!(file_holds(&path, "Nia Roberts"), "the search can find a name that is there");
}

#[test]
fn a_kiosk_with_no_office_or_an_office_without_configurations_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    let mut kiosk = Kiosk::open(&path).unwrap();
    kiosk.submit(&submission(&kiosk, "Gwen Morgan-Price")).unwrap();
    let later = Utc::now() + Duration::days(400);
    kiosk.welcome_at(later).unwrap();
    assert!(kiosk.store().record(1).unwrap().personal.is_some(), "no office: nothing acknowledged");

    // An office that acknowledged it but never announced configurations
    // cannot take held entries: the kiosk keeps the data.
    let mut store = Store::open(&path).unwrap();
    store.save_pairing("https://office.example:8443", Hash32([9; 32]), 0).unwrap();
    store.note_push_success(1, &[]).unwrap();
    drop(store);
    kiosk.welcome_at(later + Duration::hours(2)).unwrap();
    assert!(kiosk.store().record(1).unwrap().personal.is_some());
}

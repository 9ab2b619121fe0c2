//! Re-sign rules: who must sign again, and when.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{Kiosk, roles, signature};
use signbook_core::role::Role;
use signbook_core::store::{MustSignReason, ResignRule, SigningStatus};
use signbook_core::{SignRequest, Store};

fn role(name: &str) -> Role {
    Role::new(name).unwrap()
}

fn sign_at(kiosk: &mut Kiosk, role: &str, name: &str, at: DateTime<Utc>) -> u64 {
    let strokes = signature();
    kiosk
        .store
        .sign_at(&SignRequest { role, name, organisation: None, strokes: &strokes, agreement: None }, at.fixed_offset())
        .unwrap()
        .seq
}

fn must(reason: MustSignReason) -> SigningStatus {
    SigningStatus::MustSign { reason }
}

#[test]
fn visiting_roles_sign_every_visit_and_others_once_per_version_by_default() {
    let kiosk = Kiosk::new();
    for (name, rule) in [
        ("visitor", ResignRule::EveryVisit),
        ("contractor", ResignRule::EveryVisit),
        ("staff", ResignRule::NewVersion),
        ("governor", ResignRule::NewVersion),
        ("volunteer", ResignRule::NewVersion),
    ] {
        assert_eq!(kiosk.store.resign_rule(&role(name)).unwrap(), rule, "{name}");
    }
}

#[test]
fn staff_sign_once_per_version_and_again_when_it_changes() {
    let mut kiosk = Kiosk::new();
    let now = Utc::now();
    let staff = role("staff");
    assert_eq!(
        kiosk.store.signing_status(&staff, "Ann Able", now).unwrap(),
        must(MustSignReason::NotSignedThisVersion)
    );
    let seq = sign_at(&mut kiosk, "staff", "Ann Able", now);
    let status = kiosk.store.signing_status(&staff, "  ann   ABLE ", now + Duration::days(400)).unwrap();
    assert!(
        matches!(status, SigningStatus::AlreadySigned { seq: s, .. } if s == seq),
        "same person, any case or spacing: {status:?}"
    );
    assert_eq!(
        kiosk.store.signing_status(&staff, "Ann Abel", now).unwrap(),
        must(MustSignReason::NotSignedThisVersion),
        "another name"
    );
    assert_eq!(
        kiosk.store.signing_status(&role("governor"), "Ann Able", now).unwrap(),
        must(MustSignReason::NotSignedThisVersion),
        "another role"
    );

    kiosk.store.publish_agreement("# AUP 2027\n\n- New rules.\n", "AUP 2027", &roles(&["staff"])).unwrap();
    assert_eq!(
        kiosk.store.signing_status(&staff, "Ann Able", now).unwrap(),
        must(MustSignReason::NotSignedThisVersion)
    );
}

#[test]
fn after_n_days_a_signature_expires() {
    let mut kiosk = Kiosk::new();
    let volunteer = role("volunteer");
    kiosk.store.set_resign_rule(&volunteer, ResignRule::AfterDays(365)).unwrap();
    assert_eq!(kiosk.store.resign_rule(&volunteer).unwrap(), ResignRule::AfterDays(365));
    let signed = Utc::now() - Duration::days(400);
    sign_at(&mut kiosk, "volunteer", "Val Green", signed);
    assert!(matches!(
        kiosk.store.signing_status(&volunteer, "Val Green", signed + Duration::days(364)).unwrap(),
        SigningStatus::AlreadySigned { .. }
    ));
    assert_eq!(
        kiosk.store.signing_status(&volunteer, "Val Green", signed + Duration::days(366)).unwrap(),
        must(MustSignReason::Expired)
    );
}

#[test]
fn visitors_always_sign_and_an_erased_signature_no_longer_counts() {
    let mut kiosk = Kiosk::new();
    let now = Utc::now();
    sign_at(&mut kiosk, "visitor", "Vic Tor", now);
    assert_eq!(kiosk.store.signing_status(&role("visitor"), "Vic Tor", now).unwrap(), must(MustSignReason::EveryVisit));

    let seq = sign_at(&mut kiosk, "staff", "Sam Erased", now);
    kiosk.store.erase(seq, "request").unwrap();
    assert_eq!(
        kiosk.store.signing_status(&role("staff"), "Sam Erased", now).unwrap(),
        must(MustSignReason::NotSignedThisVersion)
    );
}

#[test]
fn rules_are_validated_and_kept_across_restarts() {
    let mut kiosk = Kiosk::new();
    assert_eq!(
        kiosk.store.set_resign_rule(&role("staff"), ResignRule::AfterDays(0)).unwrap_err().code(),
        "resign_days_zero"
    );
    kiosk.store.set_resign_rule(&role("visitor"), ResignRule::NewVersion).unwrap();
    let store = Store::open(kiosk.db_path()).unwrap();
    assert_eq!(store.resign_rule(&role("visitor")).unwrap(), ResignRule::NewVersion);
    assert_eq!(store.resign_rule(&role("staff")).unwrap(), ResignRule::NewVersion);
}

#[test]
fn a_version_1_database_is_migrated_forward_keeping_every_record() {
    let mut kiosk = Kiosk::new();
    kiosk.sign("Ann Able");
    kiosk.sign("Ben Baker");
    let path = kiosk.db_path();
    drop(kiosk.store);
    // Put the file back exactly as schema version 1 left it.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE held_entries; DROP TABLE acknowledgements; DROP TABLE held_name_lookup; DROP TRIGGER record_seq_is_not_held;
         DROP TABLE office_configuration; DROP TABLE erasure_entries; DROP TRIGGER record_seq_is_free; DROP TABLE synced_erasures; DROP TABLE sync_state; DROP TABLE sync_config;
         DROP TABLE admin; DROP TABLE settings; DROP INDEX records_by_role_name; DROP TABLE role_settings; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(raw);

    let store = Store::open(&path).unwrap();
    let version: i64 =
        rusqlite::Connection::open(&path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, signbook_core::store::SCHEMA_VERSION);
    assert_eq!(store.head().unwrap().unwrap().0, 2);
    assert!(store.verify().unwrap().is_intact());
    assert_eq!(store.resign_rule(&role("staff")).unwrap(), ResignRule::NewVersion, "the new table works");
}

//! The kiosk admin PIN and settings, as an admin (or a guesser) meets them.

#[path = "../../core/tests/common/mod.rs"]
mod common;

use chrono::{Duration, Utc};
use common::{Kiosk, roles};
use signbook_core::Store;
use signbook_core::store::KioskSettings;

#[test]
fn the_first_run_sets_a_pin_and_only_that_pin_opens_the_admin_area() {
    let mut kiosk = Kiosk::new();
    let now = Utc::now();
    assert!(!kiosk.store.admin_pin_is_set().unwrap());
    assert_eq!(kiosk.store.check_admin_pin("2580", now).unwrap_err().code(), "pin_not_set");
    for (weak, code) in [("1234", "pin_rejected"), ("12", "pin_rejected"), ("12ab", "pin_rejected")] {
        assert_eq!(kiosk.store.set_admin_pin(weak, None, now).unwrap_err().code(), code, "{weak}");
    }
    kiosk.store.set_admin_pin("2580", None, now).unwrap();
    assert!(kiosk.store.admin_pin_is_set().unwrap());
    kiosk.store.check_admin_pin("2580", now).unwrap();
    let wrong = kiosk.store.check_admin_pin("2581", now).unwrap_err();
    assert_eq!(wrong.code(), "pin_wrong");
    assert!(wrong.to_string().contains("4 more tries"), "{wrong}");
}

#[test]
fn changing_the_pin_needs_the_current_one() {
    let mut kiosk = Kiosk::new();
    let now = Utc::now();
    kiosk.store.set_admin_pin("2580", None, now).unwrap();
    assert_eq!(kiosk.store.set_admin_pin("4826", None, now).unwrap_err().code(), "pin_required");
    assert_eq!(kiosk.store.set_admin_pin("4826", Some("9999"), now).unwrap_err().code(), "pin_wrong");
    kiosk.store.set_admin_pin("4826", Some("2580"), now).unwrap();
    kiosk.store.check_admin_pin("4826", now).unwrap();
    assert_eq!(kiosk.store.check_admin_pin("2580", now).unwrap_err().code(), "pin_wrong");
}

#[test]
fn five_wrong_pins_lock_the_admin_area_with_a_growing_delay_that_survives_a_restart() {
    let mut kiosk = Kiosk::new();
    let t0 = Utc::now();
    kiosk.store.set_admin_pin("2580", None, t0).unwrap();
    for left in (1..5).rev() {
        let err = kiosk.store.check_admin_pin("0000", t0).unwrap_err();
        assert_eq!(err.to_string(), format!("wrong PIN; {left} more tries before the admin area locks for a while"));
    }
    let locked = kiosk.store.check_admin_pin("0000", t0).unwrap_err();
    assert_eq!(locked.code(), "pin_locked");
    assert!(locked.to_string().contains("try again in 30 seconds"), "{locked}");

    // A restart does not lift the lockout, and while locked even the right PIN is refused.
    let mut store = Store::open(kiosk.db_path()).unwrap();
    assert_eq!(store.check_admin_pin("2580", t0 + Duration::seconds(10)).unwrap_err().code(), "pin_locked");

    // After the wait, another wrong PIN doubles it; then the right one works and resets everything.
    let err = store.check_admin_pin("1111", t0 + Duration::seconds(31)).unwrap_err();
    assert!(err.to_string().contains("try again in 60 seconds"), "{err}");
    let err = store.check_admin_pin("1111", t0 + Duration::seconds(92)).unwrap_err();
    assert!(err.to_string().contains("try again in 120 seconds"), "{err}");
    store.check_admin_pin("2580", t0 + Duration::seconds(213)).unwrap();
    assert!(
        store.check_admin_pin("0000", t0 + Duration::seconds(214)).unwrap_err().to_string().contains("4 more tries")
    );
}

#[test]
fn the_lockout_never_exceeds_an_hour() {
    let mut kiosk = Kiosk::new();
    let mut now = Utc::now();
    kiosk.store.set_admin_pin("2580", None, now).unwrap();
    let mut last = String::new();
    for _ in 0..20 {
        if let Err(signbook_core::Error::PinLocked { seconds }) = kiosk.store.check_admin_pin("0000", now) {
            assert!(seconds <= 3600, "{seconds}");
            last = seconds.to_string();
            now += Duration::seconds(seconds + 1);
        }
    }
    assert_eq!(last, "3600");
}

#[test]
fn a_forgotten_pin_can_be_reset_from_the_machine() {
    let mut kiosk = Kiosk::new();
    kiosk.store.set_admin_pin("2580", None, Utc::now()).unwrap();
    kiosk.store.reset_admin_pin().unwrap();
    assert!(!kiosk.store.admin_pin_is_set().unwrap());
    kiosk.store.set_admin_pin("4826", None, Utc::now()).unwrap();
}

#[test]
fn the_pin_is_stored_only_as_an_argon2_hash() {
    let mut kiosk = Kiosk::new();
    kiosk.store.set_admin_pin("482913", None, Utc::now()).unwrap();
    let bytes = common::database_bytes(&kiosk.db_path());
    assert!(!common::contains(&bytes, b"482913"));
    let raw = rusqlite::Connection::open(kiosk.db_path()).unwrap();
    let (m, t, p, len): (u32, u32, u32, usize) = raw
        .query_row("SELECT argon2_m_kib, argon2_t, argon2_p, length(pin_hash) FROM admin", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!((m, t, p, len), (19 * 1024, 2, 1, 32));
}

#[test]
fn settings_have_defaults_are_validated_and_persist() {
    let mut kiosk = Kiosk::new();
    let defaults = kiosk.store.settings().unwrap();
    assert_eq!(defaults.idle_timeout_secs, 60);
    assert_eq!(defaults.roles.len(), 5);

    let good = KioskSettings {
        school_name: "  Ysgol Gymraeg Aberystwyth ".into(),
        idle_timeout_secs: 90,
        roles: roles(&["staff", "visitor"]),
        privacy_notice: Default::default(),
    };
    kiosk.store.update_settings(&good).unwrap();
    let saved = Store::open(kiosk.db_path()).unwrap().settings().unwrap();
    assert_eq!(saved.school_name, "Ysgol Gymraeg Aberystwyth");
    assert_eq!((saved.idle_timeout_secs, saved.roles), (90, roles(&["staff", "visitor"])));

    for (bad, message) in [
        (KioskSettings { school_name: " ".into(), ..good.clone() }, "school name"),
        (KioskSettings { school_name: "x".repeat(81), ..good.clone() }, "school name"),
        (KioskSettings { idle_timeout_secs: 5, ..good.clone() }, "use 15 to 600 seconds"),
        (KioskSettings { idle_timeout_secs: 601, ..good.clone() }, "idle timeout"),
        (KioskSettings { roles: vec![], ..good.clone() }, "between 1 and 8 roles"),
        (KioskSettings { roles: roles(&["staff", "staff"]), ..good.clone() }, "listed twice"),
    ] {
        let err = kiosk.store.update_settings(&bad).unwrap_err();
        assert_eq!(err.code(), "setting_invalid");
        assert!(err.to_string().contains(message), "{err}");
    }
    assert_eq!(kiosk.store.settings().unwrap().idle_timeout_secs, 90, "refused settings change nothing");
}

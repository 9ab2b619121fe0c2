//! The kiosk app's background loop: backs off while the office is down
//! (no busy loop), shows why in the sync status, and drains the backlog
//! once the office is back, while signing carries on.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use common::{Office, Proxy, assert_office_holds, block_on, kiosk, sign};
use signbook_core::role::Role;
use signbook_sync::backoff::Backoff;
use signbook_sync::{BackgroundOptions, BackgroundSync};

#[test]
fn the_background_loop_backs_off_while_the_office_is_down_and_drains_when_it_returns() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut office = Office::start(office_dir.path());
    let proxy = Proxy::start(office.addr, |_| false);
    let mut store = kiosk(kiosk_dir.path(), 50);
    signbook_sync::pair(&mut store, &proxy.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    office.kill();

    let options = BackgroundOptions {
        interval: Duration::from_millis(200),
        backoff: Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(400),
            floor: Duration::from_millis(50),
        },
    };
    let background = BackgroundSync::start(store.path(), options).unwrap();

    // Two seconds of outage, signing all the while.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        sign(&mut store, 10);
        std::thread::sleep(Duration::from_millis(100));
    }
    let attempts = proxy.connections.load(Ordering::SeqCst);
    assert!((3..=40).contains(&attempts), "retries back off but keep trying: {attempts} attempts in 2 s");
    let status = store.sync_status().unwrap();
    assert_eq!(status.last_error_code.as_deref(), Some("office_unreachable"), "{status:?}");
    assert!(status.last_error.as_deref().unwrap().contains("Signing goes on"), "{status:?}");
    assert!(status.pending >= 50);

    let office = Office::start(office_dir.path());
    proxy.retarget(office.addr);
    // Signing goes on while the backlog drains, never waiting on the push.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut slowest = Duration::ZERO;
    let mut signed_while_draining = 0;
    loop {
        if signed_while_draining < 20 {
            let started = Instant::now();
            sign(&mut store, 1);
            slowest = slowest.max(started.elapsed());
            signed_while_draining += 1;
        }
        if store.sync_status().unwrap().pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the backlog never drained: {:?}", store.sync_status().unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(slowest < Duration::from_millis(500), "a signature waited {slowest:?} for the sync");
    let stopping = Instant::now();
    background.stop();
    assert!(stopping.elapsed() < Duration::from_secs(1), "the loop stops promptly");
    let status = store.sync_status().unwrap();
    assert!(status.last_error.is_none() && status.last_success_at.is_some(), "{status:?}");
    assert_office_holds(&office, &store);
}

#[test]
fn implausible_kiosk_clocks_are_stored_and_flagged() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 2);
    let png = common::png();
    let role = Role::new("visitor").unwrap();
    let in_1970 = Utc.with_ymd_and_hms(1970, 1, 1, 0, 5, 0).unwrap().fixed_offset();
    let far_ahead = (Utc::now() + chrono::Duration::days(3)).fixed_offset();
    store.sign_prerendered_at(&role, "Clock Reset", None, png.clone(), in_1970).unwrap();
    store.sign_prerendered_at(&role, "Clock Ahead", None, png, far_ahead).unwrap();
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    assert_eq!(signbook_sync::push(&mut store).unwrap().acknowledged_seq, 4, "stored anyway");
    assert_office_holds(&office, &store);
    let alerts = block_on(office.db().alerts()).unwrap();
    let flagged: Vec<(&str, Option<u64>)> = alerts.iter().map(|a| (a.kind.as_str(), a.seq)).collect();
    assert_eq!(flagged, [("clock_implausible", Some(3)), ("clock_implausible", Some(4))]);
    assert!(
        alerts[0].detail.contains("before 2020") && alerts[1].detail.contains("more than a day after"),
        "{alerts:?}"
    );
    let received = office.sql("SELECT received_at FROM records WHERE seq = 3").unwrap()[0][0].clone().unwrap();
    assert!(
        received.starts_with(&Utc::now().format("%Y-").to_string()),
        "the office's own receipt time is kept beside the claim: {received}"
    );
}

#[test]
fn a_kiosk_whose_clock_is_hours_off_still_gets_every_record_to_the_office() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 20);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    // Far outside the office's 5-minute window for request timestamps: the
    // kiosk signs its retry with the office's clock instead of giving up.
    for off_by in [chrono::Duration::hours(-3), chrono::Duration::days(400)] {
        sign(&mut store, 10);
        let report = signbook_sync::push_with_clock(&mut store, 500, &move || Utc::now() + off_by).unwrap();
        assert_eq!(
            (report.sent, report.pending),
            (if off_by < chrono::Duration::zero() { 30 } else { 10 }, 0),
            "clock off by {off_by}"
        );
    }
    assert_office_holds(&office, &store);
    assert!(store.sync_status().unwrap().last_error.is_none());
}

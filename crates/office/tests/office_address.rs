//! `signbook office-address URL` (issue 18): a paired kiosk pointed at
//! another address of the same office (a second server, a new IP address)
//! keeps syncing without pairing again; an address where another office
//! answers is refused and the kiosk keeps the address it had.

mod common;

use std::sync::atomic::Ordering;

use common::{Office, Proxy, assert_office_holds, kiosk, sign};
use signbook_sync::SyncError;

#[test]
fn another_address_of_the_same_office_is_kept_after_a_push_there_succeeds() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 3);
    signbook_sync::pair_with_code(&mut store, &office.url(), &office.pairing_code()).unwrap();
    signbook_sync::push(&mut store).unwrap();

    // The same server reached at another address: the certificate is the one pinned.
    let other_address = Proxy::start(office.addr, |_| false);
    sign(&mut store, 2);
    let report = signbook_sync::move_to_address(&mut store, &format!("{}/", other_address.url())).unwrap();
    assert_eq!((report.sent, report.acknowledged_seq, report.pending), (2, 5, 0));
    let config = store.sync_config().unwrap().unwrap();
    assert_eq!(config.office_url, other_address.url(), "saved without the trailing slash");
    assert_office_holds(&office, &store);

    // From now on the ordinary push goes there.
    sign(&mut store, 1);
    let before = other_address.connections.load(Ordering::SeqCst);
    signbook_sync::push(&mut store).unwrap();
    assert!(other_address.connections.load(Ordering::SeqCst) > before, "pushed through the new address");
    assert_office_holds(&office, &store);
}

#[test]
fn an_address_where_another_office_answers_is_refused_and_nothing_changes() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let (office, stranger) = (Office::start(dirs[0].path()), Office::start(dirs[1].path()));
    let mut store = kiosk(dirs[2].path(), 3);
    signbook_sync::pair_with_code(&mut store, &office.url(), &office.pairing_code()).unwrap();
    signbook_sync::push(&mut store).unwrap();
    let before = store.sync_config().unwrap().unwrap();

    let error = signbook_sync::move_to_address(&mut store, &stranger.url()).unwrap_err();
    assert!(matches!(error, SyncError::FingerprintMismatch { .. }), "{error}");
    assert_eq!(store.sync_config().unwrap().unwrap(), before, "address and pin as they were");
    signbook_sync::push(&mut store).expect("still syncs with its own office");

    let error = signbook_sync::move_to_address(&mut store, "http://127.0.0.1:1").unwrap_err();
    assert_eq!(error.code(), "office_url_invalid", "{error}");
    assert_eq!(store.sync_config().unwrap().unwrap().office_url, before.office_url);
}

#[test]
fn an_unpaired_kiosk_is_told_to_pair_first() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 1);
    let error = signbook_sync::move_to_address(&mut store, &office.url()).unwrap_err();
    assert!(matches!(error, SyncError::NotPaired), "{error}");
    assert!(store.sync_config().unwrap().is_none());
}

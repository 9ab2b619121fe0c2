//! Issue 15, item 15: the office certificate is replaced without pairing
//! the kiosks again. The real `signbook-office` binary: pair, `tls rotate`,
//! a sync (the kiosk learns the next fingerprint over the pinned channel),
//! `tls activate` and a restart, and the kiosk syncs on without being paired
//! again; a kiosk that did not sync while the certificate was staged is
//! refused like any unknown certificate, with the advice to pair again.

mod common;

use common::{Office, assert_office_holds, kiosk, sign};
use signbook_sync::parse_fingerprint;

/// The fingerprint after `label` in `tls` command output.
fn fingerprint_after(output: &str, label: &str) -> String {
    output
        .split(label)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(|f| f.trim_end_matches(['.', ',']).to_owned())
        .unwrap_or_else(|| panic!("no {label:?} in {output}"))
}

#[test]
fn kiosks_follow_a_rotated_certificate_without_pairing_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("office");
    let mut office = Office::start(&data);
    let old = office.fingerprint.clone();
    let (at_desk, late) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut syncing = kiosk(at_desk.path(), 3);
    let mut switched_off = kiosk(late.path(), 2);
    for store in [&mut syncing, &mut switched_off] {
        signbook_sync::pair(store, &office.url(), &office.pairing_code(), &old).unwrap();
        signbook_sync::push(store).unwrap();
    }

    // Staged beside the current certificate, which stays in use.
    let staged = office.cli_ok(&["tls", "rotate"]).unwrap();
    let next = fingerprint_after(&staged, "Staged the next certificate: ");
    assert_ne!(next, old);
    let status = office.cli_ok(&["tls", "status"]).unwrap();
    assert!(status.contains(&format!("current certificate: {old}")) && status.contains(&next), "{status}");
    assert!(status.contains("NOT synced since"), "no kiosk has synced since it was staged: {status}");

    // One kiosk syncs while it is staged and learns the next fingerprint.
    sign(&mut syncing, 2);
    signbook_sync::push(&mut syncing).unwrap();
    let config = syncing.sync_config().unwrap().unwrap();
    assert_eq!(config.fingerprint, parse_fingerprint(&old).unwrap(), "still pinned to the current certificate");
    assert_eq!(config.next_fingerprint, Some(parse_fingerprint(&next).unwrap()), "and accepts the announced one");
    assert!(switched_off.sync_config().unwrap().unwrap().next_fingerprint.is_none());
    let status = office.cli_ok(&["tls", "status"]).unwrap();
    assert!(status.contains("has synced since"), "{status}");

    // Activated, and the server restarted on the same address.
    let activated = office.cli_ok(&["tls", "activate"]).unwrap();
    assert!(activated.contains(&format!("is now {next}")), "{activated}");
    let listen = office.addr.to_string();
    office.kill();
    let office = Office::start_on(&data, &listen);
    assert_eq!(office.fingerprint, next, "the office serves the new certificate");

    // The kiosk that learnt it syncs on, and pins the new certificate only.
    sign(&mut syncing, 1);
    let report = signbook_sync::push(&mut syncing).unwrap();
    assert_eq!((report.acknowledged_seq, report.pending), (6, 0));
    let config = syncing.sync_config().unwrap().unwrap();
    assert_eq!((config.fingerprint, config.next_fingerprint), (parse_fingerprint(&next).unwrap(), None));
    assert_office_holds(&office, &syncing);

    // The kiosk that was off all along refuses the certificate it was never told of.
    sign(&mut switched_off, 1);
    let err = signbook_sync::push(&mut switched_off).unwrap_err();
    assert_eq!(err.code(), "fingerprint_mismatch", "{err}");
    assert!(err.to_string().contains("pair this kiosk again"), "{err}");
    assert_eq!(switched_off.sync_config().unwrap().unwrap().fingerprint, parse_fingerprint(&old).unwrap());
    assert_eq!(switched_off.sync_status().unwrap().pending, 1, "its record waits on the kiosk");

    // Paired again with the new fingerprint, it catches up.
    signbook_sync::pair(&mut switched_off, &office.url(), &office.pairing_code(), &next).unwrap();
    signbook_sync::push(&mut switched_off).unwrap();
    assert_office_holds(&office, &switched_off);
}

#[test]
fn a_fingerprint_the_office_stops_announcing_is_no_longer_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("office");
    let office = Office::start(&data);
    let at_desk = tempfile::tempdir().unwrap();
    let mut store = kiosk(at_desk.path(), 1);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    office.cli_ok(&["tls", "rotate"]).unwrap();
    signbook_sync::push(&mut store).unwrap();
    assert!(store.sync_config().unwrap().unwrap().next_fingerprint.is_some());

    let cancelled = office.cli_ok(&["tls", "cancel"]).unwrap();
    assert!(cancelled.contains("Forgot the staged certificate"), "{cancelled}");
    signbook_sync::push(&mut store).unwrap();
    assert_eq!(store.sync_config().unwrap().unwrap().next_fingerprint, None, "the kiosk forgets it too");
}

#[test]
fn a_kiosk_paired_while_a_certificate_is_staged_learns_it_at_pairing() {
    let dir = tempfile::tempdir().unwrap();
    let office = Office::start(&dir.path().join("office"));
    let staged = office.cli_ok(&["tls", "rotate"]).unwrap();
    let next = fingerprint_after(&staged, "Staged the next certificate: ");
    let at_desk = tempfile::tempdir().unwrap();
    let mut store = kiosk(at_desk.path(), 1);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    assert_eq!(store.sync_config().unwrap().unwrap().next_fingerprint, Some(parse_fingerprint(&next).unwrap()));
}

//! `signbook-office backup` while the server runs, and a restore from it:
//! same certificate (kiosks need no new pairing), every record kept.

mod common;

use common::{Office, Proxy, assert_office_holds, kiosk, sign};

#[test]
fn an_office_restored_from_a_backup_taken_while_serving_keeps_its_records_and_kiosks() {
    let (data, kiosk_dir, backups, restored) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let mut office = Office::start_sqlite(data.path());
    let proxy = Proxy::start(office.addr, |_| false); // the office's fixed address on the LAN
    let mut store = kiosk(kiosk_dir.path(), 12);
    signbook_sync::pair(&mut store, &proxy.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    assert_eq!(signbook_sync::push(&mut store).unwrap().acknowledged_seq, 12);

    let out = backups.path().join("office.backup");
    let result = office.cli(&["backup", "--out", out.to_str().unwrap()]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let text = String::from_utf8(result.stdout).unwrap();
    assert!(text.starts_with("Backed up the office: 12 records") && text.contains("office.backup.key.der"), "{text}");
    office.kill();

    // Restore: the three files back under their own names in an empty data directory.
    for (from, to) in
        [("office.backup", "office.db"), ("office.backup.cert.der", "cert.der"), ("office.backup.key.der", "key.der")]
    {
        std::fs::copy(backups.path().join(from), restored.path().join(to)).unwrap();
    }
    let old_fingerprint = office.fingerprint.clone();
    let office = Office::start_sqlite(restored.path());
    assert_eq!(office.fingerprint, old_fingerprint, "the certificate kiosks pinned is the same");
    proxy.retarget(office.addr);
    assert_office_holds(&office, &store);
    let verify = office.cli(&["verify"]);
    assert!(
        verify.status.success() && String::from_utf8_lossy(&verify.stdout).contains("intact, 12 records"),
        "{verify:?}"
    );

    // The kiosk syncs on with the restored office, with no new pairing.
    sign(&mut store, 3);
    assert_eq!(signbook_sync::push(&mut store).unwrap().acknowledged_seq, 15);
    assert_office_holds(&office, &store);
}

//! Every fault the product brief names: lost acknowledgements, the office
//! killed mid-batch, the kiosk killed mid-sync. Each ends with the office
//! holding exactly the kiosk's chain: nothing lost, nothing doubled.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Office, Proxy, assert_office_holds, block_on, kiosk, push_until_synced, sign};
use signbook_core::Store;

/// Deterministic "about 30%": connection n is lost when a fixed
/// pseudo-random draw for n falls under 0.3.
fn thirty_percent(n: u64) -> bool {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x % 100) < 30
}

#[test]
fn lost_acknowledgements_never_duplicate_or_drop_a_record() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let proxy = Proxy::start(office.addr, thirty_percent);
    let mut store = kiosk(kiosk_dir.path(), 600);
    // Pair directly; push through the lossy proxy (the pin is the same certificate).
    signbook_sync::pair(&mut store, &proxy.url(), &office.pairing_code(), &office.fingerprint).unwrap();

    // Batches of 20 make ~50 requests; records are signed meanwhile too.
    let mut failures = push_until_synced(&mut store, 20, 200);
    sign(&mut store, 400);
    failures += push_until_synced(&mut store, 20, 200);

    let lost = proxy.lost.load(std::sync::atomic::Ordering::SeqCst);
    assert!(lost >= 10, "the proxy really lost answers after the office committed: {lost}");
    assert!(
        failures as u64 >= lost,
        "each lost answer was a failed push at the kiosk ({failures} failures, {lost} lost)"
    );
    assert_eq!(store.head().unwrap().unwrap().0, 1000);
    assert_office_holds(&office, &store);
    assert!(
        block_on(office.db().alerts()).unwrap().is_empty(),
        "resends are not forks: {:?}",
        block_on(office.db().alerts()).unwrap()
    );
}

#[test]
fn the_office_killed_mid_batch_and_restarted_converges() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut office = Office::start(office_dir.path());
    let proxy = Proxy::start(office.addr, |_| false);
    let mut store = kiosk(kiosk_dir.path(), 3000);
    signbook_sync::pair(&mut store, &proxy.url(), &office.pairing_code(), &office.fingerprint).unwrap();

    // Push from another thread; kill the office as soon as some batches
    // have landed but not all.
    let db_path = store.path().to_owned();
    let pusher = std::thread::spawn(move || {
        let mut store = Store::open(db_path).unwrap();
        let mut results = Vec::new();
        for _ in 0..3 {
            results.push(
                signbook_sync::push_in_batches_of(&mut store, 100).map(|r| r.acknowledged_seq).map_err(|e| e.code()),
            );
        }
        results
    });
    let db = office.db();
    let deadline = Instant::now() + Duration::from_secs(60);
    while block_on(db.record_count(store.device_id())).unwrap() < 300 {
        assert!(Instant::now() < deadline, "the push never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    office.kill();
    let at_kill = block_on(db.record_count(store.device_id())).unwrap();
    assert!(at_kill < 3000, "killed mid-backlog ({at_kill})");
    drop(db);
    let results = pusher.join().unwrap();
    assert!(results.iter().any(|r| r == &Err("office_unreachable")), "the kiosk saw the office go away: {results:?}");
    let status = store.sync_status().unwrap();
    assert_eq!(status.last_error_code.as_deref(), Some("office_unreachable"), "the admin area shows why");
    assert!(status.pending > 0);

    let restarted = Office::start(office_dir.path());
    assert_eq!(restarted.fingerprint, office.fingerprint, "the same certificate after a restart");
    proxy.retarget(restarted.addr);
    push_until_synced(&mut store, 100, 5);
    assert_office_holds(&restarted, &store);
    assert!(block_on(restarted.db().alerts()).unwrap().is_empty());
}

/// Not a test on its own: the kiosk process the next test kills. It runs
/// only when that test starts it with the database path in the environment.
#[test]
#[ignore = "started by the_kiosk_killed_mid_sync_converges as a separate process"]
fn kiosk_sync_process() {
    let db = std::env::var("SIGNBOOK_TEST_KIOSK_DB").expect("run by the_kiosk_killed_mid_sync_converges");
    let mut store = Store::open(db).unwrap();
    loop {
        let _ = signbook_sync::push_in_batches_of(&mut store, 50);
    }
}

#[test]
fn the_kiosk_killed_mid_sync_converges() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 3000);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    let device = store.device_id();
    drop(store);

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "kiosk_sync_process", "--nocapture"])
        .env("SIGNBOOK_TEST_KIOSK_DB", kiosk_dir.path().join("kiosk.db"))
        .spawn()
        .unwrap();
    let db = office.db();
    let deadline = Instant::now() + Duration::from_secs(60);
    while block_on(db.record_count(device)).unwrap() < 500 {
        assert!(Instant::now() < deadline, "the kiosk process never pushed");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL, mid-sync
    child.wait().unwrap();
    let at_kill = block_on(db.record_count(device)).unwrap();
    assert!(at_kill < 3000, "killed mid-backlog ({at_kill})");

    let mut store = Store::open(kiosk_dir.path().join("kiosk.db")).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    assert!(store.verify().unwrap().is_intact());
    let acked = store.sync_status().unwrap().acknowledged_seq;
    assert!(acked <= at_kill, "the kiosk never believes more than the office holds ({acked} > {at_kill})");
    push_until_synced(&mut store, 500, 3);
    assert_office_holds(&office, &store);
    assert!(block_on(db.alerts()).unwrap().is_empty());
}

#[test]
fn an_office_restored_from_an_older_backup_gets_the_missing_records_again() {
    let (office_dir, backup_dir, kiosk_dir) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut office = Office::start_sqlite(office_dir.path());
    let proxy = Proxy::start(office.addr, |_| false);
    let mut store = kiosk(kiosk_dir.path(), 50);
    signbook_sync::pair(&mut store, &proxy.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();

    // Nightly backup of the office's data directory (server stopped).
    office.kill();
    let copy_all = |from: &std::path::Path, to: &std::path::Path| {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    };
    copy_all(office_dir.path(), backup_dir.path());
    let office = Office::start_sqlite(office_dir.path());
    proxy.retarget(office.addr);
    sign(&mut store, 50);
    assert_eq!(signbook_sync::push(&mut store).unwrap().acknowledged_seq, 100);

    // The office's disk dies; the backup (records 1-50) is restored.
    drop(office);
    for entry in std::fs::read_dir(office_dir.path()).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    copy_all(backup_dir.path(), office_dir.path());
    let office = Office::start_sqlite(office_dir.path());
    proxy.retarget(office.addr);
    sign(&mut store, 10);

    // The kiosk believes the office holds 100; the office says "gap: I hold 50";
    // the kiosk rewinds once and resends 51-110.
    let report = signbook_sync::push(&mut store).unwrap();
    assert_eq!((report.acknowledged_seq, report.pending, report.sent), (110, 0, 60));
    assert_office_holds(&office, &store);
    let kinds: Vec<String> = block_on(office.db().alerts()).unwrap().into_iter().map(|a| a.kind).collect();
    assert_eq!(kinds, ["gap"], "staff see that the office had lost records and got them back");
}

//! Two `signbook-office serve` processes on one database (a trust's
//! servers behind a load balancer): kiosks push to either at random
//! through a proxy that also loses answers, and one server is killed
//! mid-push and restarted. Nothing is lost, nothing doubled, every chain
//! intact. Runs on both backends (`SIGNBOOK_TEST_BACKEND`): two servers
//! started on the same data directory share its certificate and database.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Office, Proxy, assert_office_holds, block_on, kiosk, push_until_synced};
use signbook_core::Store;

const KIOSKS: u64 = 4;
const RECORDS: u64 = 300;

/// About one answer in five lost after the office committed.
fn one_in_five(n: u64) -> bool {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    x.is_multiple_of(5)
}

#[test]
fn kiosks_pushing_to_two_servers_one_killed_mid_push_lose_and_double_nothing() {
    let (office_dir, kiosk_dirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = Office::start(office_dir.path());
    let second = Office::start(office_dir.path());
    assert_eq!(first.fingerprint, second.fingerprint, "both present the certificate kiosks pin");
    // Answers are lost once the kiosks are paired and pushing.
    let losing = Arc::new(AtomicBool::new(false));
    let proxy = {
        let losing = losing.clone();
        Arc::new(Proxy::start(first.addr, move |n| losing.load(Ordering::SeqCst) && one_in_five(n)))
    };

    // Each new connection goes to one server or the other, at random.
    let servers = Arc::new(Mutex::new([first.addr, second.addr]));
    let done = Arc::new(AtomicBool::new(false));
    let switcher = {
        let (proxy, servers, done) = (proxy.clone(), servers.clone(), done.clone());
        std::thread::spawn(move || {
            let mut coin = 0x2545_F491_4F6C_DD1Du64;
            while !done.load(Ordering::Relaxed) {
                coin ^= coin << 13;
                coin ^= coin >> 7;
                coin ^= coin << 17;
                proxy.retarget(servers.lock().unwrap()[(coin % 2) as usize]);
                std::thread::sleep(Duration::from_millis(15));
            }
        })
    };

    let mut paths = Vec::new();
    for k in 0..KIOSKS {
        let mut store = kiosk(&kiosk_dirs.path().join(k.to_string()), RECORDS);
        // Codes made by one server are claimed through either.
        signbook_sync::pair(&mut store, &proxy.url(), &first.pairing_code(), &first.fingerprint).unwrap();
        paths.push(store.path().to_owned());
    }
    losing.store(true, Ordering::SeqCst);
    let pushers: Vec<_> = paths
        .iter()
        .cloned()
        .map(|path| {
            std::thread::spawn(move || {
                let mut store = Store::open(path).unwrap();
                push_until_synced(&mut store, 10, 2000);
            })
        })
        .collect();

    // Kill the second server once some records have landed, but not all.
    let db = first.db();
    let stores: Vec<Store> = paths.iter().map(|p| Store::open(p).unwrap()).collect();
    let held = || stores.iter().map(|s| block_on(db.record_count(s.device_id())).unwrap()).sum::<u64>();
    let deadline = Instant::now() + Duration::from_secs(120);
    while held() < KIOSKS * RECORDS / 4 {
        assert!(Instant::now() < deadline, "the pushes never got going");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut second = second;
    second.kill();
    let at_kill = held();
    assert!(at_kill < KIOSKS * RECORDS, "killed mid-push ({at_kill} of {} held)", KIOSKS * RECORDS);
    std::thread::sleep(Duration::from_millis(300));
    let restarted = Office::start(office_dir.path());
    servers.lock().unwrap()[1] = restarted.addr;

    for pusher in pushers {
        pusher.join().expect("every kiosk converged");
    }
    done.store(true, Ordering::Relaxed);
    switcher.join().unwrap();
    assert!(proxy.lost.load(Ordering::SeqCst) > 0, "answers really were lost");
    for store in &stores {
        assert_office_holds(&first, store);
        assert_office_holds(&restarted, store);
    }
    assert!(block_on(db.alerts()).unwrap().is_empty(), "resends to either server are not forks");
}

//! The harness itself: each guarantee check is shown a broken guarantee on
//! purpose (a lossy office, a duplicating office, a kiosk that lost an
//! acknowledged record, a verifier that misses a tamper) and must report
//! it. If these pass while a check is weakened, CI would be blind.
//!
//! Needs `signbook` and `signbook-office` built beside the test (as
//! `cargo test --workspace` and `tests/reliability/run` do).

use rusqlite::Connection;
use signbook_core::device::key_path_for;
use signbook_office::db_path;
use signbook_reliability::checks::{kiosk_sound, office_holds};
use signbook_reliability::env::{Office, fill, new_kiosk, pair};
use signbook_reliability::tamper::{Mutation, check_detected};
use signbook_reliability::{Violation, proxy::FaultProxy};

fn violation(result: anyhow::Result<impl std::fmt::Debug>) -> Violation {
    match result {
        Ok(v) => panic!("the harness missed a broken guarantee (returned {v:?})"),
        Err(e) => e.downcast::<Violation>().unwrap_or_else(|e| panic!("not reported as a broken guarantee: {e:#}")),
    }
}

#[test]
fn a_lossy_or_duplicating_office_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut office = Office::start(&dir.path().join("office")).unwrap();
    let mut store = new_kiosk(&dir.path().join("kiosk.db")).unwrap();
    fill(&mut store, 12).unwrap();
    pair(&mut store, &office, &office.url()).unwrap();
    signbook_sync::push(&mut store).unwrap();
    office_holds(&office.db().unwrap(), &store).expect("an honest office passes");
    office.kill();

    let office_db = db_path(&office.data);
    let copy = dir.path().join("copy.db");
    let mut rng = rand::rng();
    for (mutation, guarantee) in
        [(Mutation::Delete { seq: 7 }, "converged"), (Mutation::Duplicate { seq: 7 }, "zero duplicated")]
    {
        std::fs::copy(&office_db, &copy).unwrap();
        let _ = std::fs::copy(office_db.with_extension("db-wal"), copy.with_extension("db-wal"));
        mutation.apply(&Connection::open(&copy).unwrap(), &mut rng).unwrap();
        let v = violation(office_holds(
            &(std::sync::Arc::new(signbook_office::SqliteStore::open(&copy).unwrap()) as signbook_office::SharedStore),
            &store,
        ));
        assert_eq!(v.guarantee, guarantee, "{mutation:?}: {v}");
        let _ = std::fs::remove_file(copy.with_extension("db-wal"));
    }
}

#[test]
fn a_kiosk_that_lost_an_acknowledged_record_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    let mut store = new_kiosk(&db).unwrap();
    fill(&mut store, 5).unwrap();
    drop(store);
    assert_eq!(kiosk_sound(&db, 5, true).unwrap(), 5, "a sound kiosk passes, CLI verify included");
    // "Acknowledged" 6, but only 5 were kept: what a lost commit looks like.
    let v = violation(kiosk_sound(&db, 6, false));
    assert_eq!(v.guarantee, "every acknowledged record is present");
    // A damaged chain fails `signbook verify` too.
    Mutation::Flip { seq: 3, column: "name" }.apply(&Connection::open(&db).unwrap(), &mut rand::rng()).unwrap();
    let v = violation(kiosk_sound(&db, 5, true));
    assert_eq!(v.guarantee, "the chain verifies");
}

#[test]
fn an_undetected_or_misplaced_tamper_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    let mut store = new_kiosk(&db).unwrap();
    fill(&mut store, 10).unwrap();
    let intact = store.verify().unwrap();
    // A verifier that saw nothing.
    let v = check_detected(&Mutation::Delete { seq: 4 }, 10, &intact).unwrap_err();
    assert_eq!(v.guarantee, "every tampering is detected");
    // A verifier that names the wrong record.
    drop(store);
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).unwrap();
    std::fs::copy(key_path_for(&db), key_path_for(&copy)).unwrap();
    Mutation::Swap { a: 3, b: 8 }.apply(&Connection::open(&copy).unwrap(), &mut rand::rng()).unwrap();
    let report = signbook_core::Store::open(&copy).unwrap().verify().unwrap();
    check_detected(&Mutation::Swap { a: 3, b: 8 }, 10, &report).expect("the real verifier names record 3");
    let v = check_detected(&Mutation::Swap { a: 2, b: 8 }, 10, &report).unwrap_err();
    assert_eq!(v.guarantee, "verification names the first broken record");
}

#[test]
fn the_fault_proxy_really_faults() {
    let dir = tempfile::tempdir().unwrap();
    let office = Office::start(&dir.path().join("office")).unwrap();
    let proxy = FaultProxy::start(office.addr, 1.0).unwrap();
    let mut store = new_kiosk(&dir.path().join("kiosk.db")).unwrap();
    fill(&mut store, 40).unwrap();
    pair(&mut store, &office, &proxy.url()).unwrap();
    proxy.enabled.store(true, std::sync::atomic::Ordering::Relaxed);
    let failures = (0..30).filter(|_| signbook_sync::push_in_batches_of(&mut store, 5).is_err()).count();
    assert!(failures >= 10, "every connection faulted, yet only {failures} of 30 pushes failed");
    let faults: u64 = (1..7).map(|k| proxy.count(k)).sum();
    assert!(faults >= 30 && proxy.count(0) <= 1, "pass {} (the pairing), faults {faults}", proxy.count(0));
}

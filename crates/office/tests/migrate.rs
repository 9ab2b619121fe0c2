//! `signbook-office migrate --from-data DIR --to postgres://…`: a school's
//! SQLite office moves into the trust's PostgreSQL with every record,
//! kiosk, account and audit line, verified there; running it again copies
//! nothing twice; and the school's kiosks keep syncing to the new store.
//! Needs the test PostgreSQL server (`SIGNBOOK_TEST_POSTGRES`).

mod common;

use std::path::Path;

use common::{OFFICE, Office, block_on, kiosk, sign};
use signbook_office::testing::{fresh_postgres_database, office_command};

fn migrate(from: &Path, to: &str) -> (bool, String) {
    let out = office_command(Path::new(OFFICE), from, None)
        .args(["migrate", "--from-data"])
        .arg(from)
        .args(["--to", to])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn a_school_office_moves_into_postgresql_verified_and_a_second_run_copies_nothing_twice() {
    let Some(url) = fresh_postgres_database() else { return };
    let (school, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut office = Office::start_sqlite(school.path());
    office.add_user("j.evans", "correct horse battery").unwrap();
    let mut store = kiosk(kiosk_dir.path(), 25);
    store.erase(4, "subject access request").unwrap();
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    office.kill();

    let (ok, text) = migrate(school.path(), &url);
    assert!(ok, "{text}");
    assert!(text.contains("records: 25 copied, 0 already there"), "{text}");
    assert!(text.contains(&format!("{}: intact, 25 records", store.device_id())), "{text}");
    assert!(text.contains("Every chain is intact"), "{text}");
    assert!(!text.contains("PASSWORD"), "{text}");

    // Interrupted or not, a second run finds everything there.
    let (ok, again) = migrate(school.path(), &url);
    assert!(ok, "{again}");
    assert!(again.contains("records: 0 copied, 25 already there"), "{again}");

    // The school's office now runs on PostgreSQL, same certificate (same
    // data folder): its kiosk syncs on, its staff account still signs in.
    let moved = signbook_office::testing::Office::start_with(
        Path::new(OFFICE),
        school.path(),
        "127.0.0.1:0",
        "error",
        &["--no-mdns", "--database", &url],
    )
    .unwrap();
    assert_eq!(moved.fingerprint, office.fingerprint);
    // The kiosk is pointed at the new address, accepted for the same certificate.
    sign(&mut store, 5);
    signbook_sync::move_to_address(&mut store, &moved.url()).unwrap();
    let db = block_on(signbook_office::open_store(school.path(), Some(&url))).unwrap();
    assert_eq!(block_on(db.record_count(store.device_id())).unwrap(), 30);
    assert!(block_on(db.verify()).unwrap().iter().all(|r| r.is_intact()));
    let staff = block_on(db.users()).unwrap();
    assert_eq!(staff.iter().map(|a| a.username.as_str()).collect::<Vec<_>>(), ["j.evans"]);
    drop(moved);
}

#[test]
fn another_schools_database_is_refused_untouched() {
    let Some(url) = fresh_postgres_database() else { return };
    let mut stores = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..2 {
        let (school, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut office = Office::start_sqlite(school.path());
        let mut store = kiosk(kiosk_dir.path(), 3);
        signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
        signbook_sync::push(&mut store).unwrap();
        office.kill();
        stores.push(store);
        dirs.push((school, kiosk_dir));
    }
    assert!(migrate(dirs[0].0.path(), &url).0);
    let (ok, text) = migrate(dirs[1].0.path(), &url);
    assert!(!ok, "{text}");
    assert!(text.contains("another school's office"), "{text}");
    let db = block_on(signbook_office::open_store(dirs[0].0.path(), Some(&url))).unwrap();
    let kiosks = block_on(db.devices()).unwrap();
    assert_eq!(kiosks.len(), 1, "nothing of the second school was copied");
    assert_eq!(kiosks[0].device_id, stores[0].device_id());
}

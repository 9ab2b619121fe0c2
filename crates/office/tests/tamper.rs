//! Someone with the office database and `sqlite3` edits a stored record.
//! The office's `verify` must name it, as the kiosk's does.

mod common;

use common::block_on;
use common::{Office, kiosk};
use signbook_office::store::IntegrityStore;
use signbook_office::{SqliteStore, db_path};

/// Found by the reliability suite: an organisation (or a salt) added to a
/// record that had none, or to a tombstone, was dropped on reading and
/// went unnoticed at the office.
#[test]
fn a_personal_field_added_where_there_was_none_is_caught() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 6);
    store.erase(5, "subject access request").unwrap();
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    office.kill();
    let path = db_path(office_dir.path());
    assert!(block_on(SqliteStore::open(&path).unwrap().verify()).unwrap()[0].is_intact());

    // Record 2 was signed without an organisation; record 5 is a tombstone.
    for (sql, seq) in [
        ("UPDATE records SET organisation = 'Evil Corp' WHERE seq = 2", 2),
        ("UPDATE records SET organisation_salt = zeroblob(16) WHERE seq = 2", 2),
        ("UPDATE records SET name = 'Mallory' WHERE seq = 5", 5),
        ("UPDATE records SET signature_salt = zeroblob(16) WHERE seq = 5", 5),
    ] {
        let copy = office_dir.path().join("copy.db");
        std::fs::copy(&path, &copy).unwrap();
        let _ = std::fs::copy(path.with_extension("db-wal"), copy.with_extension("db-wal"));
        let conn = rusqlite::Connection::open(&copy).unwrap();
        conn.execute_batch("DROP TRIGGER office_records_change_only_by_erasure;").unwrap();
        conn.execute_batch(sql).unwrap();
        drop(conn);
        let report = block_on(SqliteStore::open(&copy).unwrap().verify()).unwrap().remove(0);
        let problem = report.problem.unwrap_or_else(|| panic!("{sql}: went unnoticed"));
        assert_eq!(problem.seq, seq, "{sql}: {problem}");
        let _ = std::fs::remove_file(copy.with_extension("db-wal"));
    }
}

/// Found by the reliability suite: with a record row deleted, opening the
/// office database failed ("Integer -1 out of range" while indexing for
/// search), so `verify` could not say which record was gone.
#[test]
fn a_deleted_record_row_still_opens_and_is_named() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut office = Office::start(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), 6);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    office.kill();
    let path = db_path(office_dir.path());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; DROP TRIGGER office_records_are_never_deleted; DELETE FROM records WHERE seq = 3;",
    )
    .unwrap();
    drop(conn);
    let report =
        block_on(SqliteStore::open(&path).expect("a tampered database still opens").verify()).unwrap().remove(0);
    assert_eq!(report.problem.map(|p| p.seq), Some(3));
}

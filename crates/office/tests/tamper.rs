//! Someone with the office database and `sqlite3` edits a stored record.
//! The office's `verify` must name it, as the kiosk's does.

mod common;

use common::{Office, block_on, kiosk};
use signbook_core::verify::ProblemKind;
use signbook_office::store::Scope;
use signbook_office::store::{IntegrityStore, RecordQuery, RecordStore};
use signbook_office::{SqliteStore, db_path};
use signbook_sync::parse_fingerprint;
use signbook_sync::tls::pinned_client_config;

/// Found by the reliability suite: an organisation (or a salt) added to a
/// record that had none, or to a tombstone, was dropped on reading and
/// went unnoticed at the office.
#[test]
fn a_personal_field_added_where_there_was_none_is_caught() {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut office = Office::start_sqlite(office_dir.path());
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
    let tampered = synced_then_edited(
        6,
        "PRAGMA foreign_keys = OFF; DROP TRIGGER office_records_are_never_deleted; DELETE FROM records WHERE seq = 3;",
    );
    let path = db_path(tampered.office_dir.path());
    let report =
        block_on(SqliteStore::open(&path).expect("a tampered database still opens").verify()).unwrap().remove(0);
    assert_eq!(report.problem.map(|p| p.seq), Some(3));
}

/// A row whose stored hash is no longer a hash: the office's `verify` names
/// it as damaged (it used to read it as zeros), search lists it as damaged,
/// and its page on the dashboard says what is wrong instead of failing.
#[test]
fn a_damaged_row_is_named_and_its_record_page_says_so() {
    let tampered = synced_then_edited(
        4,
        "DROP TRIGGER office_records_change_only_by_erasure; UPDATE records SET record_hash = 'not a hash' WHERE seq = 3;",
    );
    let (office_dir, store) = (&tampered.office_dir, &tampered.store);
    let db = SqliteStore::open(db_path(office_dir.path())).unwrap();
    let problem = block_on(db.verify()).unwrap().remove(0).problem.expect("the damage is named");
    assert_eq!(problem.seq, 3, "{problem}");
    assert!(matches!(problem.kind, ProblemKind::Unreadable { .. }), "{problem}");
    let device = store.device_id();
    assert_eq!(block_on(db.stored_record(&Scope::Trust, device, 3)).unwrap_err().code(), "damaged_record");
    let page = block_on(db.search_records(&Scope::Trust, &RecordQuery::default(), 0, 50)).unwrap();
    assert_eq!((page.records.len(), page.damaged.iter().map(|d| d.seq).collect::<Vec<_>>()), (3, vec![3]));
    drop(db);

    let office = Office::start_sqlite(office_dir.path());
    office.add_user("j.evans", "correct horse battery").unwrap();
    let login = "username=j.evans&password=correct+horse+battery&next=%2Frecords";
    let answer = https(
        &office,
        &format!(
            "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{login}",
            login.len()
        ),
    );
    let cookie = answer
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("set-cookie: ").map(str::to_owned))
        .and_then(|c| c.split(';').next().map(str::to_owned))
        .unwrap_or_else(|| panic!("logged in: {answer}"));
    let page = https(
        &office,
        &format!("GET /records/{device}/3 HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
    );
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("is damaged in the office database") && page.contains("not a SHA-256 hash"), "{page}");
    let list =
        https(&office, &format!("GET /records HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"));
    assert!(list.starts_with("HTTP/1.1 200") && list.contains("1 matching record(s) are damaged"), "{list}");
}

/// An office that synced `records` records from a kiosk and was stopped, its
/// database then edited with `sql` as someone with `sqlite3` would.
struct Tampered {
    office_dir: tempfile::TempDir,
    _kiosk_dir: tempfile::TempDir,
    store: signbook_core::Store,
}

fn synced_then_edited(records: u64, sql: &str) -> Tampered {
    let (office_dir, kiosk_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut office = Office::start_sqlite(office_dir.path());
    let mut store = kiosk(kiosk_dir.path(), records);
    signbook_sync::pair(&mut store, &office.url(), &office.pairing_code(), &office.fingerprint).unwrap();
    signbook_sync::push(&mut store).unwrap();
    office.kill();
    rusqlite::Connection::open(db_path(office_dir.path())).unwrap().execute_batch(sql).unwrap();
    Tampered { office_dir, _kiosk_dir: kiosk_dir, store }
}

/// One HTTP/1.1 request over TLS pinned to `office`; the whole answer.
fn https(office: &Office, request: &str) -> String {
    use std::io::{Read, Write};
    let (config, _) = pinned_client_config(parse_fingerprint(&office.fingerprint).unwrap());
    let conn = rustls::ClientConnection::new(config, "localhost".try_into().unwrap()).unwrap();
    let mut stream = rustls::StreamOwned::new(conn, std::net::TcpStream::connect(office.addr).unwrap());
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer); // the server may close without close_notify
    String::from_utf8_lossy(&answer).into_owned()
}

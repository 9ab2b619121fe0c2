//! Two real kiosks' chains held by both backends, for the PostgreSQL
//! tests: ingested by a [`SqliteStore`] (the office's production path)
//! and copied row by row into a fresh PostgreSQL database with plain SQL,
//! so both hold exactly the same rows and every answer can be compared.
#![allow(dead_code)] // each test file uses its own part

#[path = "../evidence_fixture/mod.rs"]
pub mod evidence_fixture;

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use evidence_fixture::{Kiosk, demo_png};
use signbook_core::role::Role;
use signbook_office::pairing::{code_hash, new_code};
use signbook_office::store::FIRST_SITE;
use signbook_office::store::{RecordStream, StoredRecord, SyncStore};
use signbook_office::{PgStore, SqliteStore, db_path};
use tokio_postgres::types::{ToSql, Type};

/// Two kiosks' chains held by both backends.
pub struct Fixture {
    pub sqlite: SqliteStore,
    pub pg: PgStore,
    /// A plain connection to the PostgreSQL database, for tampering.
    pub raw: tokio_postgres::Client,
    pub a: Kiosk,
    pub b: Kiosk,
    _dir: tempfile::TempDir,
}

/// Signs `people` (role, name, organisation, local time) at `kiosk`.
fn sign(kiosk: &mut Kiosk, people: &[(&str, &str, Option<&str>, &str)]) {
    for (role, name, organisation, at) in people {
        let at = DateTime::parse_from_rfc3339(at).unwrap();
        kiosk.store.sign_prerendered_at(&Role::new(role).unwrap(), name, *organisation, demo_png(), at).unwrap();
    }
}

/// Kiosk A: five records over four local days (one just after midnight
/// BST, the previous day in UTC), its fourth erased at the kiosk; kiosk B: two.
pub async fn fixture(url: &str) -> Fixture {
    let mut a = Kiosk::new();
    sign(
        &mut a,
        &[
            ("governor", "Zoë O'Brien", Some("Ysgol Board"), "2026-05-20T08:30:00+01:00"),
            ("visitor", "Tom Price", Some("Acme Ltd"), "2026-05-21T00:30:00+01:00"),
            ("visitor", "Zoe Jones", None, "2026-05-21T09:00:00+01:00"),
            ("staff", "Ann Hughes", None, "2026-05-22T10:00:00+01:00"),
            ("visitor", "Rhys 50%_Off", Some("Acme Ltd"), "2026-05-23T11:00:00+01:00"),
        ],
    );
    a.store.erase(4, "subject access request").unwrap();
    let mut b = Kiosk::new();
    sign(
        &mut b,
        &[
            ("visitor", "Tom Evans", None, "2026-05-21T12:00:00+01:00"),
            ("governor", "Siân Llŷr", None, "2026-05-22T09:30:00+01:00"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(db_path(dir.path())).unwrap();
    let now = Utc::now();
    for (kiosk, name) in [(&a, "Main reception"), (&b, "Sports hall")] {
        let code = new_code();
        assert!(sqlite.add_pairing_code(FIRST_SITE, &code, now, now + Duration::minutes(15)).await.unwrap());
        let device = sqlite
            .pair(&code, &code_hash(&code), kiosk.store.device_id(), &kiosk.store.public_key(), Some(name), now)
            .await
            .unwrap()
            .0;
        sqlite.ingest(&device, None, kiosk.push_request(), now).await.unwrap();
    }
    let pg = PgStore::connect(url).await.unwrap();
    let raw = raw(url).await;
    copy_rows(&db_path(dir.path()), &raw).await;
    Fixture { sqlite, pg, raw, a, b, _dir: dir }
}

async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Copies every row the office's ingest wrote from the SQLite database to
/// PostgreSQL, column by column, each value as its PostgreSQL column's type.
async fn copy_rows(sqlite: &Path, pg: &tokio_postgres::Client) {
    use rusqlite::types::Value;
    let conn = rusqlite::Connection::open(sqlite).unwrap();
    for table in [
        "devices",
        "agreements",
        "agreement_senders",
        "records",
        "erasures",
        "erasure_entries",
        "held_entries",
        "checkpoints",
        "record_index",
    ] {
        let mut select = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns: Vec<String> = select.column_names().map(|c| c.to_string()).collect();
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let insert = pg
            .prepare(&format!("INSERT INTO {table} ({}) VALUES ({})", columns.join(", "), placeholders.join(", ")))
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        let rows: Vec<Vec<Value>> = select
            .query_map([], |r| (0..columns.len()).map(|i| r.get::<_, Value>(i)).collect())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for row in rows {
            let values: Vec<Box<dyn ToSql + Sync>> = row
                .into_iter()
                .zip(insert.params())
                .map(|(value, ty)| -> Box<dyn ToSql + Sync> {
                    match (value, ty) {
                        (Value::Null, &Type::INT4) => Box::new(None::<i32>),
                        (Value::Null, &Type::INT8) => Box::new(None::<i64>),
                        (Value::Null, &Type::BYTEA) => Box::new(None::<Vec<u8>>),
                        (Value::Null, _) => Box::new(None::<String>),
                        (Value::Integer(n), &Type::INT4) => Box::new(i32::try_from(n).unwrap()),
                        (Value::Integer(n), _) => Box::new(n),
                        (Value::Text(text), _) => Box::new(text),
                        (Value::Blob(bytes), _) => Box::new(bytes),
                        (Value::Real(x), _) => panic!("{table}: no REAL columns, found {x}"),
                    }
                })
                .collect();
            let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
            pg.execute(&insert, &params).await.unwrap_or_else(|e| panic!("{table}: {e}"));
        }
    }
}

/// Changes both copies the same way, as someone with `psql` or `sqlite3`
/// would: past the append-only triggers and foreign keys.
pub async fn tamper(f: &Fixture, sql: &str) {
    let path = f.sqlite.path().to_owned();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF; DROP TRIGGER IF EXISTS office_records_change_only_by_erasure;
         DROP TRIGGER IF EXISTS office_records_are_never_deleted; {sql}"
    ))
    .unwrap();
    f.raw.batch_execute(&format!("SET session_replication_role = replica; {sql}")).await.unwrap();
}

/// The `(kiosk name, name)` of each record, in the order given.
pub fn names(records: &[StoredRecord]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|r| {
            let name = r.record.personal.as_ref().map_or("(erased)".to_owned(), |p| p.name.clone());
            (r.kiosk_name.clone().unwrap_or_default(), name)
        })
        .collect()
}

/// Reads a stream to its end; a damaged row fails the test.
pub async fn drain(mut stream: RecordStream) -> Vec<StoredRecord> {
    let mut out = Vec::new();
    while let Some(record) = stream.next().await {
        out.push(record.unwrap());
    }
    out
}

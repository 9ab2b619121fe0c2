//! A SQLite office copied into a PostgreSQL database, row for row: the
//! whole office (every school, numbers kept) into a database of its own
//! here, one school's office into the trust's beside others in
//! [`school`] (`signbook-office migrate --site`).
//!
//! Rows are copied as they are (same columns in both schemas), not replayed
//! through ingest: the office's own times, alerts, audit log and erasure
//! log must arrive unchanged, and a row the office refused is not there to
//! replay anyway. Each row is inserted with `ON CONFLICT DO NOTHING`, so a
//! second run after an interruption copies only what is missing. What is
//! only about the moment (request nonces, sessions, sign-in throttles) is
//! not copied: staff sign in again on the new server.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::types::ValueRef;

use deadpool_postgres::Transaction;

use super::{PgContext, PgStore};
use crate::error::{DbContext, OfficeError, Result};

#[path = "copy_school.rs"]
mod school;

/// Tables in the order their foreign keys allow.
const TABLES: &[&str] = &[
    // The first school is the schema's own on both sides: the target's is
    // kept (ON CONFLICT), the source's others are copied with their numbers.
    "sites",
    "devices",
    "pairing_codes",
    "pairing_exchanges",
    "records",
    "erasures",
    "erasure_entries",
    "held_entries",
    "checkpoints",
    "alerts",
    "agreements",
    "agreement_roles",
    "agreement_adoptions",
    "agreement_senders",
    "school_agreements",
    "record_index",
    "users",
    "user_sites",
    "roster",
    "retention",
    "audit_log",
    "office_erasure_log",
    "kiosk_settings",
    "resign_rules",
    "configurations",
    "kiosk_privacy_notice",
    "school_kiosk_settings",
    "school_resign_rules",
    "school_privacy_notice",
    "office_settings",
];

/// Tables whose `id` is an identity column.
const IDENTITY_TABLES: &[&str] = &["sites", "alerts", "agreement_adoptions", "roster", "audit_log", "users"];

/// What a copy did: rows copied now and rows already there, per table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// Table name to (copied now, already there).
    pub tables: BTreeMap<&'static str, (u64, u64)>,
}

impl PgStore {
    /// Copies the whole SQLite office database at `source` (every school,
    /// with its number) into this one, a database of its own: refuses a
    /// target holding kiosks the source does not know (another office: it
    /// is left untouched). One transaction: all or nothing. A school's
    /// office joining a trust's database is [`PgStore::copy_school_in_sqlite`].
    pub async fn copy_in_sqlite(&self, source: &Path) -> Result<CopyReport> {
        const DOING: &str = "copying the school's office into PostgreSQL";
        let sqlite = rusqlite::Connection::open_with_flags(source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .doing("opening the school's office database")?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.doing(DOING)?;
        // Two copies at once would both see the other's rows as conflicts.
        tx.execute("LOCK TABLE devices IN EXCLUSIVE MODE", &[]).await.doing(DOING)?;
        let theirs: Vec<String> =
            tx.query("SELECT device_id FROM devices", &[]).await.doing(DOING)?.iter().map(|r| r.get(0)).collect();
        let mut ours = sqlite.prepare("SELECT 1 FROM devices WHERE device_id = ?1").doing(DOING)?;
        for device in &theirs {
            if !ours.exists([device]).doing(DOING)? {
                return Err(OfficeError::InputInvalid(format!(
                    "{} already holds kiosk {device}, which {} does not: it is another school's office. Copy each school into a database of its own",
                    self.database,
                    source.display()
                )));
            }
        }
        let mut report = CopyReport::default();
        for table in TABLES {
            let columns = columns(&tx, table).await?;
            let insert = tx
                .prepare(&format!(
                    "INSERT INTO {table} ({}) OVERRIDING SYSTEM VALUE VALUES ({}) ON CONFLICT DO NOTHING",
                    names(&columns),
                    values(&columns)
                ))
                .await
                .doing(DOING)?;
            // An account's number is SQLite's rowid (what office erasures name).
            let picked = columns
                .iter()
                .map(|c| if *table == "users" && c.name == "id" { "rowid" } else { c.name.as_str() })
                .collect::<Vec<_>>()
                .join(", ");
            let mut select = sqlite.prepare(&format!("SELECT {picked} FROM {table}")).doing(DOING)?;
            let mut rows = select.query([]).doing(DOING)?;
            let (mut copied, mut present) = (0u64, 0u64);
            while let Some(row) = rows.next().doing(DOING)? {
                let texts: Vec<Option<String>> = (0..columns.len()).map(|i| text_of(row.get_ref(i).ok())).collect();
                match tx.execute(&insert, &params(&texts)).await.doing(DOING)? {
                    0 => present += 1,
                    _ => copied += 1,
                }
            }
            if IDENTITY_TABLES.contains(table) {
                // New rows' ids continue after the copied ones.
                tx.execute(
                    &format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} HAVING max(id) IS NOT NULL"),
                    &[],
                )
                .await
                .doing(DOING)?;
            }
            report.tables.insert(table, (copied, present));
        }
        tx.commit().await.doing(DOING)?;
        Ok(report)
    }
}

/// A column of a PostgreSQL table: its name and type.
struct Column {
    name: String,
    kind: String,
}

/// The columns of `table` in the target, in their order.
async fn columns(tx: &Transaction<'_>, table: &str) -> Result<Vec<Column>> {
    let rows = tx
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            &[&table],
        )
        .await
        .doing("reading the office database's columns")?;
    Ok(rows.iter().map(|r| Column { name: r.get(0), kind: r.get(1) }).collect())
}

/// The column names, as a column list.
fn names(columns: &[Column]) -> String {
    columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// Parameters `$1…` as the columns' values: every value travels as text
/// ([`text_of`]) and is cast to its column's type.
fn values(columns: &[Column]) -> String {
    columns.iter().enumerate().map(|(i, c)| cast(c, i + 1)).collect::<Vec<_>>().join(", ")
}

/// Parameter `$n` as a value of `column`.
fn cast(column: &Column, n: usize) -> String {
    match column.kind.as_str() {
        "bytea" => format!("decode(${n}, 'hex')"),
        "text" => format!("${n}"),
        other => format!("${n}::text::{other}"),
    }
}

/// `column` read back as [`text_of`] gives it, to compare stored rows
/// with the source's.
fn as_text(column: &Column) -> String {
    match column.kind.as_str() {
        "bytea" => format!("encode({}, 'hex')", column.name),
        _ => format!("{}::text", column.name),
    }
}

/// Text values as statement parameters.
fn params(texts: &[Option<String>]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    texts.iter().map(|t| t as &(dyn tokio_postgres::types::ToSql + Sync)).collect()
}

/// A SQLite value as the text PostgreSQL casts back: blobs in hex.
fn text_of(value: Option<ValueRef<'_>>) -> Option<String> {
    match value? {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(x) => Some(x.to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(hex::encode(b)),
    }
}

//! Embedded schema migrations for the office database, in `user_version`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{DbContext, OfficeError, Result};

/// Append only; never edit a landed file.
const MIGRATIONS: &[&str] = &[include_str!("migrations/0001_office.sql")];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// "SBO1": marks the file as an office database.
const APPLICATION_ID: i64 = 0x5342_4F31;

/// Refuses another program's database or a newer schema, without writing.
pub(super) fn check_compatible(conn: &Connection, path: &Path) -> Result<i64> {
    let read = |e| OfficeError::Db { doing: "opening the office database", source: e };
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(read)?;
    let application_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(read)?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).map_err(read)?;
    if application_id != APPLICATION_ID && (application_id != 0 || objects > 0) {
        return Err(OfficeError::ForeignDatabase { path: path.to_owned() });
    }
    if version > SCHEMA_VERSION {
        return Err(OfficeError::SchemaTooNew { path: path.to_owned(), found: version, supported: SCHEMA_VERSION });
    }
    Ok(version)
}

/// Brings the schema up to date in one transaction.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    const DOING: &str = "upgrading the office database schema";
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
    let version = check_compatible(&tx, path)?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    for sql in MIGRATIONS.iter().skip(version as usize) {
        tx.execute_batch(sql).doing(DOING)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID).doing(DOING)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).doing(DOING)?;
    tx.commit().doing(DOING)
}

//! Embedded schema migrations, tracked in SQLite's `user_version`.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{DbContext, Error, Result};

/// Each entry moves the schema one version forward. Append only.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_resign_rules.sql"),
    include_str!("migrations/0003_admin_and_settings.sql"),
    include_str!("migrations/0004_sync.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Marks the file as Signbook's ("SBK1"), so another program's SQLite
/// database is never migrated by mistake.
const APPLICATION_ID: i64 = 0x5342_4B31;

/// Refuses, without writing anything, a file that is another program's
/// database or was written by a newer Signbook. Returns its schema version.
pub(super) fn check_compatible(conn: &Connection, path: &Path) -> Result<i64> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| not_a_db(path, e))?;
    let application_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(|e| not_a_db(path, e))?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).map_err(|e| not_a_db(path, e))?;
    if application_id != APPLICATION_ID && (application_id != 0 || objects > 0) {
        return Err(Error::ForeignDatabase { path: path.to_owned() });
    }
    if version > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew { path: path.to_owned(), found: version, supported: SCHEMA_VERSION });
    }
    Ok(version)
}

fn not_a_db(path: &Path, source: rusqlite::Error) -> Error {
    Error::NotADatabase { path: path.to_owned(), source }
}

/// Brings the schema up to [`SCHEMA_VERSION`] in one transaction.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    const DOING: &str = "upgrading the database schema";
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).doing(DOING)?;
    // Checked again under the write lock, in case another process migrated meanwhile.
    let version = check_compatible(&tx, path)?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql).doing(DOING)?;
        tracing::info!(to = index + 1, "applied schema migration");
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID).doing(DOING)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).doing(DOING)?;
    tx.commit().doing(DOING)
}

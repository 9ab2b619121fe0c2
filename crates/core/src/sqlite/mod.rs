//! Opening a Signbook SQLite file: the one place that decides how, for the
//! kiosk's [`crate::Store`] and the office server alike.
//!
//! A file is only read until it is known to be this format's and not from
//! a newer version: even switching to WAL rewrites the header of someone
//! else's database. Then it gets WAL, `synchronous=FULL` (a committed
//! signature survives a power cut), foreign keys, `secure_delete` (erased
//! personal data is overwritten on disk, not just unlinked) and a busy
//! timeout, and its embedded migrations run in one transaction.

pub mod record_row;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

/// A database format: how its files are marked, and how its schema grows.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// What the logs call it, e.g. "kiosk".
    pub name: &'static str,
    /// SQLite's `application_id`, so another program's file is never migrated.
    pub application_id: i64,
    /// Each entry moves the schema one version forward (`user_version`).
    /// Append only; never edit one that has landed.
    pub migrations: &'static [&'static str],
}

/// Why a file could not be opened as a [`Schema`]'s database. Nothing was
/// written to it, except for [`OpenError::Migration`], which rolled back.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// SQLite could not open or read it.
    #[error("not a readable SQLite database: {0}")]
    Unreadable(#[source] rusqlite::Error),
    /// Another program's database (or another Signbook format).
    #[error("a database of another program")]
    Foreign,
    /// Written by a newer version of Signbook.
    #[error("written by a newer version (schema {found}; this build knows up to {supported})")]
    TooNew {
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// The file could not be created owner-only, or narrowed to it.
    #[error("cannot make the file readable by its owner only: {0}")]
    Permissions(#[source] std::io::Error),
    /// A migration failed.
    #[error("upgrading the schema failed: {0}")]
    Migration(#[source] rusqlite::Error),
}

impl Schema {
    /// The schema version this build writes.
    pub const fn version(&self) -> i64 {
        self.migrations.len() as i64
    }

    /// Opens (creating if needed) and migrates the database at `path`.
    /// A new file is created owner-only, and an existing one (with its WAL
    /// and SHM files) narrowed to owner-only ([`crate::private_files`]).
    pub fn open(&self, path: &Path, busy_timeout: Duration) -> Result<Connection, OpenError> {
        self.open_reporting_upgrade(path, busy_timeout).map(|(conn, _)| conn)
    }

    /// [`Schema::open`], also returning the schema version the file had
    /// before this open migrated it (0 for a new file), so a caller can do,
    /// once, what an upgrade needs beyond SQL.
    pub fn open_reporting_upgrade(&self, path: &Path, busy_timeout: Duration) -> Result<(Connection, i64), OpenError> {
        crate::private_files::create_private_file(path).map_err(OpenError::Permissions)?;
        crate::private_files::restrict_database_files(path).map_err(OpenError::Permissions)?;
        let mut conn = Connection::open(path).map_err(OpenError::Unreadable)?;
        conn.busy_timeout(busy_timeout).map_err(OpenError::Unreadable)?;
        self.check(&conn)?;
        configure(&conn).map_err(OpenError::Unreadable)?;
        let from = self.migrate(&mut conn)?;
        // WAL mode has just created the WAL and SHM files: check them too.
        crate::private_files::restrict_database_files(path).map_err(OpenError::Permissions)?;
        Ok((conn, from))
    }

    /// Refuses, without writing, a foreign file or a newer schema; returns its version.
    fn check(&self, conn: &Connection) -> Result<i64, OpenError> {
        let version: i64 =
            conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(OpenError::Unreadable)?;
        let application_id: i64 =
            conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(OpenError::Unreadable)?;
        let objects: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).map_err(OpenError::Unreadable)?;
        if application_id != self.application_id && (application_id != 0 || objects > 0) {
            return Err(OpenError::Foreign);
        }
        if version > self.version() {
            return Err(OpenError::TooNew { found: version, supported: self.version() });
        }
        Ok(version)
    }

    /// Returns the version the file had before.
    fn migrate(&self, conn: &mut Connection) -> Result<i64, OpenError> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(OpenError::Migration)?;
        // Checked again under the write lock, in case another process migrated meanwhile.
        let version = self.check(&tx)?;
        if version == self.version() {
            return Ok(version);
        }
        for (index, sql) in self.migrations.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql).map_err(OpenError::Migration)?;
            tracing::info!(database = self.name, to = index + 1, "applied schema migration");
        }
        tx.pragma_update(None, "application_id", self.application_id).map_err(OpenError::Migration)?;
        tx.pragma_update(None, "user_version", self.version()).map_err(OpenError::Migration)?;
        tx.commit().map_err(OpenError::Migration)?;
        Ok(version)
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "SQLite refused WAL mode; continuing with {mode}");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "secure_delete", true)?;
    Ok(())
}

//! The SQLite backend: one file, opened as the kiosk's is
//! (`signbook_core::sqlite`): WAL (so `signbook-office pair` can add a code
//! while `serve` runs), `synchronous=FULL` (an acknowledged record survives
//! a power cut), foreign keys, and a busy timeout.
//!
//! rusqlite blocks, so a [`SqliteStore`] runs each call on tokio's blocking
//! pool against its one connection ([`Db`], whose methods are the plain
//! blocking queries). SQLite has one writer anyway, and a batch of 500
//! records commits in milliseconds. The long reads (an export's records,
//! verifying every chain) use read connections of their own ([`readers`]),
//! so nothing waits behind them.

mod accounts;
pub(super) mod agreements;
mod boundary;
mod chain_file;
mod configuration;
mod erasure_log;
mod held;
mod ingest;
mod ingest_erasures;
mod integrity;
mod kiosk_settings;
mod migrations;
mod pairing;
mod privacy;
mod readers;
mod records;
mod roster;
mod rows;
mod search;
mod sites;
mod staff;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;
use signbook_core::sqlite::OpenError;

use crate::error::{OfficeError, Result};

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The office database file, behind the storage traits.
#[derive(Debug)]
pub struct SqliteStore {
    db: Arc<Mutex<Db>>,
    readers: Arc<readers::Readers>,
    path: PathBuf,
}

/// One connection; its methods run blocking queries.
#[derive(Debug)]
struct Db {
    conn: Connection,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database at `path`.
    /// Each store is one connection: open one per independent user (the
    /// sync server, the dashboard) so neither waits for the other.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        let path = path.as_ref().to_owned();
        let mut conn = migrations::SCHEMA.open(&path, BUSY_TIMEOUT).map_err(|error| match error {
            OpenError::Unreadable(source) => OfficeError::Db { doing: "opening the office database", source },
            OpenError::Foreign => OfficeError::ForeignDatabase { path: path.clone() },
            OpenError::TooNew { found, supported } => {
                OfficeError::SchemaTooNew { path: path.clone(), found, supported }
            }
            OpenError::Migration(source) => OfficeError::Db { doing: "upgrading the office database schema", source },
            OpenError::Permissions(source) => OfficeError::Io { path: path.clone(), source },
        })?;
        search::backfill(&mut conn)?;
        let readers = Arc::new(readers::Readers::new(path.clone()));
        Ok(SqliteStore { db: Arc::new(Mutex::new(Db { conn })), readers, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Db) -> Result<T> + Send + 'static) -> Result<T> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&mut lock(&db)))
            .await
            .map_err(|e| OfficeError::Internal(format!("a database task failed: {e}")))?
    }

    /// Runs the long read `f` on a read connection of its own, on the
    /// blocking pool, so the store's connection stays free meanwhile.
    async fn read<T: Send + 'static>(&self, f: impl FnOnce(&Db) -> Result<T> + Send + 'static) -> Result<T> {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let db = readers.take()?;
            let result = f(&db);
            readers.give_back(db);
            result
        })
        .await
        .map_err(|e| OfficeError::Internal(format!("a database task failed: {e}")))?
    }
}

/// The connection, even if a call panicked while holding it (every call is
/// one transaction, rolled back if it did not finish).
fn lock(db: &Mutex<Db>) -> MutexGuard<'_, Db> {
    db.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_or_foreign_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("office.db");
        drop(SqliteStore::open(&path).unwrap());
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        assert_eq!(err.code(), "schema_too_new");
        assert!(err.to_string().contains("schema 99") && err.to_string().contains("has not been changed"), "{err}");

        let other = dir.path().join("other.db");
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        assert_eq!(SqliteStore::open(&other).unwrap_err().code(), "foreign_database");
    }
}

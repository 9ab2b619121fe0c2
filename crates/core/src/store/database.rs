//! The open kiosk database: opening and migrating it, and the kiosk's identity.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use ed25519_dalek::{SigningKey, VerifyingKey};
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use super::migrations;
use crate::device::{create_key, key_exists, key_path_for, load_key};
use crate::error::{DbContext, Error, Result};
use crate::record::format_utc;
use crate::sqlite::OpenError;

/// How long a writer waits for another process's transaction to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open kiosk database and the kiosk's identity.
pub struct Store {
    pub(super) conn: Connection,
    path: PathBuf,
    pub(super) device_id: Uuid,
    pub(super) key: SigningKey,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).field("device_id", &self.device_id).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, migrates it, and
    /// loads or creates the kiosk key at `<path>.key`.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_owned();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private_files::create_private_dir_all(dir)
                .map_err(|source| Error::Io { path: dir.to_owned(), source })?;
        }
        let (mut conn, from_version) =
            migrations::SCHEMA.open_reporting_upgrade(&path, BUSY_TIMEOUT).map_err(|e| open_error(&path, e))?;
        let (device_id, key) = load_identity(&mut conn, &path)?;
        let mut store = Store { conn, path, device_id, key };
        // Once, at the upgrade to record format version 2 (schema 6): an
        // erasure log row written later is not an erasure (section 13).
        if (1..migrations::FIRST_V2_SCHEMA).contains(&from_version) {
            store.upgrade_v1_erasures()?;
        }
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This kiosk's device id.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    /// This kiosk's public key, which the office learns at pairing.
    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Runs `PRAGMA integrity_check`; `Ok(())` when SQLite says "ok".
    pub fn integrity_check(&self) -> Result<Result<(), String>> {
        let result: String =
            self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).doing("checking database integrity")?;
        Ok(if result == "ok" { Ok(()) } else { Err(result) })
    }

    /// Turns off fsync for this connection. Only for building large test
    /// fixtures and benchmark databases quickly; never in the product, which
    /// is why it exists only with the `test-fixtures` feature.
    #[cfg(feature = "test-fixtures")]
    pub fn unsafe_disable_fsync_for_fixtures(&self) -> Result<()> {
        self.conn.pragma_update(None, "synchronous", "OFF").doing("relaxing durability")
    }
}

fn open_error(path: &Path, error: OpenError) -> Error {
    match error {
        OpenError::Unreadable(source) => not_a_database(path, source),
        OpenError::Foreign => Error::ForeignDatabase { path: path.to_owned() },
        OpenError::TooNew { found, supported } => Error::SchemaTooNew { path: path.to_owned(), found, supported },
        OpenError::Migration(source) => crate::error::db_error("upgrading the database schema", source),
        OpenError::Permissions(source) => Error::Io { path: path.to_owned(), source },
    }
}

fn not_a_database(path: &Path, source: rusqlite::Error) -> Error {
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => Error::NotADatabase { path: path.to_owned(), source },
        _ => crate::error::db_error("opening the database", source),
    }
}

/// Loads this database's device id and key, creating both on first use.
fn load_identity(conn: &mut Connection, db_path: &Path) -> Result<(Uuid, SigningKey)> {
    let key_path = key_path_for(db_path);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).doing("reading the kiosk identity")?;
    let existing: Option<(String, Vec<u8>)> = tx
        .query_row("SELECT device_id, public_key FROM device", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .doing("reading the kiosk identity")?;
    if let Some((device_id, public_key)) = existing {
        if !key_exists(&key_path) {
            return Err(Error::KeyMissing { path: key_path });
        }
        let key = load_key(&key_path)?;
        if key.verifying_key().as_bytes().as_slice() != public_key.as_slice() {
            return Err(Error::KeyMismatch { path: key_path });
        }
        let device_id = Uuid::parse_str(&device_id).map_err(|_| Error::KeyMismatch { path: key_path })?;
        return Ok((device_id, key));
    }
    let key = if key_exists(&key_path) { load_key(&key_path)? } else { create_key(&key_path)? };
    let device_id = Uuid::new_v4();
    tx.execute(
        "INSERT INTO device (singleton, device_id, public_key, created_at) VALUES (1, ?1, ?2, ?3)",
        (device_id.hyphenated().to_string(), key.verifying_key().as_bytes().as_slice(), format_utc(&Utc::now())),
    )
    .doing("saving the kiosk identity")?;
    tx.commit().doing("saving the kiosk identity")?;
    tracing::info!(%device_id, key = %key_path.display(), "created kiosk identity");
    Ok((device_id, key))
}

//! # signbook-office
//!
//! The school office's sync server. Kiosks pair with it once and then push
//! their signature chains over HTTPS; it checks every record with the
//! kiosk's own verification code (`signbook_core::verify::ChainWalk`) and
//! keeps one copy per `(device, sequence)`.
//!
//! ## The protocol in one screen (details: `docs/sync-protocol.md`)
//!
//! * **TLS**: a self-signed certificate made on first start ([`tls`]).
//!   Kiosks pin its SHA-256 fingerprint, typed at pairing or proved by the code.
//! * **Pairing** (`POST /v1/pair`): `signbook-office pair` prints a one-time
//!   code ([`pairing`]); the kiosk sends it with its device id and Ed25519
//!   public key, signing the request with that key.
//! * **Pairing with the code alone** (`POST /v1/pair/pake`, then
//!   `/v1/pair/pake/confirm`, `code_pairing`): a SPAKE2 exchange in which
//!   the code proves to the kiosk the certificate this server presents, so
//!   nobody types the fingerprint; kiosks find the office by DNS-SD ([`mdns`]).
//! * **Push** (`POST /v1/push`): every request is signed by the kiosk key
//!   over method, path, timestamp, nonce and body hash
//!   (`signbook_sync::auth`); stale timestamps, replayed nonces,
//!   unpaired and revoked kiosks are refused.
//! * **Ingest** ([`ingest`]): a batch is stored whole or not at all. The
//!   answer is the highest contiguous sequence held, which is all the
//!   kiosk needs to resume after any failure. A fork, gap, bad hash or
//!   bad checkpoint is refused and kept as an alert; nothing is overwritten.
//! * **Storage** behind the traits of [`store`] (one per concern, all of
//!   them [`store::OfficeStorage`]); SQLite now.
//!
//! ## Layout of the data directory
//!
//! `office.db` (SQLite, WAL), `cert.der`, `key.der` (owner-only); while a
//! certificate rotation is under way `next.cert.der` and `next.key.der`,
//! and after one `previous.cert.der` and `previous.key.der`
//! ([`tls::rotation`]).

pub mod backup;
pub mod bundle;
mod code_pairing;
pub mod configuration;
pub mod erasure_log;
pub mod error;
pub mod evidence;
pub mod i18n;
pub mod ingest;
pub mod limits;
pub mod mdns;
pub mod pairing;
pub mod privacy_notice;
mod request_auth;
pub mod server;
mod server_configuration;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod tls;
pub mod web;

use std::path::{Path, PathBuf};

pub use error::{OfficeError, Result};
pub use store::{OfficeStorage, PgStore, SharedStore, SqliteStore};

/// Opens the office's store: the trust's PostgreSQL database when
/// `database` names one (`--database postgres://…`), else SQLite in the
/// data directory (`office.db`), created and migrated if needed.
pub async fn open_store(data_dir: &Path, database: Option<&str>) -> Result<SharedStore> {
    match database {
        Some(url) => Ok(std::sync::Arc::new(PgStore::connect(url).await?)),
        None => Ok(std::sync::Arc::new(SqliteStore::open(db_path(data_dir))?)),
    }
}

/// The database file inside a data directory.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("office.db")
}

/// Creates the data directory (owner-only on Unix) if it is missing.
pub fn ensure_data_dir(data_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(data_dir).map_err(|source| OfficeError::Io { path: data_dir.to_owned(), source })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|source| OfficeError::Io { path: data_dir.to_owned(), source })?;
    }
    Ok(())
}

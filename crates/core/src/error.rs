//! The one error type of `signbook-core`. Each variant keeps its source and
//! says what happened and what to do; [`Error::code`] is a stable identifier
//! the kiosk UI maps to a translated message.

use std::path::PathBuf;

use crate::agreement::AgreementError;
use crate::hash::{Hash32, HashParseError};
use crate::name::NameError;
use crate::role::RoleError;
use crate::signature::SignatureError;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[cfg_attr(test, derive(strum::EnumDiscriminants), strum_discriminants(derive(strum::EnumIter)))]
#[non_exhaustive]
pub enum Error {
    /// A typed name or organisation was refused.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The drawn signature was refused.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// An agreement could not be published.
    #[error(transparent)]
    Agreement(#[from] AgreementError),
    /// A role identifier was malformed.
    #[error(transparent)]
    Role(#[from] RoleError),
    /// A hash was malformed.
    #[error(transparent)]
    HashParse(#[from] HashParseError),
    /// Signing for a role that has no agreement yet.
    #[error(
        "no agreement has been published for the role \"{role}\"; publish one first (signbook agreement add FILE.md --title TITLE --roles {role})"
    )]
    NoCurrentAgreement {
        /// The role.
        role: String,
    },
    /// A version that is not in this database.
    #[error("agreement version {hash} is not in this database; it may have been published on another kiosk")]
    UnknownAgreement {
        /// The version asked for.
        hash: Hash32,
    },
    /// The version shown is not one published for this role.
    #[error("agreement version {hash} was not published for the role \"{role}\"; go back and choose your role again")]
    AgreementNotForRole {
        /// The version.
        hash: Hash32,
        /// The role.
        role: String,
    },
    /// No record with that sequence number.
    #[error("there is no record number {seq} in this database (see: signbook records list)")]
    RecordNotFound {
        /// Sequence number asked for.
        seq: u64,
    },
    /// A stored row that can no longer be read as a record.
    #[error("record {seq} is damaged ({detail}); run `signbook verify` for the full report")]
    DamagedRecord {
        /// The record.
        seq: u64,
        /// What is wrong.
        detail: String,
    },
    /// Erasing a tombstone again.
    #[error("record {seq} was already erased on {erased_at}")]
    AlreadyErased {
        /// The record.
        seq: u64,
        /// When it was erased (RFC 3339).
        erased_at: String,
    },
    /// A kiosk setting out of range.
    #[error("the {field} setting is not valid: {reason}")]
    SettingInvalid {
        /// Which setting.
        field: &'static str,
        /// What to do.
        reason: String,
    },
    /// No admin PIN has been chosen yet.
    #[error("no admin PIN has been set yet; choose one first")]
    PinNotSet,
    /// Changing the PIN without giving the current one.
    #[error("enter the current admin PIN to change it")]
    PinRequired,
    /// A new PIN that breaks a rule.
    #[error("that PIN cannot be used: {rule}")]
    PinRejected {
        /// The rule broken.
        rule: crate::pin::PinRule,
    },
    /// A wrong PIN, before the lockout starts.
    #[error("wrong PIN; {attempts_left} more tries before the admin area locks for a while")]
    WrongPin {
        /// Wrong PINs allowed before the lockout.
        attempts_left: u32,
    },
    /// Too many wrong PINs.
    #[error("too many wrong PINs; the admin area is locked, try again in {seconds} seconds")]
    PinLocked {
        /// Seconds until the next attempt is allowed.
        seconds: i64,
    },
    /// "After 0 days".
    #[error("a re-sign period must be at least 1 day; to ask every time, use \"every visit\"")]
    ResignDaysZero,
    /// Erasure without a reason.
    #[error(
        "say why the personal data is being erased (for example \"subject access request 2026-14\"); the reason is kept in the erasure log"
    )]
    ErasureReasonEmpty,
    /// The database was written by a newer Signbook.
    #[error(
        "the database {path} was written by a newer version of Signbook (schema {found}; this version understands up to {supported}). It has not been changed. Install the newer Signbook, or restore a backup made with this version."
    )]
    SchemaTooNew {
        /// The database.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// Highest this build knows.
        supported: i64,
    },
    /// The file is not a Signbook database (or not SQLite at all).
    #[error("{path} is not a Signbook database ({source}); check the path, or move the file aside to start a new one")]
    NotADatabase {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// An SQLite database that belongs to another program.
    #[error("{path} is a database of another program, not Signbook's; it has not been changed. Check the path")]
    ForeignDatabase {
        /// The file.
        path: PathBuf,
    },
    /// The disk is full: SQLite could not grow the database or its journal.
    #[error(
        "the kiosk's disk is full ({source}) while {doing}: nothing was saved, and every earlier signature is safe; free some space on the kiosk (or ask whoever looks after IT), then try again"
    )]
    StorageFull {
        /// What we were doing.
        doing: &'static str,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The database or its folder cannot be written (permissions, a
    /// read-only or failing disk, a file size limit).
    #[error(
        "the kiosk cannot write its database ({source}) while {doing}: nothing was saved, and every earlier signature is safe; check that the data folder is writable and its disk is healthy (or ask whoever looks after IT), then try again"
    )]
    StorageUnwritable {
        /// What we were doing.
        doing: &'static str,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// SQLite failed.
    #[error("database error while {doing}: {source}")]
    Db {
        /// What we were doing, e.g. "saving the signature".
        doing: &'static str,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The key file could not be read or written.
    #[error("cannot use the kiosk key file {path}: {source}")]
    KeyIo {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The key file is not 32 bytes.
    #[error(
        "the kiosk key file {path} is damaged ({len} bytes, expected 32); restore it from the backup taken with the database"
    )]
    KeyCorrupt {
        /// The key file.
        path: PathBuf,
        /// Its size.
        len: u64,
    },
    /// The database has an identity but its key file is gone.
    #[error(
        "the kiosk key file {path} is missing, but this database already has records signed with it; restore the key file from the backup taken with the database"
    )]
    KeyMissing {
        /// Where it was expected.
        path: PathBuf,
    },
    /// The key file belongs to another database.
    #[error(
        "the kiosk key file {path} does not belong to this database (it is another kiosk's key); restore the matching key file"
    )]
    KeyMismatch {
        /// The key file.
        path: PathBuf,
    },
    /// File I/O outside SQLite (exports, data directory).
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Writing a CSV export failed.
    #[error("writing the CSV export failed: {0}")]
    Csv(#[from] csv::Error),
    /// Writing a JSON Lines export failed.
    #[error("writing the JSON Lines export failed: {0}")]
    Json(#[from] serde_json::Error),
    /// No platform data directory could be found.
    #[error("could not find a data directory for the database; set SIGNBOOK_DB or pass --db PATH")]
    NoDataDir,
}

impl Error {
    /// Every code [`Error::code`] returns for its own variants; the nested
    /// errors' are in [`Error::all_codes`]. Kept complete by a test, so a new
    /// variant cannot reach the UI without a translation (the kiosk's tests
    /// check every code has English and Welsh text).
    pub const CODES: &[&str] = &[
        "role_invalid",
        "hash_invalid",
        "no_current_agreement",
        "unknown_agreement",
        "agreement_not_for_role",
        "record_not_found",
        "damaged_record",
        "already_erased",
        "erasure_reason_empty",
        "resign_days_zero",
        "setting_invalid",
        "pin_not_set",
        "pin_required",
        "pin_rejected",
        "pin_wrong",
        "pin_locked",
        "schema_too_new",
        "not_a_database",
        "foreign_database",
        "storage_full",
        "storage_unwritable",
        "database",
        "key_io",
        "key_corrupt",
        "key_missing",
        "key_mismatch",
        "io",
        "export_write",
        "no_data_dir",
    ];

    /// Every code [`Error::code`] can return, nested errors' included.
    pub fn all_codes() -> impl Iterator<Item = &'static str> {
        [NameError::CODES, SignatureError::CODES, AgreementError::CODES, Error::CODES].into_iter().flatten().copied()
    }

    /// Stable snake_case code for the UI and for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Name(e) => e.code(),
            Error::Signature(e) => e.code(),
            Error::Agreement(e) => e.code(),
            Error::Role(_) => "role_invalid",
            Error::HashParse(_) => "hash_invalid",
            Error::NoCurrentAgreement { .. } => "no_current_agreement",
            Error::UnknownAgreement { .. } => "unknown_agreement",
            Error::AgreementNotForRole { .. } => "agreement_not_for_role",
            Error::RecordNotFound { .. } => "record_not_found",
            Error::DamagedRecord { .. } => "damaged_record",
            Error::AlreadyErased { .. } => "already_erased",
            Error::ErasureReasonEmpty => "erasure_reason_empty",
            Error::ResignDaysZero => "resign_days_zero",
            Error::SettingInvalid { .. } => "setting_invalid",
            Error::PinNotSet => "pin_not_set",
            Error::PinRequired => "pin_required",
            Error::PinRejected { .. } => "pin_rejected",
            Error::WrongPin { .. } => "pin_wrong",
            Error::PinLocked { .. } => "pin_locked",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::NotADatabase { .. } => "not_a_database",
            Error::ForeignDatabase { .. } => "foreign_database",
            Error::StorageFull { .. } => "storage_full",
            Error::StorageUnwritable { .. } => "storage_unwritable",
            Error::Db { .. } => "database",
            Error::KeyIo { .. } => "key_io",
            Error::KeyCorrupt { .. } => "key_corrupt",
            Error::KeyMissing { .. } => "key_missing",
            Error::KeyMismatch { .. } => "key_mismatch",
            Error::Io { .. } => "io",
            Error::Csv(_) | Error::Json(_) => "export_write",
            Error::NoDataDir => "no_data_dir",
        }
    }

    /// Whether the person at the kiosk can fix this by changing what they
    /// entered (as opposed to a fault staff must look at).
    pub fn is_user_input(&self) -> bool {
        matches!(self, Error::Name(_) | Error::Signature(_))
    }
}

/// Attaches "while doing X" to SQLite errors.
pub(crate) trait DbContext<T> {
    fn doing(self, doing: &'static str) -> Result<T>;
}

impl<T> DbContext<T> for std::result::Result<T, rusqlite::Error> {
    fn doing(self, doing: &'static str) -> Result<T> {
        self.map_err(|source| db_error(doing, source))
    }
}

/// An SQLite error as the person at the kiosk needs it: a full or
/// unwritable disk says so and what to do; anything else is [`Error::Db`].
pub(crate) fn db_error(doing: &'static str, source: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    match source.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => Error::StorageFull { doing, source },
        Some(
            ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::SystemIoFailure,
        ) => Error::StorageUnwritable { doing, source },
        _ => Error::Db { doing, source },
    }
}

#[cfg(test)]
mod code_lists;

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    /// Found by the reliability suite's disk-full run: a full disk was a bare
    /// "database error ... disk I/O error" with nothing to do about it.
    #[test]
    fn a_full_or_unwritable_disk_says_so_and_what_to_do() {
        for (code, expected) in [
            (rusqlite::ffi::SQLITE_FULL, "storage_full"),
            (rusqlite::ffi::SQLITE_IOERR_WRITE, "storage_unwritable"),
            (rusqlite::ffi::SQLITE_CANTOPEN, "storage_unwritable"),
            (rusqlite::ffi::SQLITE_READONLY, "storage_unwritable"),
        ] {
            let error = db_error("saving the signature", sqlite(code));
            assert_eq!(error.code(), expected, "{error}");
            let message = error.to_string();
            assert!(
                message.contains("saving the signature") && message.contains("every earlier signature is safe"),
                "{message}"
            );
            assert!(message.contains("then try again"), "says what to do: {message}");
        }
        assert_eq!(db_error("reading", sqlite(rusqlite::ffi::SQLITE_CONSTRAINT)).code(), "database");
    }
}

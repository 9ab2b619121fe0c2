//! The office's error type. Every variant has a stable [`OfficeError::code`]
//! sent to the kiosk in `{code, message}`, an HTTP status, and a message
//! that names the bad input and says what to do.

use std::path::PathBuf;

use signbook_core::Hash32;
use uuid::Uuid;

mod codes;

/// `Result` with [`OfficeError`].
pub type Result<T, E = OfficeError> = std::result::Result<T, E>;

/// Everything the office can refuse or fail at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfficeError {
    /// No such pairing code.
    #[error("pairing code \"{code}\" is not valid; check it, or run `signbook-office pair` for a new one")]
    PairingCodeInvalid {
        /// As typed (codes are single-use and short-lived, so safe to echo).
        code: String,
    },
    /// The code is older than 15 minutes.
    #[error("pairing code \"{code}\" has expired (codes last 15 minutes); run `signbook-office pair` for a new one")]
    PairingCodeExpired {
        /// As typed.
        code: String,
    },
    /// The code was already used by another kiosk.
    #[error(
        "pairing code \"{code}\" was already used; each code pairs one kiosk. Run `signbook-office pair` for a new one"
    )]
    PairingCodeUsed {
        /// As typed.
        code: String,
    },
    /// A pairing code tried by code alone as many times as it may be.
    #[error(
        "pairing code \"{code}…\" was tried {attempts} times and no longer works; make a new code on the office's Kiosks page (or `signbook-office pair`) and type it carefully"
    )]
    PairingCodeExhausted {
        /// Its first two characters.
        code: String,
        /// How many exchanges it had.
        attempts: u32,
    },
    /// The kiosk's key confirmation did not match: a wrong code, or
    /// someone between the kiosk and the office.
    #[error(
        "pairing was not confirmed: the kiosk did not prove it holds the code; check the code and try again (each code allows five tries)"
    )]
    PairingNotConfirmed,
    /// Too many wrong pairing codes from this address lately.
    #[error(
        "too many wrong pairing codes came from this address; wait {minutes} minute(s), check the code on the office computer (`signbook-office pair` makes a new one) and try again"
    )]
    PairingRateLimited {
        /// Minutes until this address may try again.
        minutes: i64,
    },
    /// A device id already registered with another key.
    #[error(
        "kiosk {device_id} is already paired with a different key; if it was reinstalled, revoke the old one (`signbook-office revoke {device_id}`) and reinstall with a new database"
    )]
    DeviceKeyConflict {
        /// The device.
        device_id: Uuid,
    },
    /// Not a 32-byte Ed25519 key.
    #[error("the kiosk's public key is not a valid Ed25519 key (64 hex digits)")]
    PublicKeyInvalid,
    /// An authentication header is absent or not in its one form.
    #[error(
        "the request has no valid {header} header (it must be {form}); check the kiosk software: Signbook's kiosk always sends it"
    )]
    AuthMissing {
        /// The header.
        header: &'static str,
        /// The form it must have.
        form: &'static str,
    },
    /// The device was never paired here.
    #[error(
        "kiosk {device_id} is not paired with this office; pair it first (`signbook-office pair`, then `signbook pair` on the kiosk)"
    )]
    DeviceNotPaired {
        /// The device.
        device_id: Uuid,
    },
    /// The device was revoked.
    #[error("kiosk {device_id} was revoked at this office on {revoked_at}; its pushes are refused")]
    DeviceRevoked {
        /// The device.
        device_id: Uuid,
        /// When.
        revoked_at: String,
    },
    /// The request signature is not the device's.
    #[error(
        "the request signature is not kiosk {device_id}'s registered key; the request was altered or forged and has been logged"
    )]
    SignatureInvalid {
        /// The device claimed.
        device_id: Uuid,
    },
    /// Kiosk clock too far from the office's.
    #[error(
        "the kiosk clock is {skew_secs} seconds away from the office clock (at most {max} allowed); set the kiosk's date and time"
    )]
    ClockSkew {
        /// Kiosk minus office, seconds.
        skew_secs: i64,
        /// The limit.
        max: i64,
    },
    /// A nonce seen before.
    #[error("this request was already received once (nonce {nonce}); a replayed request is refused and logged")]
    Replay {
        /// The nonce.
        nonce: String,
    },
    /// Body over the limit.
    #[error(
        "the request body is larger than {limit} bytes; the kiosk sends batches well under this, so this is not a kiosk request"
    )]
    BodyTooLarge {
        /// Bytes allowed.
        limit: usize,
    },
    /// The body did not arrive in time.
    #[error(
        "the request body arrived too slowly and the connection was closed; a kiosk resends on its next round, so nothing is lost"
    )]
    RequestTimeout,
    /// Body is not the JSON expected.
    #[error("the request body is not valid JSON for this endpoint: {detail}")]
    MalformedJson {
        /// serde_json's words, with line and column.
        detail: String,
    },
    /// A record that decodes and may even hash right, but breaks a rule of
    /// the record format a kiosk would never break: treated as tampering.
    #[error(
        "record {seq} breaks a rule of the record format: {rule}; no kiosk writes such a record, so nothing from this batch was stored and staff have been alerted"
    )]
    RecordRule {
        /// The record.
        seq: u64,
        /// The rule broken.
        rule: String,
    },
    /// A record field that does not decode.
    #[error("{0}")]
    RecordInvalid(String),
    /// A record of another device in this device's push.
    #[error("record {seq} names kiosk {found}, not the kiosk that sent it; nothing from this batch was stored")]
    WrongDevice {
        /// The record.
        seq: u64,
        /// The device it names.
        found: Uuid,
    },
    /// Same (device, seq), different hash.
    #[error(
        "fork: record {seq} of this kiosk differs from the one the office already holds (held {held}, sent {sent}). The kiosk database was probably restored from an older copy. Nothing was overwritten; the office has raised an alert"
    )]
    Fork {
        /// The record.
        seq: u64,
        /// Hash the office holds.
        held: Hash32,
        /// Hash sent (or, when the batch's first new record names it as
        /// its previous hash, the hash that record claims for it).
        sent: Hash32,
    },
    /// Records of one batch that do not link by `prev_hash`: not a chain a
    /// kiosk writes. Not a fork: the office's copy is not contradicted.
    #[error(
        "record {seq} does not link to record {}: it names previous hash {found}, but {} has hash {expected}. These records are not a chain as the kiosk writes it (altered, or made by other software), not a restored kiosk database; nothing from this batch was stored",
        seq.saturating_sub(1),
        if *seq == 1 { "record 0 (none: record 1 must name 64 zeros)".to_owned() } else { format!("record {} of this batch", seq - 1) }
    )]
    BrokenLink {
        /// The record that does not link.
        seq: u64,
        /// The previous record's hash.
        expected: Hash32,
        /// What it names instead.
        found: Hash32,
    },
    /// A batch that does not continue the office's copy.
    #[error("gap: the office holds records up to {acknowledged} of this kiosk, but the batch starts at {found}; resend from {}", acknowledged + 1)]
    Gap {
        /// What the office holds.
        acknowledged: u64,
        /// First sequence sent.
        found: u64,
    },
    /// Record contents do not hash to the record hash.
    #[error(
        "record {seq} was altered: its contents hash to {computed}, not the {sent} it carries; nothing from this batch was stored"
    )]
    HashMismatch {
        /// The record.
        seq: u64,
        /// Hash sent.
        sent: Hash32,
        /// Hash of the contents.
        computed: Hash32,
    },
    /// Personal data does not match its digest.
    #[error(
        "record {seq} was altered: its {field} does not match the digest its hash covers; nothing from this batch was stored"
    )]
    PersonalDataMismatch {
        /// The record.
        seq: u64,
        /// Which field.
        field: &'static str,
    },
    /// A tombstone without erasure, or an erasure with data.
    #[error("record {seq}: {detail}")]
    ErasureInconsistent {
        /// The record.
        seq: u64,
        /// What is wrong.
        detail: &'static str,
    },
    /// An erasure entry breaks a rule of record format 2 (its target).
    #[error("record {seq} (an erasure entry): {detail}; nothing from this batch was stored")]
    ErasureEntryInvalid {
        /// The entry.
        seq: u64,
        /// Which rule, naming the record it erases.
        detail: String,
    },
    /// The batch checkpoint is missing, forged or names another record.
    #[error("the batch checkpoint is not valid: {detail}; nothing from this batch was stored")]
    CheckpointInvalid {
        /// What is wrong.
        detail: String,
    },
    /// An agreement text that does not hash to the hash sent with it.
    #[error(
        "the agreement text sent as {hash} does not hash to that value (or is not in canonical form); nothing from this batch was stored"
    )]
    AgreementInvalid {
        /// The hash it claimed.
        hash: String,
    },
    /// A staff account that cannot be created as asked.
    #[error("{0}")]
    AccountInvalid(String),
    /// A change that would leave no active admin to manage accounts.
    #[error(
        "{username} is the last active admin; make another account an admin first, so that someone can still manage staff accounts. Nothing was changed"
    )]
    LastAdmin {
        /// The account.
        username: String,
    },
    /// A school name another school of the office already has.
    #[error(
        "there is already a school called {name} in this office; give the new school a name staff can tell apart. Nothing was changed"
    )]
    SiteExists {
        /// As given.
        name: String,
    },
    /// A school the office does not have.
    #[error(
        "there is no school {site:?} in this office (it has: {known}); add it first with `signbook-office site add NAME`. Nothing was changed"
    )]
    SiteUnknown {
        /// As given.
        site: String,
        /// The schools it has.
        known: String,
    },
    /// No staff account of that name.
    #[error("there is no staff account called {username} (see the accounts page, or `signbook-office user list`)")]
    UnknownAccount {
        /// As given.
        username: String,
    },
    /// Staff input the dashboard cannot act on (the message says what to fix).
    #[error("{0}")]
    InputInvalid(String),
    /// No such route.
    #[error("no such endpoint; this office speaks signbook-sync-v1 (POST /v1/pair, POST /v1/push)")]
    NotFound,
    /// `revoke` of an unknown device.
    #[error("no kiosk {device_id} is paired here (see `signbook-office kiosks`)")]
    UnknownDevice {
        /// The device.
        device_id: Uuid,
    },
    /// A bundle that cannot be imported.
    #[error("bundle {path}: {detail}")]
    BundleInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Database file from a newer office.
    #[error(
        "the office database {path} was written by a newer signbook-office (schema {found}; this one understands up to {supported}). It has not been changed; install the newer version"
    )]
    SchemaTooNew {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// Ours.
        supported: i64,
    },
    /// Not an office database.
    #[error("{path} is not a signbook-office database; check --data")]
    ForeignDatabase {
        /// The file.
        path: PathBuf,
    },
    /// A stored row that can no longer be read as a record.
    #[error(
        "record {seq} of kiosk {device_id} is damaged in the office database ({detail}). Open Integrity (or run `signbook-office verify`) for the full report, and restore the office database from a backup"
    )]
    DamagedRecord {
        /// Its kiosk.
        device_id: Uuid,
        /// Its sequence number.
        seq: u64,
        /// What is wrong with it.
        detail: String,
    },
    /// SQLite failed.
    #[error("database error while {doing}: {source}")]
    Db {
        /// What we were doing.
        doing: &'static str,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// PostgreSQL failed, or could not be reached.
    #[error(
        "PostgreSQL error while {doing}: {detail}; check that the database server is running and --database names it"
    )]
    Postgres {
        /// What we were doing.
        doing: &'static str,
        /// What the server or the driver said.
        detail: String,
    },
    /// A PostgreSQL database holding other tables than Signbook's.
    #[error(
        "the PostgreSQL database {database} holds tables that are not Signbook's; give signbook-office an empty database of its own (check --database)"
    )]
    ForeignPostgres {
        /// Where it is, without its password.
        database: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Certificate or key could not be made or loaded.
    #[error(
        "TLS setup failed: {0}; if the files in the data directory are damaged, move cert.der and key.der aside (kiosks must then be paired again)"
    )]
    Tls(String),
    /// A certificate or key given with `--tls-cert`/`--tls-key` that the
    /// office cannot serve or sign with.
    #[error("{path}: {problem}")]
    TlsFile {
        /// The file given.
        path: PathBuf,
        /// What is wrong with it and what to do.
        problem: String,
    },
    /// A background task panicked or was cancelled.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Attaches "while doing X" to SQLite errors.
pub(crate) trait DbContext<T> {
    fn doing(self, doing: &'static str) -> Result<T>;
}

impl<T> DbContext<T> for std::result::Result<T, rusqlite::Error> {
    fn doing(self, doing: &'static str) -> Result<T> {
        self.map_err(|source| OfficeError::Db { doing, source })
    }
}

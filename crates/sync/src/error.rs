//! What can go wrong talking to the office. Each variant says what happened
//! and what to do; [`SyncError::code`] is the stable identifier the kiosk's
//! admin area translates.

use signbook_core::Hash32;

/// `Result` with [`SyncError`].
pub type Result<T, E = SyncError> = std::result::Result<T, E>;

/// Everything that can go wrong pairing, pushing or writing a bundle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The kiosk's own store failed (database, key, disk).
    #[error(transparent)]
    Store(#[from] signbook_core::Error),
    /// Syncing before pairing.
    #[error(
        "this kiosk is not paired with an office yet; on the office run `signbook-office pair`, then here `signbook pair --office https://HOST:PORT --code CODE --fingerprint SHA256`"
    )]
    NotPaired,
    /// An office address that is not `https://HOST:PORT`.
    #[error("the office address \"{url}\" is not valid: {reason}")]
    OfficeUrlInvalid {
        /// As given.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A fingerprint that is not 64 hex digits.
    #[error(
        "\"{input}\" is not a certificate fingerprint; copy the 64 hex digits `signbook-office fingerprint` prints"
    )]
    FingerprintInvalid {
        /// As given.
        input: String,
    },
    /// The office presented another certificate than the pinned one.
    #[error(
        "the certificate of {url} does not match the fingerprint: expected {expected}, got {got}. Check the address and the fingerprint `signbook-office fingerprint` prints; if they are right, someone may be intercepting the connection"
    )]
    FingerprintMismatch {
        /// The office address.
        url: String,
        /// The pinned fingerprint.
        expected: Hash32,
        /// What the server presented.
        got: Hash32,
    },
    /// No connection to the office.
    #[error(
        "cannot reach the office at {url} ({detail}); check the network and that `signbook-office serve` is running. Signing goes on; records wait here"
    )]
    OfficeUnreachable {
        /// The office address.
        url: String,
        /// What failed.
        detail: String,
    },
    /// The office answered with an error.
    #[error("the office refused: {message} ({code})")]
    OfficeRefused {
        /// HTTP status.
        status: u16,
        /// The office's error code, e.g. `fork`.
        code: String,
        /// The office's explanation.
        message: String,
        /// For `gap`: what the office holds.
        acknowledged_seq: Option<u64>,
    },
    /// The office answered something this kiosk does not understand.
    #[error("the office at {url} answered unexpectedly: {detail}")]
    OfficeProtocol {
        /// The office address.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// The office holds more of this kiosk's chain than the kiosk has.
    #[error(
        "the office holds records up to {office} from this kiosk, but this database only goes to {kiosk}: it was restored from an older copy or replaced. Stop signing on this kiosk and call for support; records signed now would conflict with the office's"
    )]
    OfficeAhead {
        /// What the office acknowledged.
        office: u64,
        /// This kiosk's head.
        kiosk: u64,
    },
}

impl SyncError {
    /// Stable snake_case code for the UI and for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Store(e) => e.code(),
            SyncError::NotPaired => "not_paired",
            SyncError::OfficeUrlInvalid { .. } => "office_url_invalid",
            SyncError::FingerprintInvalid { .. } => "fingerprint_invalid",
            SyncError::FingerprintMismatch { .. } => "fingerprint_mismatch",
            SyncError::OfficeUnreachable { .. } => "office_unreachable",
            SyncError::OfficeRefused { .. } => "office_refused",
            SyncError::OfficeProtocol { .. } => "office_protocol",
            SyncError::OfficeAhead { .. } => "office_ahead",
        }
    }
}

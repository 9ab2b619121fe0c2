//! What can go wrong talking to the office. Each variant says what happened
//! and what to do; [`SyncError::code`] is the stable identifier the kiosk's
//! admin area translates.

use signbook_core::Hash32;

/// `Result` with [`SyncError`].
pub type Result<T, E = SyncError> = std::result::Result<T, E>;

/// Everything that can go wrong pairing, pushing or writing a bundle.
#[derive(Debug, thiserror::Error)]
#[cfg_attr(test, derive(strum::EnumDiscriminants), strum_discriminants(derive(strum::EnumIter)))]
#[non_exhaustive]
pub enum SyncError {
    /// The kiosk's own store failed (database, key, disk).
    #[error(transparent)]
    Store(#[from] signbook_core::Error),
    /// Syncing before pairing.
    #[error(
        "this kiosk is not paired with an office yet; on the office run `signbook-office pair`, then here `signbook pair --office https://HOST:PORT --code CODE`"
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
    /// The kiosk's location name is empty, too long or holds control characters.
    #[error(
        "\"{input}\" cannot be this kiosk's name: type where it stands, for example Main reception, in at most 60 characters"
    )]
    KioskNameInvalid {
        /// As given.
        input: String,
    },
    /// A pairing code that is not ten letters and digits.
    #[error(
        "\"{input}\" is not a pairing code: it has ten letters and digits, like 7KQ2M-9XD4P, as the office's Kiosks page or `signbook-office pair` shows it"
    )]
    PairingCodeMalformed {
        /// As given (at most 40 characters of it).
        input: String,
    },
    /// Pairing with the code alone did not confirm: a wrong code, or the
    /// computer at the address is not the office that made it.
    #[error(
        "pairing with {url} was not confirmed: the code is wrong, or the computer at this address is not the office that made the code (someone may be intercepting the connection). Nothing was saved. Check the code on the office's screen (each code works for 15 minutes and five tries) and the address, then try again"
    )]
    PairingNotConfirmed {
        /// The office address.
        url: String,
    },
    /// The office presented another certificate than the pinned one.
    #[error(
        "the certificate of {url} does not match the fingerprint: expected {expected}, got {got}. Check the address and the fingerprint `signbook-office fingerprint` prints; if they are right, someone may be intercepting the connection. If the office's certificate was replaced (`signbook-office tls activate`) while this kiosk was not syncing, pair this kiosk again with the new fingerprint"
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

/// What an office refusal's code becomes on the kiosk: `office.fork`. The
/// office has codes of its own that the kiosk also uses (`database`, `io`),
/// so a refusal keeps its origin in the code the admin area translates.
pub const OFFICE_CODE_PREFIX: &str = "office.";

impl SyncError {
    /// Every code [`SyncError::code`] returns for its own variants (the
    /// store's are [`signbook_core::Error::all_codes`]); kept complete by a test.
    pub const CODES: &[&str] = &[
        "not_paired",
        "office_url_invalid",
        "fingerprint_invalid",
        "kiosk_name_invalid",
        "pairing_code_malformed",
        "pairing_not_confirmed",
        "fingerprint_mismatch",
        "office_unreachable",
        "office_refused",
        "office_protocol",
        "office_ahead",
    ];

    /// [`SyncError::code`], except that an office refusal names the office's
    /// own code (`office.pairing_code_expired`, see
    /// [`crate::wire::OFFICE_ERROR_CODES`]): what the kiosk stores as the last
    /// sync error and what its UI translates.
    pub fn detailed_code(&self) -> String {
        match self {
            SyncError::OfficeRefused { code, .. } => format!("{OFFICE_CODE_PREFIX}{code}"),
            other => other.code().to_owned(),
        }
    }

    /// Stable snake_case code for the UI and for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::Store(e) => e.code(),
            SyncError::NotPaired => "not_paired",
            SyncError::OfficeUrlInvalid { .. } => "office_url_invalid",
            SyncError::FingerprintInvalid { .. } => "fingerprint_invalid",
            SyncError::KioskNameInvalid { .. } => "kiosk_name_invalid",
            SyncError::PairingCodeMalformed { .. } => "pairing_code_malformed",
            SyncError::PairingNotConfirmed { .. } => "pairing_not_confirmed",
            SyncError::FingerprintMismatch { .. } => "fingerprint_mismatch",
            SyncError::OfficeUnreachable { .. } => "office_unreachable",
            SyncError::OfficeRefused { .. } => "office_refused",
            SyncError::OfficeProtocol { .. } => "office_protocol",
            SyncError::OfficeAhead { .. } => "office_ahead",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use strum::IntoEnumIterator;

    use super::{SyncError, SyncErrorDiscriminants as K};
    use signbook_core::Hash32;

    /// Matches exhaustively on the variants strum lists (in tests only): a
    /// new variant stops this compiling until it has an example, and the
    /// test below then names its code if [`SyncError::CODES`] lacks it.
    fn example(kind: K) -> SyncError {
        let url = || "https://office.local:8443".to_owned();
        match kind {
            K::Store => signbook_core::Error::NoDataDir.into(),
            K::NotPaired => SyncError::NotPaired,
            K::OfficeUrlInvalid => SyncError::OfficeUrlInvalid { url: url(), reason: "example".into() },
            K::FingerprintInvalid => SyncError::FingerprintInvalid { input: "abc".into() },
            K::KioskNameInvalid => SyncError::KioskNameInvalid { input: String::new() },
            K::PairingCodeMalformed => SyncError::PairingCodeMalformed { input: "12".into() },
            K::PairingNotConfirmed => SyncError::PairingNotConfirmed { url: url() },
            K::FingerprintMismatch => {
                SyncError::FingerprintMismatch { url: url(), expected: Hash32::ZERO, got: Hash32::ZERO }
            }
            K::OfficeUnreachable => SyncError::OfficeUnreachable { url: url(), detail: "example".into() },
            K::OfficeRefused => SyncError::OfficeRefused {
                status: 409,
                code: "fork".into(),
                message: "example".into(),
                acknowledged_seq: None,
            },
            K::OfficeProtocol => SyncError::OfficeProtocol { url: url(), detail: "example".into() },
            K::OfficeAhead => SyncError::OfficeAhead { office: 2, kiosk: 1 },
        }
    }

    #[test]
    fn every_code_is_listed_and_every_listed_code_is_produced() {
        let produced: BTreeSet<&str> = K::iter().filter(|k| *k != K::Store).map(|k| example(k).code()).collect();
        let listed: BTreeSet<&str> = SyncError::CODES.iter().copied().collect();
        assert_eq!(produced, listed, "SyncError::CODES must list exactly what code() returns");
    }

    #[test]
    fn a_refusal_keeps_the_office_code_and_its_origin() {
        assert_eq!(example(K::OfficeRefused).detailed_code(), "office.fork");
        assert_eq!(example(K::NotPaired).detailed_code(), "not_paired");
        assert_eq!(example(K::Store).detailed_code(), "no_data_dir");
    }
}

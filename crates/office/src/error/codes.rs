//! What each [`OfficeError`] is called on the wire and in HTTP: its stable code, its status, and whether staff get an alert.

use axum::http::StatusCode;

use super::OfficeError;

impl OfficeError {
    /// Stable snake_case code, sent to the kiosk.
    pub fn code(&self) -> &'static str {
        match self {
            OfficeError::PairingCodeInvalid { .. } => "pairing_code_invalid",
            OfficeError::PairingCodeExpired { .. } => "pairing_code_expired",
            OfficeError::PairingCodeUsed { .. } => "pairing_code_used",
            OfficeError::PairingRateLimited { .. } => "pairing_rate_limited",
            OfficeError::PairingCodeExhausted { .. } => "pairing_code_exhausted",
            OfficeError::PairingNotConfirmed => "pairing_not_confirmed",
            OfficeError::DeviceKeyConflict { .. } => "device_key_conflict",
            OfficeError::PublicKeyInvalid => "public_key_invalid",
            OfficeError::AuthMissing { .. } => "auth_missing",
            OfficeError::DeviceNotPaired { .. } => "device_not_paired",
            OfficeError::DeviceRevoked { .. } => "device_revoked",
            OfficeError::SignatureInvalid { .. } => "signature_invalid",
            OfficeError::ClockSkew { .. } => "clock_skew",
            OfficeError::Replay { .. } => "replay",
            OfficeError::BodyTooLarge { .. } => "body_too_large",
            OfficeError::RequestTimeout => "request_timeout",
            OfficeError::MalformedJson { .. } => "malformed_json",
            OfficeError::RecordInvalid(_) | OfficeError::RecordRule { .. } => "record_invalid",
            OfficeError::WrongDevice { .. } => "wrong_device",
            OfficeError::Fork { .. } => "fork",
            OfficeError::BrokenLink { .. } => "broken_link",
            OfficeError::Gap { .. } => "gap",
            OfficeError::HashMismatch { .. } => "record_hash_mismatch",
            OfficeError::PersonalDataMismatch { .. } => "personal_data_mismatch",
            OfficeError::ErasureInconsistent { .. } | OfficeError::ErasureEntryInvalid { .. } => "erasure_inconsistent",
            OfficeError::CheckpointInvalid { .. } => "checkpoint_invalid",
            OfficeError::AgreementInvalid { .. } => "agreement_invalid",
            OfficeError::AccountInvalid(_) => "account_invalid",
            OfficeError::LastAdmin { .. } => "last_admin",
            OfficeError::UnknownAccount { .. } => "unknown_account",
            OfficeError::SiteExists { .. } => "site_exists",
            OfficeError::SiteUnknown { .. } => "site_unknown",
            OfficeError::InputInvalid(_) => "input_invalid",
            OfficeError::NotFound => "not_found",
            OfficeError::UnknownDevice { .. } => "unknown_device",
            OfficeError::BundleInvalid { .. } => "bundle_invalid",
            OfficeError::SchemaTooNew { .. } => "schema_too_new",
            OfficeError::ForeignDatabase { .. } => "foreign_database",
            OfficeError::DamagedRecord { .. } => "damaged_record",
            OfficeError::Db { .. } | OfficeError::Postgres { .. } => "database",
            OfficeError::ForeignPostgres { .. } => "foreign_database",
            OfficeError::Io { .. } => "io",
            OfficeError::Tls(_) | OfficeError::TlsFile { .. } => "tls",
            OfficeError::Internal(_) => "internal",
        }
    }

    /// The HTTP status sent with it.
    pub fn status(&self) -> StatusCode {
        use OfficeError as E;
        match self {
            E::PairingCodeInvalid { .. }
            | E::PairingCodeExpired { .. }
            | E::PairingCodeUsed { .. }
            | E::PairingCodeExhausted { .. }
            | E::PairingNotConfirmed
            | E::DeviceRevoked { .. } => StatusCode::FORBIDDEN,
            E::AuthMissing { .. }
            | E::DeviceNotPaired { .. }
            | E::SignatureInvalid { .. }
            | E::ClockSkew { .. }
            | E::Replay { .. } => StatusCode::UNAUTHORIZED,
            // A damaged record is the data's state, not a server fault to retry.
            E::DeviceKeyConflict { .. }
            | E::Fork { .. }
            | E::Gap { .. }
            | E::DamagedRecord { .. }
            | E::LastAdmin { .. }
            | E::SiteExists { .. } => StatusCode::CONFLICT,
            E::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            E::PairingRateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            E::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            E::MalformedJson { .. } | E::PublicKeyInvalid | E::AccountInvalid(_) | E::InputInvalid(_) => {
                StatusCode::BAD_REQUEST
            }
            E::RecordInvalid(_)
            | E::RecordRule { .. }
            | E::WrongDevice { .. }
            | E::BrokenLink { .. }
            | E::HashMismatch { .. }
            | E::PersonalDataMismatch { .. }
            | E::ErasureInconsistent { .. }
            | E::ErasureEntryInvalid { .. }
            | E::CheckpointInvalid { .. }
            | E::AgreementInvalid { .. }
            | E::BundleInvalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            E::NotFound | E::UnknownDevice { .. } | E::UnknownAccount { .. } | E::SiteUnknown { .. } => {
                StatusCode::NOT_FOUND
            }
            E::SchemaTooNew { .. }
            | E::ForeignDatabase { .. }
            | E::Db { .. }
            | E::Postgres { .. }
            | E::ForeignPostgres { .. }
            | E::Io { .. }
            | E::Tls(_)
            | E::TlsFile { .. }
            | E::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Refusals that may mean tampering, a forged kiosk or a restored
    /// database: the office keeps an alert for staff to look at.
    pub fn is_alert(&self) -> bool {
        use OfficeError as E;
        matches!(
            self,
            E::SignatureInvalid { .. }
                | E::RecordRule { .. }
                | E::Replay { .. }
                | E::WrongDevice { .. }
                | E::Fork { .. }
                | E::BrokenLink { .. }
                | E::Gap { .. }
                | E::HashMismatch { .. }
                | E::PersonalDataMismatch { .. }
                | E::ErasureInconsistent { .. }
                | E::ErasureEntryInvalid { .. }
                | E::CheckpointInvalid { .. }
                | E::AgreementInvalid { .. }
                | E::RecordInvalid(_)
                | E::DeviceRevoked { .. }
        )
    }
}

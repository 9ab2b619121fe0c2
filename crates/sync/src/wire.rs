//! The JSON wire format shared by the kiosk and the office.
//!
//! Every type here is what travels in a request or response body, exactly;
//! `docs/sync-protocol.md` describes each field and the golden test
//! `crates/core/tests/sync_wire.rs` freezes the encoding. Hashes are 64 hex
//! digits, salts 32 hex digits, the signature PNG is standard base64, times
//! are RFC 3339 UTC with milliseconds (`2026-11-22T09:05:03.120Z`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

mod canonical;
mod erasure_entry;
mod held_entry;
mod pairing;
mod push;
mod received;
mod record;

pub use erasure_entry::WireErasureEntry;
pub use held_entry::WireHeldEntry;
pub use pairing::{PairRequest, PairResponse, PakeAnswer, PakeConfirm, PakeStart};
pub use push::{PushRequest, PushResponse, WireAgreement, WireCheckpoint, WireEraseDetail};
pub use record::{WireErasure, WirePersonal, WireRecord};

/// Names the protocol in the bundle manifest and the health answer.
pub const PROTOCOL: &str = "signbook-sync-v1";

/// Every code an office error response can carry (`docs/sync-protocol.md`,
/// "Errors"; a test keeps the two equal). The kiosk keeps a refusal as
/// `office.<code>` ([`crate::OFFICE_CODE_PREFIX`]) and translates each.
pub const OFFICE_ERROR_CODES: &[&str] = &[
    "malformed_json",
    "public_key_invalid",
    "auth_missing",
    "device_not_paired",
    "signature_invalid",
    "clock_skew",
    "replay",
    "pairing_code_invalid",
    "pairing_code_expired",
    "pairing_code_used",
    "pairing_rate_limited",
    "pairing_code_exhausted",
    "pairing_not_confirmed",
    "device_revoked",
    "not_found",
    "fork",
    "broken_link",
    "gap",
    "device_key_conflict",
    "request_timeout",
    "body_too_large",
    "record_invalid",
    "wrong_device",
    "record_hash_mismatch",
    "personal_data_mismatch",
    "erasure_inconsistent",
    "checkpoint_invalid",
    "agreement_invalid",
    "database",
    "io",
    "tls",
    "internal",
];

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable snake_case code, e.g. `fork`, `pairing_code_expired`.
    pub code: String,
    /// What went wrong and what to do, for a person.
    pub message: String,
    /// For `gap`: what the office holds, so the kiosk can resend from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_seq: Option<u64>,
}

/// A wire value that does not decode (names the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("record {seq}: {detail}")]
pub struct WireError {
    /// The record.
    pub seq: u64,
    /// What is wrong.
    pub detail: String,
}

fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

//! The pairing requests and answers: `POST /v1/pair` and the code-only PAKE exchange.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use signbook_core::hash::Hash32;

/// `POST /v1/pair`: a kiosk registers itself with a one-time code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    /// The code `signbook-office pair` printed, as typed.
    pub code: String,
    /// The kiosk's device id.
    pub device_id: Uuid,
    /// The kiosk's Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// Where the kiosk stands ("Main reception"), if the admin said; at
    /// most 60 characters (`kiosk_name::tidy_kiosk_name`). The office's
    /// staff can rename it later.
    pub kiosk_name: Option<String>,
}

/// The answer to a successful pairing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairResponse {
    /// The device now registered.
    pub device_id: Uuid,
    /// When the office registered it (RFC 3339).
    pub paired_at: String,
    /// Highest sequence the office already holds for it (0 for a new kiosk).
    pub acknowledged_seq: u64,
    /// SHA-256 of the certificate the office will use next, while one is
    /// staged (see [`PushResponse::next_certificate`](super::PushResponse::next_certificate)). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_certificate: Option<Hash32>,
}

/// `POST /v1/pair/pake`: a kiosk starts pairing with the code alone
/// ([`crate::pake`]). Not signed: the kiosk has no key the office knows yet,
/// and the exchange proves nothing until the confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PakeStart {
    /// The code's first two characters, normalised ([`crate::pake::code_id`]).
    pub code_id: String,
    /// The kiosk's device id, bound into the confirmations.
    pub device_id: Uuid,
    /// The kiosk's SPAKE2 message, hex (33 bytes).
    pub kiosk_message: String,
}

/// The office's half of the exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PakeAnswer {
    /// Names this exchange in the confirmation, 32 hex digits.
    pub exchange_id: String,
    /// The office's SPAKE2 message, hex.
    pub office_message: String,
    /// The office's key confirmation, 64 hex digits: the kiosk checks it
    /// against the certificate its connection saw before sending anything else.
    pub office_confirm: String,
}

/// `POST /v1/pair/pake/confirm`, signed with the key it registers: finishes
/// pairing; answered with a [`PairResponse`] as `POST /v1/pair` is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PakeConfirm {
    /// From the [`PakeAnswer`].
    pub exchange_id: String,
    /// The kiosk's key confirmation, 64 hex digits.
    pub kiosk_confirm: String,
    /// The kiosk's device id (as in the exchange).
    pub device_id: Uuid,
    /// The kiosk's Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// Where the kiosk stands, as in [`PairRequest::kiosk_name`].
    pub kiosk_name: Option<String>,
}

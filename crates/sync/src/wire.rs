//! The JSON wire format shared by the kiosk and the office.
//!
//! Every type here is what travels in a request or response body, exactly;
//! `docs/sync-protocol.md` describes each field and the golden test
//! `crates/core/tests/sync_wire.rs` freezes the encoding. Hashes are 64 hex
//! digits, salts 32 hex digits, the signature PNG is standard base64, times
//! are RFC 3339 UTC with milliseconds (`2026-11-22T09:05:03.120Z`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use signbook_core::checkpoint::Checkpoint;
use signbook_core::hash::Hash32;
use signbook_core::record::{PersonalData, Record, RecordHeader, SALT_LEN, Salt, format_utc};
use signbook_core::store::Erasure;

mod erasure_entry;
mod held_entry;
mod received;

pub use erasure_entry::WireErasureEntry;
pub use held_entry::WireHeldEntry;

/// Names the protocol in the bundle manifest and the health answer.
pub const PROTOCOL: &str = "signbook-sync-v1";

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
    /// staged (see [`PushResponse::next_certificate`]). Absent otherwise.
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

/// `POST /v1/push`: a batch of records in sequence order, the kiosk's
/// signature over the batch's last record, and erasures of records the
/// office already holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Consecutive records, lowest sequence first (may be empty).
    pub records: Vec<WireRecord>,
    /// Signs the last record of `records`; required when it is not empty.
    pub checkpoint: Option<WireCheckpoint>,
    /// Erasures of records sent earlier.
    pub erasures: Vec<WireErasure>,
    /// The agreement versions that `records` name, and those the kiosk
    /// currently asks each role to sign, so the office can show and export
    /// the exact text each person read and know who still has to sign.
    /// Absent when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agreements: Vec<WireAgreement>,
    /// The kiosk's own highest sequence when it sent this, so office staff
    /// can see its backlog. Absent in bundles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiosk_head_seq: Option<u64>,
    /// Erasure entries of the chain (record format 2), lowest sequence
    /// first. They share sequence numbers with `records`: the two together
    /// are consecutive, and `checkpoint` signs the last of either. Absent
    /// when empty, so a kiosk that has erased nothing sends what an office
    /// older than record format 2 accepts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erasure_entries: Vec<WireErasureEntry>,
    /// The office configuration the kiosk runs and what each role signs on
    /// it now. Sent only to an office whose answers carry
    /// [`PushResponse::configuration_version`]: an older office refuses
    /// unknown fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<crate::configuration::ConfigurationStatus>,
    /// "Held at the office" entries of the chain (record format 3), lowest
    /// sequence first: with `records` and `erasure_entries` consecutive,
    /// `checkpoint` signing the last of the three. Absent when empty; sent
    /// only to an office whose answers carry
    /// [`PushResponse::configuration_version`], since an older office
    /// refuses unknown fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_entries: Vec<WireHeldEntry>,
}

/// An agreement version: its canonical text and title. The office keeps
/// it only if the text hashes to `hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireAgreement {
    /// SHA-256 of `text`: the value records carry as `agreement_hash`.
    pub hash: Hash32,
    /// Its title.
    pub title: String,
    /// The canonical Markdown text.
    pub text: String,
    /// When the kiosk first published it (RFC 3339): the kiosk's claim,
    /// which the office shows but never uses to choose or order versions.
    pub published_at: String,
    /// Roles it was published for. Which version a role must sign is the
    /// office's decision (`docs/sync-protocol.md`, `POST /v1/push`).
    pub roles: Vec<String>,
}

impl WireAgreement {
    /// Encodes a published version.
    pub fn new(version: &signbook_core::agreement::AgreementVersion) -> Self {
        WireAgreement {
            hash: version.hash,
            title: version.title.clone(),
            text: version.text.clone(),
            published_at: format_utc(&version.published_at),
            roles: version.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        }
    }

    /// True when `text` is canonical and hashes to `hash`.
    pub fn is_genuine(&self) -> bool {
        signbook_core::agreement::canonical_text(&self.text) == self.text
            && signbook_core::agreement::agreement_hash(&self.text) == self.hash
    }
}

/// The office's answer to a push it accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The office holds every record `1..=acknowledged_seq` of this kiosk.
    pub acknowledged_seq: u64,
    /// Records newly stored by this request.
    pub stored: u64,
    /// Records the office already held (a resend; ignored).
    pub duplicates: u64,
    /// Erasures applied by this request (already-applied ones not counted).
    pub erasures_applied: u64,
    /// Records whose personal data office staff erased (a person's erasure
    /// request, or the retention period): the kiosk erases its own copy
    /// too, and confirms by sending the erasure back. Absent when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erase: Vec<WireErasure>,
    /// Who asked for each erasure in `erase`, and why (record format 2),
    /// for the erasure entry the kiosk appends: by `seq`. Absent when empty,
    /// and from older offices (the kiosk then records `office`, `request`).
    /// An older kiosk ignores it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erase_details: Vec<WireEraseDetail>,
    /// SHA-256 of the certificate the office will use next, while one is
    /// staged (`signbook-office tls rotate`): sent over the connection
    /// pinned to the current certificate, so the kiosk can trust it and
    /// accept it as a second pin. Absent otherwise (and from older offices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_certificate: Option<Hash32>,
    /// The office's current configuration version (`POST
    /// /v1/configuration` fetches it). Absent from older offices, and
    /// ignored by older kiosks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_version: Option<u64>,
}

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

/// One record: its header fields, its hash, and its personal data (absent
/// for a tombstone, which then carries its erasure).
/// Ids, hashes and `signed_at` must be as the canonical encoding writes
/// them; [`WireRecord::to_record`] refuses another form naming the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "received::ReceivedRecord")]
pub struct WireRecord {
    /// UUIDv7.
    pub id: Uuid,
    /// The kiosk.
    pub device_id: Uuid,
    /// 1, 2, 3, ...
    pub seq: u64,
    /// Hash of record `seq - 1` (zeros for the first).
    pub prev_hash: Hash32,
    /// Agreement version signed.
    pub agreement_hash: Hash32,
    /// Role.
    pub role: String,
    /// RFC 3339 UTC with milliseconds, as the kiosk's clock said.
    pub signed_at: String,
    /// Kiosk UTC offset in minutes.
    pub utc_offset_minutes: i32,
    /// Salted digest of the name.
    pub name_digest: Hash32,
    /// Salted digest of the organisation, if any.
    pub organisation_digest: Option<Hash32>,
    /// Salted digest of the signature PNG.
    pub signature_digest: Hash32,
    /// The record hash (SHA-256 of the canonical encoding).
    pub hash: Hash32,
    /// Personal data, `null` once erased.
    pub personal: Option<WirePersonal>,
    /// The erasure, for a tombstone.
    pub erasure: Option<WireErasure>,
    /// The first field received in another form than the canonical encoding's.
    #[serde(skip)]
    noncanonical: Option<String>,
}

/// Personal data of a record.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WirePersonal {
    /// Normalised name.
    pub name: String,
    /// 32 hex digits.
    pub name_salt: String,
    /// Normalised organisation.
    pub organisation: Option<String>,
    /// 32 hex digits, present with `organisation`.
    pub organisation_salt: Option<String>,
    /// The PNG, standard base64.
    pub signature_png: String,
    /// 32 hex digits.
    pub signature_salt: String,
}

impl std::fmt::Debug for WirePersonal {
    // Names stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WirePersonal").finish_non_exhaustive()
    }
}

/// An erasure of one record's personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireErasure {
    /// The record.
    pub seq: u64,
    /// Why, as staff gave it.
    pub reason: String,
    /// RFC 3339.
    pub erased_at: String,
}

/// Who asked the office to erase record `seq`, and which kind of reason:
/// the words of an erasure entry's `requested_by` and `reason` lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireEraseDetail {
    /// The record.
    pub seq: u64,
    /// `office-staff:N` (the staff account's number) or `office`.
    pub requested_by: String,
    /// `request`, `retention` or `other`.
    pub reason: String,
}

/// The kiosk's Ed25519 signature over `(device, seq, head)`; see [`Checkpoint`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireCheckpoint {
    /// Sequence of the record signed.
    pub seq: u64,
    /// Its hash.
    pub head_hash: Hash32,
    /// 128 hex digits.
    pub signature: String,
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

impl WireRecord {
    /// Encodes a stored record.
    pub fn from_record(record: &Record, erasure: Option<&Erasure>) -> Self {
        let h = &record.header;
        WireRecord {
            id: h.id,
            device_id: h.device_id,
            seq: h.seq,
            prev_hash: h.prev_hash,
            agreement_hash: h.agreement_hash,
            role: h.role.clone(),
            signed_at: format_utc(&h.signed_at),
            utc_offset_minutes: h.utc_offset_minutes,
            name_digest: h.name_digest,
            organisation_digest: h.organisation_digest,
            signature_digest: h.signature_digest,
            hash: record.hash,
            personal: record.personal.as_ref().map(|p| WirePersonal {
                name: p.name.clone(),
                name_salt: hex::encode(p.name_salt),
                organisation: p.organisation.as_ref().map(|(o, _)| o.clone()),
                organisation_salt: p.organisation.as_ref().map(|(_, s)| hex::encode(s)),
                signature_png: BASE64.encode(&p.signature_png),
                signature_salt: hex::encode(p.signature_salt),
            }),
            erasure: erasure.map(|e| WireErasure::new(h.seq, e)),
            noncanonical: None,
        }
    }

    /// Decodes into a record, refusing fields not in their canonical form,
    /// without judging it further: the caller checks [`Record::check_rules`],
    /// hash, digests and chain (the office with [`signbook_core::verify::ChainWalk`]).
    pub fn to_record(&self) -> Result<(Record, Option<Erasure>), WireError> {
        let seq = self.seq;
        let fail = |detail: String| WireError { seq, detail };
        if let Some(rule) = &self.noncanonical {
            return Err(fail(rule.clone()));
        }
        let signed_at = parse_utc(&self.signed_at)
            .ok_or_else(|| fail(format!("signed_at {:?} is not an RFC 3339 time", self.signed_at)))?;
        let salt = |field: &str, text: &str| -> Result<Salt, WireError> {
            let mut out = [0u8; SALT_LEN];
            hex::decode_to_slice(text, &mut out)
                .map_err(|_| fail(format!("{field} is not {} hex digits", SALT_LEN * 2)))?;
            Ok(out)
        };
        let personal = match &self.personal {
            None => None,
            Some(p) => {
                let organisation = match (&p.organisation, &p.organisation_salt) {
                    (Some(o), Some(s)) => Some((o.clone(), salt("organisation_salt", s)?)),
                    (None, None) => None,
                    _ => return Err(fail("organisation and organisation_salt must be given together".into())),
                };
                Some(PersonalData {
                    name: p.name.clone(),
                    name_salt: salt("name_salt", &p.name_salt)?,
                    organisation,
                    signature_png: BASE64
                        .decode(&p.signature_png)
                        .map_err(|_| fail("signature_png is not base64".into()))?,
                    signature_salt: salt("signature_salt", &p.signature_salt)?,
                })
            }
        };
        let erasure = match &self.erasure {
            None => None,
            Some(e) if e.seq != seq => return Err(fail(format!("its erasure names record {}", e.seq))),
            Some(e) => Some(e.to_erasure().map_err(fail)?),
        };
        let header = RecordHeader {
            id: self.id,
            device_id: self.device_id,
            seq,
            prev_hash: self.prev_hash,
            agreement_hash: self.agreement_hash,
            role: self.role.clone(),
            signed_at,
            utc_offset_minutes: self.utc_offset_minutes,
            name_digest: self.name_digest,
            organisation_digest: self.organisation_digest,
            signature_digest: self.signature_digest,
        };
        Ok((Record { header, hash: self.hash, personal }, erasure))
    }
}

impl WireErasure {
    /// Encodes an erasure log entry.
    pub fn new(seq: u64, erasure: &Erasure) -> Self {
        WireErasure { seq, reason: erasure.reason.clone(), erased_at: format_utc(&erasure.erased_at) }
    }

    /// Decodes; the error says which field is wrong.
    pub fn to_erasure(&self) -> Result<Erasure, String> {
        let erased_at = parse_utc(&self.erased_at)
            .ok_or_else(|| format!("erased_at {:?} is not an RFC 3339 time", self.erased_at))?;
        Ok(Erasure { reason: self.reason.clone(), erased_at })
    }
}

impl WireCheckpoint {
    /// Encodes a checkpoint (the device id is the authenticated sender's).
    pub fn new(checkpoint: &Checkpoint) -> Self {
        WireCheckpoint {
            seq: checkpoint.seq,
            head_hash: checkpoint.head_hash,
            signature: hex::encode(checkpoint.signature),
        }
    }

    /// Decodes for `device_id`; `None` when the signature is not 128 hex digits.
    pub fn to_checkpoint(&self, device_id: Uuid) -> Option<Checkpoint> {
        let mut signature = [0u8; 64];
        hex::decode_to_slice(&self.signature, &mut signature).ok()?;
        Some(Checkpoint { device_id, seq: self.seq, head_hash: self.head_hash, signature })
    }
}

fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

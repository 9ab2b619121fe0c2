//! `POST /v1/push`: the batch a kiosk sends, its checkpoint and agreements, and the office's answer.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use signbook_core::checkpoint::Checkpoint;
use signbook_core::hash::Hash32;
use signbook_core::record::format_utc;

use super::{WireErasure, WireErasureEntry, WireHeldEntry, WireRecord};

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

//! The lines of a JSON Lines export, version 2 (`docs/record-format.md`,
//! section 11): a header, then one line per record of the chain, in
//! sequence order: the record itself, or a personal-data-free `omitted`
//! line for a record the export's filter leaves out.

use std::borrow::Cow;

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::checkpoint::Checkpoint;
use crate::record::{Erasure, Record, RecordHeader, format_offset, format_utc};
use crate::store::RecordFilter;

/// The export format this Signbook writes (the `signbook_export` key).
/// Version 1 was the same record lines with no header and no omitted lines.
pub const EXPORT_FORMAT: u32 = 2;
/// The record format of the lines: 3, records (`signbook-record-v1`),
/// erasure entries (`signbook-erasure-v2`) and held entries
/// (`signbook-held-v1`); written only when the export has a held entry. A
/// file saying 1 (written before erasure entries) is still read, with
/// version 1's erasure rule.
pub const EXPORT_RECORD_FORMAT: u32 = 3;
/// The record format of an export with no held entry: 2, so such files
/// read exactly as before held entries existed.
pub const EXPORT_RECORD_FORMAT_WITHOUT_HELD: u32 = 2;
/// The checkpoint format of the header's checkpoint (`signbook-checkpoint-v1`).
pub const EXPORT_CHECKPOINT_FORMAT: u32 = 1;

/// The first line: who made the export, with which key, what it selects,
/// and the kiosk's signature over the head of its chain at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportHeader {
    /// [`EXPORT_FORMAT`].
    pub signbook_export: u32,
    /// [`EXPORT_RECORD_FORMAT`].
    pub record_format: u32,
    /// [`EXPORT_CHECKPOINT_FORMAT`].
    pub checkpoint_format: u32,
    /// The kiosk, lowercase hyphenated UUID.
    pub device_id: String,
    /// Its Ed25519 public key, 64 lowercase hex digits.
    pub public_key: String,
    /// [`crate::device::key_fingerprint`] of that key, to compare by eye.
    pub key_fingerprint: String,
    /// When the export was made (UTC; informative, not signed).
    pub exported_at: String,
    /// What the export selects; every other record is an `omitted` line.
    pub filter: HeaderFilter,
    /// The kiosk's checkpoint at the head of the chain; `null` for an
    /// empty chain.
    pub checkpoint: Option<HeaderCheckpoint>,
}

/// The filter an export was made with; `null` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderFilter {
    /// Only this role.
    pub role: Option<String>,
    /// First kiosk-local day included, `YYYY-MM-DD`.
    pub since: Option<String>,
    /// Last kiosk-local day included, `YYYY-MM-DD`.
    pub until: Option<String>,
}

impl HeaderFilter {
    /// How `filter` is written in a header.
    pub fn of(filter: &RecordFilter) -> Self {
        let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        HeaderFilter {
            role: filter.role.as_ref().map(|r| r.as_str().to_owned()),
            since: filter.since.map(day),
            until: filter.until.map(day),
        }
    }
}

/// A checkpoint as the header carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderCheckpoint {
    /// The head record's sequence number.
    pub seq: u64,
    /// Its record hash.
    pub head: String,
    /// Ed25519 signature over the checkpoint message, 128 hex digits.
    pub signature: String,
}

impl HeaderCheckpoint {
    /// How `checkpoint` is written in a header.
    pub fn of(checkpoint: &Checkpoint) -> Self {
        HeaderCheckpoint {
            seq: checkpoint.seq,
            head: checkpoint.head_hash.to_hex(),
            signature: hex::encode(checkpoint.signature),
        }
    }
}

/// One exported record. Field names are the JSONL keys.
#[derive(Debug, Serialize)]
pub(super) struct RecordLine<'a> {
    kind: &'static str,
    reference: String,
    record_id: String,
    device_id: String,
    seq: u64,
    prev_hash: String,
    agreement_hash: String,
    agreement_title: &'a str,
    role: &'a str,
    signed_at_utc: String,
    signed_at_local: String,
    utc_offset: String,
    status: &'static str,
    name: Option<&'a str>,
    organisation: Option<&'a str>,
    name_digest: String,
    organisation_digest: Option<String>,
    signature_digest: String,
    name_salt: Option<String>,
    organisation_salt: Option<String>,
    signature_salt: Option<String>,
    signature_png_base64: Option<String>,
    record_hash: String,
    erased_at: Option<String>,
}

/// How `signed_at_local` is written: the kiosk's wall clock, no offset.
pub(super) const LOCAL_TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// `signed_at_local` as exported: the kiosk's wall-clock time.
pub(super) fn local_time_text(header: &RecordHeader) -> String {
    header.signed_at_local().format(LOCAL_TIME_FORMAT).to_string()
}

impl<'a> RecordLine<'a> {
    pub(super) fn new(record: &'a Record, erasure: Option<&Erasure>, agreement_title: &'a str) -> Self {
        let h = &record.header;
        let p = record.personal.as_ref();
        RecordLine {
            kind: "record",
            reference: record.reference(),
            record_id: h.id.hyphenated().to_string(),
            device_id: h.device_id.hyphenated().to_string(),
            seq: h.seq,
            prev_hash: h.prev_hash.to_hex(),
            agreement_title,
            agreement_hash: h.agreement_hash.to_hex(),
            role: &h.role,
            signed_at_utc: format_utc(&h.signed_at),
            signed_at_local: local_time_text(h),
            utc_offset: format_offset(h.utc_offset_minutes),
            status: match (p, erasure) {
                (Some(_), _) => "signed",
                (None, Some(_)) => "erased",
                // No data and no erasure: removed at the kiosk, held at the office.
                (None, None) => "held",
            },
            name: p.map(|p| p.name.as_str()),
            organisation: p.and_then(|p| p.organisation.as_ref().map(|(o, _)| o.as_str())),
            name_digest: h.name_digest.to_hex(),
            organisation_digest: h.organisation_digest.map(|d| d.to_hex()),
            signature_digest: h.signature_digest.to_hex(),
            name_salt: p.map(|p| hex::encode(p.name_salt)),
            organisation_salt: p.and_then(|p| p.organisation.as_ref().map(|(_, s)| hex::encode(s))),
            signature_salt: p.map(|p| hex::encode(p.signature_salt)),
            signature_png_base64: p.map(|p| base64::engine::general_purpose::STANDARD.encode(&p.signature_png)),
            record_hash: record.hash.to_hex(),
            erased_at: erasure.map(|e| format_utc(&e.erased_at)),
        }
    }
}

/// A record the filter leaves out: exactly what its hash covers (salted
/// digests only, no names, no salts), so the verifier can recompute its
/// hash and see that it really lies outside the export's range.
#[derive(Debug, Serialize)]
pub(super) struct OmittedLine<'a> {
    kind: &'static str,
    seq: u64,
    record_id: String,
    device_id: String,
    prev_hash: String,
    agreement_hash: String,
    role: &'a str,
    signed_at_utc: String,
    utc_offset: String,
    name_digest: String,
    organisation_digest: Option<String>,
    signature_digest: String,
    record_hash: String,
}

impl<'a> OmittedLine<'a> {
    pub(super) fn new(record: &'a Record) -> Self {
        let h = &record.header;
        OmittedLine {
            kind: "omitted",
            seq: h.seq,
            record_id: h.id.hyphenated().to_string(),
            device_id: h.device_id.hyphenated().to_string(),
            prev_hash: h.prev_hash.to_hex(),
            agreement_hash: h.agreement_hash.to_hex(),
            role: &h.role,
            signed_at_utc: format_utc(&h.signed_at),
            utc_offset: format_offset(h.utc_offset_minutes),
            name_digest: h.name_digest.to_hex(),
            organisation_digest: h.organisation_digest.map(|d| d.to_hex()),
            signature_digest: h.signature_digest.to_hex(),
            record_hash: record.hash.to_hex(),
        }
    }
}

/// Any line after the header, as read back: both kinds in one shape,
/// borrowing from the line where it can (no copies of the images).
#[derive(Debug, Deserialize)]
pub(super) struct LineIn<'a> {
    #[serde(borrow)]
    pub kind: Option<Cow<'a, str>>,
    pub seq: u64,
    #[serde(borrow)]
    pub record_id: Cow<'a, str>,
    #[serde(borrow)]
    pub device_id: Cow<'a, str>,
    #[serde(borrow)]
    pub prev_hash: Cow<'a, str>,
    #[serde(borrow)]
    pub agreement_hash: Cow<'a, str>,
    #[serde(borrow)]
    pub role: Cow<'a, str>,
    #[serde(borrow)]
    pub signed_at_utc: Cow<'a, str>,
    #[serde(borrow)]
    pub utc_offset: Cow<'a, str>,
    #[serde(borrow)]
    pub name_digest: Cow<'a, str>,
    #[serde(borrow)]
    pub organisation_digest: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub signature_digest: Cow<'a, str>,
    #[serde(borrow)]
    pub record_hash: Cow<'a, str>,
    #[serde(borrow, default)]
    pub reference: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub signed_at_local: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub organisation: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name_salt: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub organisation_salt: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub signature_salt: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub signature_png_base64: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub erased_at: Option<Cow<'a, str>>,
}

/// An erasure entry of the chain (record format version 2): exactly what
/// its hash covers, and nothing else. Staff's words are not exported (they
/// may name the person); the category is.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ErasureLine<'a> {
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
    pub seq: u64,
    #[serde(borrow)]
    pub entry_id: Cow<'a, str>,
    #[serde(borrow)]
    pub device_id: Cow<'a, str>,
    #[serde(borrow)]
    pub prev_hash: Cow<'a, str>,
    pub target_seq: u64,
    #[serde(borrow)]
    pub target_hash: Cow<'a, str>,
    #[serde(borrow)]
    pub erased_at: Cow<'a, str>,
    #[serde(borrow)]
    pub recorded_at: Cow<'a, str>,
    #[serde(borrow)]
    pub requested_by: Cow<'a, str>,
    #[serde(borrow)]
    pub reason: Cow<'a, str>,
    #[serde(borrow)]
    pub entry_hash: Cow<'a, str>,
}

impl ErasureLine<'static> {
    pub(super) fn new(erasure: &crate::erasure::ChainErasure) -> Self {
        let e = &erasure.entry;
        ErasureLine {
            kind: "erasure".into(),
            seq: e.seq,
            entry_id: e.id.hyphenated().to_string().into(),
            device_id: e.device_id.hyphenated().to_string().into(),
            prev_hash: e.prev_hash.to_hex().into(),
            target_seq: e.target_seq,
            target_hash: e.target_hash.to_hex().into(),
            erased_at: format_utc(&e.erased_at).into(),
            recorded_at: format_utc(&e.recorded_at).into(),
            requested_by: e.requested_by.to_string().into(),
            reason: e.reason.as_str().into(),
            entry_hash: erasure.hash.to_hex().into(),
        }
    }
}

/// A held entry of the chain (record format version 3): the kiosk removed
/// the record's personal data because the office holds it. Exactly what
/// its hash covers; an auditor tells it from an erasure by its `kind`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HeldLine<'a> {
    #[serde(borrow)]
    pub kind: Cow<'a, str>,
    pub seq: u64,
    #[serde(borrow)]
    pub entry_id: Cow<'a, str>,
    #[serde(borrow)]
    pub device_id: Cow<'a, str>,
    #[serde(borrow)]
    pub prev_hash: Cow<'a, str>,
    pub target_seq: u64,
    #[serde(borrow)]
    pub target_hash: Cow<'a, str>,
    #[serde(borrow)]
    pub removed_at: Cow<'a, str>,
    #[serde(borrow)]
    pub acknowledged_at: Cow<'a, str>,
    #[serde(borrow)]
    pub office_certificate_sha256: Cow<'a, str>,
    #[serde(borrow)]
    pub entry_hash: Cow<'a, str>,
}

impl HeldLine<'static> {
    pub(super) fn new(held: &crate::held::ChainHeld) -> Self {
        let e = &held.entry;
        HeldLine {
            kind: "held".into(),
            seq: e.seq,
            entry_id: e.id.hyphenated().to_string().into(),
            device_id: e.device_id.hyphenated().to_string().into(),
            prev_hash: e.prev_hash.to_hex().into(),
            target_seq: e.target_seq,
            target_hash: e.target_hash.to_hex().into(),
            removed_at: format_utc(&e.removed_at).into(),
            acknowledged_at: format_utc(&e.acknowledged_at).into(),
            office_certificate_sha256: e.office_certificate_sha256.to_hex().into(),
            entry_hash: held.hash.to_hex().into(),
        }
    }
}

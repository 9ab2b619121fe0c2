//! The office's own signed erasure log (record format 2,
//! `docs/record-format.md` section 13.6): an erasure decided at the office
//! is in no kiosk's chain until the kiosk next syncs and appends its own
//! entry. Until then, and afterwards as the office's side of it, each one is
//! a statement signed with the office certificate's key, whose fingerprint
//! staff compared at pairing: which record (by hash), when, who asked (a
//! staff account by number, never a name) and why (a category).

use chrono::{DateTime, Utc};
use signbook_core::Hash32;
use signbook_core::record::format_utc;
use uuid::Uuid;

/// First line of a statement.
pub const OFFICE_ERASURE_FORMAT: &str = "signbook-office-erasure-v1";

/// Who asked, as an erasure entry names it: a staff account by its number
/// in the office database, never its name, or the office itself.
pub(crate) fn office_requester(account: Option<u64>) -> String {
    account.map_or_else(|| "office".to_owned(), |n| format!("office-staff:{n}"))
}

/// The reason category of an office erasure: a retention purge's own words
/// (`purge_expired`) make it `retention`; staff erase at a person's request.
pub(crate) fn office_reason(reason: &str) -> &'static str {
    if reason.starts_with("retention period of ") { "retention" } else { "request" }
}

/// What one statement says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeErasure {
    /// The kiosk whose record it is.
    pub device_id: Uuid,
    /// The record.
    pub seq: u64,
    /// Its record hash.
    pub record_hash: Hash32,
    /// When the office erased it.
    pub erased_at: DateTime<Utc>,
    /// `office-staff:N` or `office`, as in an erasure entry.
    pub requested_by: String,
    /// `request` or `retention`.
    pub reason: String,
    /// SHA-256 of the certificate whose key signs.
    pub certificate_sha256: Hash32,
}

impl OfficeErasure {
    /// The exact bytes signed: nine lines, each ending in LF.
    pub fn statement(&self) -> String {
        format!(
            "{OFFICE_ERASURE_FORMAT}\ndevice:{}\nseq:{}\nrecord:{}\nerased_at:{}\nrequested_by:{}\nreason:{}\noffice_certificate_sha256:{}\n",
            self.device_id.hyphenated(),
            self.seq,
            self.record_hash,
            format_utc(&self.erased_at),
            self.requested_by,
            self.reason,
            self.certificate_sha256,
        )
    }
}

/// Whether `signature` is the ECDSA P-256 / SHA-256 signature (DER) of the
/// certificate's key over `statement`, the certificate being the one the
/// statement names.
pub fn is_signed_by(statement: &str, signature: &[u8], certificate_der: &[u8]) -> bool {
    let names = format!("\noffice_certificate_sha256:{}\n", Hash32::of(certificate_der));
    let Ok((_, certificate)) = x509_parser::parse_x509_certificate(certificate_der) else { return false };
    let key = certificate.public_key().subject_public_key.data.to_vec();
    statement.ends_with(&names)
        && ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, key)
            .verify(statement.as_bytes(), signature)
            .is_ok()
}

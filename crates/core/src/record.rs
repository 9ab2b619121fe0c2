//! Signature records and their canonical encoding.
//!
//! A record's hash covers a short text document, the *canonical encoding*,
//! specified byte for byte in `docs/record-format.md` and frozen by the
//! golden vectors in `tests/golden/`. Personal data (name, organisation,
//! signature image) enters the hash only as a salted digest, so erasing the
//! data and its salt later (UK GDPR) leaves a tombstone that still verifies.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::hash::Hash32;

/// First line of the canonical encoding; bumping it is a new format.
pub const RECORD_FORMAT: &str = "signbook-record-v1";
/// Prefix of every personal-field digest's input.
pub const FIELD_DIGEST_DOMAIN: &str = "signbook-field-v1";
/// Bytes of random salt per personal field.
pub const SALT_LEN: usize = 16;

/// Why and when a record's personal data was erased (UK GDPR). The
/// record stays as a tombstone: its hash covers only salted digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// Why, as given by staff.
    pub reason: String,
    /// When.
    pub erased_at: DateTime<Utc>,
}

/// A personal field's random salt.
pub type Salt = [u8; SALT_LEN];

/// The chained part of a record: everything its hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHeader {
    /// UUIDv7, unique across kiosks.
    pub id: Uuid,
    /// The kiosk that took the signature.
    pub device_id: Uuid,
    /// 1, 2, 3, ... per device, no gaps.
    pub seq: u64,
    /// Hash of record `seq - 1`, or [`Hash32::ZERO`] for the first.
    pub prev_hash: Hash32,
    /// The agreement version signed.
    pub agreement_hash: Hash32,
    /// Role the signer chose.
    pub role: String,
    /// When, in UTC, to the millisecond.
    pub signed_at: DateTime<Utc>,
    /// The kiosk's UTC offset at that moment, in minutes.
    pub utc_offset_minutes: i32,
    /// Salted digest of the name.
    pub name_digest: Hash32,
    /// Salted digest of the organisation, if one was given.
    pub organisation_digest: Option<Hash32>,
    /// Salted digest of the signature PNG.
    pub signature_digest: Hash32,
}

impl RecordHeader {
    /// The exact bytes the record hash covers.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let organisation = self.organisation_digest.map_or_else(|| "-".to_owned(), |d| d.to_hex());
        format!(
            "{RECORD_FORMAT}\nid:{}\ndevice:{}\nseq:{}\nprev:{}\nagreement:{}\nrole:{}\nsigned_at:{}\nutc_offset:{}\nname:{}\norganisation:{}\nsignature:{}\n",
            self.id.hyphenated(),
            self.device_id.hyphenated(),
            self.seq,
            self.prev_hash,
            self.agreement_hash,
            self.role,
            format_utc(&self.signed_at),
            format_offset(self.utc_offset_minutes),
            self.name_digest,
            organisation,
            self.signature_digest,
        )
        .into_bytes()
    }

    /// SHA-256 of [`Self::canonical_bytes`].
    pub fn hash(&self) -> Hash32 {
        Hash32::of(&self.canonical_bytes())
    }

    /// The signing time as the kiosk's local time.
    pub fn signed_at_local(&self) -> DateTime<FixedOffset> {
        let offset =
            FixedOffset::east_opt(self.utc_offset_minutes * 60).unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
        self.signed_at.with_timezone(&offset)
    }
}

/// Personal data of a record that has not been erased.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonalData {
    /// Normalised name.
    pub name: String,
    /// Salt of the name digest.
    pub name_salt: Salt,
    /// Normalised organisation and its salt, if given.
    pub organisation: Option<(String, Salt)>,
    /// PNG rendered by [`crate::signature::render_png`].
    pub signature_png: Vec<u8>,
    /// Salt of the signature digest.
    pub signature_salt: Salt,
}

impl std::fmt::Debug for PersonalData {
    // Names stay out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonalData").field("signature_png_bytes", &self.signature_png.len()).finish_non_exhaustive()
    }
}

/// A stored record: header, its hash, and personal data unless erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// What the hash covers.
    pub header: RecordHeader,
    /// The stored record hash.
    pub hash: Hash32,
    /// `None` once erased (a tombstone).
    pub personal: Option<PersonalData>,
}

impl Record {
    /// The short code shown on the confirmation screen.
    pub fn reference(&self) -> String {
        reference_code(&self.hash)
    }

    /// Checks the rules of the record format that a hash cannot: what a
    /// kiosk would have refused to write. The office runs this on every
    /// pushed record, so a record that verifies is also one a kiosk could
    /// have made (`docs/record-format.md`, "Field rules"). Names the first
    /// rule broken.
    pub fn check_rules(&self) -> Result<(), String> {
        let h = &self.header;
        if h.id.get_version_num() != 7 {
            return Err(format!("its id {} is not a UUIDv7", h.id));
        }
        if crate::role::Role::new(&h.role).is_err() {
            let shown: String = h.role.chars().take(40).collect();
            return Err(format!(
                "its role {shown:?} is not a role identifier (1 to 32 of a-z, 0-9, - and _, starting with a letter)"
            ));
        }
        if h.utc_offset_minutes.unsigned_abs() > MAX_UTC_OFFSET_MINUTES {
            return Err(format!("its UTC offset of {} minutes is beyond ±18:00", h.utc_offset_minutes));
        }
        let Some(personal) = &self.personal else { return Ok(()) };
        if crate::name::normalise_name(&personal.name).ok().as_deref() != Some(personal.name.as_str()) {
            return Err("its name is not one a kiosk accepts, normalised (name rules)".into());
        }
        if let Some((organisation, _)) = &personal.organisation
            && crate::name::normalise_organisation(Some(organisation)).ok().flatten().as_deref()
                != Some(organisation.as_str())
        {
            return Err("its organisation is not one a kiosk accepts, normalised (organisation rules)".into());
        }
        crate::signature::check_png_size(&personal.signature_png)?;
        Ok(())
    }
}

/// The widest UTC offset a record may carry, in minutes (`+18:00`).
pub const MAX_UTC_OFFSET_MINUTES: u32 = 18 * 60;

/// Salted digest of one personal field:
/// `SHA-256("signbook-field-v1" 0x00 label 0x00 salt value)`.
pub fn field_digest(label: &str, salt: &Salt, value: &[u8]) -> Hash32 {
    let mut h = Sha256::new();
    h.update(FIELD_DIGEST_DOMAIN.as_bytes());
    h.update([0]);
    h.update(label.as_bytes());
    h.update([0]);
    h.update(salt);
    h.update(value);
    Hash32(h.finalize().into())
}

/// Labels used in [`field_digest`].
pub mod labels {
    /// The name field.
    pub const NAME: &str = "name";
    /// The organisation field.
    pub const ORGANISATION: &str = "organisation";
    /// The signature PNG.
    pub const SIGNATURE: &str = "signature";
}

/// A fresh random salt.
pub fn new_salt() -> Salt {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).expect("the operating system's random number generator failed");
    salt
}

/// `2026-11-22T09:05:03.120Z`: UTC, always milliseconds, `Z`.
pub fn format_utc(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `+01:00`, `-03:30`, `+00:00`.
pub fn format_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// First 40 bits of a record hash in Crockford base32, as `XXXX-XXXX`: short
/// to read aloud, no I/L/O/U to confuse, and derived, so never stored.
pub fn reference_code(hash: &Hash32) -> String {
    let bits = hash.0[..5].iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let chars: String = (0..8).rev().map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char).collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_format_with_sign_hours_and_minutes() {
        for (minutes, text) in [(0, "+00:00"), (60, "+01:00"), (-210, "-03:30"), (345, "+05:45"), (-720, "-12:00")] {
            assert_eq!(format_offset(minutes), text);
        }
    }

    #[test]
    fn reference_codes_are_readable_and_derived_from_the_hash() {
        let code = reference_code(&Hash32::ZERO);
        assert_eq!(code, "0000-0000");
        let mut h = [0u8; 32];
        h[..5].copy_from_slice(&[0xFF; 5]);
        assert_eq!(reference_code(&Hash32(h)), "ZZZZ-ZZZZ");
        h[..5].copy_from_slice(&[0x08, 0x42, 0x10, 0x84, 0x21]); // every 5-bit group = 1
        assert_eq!(reference_code(&Hash32(h)), "1111-1111");
    }

    #[test]
    fn field_digest_separates_fields_and_salts() {
        let salt = [7u8; SALT_LEN];
        let a = field_digest(labels::NAME, &salt, b"Ann");
        assert_ne!(a, field_digest(labels::ORGANISATION, &salt, b"Ann"));
        assert_ne!(a, field_digest(labels::NAME, &[8u8; SALT_LEN], b"Ann"));
        assert_ne!(a, field_digest(labels::NAME, &salt, b"Ann "));
    }
}

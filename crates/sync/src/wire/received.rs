//! A [`WireRecord`] as it arrives, before its ids and hashes are parsed:
//! kept as text so that one not written in the canonical encoding's form
//! can be named as the rule it breaks, rather than silently rewritten and
//! then found to hash differently from what its sender hashed.

use serde::Deserialize;
use signbook_core::hash::Hash32;
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::{WireErasure, WirePersonal, WireRecord};

/// A [`WireRecord`] as received: ids and hashes as the text that came, so
/// one not in its canonical form can be named instead of silently rewritten.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReceivedRecord {
    id: String,
    device_id: String,
    seq: u64,
    prev_hash: String,
    agreement_hash: String,
    role: String,
    signed_at: String,
    utc_offset_minutes: i32,
    name_digest: String,
    organisation_digest: Option<String>,
    signature_digest: String,
    hash: String,
    personal: Option<WirePersonal>,
    erasure: Option<WireErasure>,
}

impl TryFrom<ReceivedRecord> for WireRecord {
    type Error = String;

    fn try_from(r: ReceivedRecord) -> Result<Self, String> {
        let mut noncanonical = None;
        let mut note = |field: &str, text: &str, canonical: String, form: &str| {
            if noncanonical.is_none() && text != canonical {
                let shown: String = text.chars().take(80).collect();
                noncanonical = Some(format!("its {field} {shown:?} is not written {form}"));
            }
        };
        const UUID_FORM: &str = "as the record format requires (a UUID, lowercase, hyphenated 8-4-4-4-12)";
        const HASH_FORM: &str = "as the record format requires (64 lowercase hex digits)";
        let mut uuid = |field: &str, text: &str| -> Result<Uuid, String> {
            let parsed = Uuid::parse_str(text).map_err(|_| format!("{field} {text:?} is not a UUID"))?;
            note(field, text, parsed.hyphenated().to_string(), UUID_FORM);
            Ok(parsed)
        };
        let (id, device_id) = (uuid("id", &r.id)?, uuid("device_id", &r.device_id)?);
        let utc = super::parse_utc(&r.signed_at).map(|t| format_utc(&t)).unwrap_or_default();
        note("signed_at", &r.signed_at, utc, "as the record format requires (UTC, YYYY-MM-DDTHH:MM:SS.mmmZ)");
        let mut hash = |field: &str, text: &str| -> Result<Hash32, String> {
            let parsed = Hash32::from_hex(text).map_err(|e| format!("{field}: {e}"))?;
            note(field, text, parsed.to_hex(), HASH_FORM);
            Ok(parsed)
        };
        Ok(WireRecord {
            prev_hash: hash("prev_hash", &r.prev_hash)?,
            agreement_hash: hash("agreement_hash", &r.agreement_hash)?,
            name_digest: hash("name_digest", &r.name_digest)?,
            organisation_digest: r.organisation_digest.map(|d| hash("organisation_digest", &d)).transpose()?,
            signature_digest: hash("signature_digest", &r.signature_digest)?,
            hash: hash("hash", &r.hash)?,
            id,
            device_id,
            seq: r.seq,
            role: r.role,
            signed_at: r.signed_at,
            utc_offset_minutes: r.utc_offset_minutes,
            personal: r.personal,
            erasure: r.erasure,
            noncanonical,
        })
    }
}

//! One record on the wire, its personal data and its erasure, and their decoding into the store's types.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use signbook_core::hash::Hash32;
use signbook_core::record::{PersonalData, Record, RecordHeader, SALT_LEN, Salt, format_utc};
use signbook_core::store::Erasure;

use super::{WireError, parse_utc};

/// One record: its header fields, its hash, and its personal data (absent
/// for a tombstone, which then carries its erasure).
/// Ids, hashes and `signed_at` must be as the canonical encoding writes
/// them; [`WireRecord::to_record`] refuses another form naming the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "super::received::ReceivedRecord")]
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
    pub(super) noncanonical: Option<String>,
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

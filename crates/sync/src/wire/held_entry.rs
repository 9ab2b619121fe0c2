//! A "held at the office" entry as a push carries it (record format 3,
//! `docs/record-format.md` section 14; `docs/sync-protocol.md`, `held_entries`).

use serde::{Deserialize, Serialize};
use signbook_core::hash::Hash32;
use signbook_core::held::{ChainHeld, HeldEntry};
use signbook_core::record::format_utc;
use uuid::Uuid;

use super::{WireError, parse_utc};

/// A held entry, every field written exactly as its canonical encoding
/// writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireHeldEntry {
    /// Its place in the chain.
    pub seq: u64,
    /// UUIDv7, lowercase, hyphenated.
    pub id: String,
    /// The kiosk.
    pub device_id: String,
    /// Hash of entry `seq - 1`.
    pub prev_hash: String,
    /// The record whose personal data the kiosk removed.
    pub target_seq: u64,
    /// Its record hash.
    pub target_hash: String,
    /// When the kiosk removed it (`YYYY-MM-DDTHH:MM:SS.mmmZ`).
    pub removed_at: String,
    /// When the office acknowledged the record (the kiosk's clock).
    pub acknowledged_at: String,
    /// SHA-256 of the certificate of the office that acknowledged it.
    pub office_certificate_sha256: String,
    /// The entry hash.
    pub hash: String,
}

impl WireHeldEntry {
    /// Encodes a stored entry.
    pub fn new(held: &ChainHeld) -> Self {
        let e = &held.entry;
        WireHeldEntry {
            seq: e.seq,
            id: e.id.hyphenated().to_string(),
            device_id: e.device_id.hyphenated().to_string(),
            prev_hash: e.prev_hash.to_hex(),
            target_seq: e.target_seq,
            target_hash: e.target_hash.to_hex(),
            removed_at: format_utc(&e.removed_at),
            acknowledged_at: format_utc(&e.acknowledged_at),
            office_certificate_sha256: e.office_certificate_sha256.to_hex(),
            hash: held.hash.to_hex(),
        }
    }

    /// Decodes, refusing any field not in its canonical form (named), so
    /// the office never stores an entry re-written from what was hashed.
    pub fn to_chain_held(&self) -> Result<ChainHeld, WireError> {
        let fail = |detail: String| WireError { seq: self.seq, detail };
        let uuid = |field: &str, text: &str| {
            Uuid::parse_str(text)
                .ok()
                .filter(|u| u.hyphenated().to_string() == text)
                .ok_or_else(|| fail(format!("held entry {field} {text:?} is not a lowercase hyphenated UUID")))
        };
        let hash = |field: &str, text: &str| {
            Hash32::from_hex(text)
                .ok()
                .filter(|h| h.to_hex() == text)
                .ok_or_else(|| fail(format!("held entry {field} {text:?} is not 64 lowercase hex digits")))
        };
        let time = |field: &str, text: &str| {
            parse_utc(text).filter(|t| format_utc(t) == text).ok_or_else(|| {
                fail(format!("held entry {field} {text:?} is not a UTC time written YYYY-MM-DDTHH:MM:SS.mmmZ"))
            })
        };
        let entry = HeldEntry {
            id: uuid("id", &self.id)?,
            device_id: uuid("device_id", &self.device_id)?,
            seq: self.seq,
            prev_hash: hash("prev_hash", &self.prev_hash)?,
            target_seq: self.target_seq,
            target_hash: hash("target_hash", &self.target_hash)?,
            removed_at: time("removed_at", &self.removed_at)?,
            acknowledged_at: time("acknowledged_at", &self.acknowledged_at)?,
            office_certificate_sha256: hash("office_certificate_sha256", &self.office_certificate_sha256)?,
        };
        Ok(ChainHeld { entry, hash: hash("hash", &self.hash)? })
    }
}

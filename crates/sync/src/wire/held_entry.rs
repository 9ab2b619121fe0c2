//! A "held at the office" entry as a push carries it (record format 3,
//! `docs/record-format.md` section 14; `docs/sync-protocol.md`, `held_entries`).

use serde::{Deserialize, Serialize};
use signbook_core::held::{ChainHeld, HeldEntry};
use signbook_core::record::format_utc;

use super::WireError;
use super::canonical::CanonicalFields;

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
        let fields = CanonicalFields { kind: "held entry", seq: self.seq };
        let entry = HeldEntry {
            id: fields.uuid("id", &self.id)?,
            device_id: fields.uuid("device_id", &self.device_id)?,
            seq: self.seq,
            prev_hash: fields.hash("prev_hash", &self.prev_hash)?,
            target_seq: self.target_seq,
            target_hash: fields.hash("target_hash", &self.target_hash)?,
            removed_at: fields.time("removed_at", &self.removed_at)?,
            acknowledged_at: fields.time("acknowledged_at", &self.acknowledged_at)?,
            office_certificate_sha256: fields.hash("office_certificate_sha256", &self.office_certificate_sha256)?,
        };
        Ok(ChainHeld { entry, hash: fields.hash("hash", &self.hash)? })
    }
}

//! An erasure entry as a push carries it (record format 2,
//! `docs/record-format.md` section 13; `docs/sync-protocol.md`, `erasure_entries`).

use serde::{Deserialize, Serialize};
use signbook_core::erasure::{ChainErasure, ErasureEntry};
use signbook_core::record::format_utc;

use super::WireError;
use super::canonical::CanonicalFields;

/// An erasure entry (`docs/record-format.md`, section 13), every field
/// written exactly as its canonical encoding writes it; `reason_text` is
/// staff's words, not hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireErasureEntry {
    /// Its place in the chain.
    pub seq: u64,
    /// UUIDv7, lowercase, hyphenated.
    pub id: String,
    /// The kiosk.
    pub device_id: String,
    /// Hash of entry `seq - 1`.
    pub prev_hash: String,
    /// The erased record.
    pub target_seq: u64,
    /// Its record hash.
    pub target_hash: String,
    /// When the data was erased (`YYYY-MM-DDTHH:MM:SS.mmmZ`).
    pub erased_at: String,
    /// When the entry was appended.
    pub recorded_at: String,
    /// `kiosk-admin`, `office`, `office-staff:N` or `v1-log`.
    pub requested_by: String,
    /// `request`, `retention` or `other`.
    pub reason: String,
    /// The entry hash.
    pub hash: String,
    /// Staff's words (not hashed); may be empty.
    pub reason_text: String,
}

impl WireErasureEntry {
    /// Encodes a stored entry.
    pub fn new(erasure: &ChainErasure) -> Self {
        let e = &erasure.entry;
        WireErasureEntry {
            seq: e.seq,
            id: e.id.hyphenated().to_string(),
            device_id: e.device_id.hyphenated().to_string(),
            prev_hash: e.prev_hash.to_hex(),
            target_seq: e.target_seq,
            target_hash: e.target_hash.to_hex(),
            erased_at: format_utc(&e.erased_at),
            recorded_at: format_utc(&e.recorded_at),
            requested_by: e.requested_by.to_string(),
            reason: e.reason.as_str().to_owned(),
            hash: erasure.hash.to_hex(),
            reason_text: erasure.reason_text.clone(),
        }
    }

    /// Decodes, refusing any field not in its canonical form (named), so
    /// the office never stores an entry re-written from what was hashed.
    pub fn to_chain_erasure(&self) -> Result<ChainErasure, WireError> {
        let fields = CanonicalFields { kind: "erasure entry", seq: self.seq };
        let entry = ErasureEntry {
            id: fields.uuid("id", &self.id)?,
            device_id: fields.uuid("device_id", &self.device_id)?,
            seq: self.seq,
            prev_hash: fields.hash("prev_hash", &self.prev_hash)?,
            target_seq: self.target_seq,
            target_hash: fields.hash("target_hash", &self.target_hash)?,
            erased_at: fields.time("erased_at", &self.erased_at)?,
            recorded_at: fields.time("recorded_at", &self.recorded_at)?,
            requested_by: self
                .requested_by
                .parse()
                .map_err(|e| fields.fail(format!("erasure entry requested_by: {e}")))?,
            reason: self.reason.parse().map_err(|e| fields.fail(format!("erasure entry reason: {e}")))?,
        };
        if self.reason_text.chars().count() > MAX_REASON_TEXT_CHARS {
            return Err(
                fields.fail(format!("erasure entry reason_text is longer than {MAX_REASON_TEXT_CHARS} characters"))
            );
        }
        Ok(ChainErasure { entry, hash: fields.hash("hash", &self.hash)?, reason_text: self.reason_text.clone() })
    }
}

/// The longest reason text a kiosk writes.
const MAX_REASON_TEXT_CHARS: usize = 500;

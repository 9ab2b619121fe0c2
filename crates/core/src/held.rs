//! "Held at the office" entries (record format version 3,
//! `docs/record-format.md` section 14).
//!
//! A kiosk can be carried off, so once the office has acknowledged a record
//! the kiosk keeps its personal data only for a number of days, then blanks
//! it locally. That is not an erasure: the school still holds the data at
//! the office. So the kiosk appends a *held* entry, a chain entry of its own
//! kind (own format marker, own table, own report), naming the record and
//! the office that acknowledged it, covered by the next checkpoint. An
//! auditor tells "held at the office" from "erased" by the entry's kind.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::hash::Hash32;
use crate::record::format_utc;

/// First line of a held entry's canonical encoding.
pub const HELD_FORMAT: &str = "signbook-held-v1";

/// What a held entry's hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldEntry {
    /// UUIDv7, like a record's.
    pub id: Uuid,
    /// The kiosk.
    pub device_id: Uuid,
    /// Its own place in the chain.
    pub seq: u64,
    /// Hash of entry `seq - 1`.
    pub prev_hash: Hash32,
    /// The record whose personal data the kiosk removed.
    pub target_seq: u64,
    /// That record's hash.
    pub target_hash: Hash32,
    /// When the kiosk removed it.
    pub removed_at: DateTime<Utc>,
    /// When the office acknowledged holding the record (the kiosk's clock
    /// at the successful push).
    pub acknowledged_at: DateTime<Utc>,
    /// SHA-256 of the TLS certificate of the office that acknowledged it
    /// (the fingerprint pinned at pairing).
    pub office_certificate_sha256: Hash32,
}

impl HeldEntry {
    /// The exact bytes the entry hash covers.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        format!(
            "{HELD_FORMAT}\nid:{}\ndevice:{}\nseq:{}\nprev:{}\ntarget_seq:{}\ntarget:{}\nremoved_at:{}\nacknowledged_at:{}\noffice_certificate_sha256:{}\n",
            self.id.hyphenated(),
            self.device_id.hyphenated(),
            self.seq,
            self.prev_hash,
            self.target_seq,
            self.target_hash,
            format_utc(&self.removed_at),
            format_utc(&self.acknowledged_at),
            self.office_certificate_sha256,
        )
        .into_bytes()
    }

    /// SHA-256 of [`Self::canonical_bytes`].
    pub fn hash(&self) -> Hash32 {
        Hash32::of(&self.canonical_bytes())
    }
}

/// A stored held entry: what its hash covers and the stored hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHeld {
    /// What the hash covers.
    pub entry: HeldEntry,
    /// The stored entry hash.
    pub hash: Hash32,
}

//! Erasure entries: an erasure as an entry of the signed chain (record
//! format version 2, `docs/record-format.md` section 13).
//!
//! In version 1 an erasure was an unsigned row in a log beside the chain, so
//! anyone able to write the database could blank a live record and add a log
//! row. An erasure entry takes the next sequence number of the same chain,
//! links to the entry before it, names the erased record by sequence *and*
//! hash, and is covered by the kiosk's next checkpoint: a tombstone without
//! one, or one whose time was changed, no longer verifies.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::hash::Hash32;
use crate::record::format_utc;

/// First line of an erasure entry's canonical encoding.
pub const ERASURE_FORMAT: &str = "signbook-erasure-v2";

/// Who asked for an erasure. No personal data of the person: a role, or
/// an office staff account's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requester {
    /// Someone in the kiosk's admin area (or `signbook erase` on the kiosk).
    KioskAdmin,
    /// An office staff account, by its id (a number, never a name).
    OfficeStaff(u64),
    /// The office itself, with no staff account: its command line, or a
    /// retention purge it ran.
    Office,
    /// Erased before the kiosk was upgraded to version 2: the version 1
    /// erasure log's row, turned into an entry at the upgrade.
    V1Log,
}

impl fmt::Display for Requester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requester::KioskAdmin => f.write_str("kiosk-admin"),
            Requester::OfficeStaff(id) => write!(f, "office-staff:{id}"),
            Requester::Office => f.write_str("office"),
            Requester::V1Log => f.write_str("v1-log"),
        }
    }
}

impl std::str::FromStr for Requester {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "kiosk-admin" => Ok(Requester::KioskAdmin),
            "v1-log" => Ok(Requester::V1Log),
            "office" => Ok(Requester::Office),
            _ => text
                .strip_prefix("office-staff:")
                .and_then(|id| id.parse::<u64>().ok().filter(|n| n.to_string() == id))
                .map(Requester::OfficeStaff)
                .ok_or_else(|| {
                    let shown: String = text.chars().take(40).collect();
                    format!("{shown:?} is not kiosk-admin, office, office-staff:<number> or v1-log")
                }),
        }
    }
}

/// Why, as one of three categories; the words staff typed stay outside the
/// hash (they may name the person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonCategory {
    /// The person asked (UK GDPR article 17).
    Request,
    /// The school's retention period ran out.
    Retention,
    /// Anything else (e.g. signed by mistake).
    Other,
}

impl ReasonCategory {
    /// The word in the encoding.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCategory::Request => "request",
            ReasonCategory::Retention => "retention",
            ReasonCategory::Other => "other",
        }
    }
}

impl fmt::Display for ReasonCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ReasonCategory {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "request" => Ok(ReasonCategory::Request),
            "retention" => Ok(ReasonCategory::Retention),
            "other" => Ok(ReasonCategory::Other),
            _ => {
                let shown: String = text.chars().take(40).collect();
                Err(format!("{shown:?} is not a reason category (request, retention or other)"))
            }
        }
    }
}

/// What an erasure entry's hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureEntry {
    /// UUIDv7, like a record's.
    pub id: Uuid,
    /// The kiosk.
    pub device_id: Uuid,
    /// Its own place in the chain.
    pub seq: u64,
    /// Hash of entry `seq - 1`.
    pub prev_hash: Hash32,
    /// The erased record's sequence number.
    pub target_seq: u64,
    /// The erased record's hash.
    pub target_hash: Hash32,
    /// When the personal data was erased. For a [`Requester::V1Log`] entry,
    /// the version 1 log's time: a claim nothing signed at the time.
    pub erased_at: DateTime<Utc>,
    /// When this entry was appended (equal to `erased_at`, except at the
    /// upgrade from version 1).
    pub recorded_at: DateTime<Utc>,
    /// Who asked.
    pub requested_by: Requester,
    /// Why.
    pub reason: ReasonCategory,
}

impl ErasureEntry {
    /// The exact bytes the entry hash covers.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        format!(
            "{ERASURE_FORMAT}\nid:{}\ndevice:{}\nseq:{}\nprev:{}\ntarget_seq:{}\ntarget:{}\nerased_at:{}\nrecorded_at:{}\nrequested_by:{}\nreason:{}\n",
            self.id.hyphenated(),
            self.device_id.hyphenated(),
            self.seq,
            self.prev_hash,
            self.target_seq,
            self.target_hash,
            format_utc(&self.erased_at),
            format_utc(&self.recorded_at),
            self.requested_by,
            self.reason,
        )
        .into_bytes()
    }

    /// SHA-256 of [`Self::canonical_bytes`].
    pub fn hash(&self) -> Hash32 {
        Hash32::of(&self.canonical_bytes())
    }
}

/// A stored erasure entry: what its hash covers, the stored hash, and the
/// words staff gave (not hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainErasure {
    /// What the hash covers.
    pub entry: ErasureEntry,
    /// The stored entry hash.
    pub hash: Hash32,
    /// Staff's words, kept outside the hash; may be empty.
    pub reason_text: String,
}

/// One entry of a version 2 chain, in sequence order.
// Records are nearly every entry: boxing them would allocate once per
// record walked to save space on the rare erasure entry.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEntry {
    /// A signature record (`signbook-record-v1` encoding), with its
    /// version 1 erasure log row if it was erased.
    Record(crate::record::Record, Option<crate::record::Erasure>),
    /// An erasure entry.
    Erasure(ChainErasure),
    /// A "held at the office" entry (record format version 3).
    Held(crate::held::ChainHeld),
}

impl ChainEntry {
    /// Its sequence number.
    pub fn seq(&self) -> u64 {
        match self {
            ChainEntry::Record(r, _) => r.header.seq,
            ChainEntry::Erasure(e) => e.entry.seq,
            ChainEntry::Held(h) => h.entry.seq,
        }
    }

    /// Its stored hash.
    pub fn hash(&self) -> Hash32 {
        match self {
            ChainEntry::Record(r, _) => r.hash,
            ChainEntry::Erasure(e) => e.hash,
            ChainEntry::Held(h) => h.hash,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requesters_and_categories_read_back_only_in_their_written_form() {
        for r in [Requester::KioskAdmin, Requester::OfficeStaff(17), Requester::Office, Requester::V1Log] {
            assert_eq!(r.to_string().parse::<Requester>().unwrap(), r);
        }
        for bad in ["office-staff:017", "office-staff:", "office-staff:Ann", "Kiosk-admin", ""] {
            assert!(bad.parse::<Requester>().is_err(), "{bad}");
        }
        for c in [ReasonCategory::Request, ReasonCategory::Retention, ReasonCategory::Other] {
            assert_eq!(c.as_str().parse::<ReasonCategory>().unwrap(), c);
        }
        assert!("Request".parse::<ReasonCategory>().is_err());
    }
}

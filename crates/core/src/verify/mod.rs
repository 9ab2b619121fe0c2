//! Chain verification: is every record intact, linked, and vouched for by
//! this kiosk's key?
//!
//! The walk goes in sequence order and stops at the first broken record,
//! because everything after a break is unproven anyway. It catches: a changed
//! byte in any stored field (hash or digest mismatch), a deleted record (a
//! gap, or a truncated tail behind a signed checkpoint), records reordered or
//! inserted (hash and link mismatches), personal data removed without an
//! erasure entry, and a chain rewritten or extended by anything without the
//! kiosk key (checkpoint mismatch, or a head no checkpoint covers).

use std::fmt;

use serde::Serialize;
use uuid::Uuid;

mod prechecked;
mod walk;

pub use prechecked::Prechecked;
pub use walk::{ChainWalk, TargetState};

use crate::erasure::ChainEntry;
use crate::error::Result;
use crate::hash::Hash32;
use crate::store::Store;

/// The outcome of [`Store::verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VerifyReport {
    /// The kiosk whose chain was walked.
    pub device_id: Uuid,
    /// Records checked before stopping.
    pub records: u64,
    /// Of those, tombstones.
    pub erased: u64,
    /// Held entries checked: records whose personal data the kiosk removed
    /// because the office holds it (record format version 3). Not erasures.
    #[serde(default)]
    pub held: u64,
    /// Checkpoint signatures checked.
    pub checkpoints: u64,
    /// Last sequence number checked.
    pub head_seq: Option<u64>,
    /// The first broken record, if any.
    pub problem: Option<Problem>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// The first broken record and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// Sequence number of the broken record.
    pub seq: u64,
    /// Its id, when it could be read.
    pub id: Option<Uuid>,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What can be wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(test, derive(strum::EnumDiscriminants), strum_discriminants(derive(strum::EnumIter)))]
#[non_exhaustive]
pub enum ProblemKind {
    /// The sequence jumps: records between were deleted.
    Missing {
        /// The sequence number found instead.
        found: u64,
    },
    /// A sequence number comes again after the walk has passed it: a row
    /// was duplicated, or rows were reordered.
    Repeated {
        /// The last sequence number before it.
        after: u64,
    },
    /// A stored field cannot be read.
    Unreadable {
        /// What is wrong.
        detail: String,
    },
    /// Belongs to another kiosk.
    WrongDevice {
        /// The device id it names.
        found: Uuid,
    },
    /// Its "previous hash" is not the previous record's hash.
    BrokenLink {
        /// Hash of the record before it.
        expected: Hash32,
        /// What it says instead.
        found: Hash32,
    },
    /// Its contents no longer match its hash.
    HashMismatch {
        /// Hash stored with it.
        stored: Hash32,
        /// Hash of its contents now.
        computed: Hash32,
    },
    /// A personal field no longer matches its digest.
    FieldAltered {
        /// "name", "organisation" or "signature".
        field: &'static str,
    },
    /// Personal data gone, but no erasure was logged.
    ErasedWithoutLog,
    /// Logged as erased, but personal data is still there.
    ErasureNotApplied,
    /// A checkpoint's signature is not this kiosk's.
    CheckpointForged,
    /// The record differs from the one the kiosk signed a checkpoint for.
    CheckpointMismatch {
        /// Head hash in the checkpoint.
        signed: Hash32,
    },
    /// The kiosk signed a checkpoint further along than the chain now goes.
    Truncated {
        /// Sequence the checkpoint names.
        checkpoint_seq: u64,
    },
    /// The newest record carries no kiosk checkpoint.
    HeadNotSigned,
    /// A record's personal data is gone, but no erasure entry in the chain
    /// names it (record format version 2): erased by something without the
    /// kiosk key, or its erasure entry was removed.
    TombstoneWithoutEntry,
    /// An erasure entry names a record whose personal data is still there.
    ErasureTargetHoldsData {
        /// The record it names.
        target_seq: u64,
    },
    /// An erasure entry names a record that does not exist: no record at
    /// that sequence before it, one with another hash, or one an earlier
    /// entry already erased.
    ErasureTargetMissing {
        /// The record it names.
        target_seq: u64,
        /// Which of those.
        detail: &'static str,
    },
    /// A held entry (record format version 3) names a record that does
    /// not exist: none at that sequence before it, one with another hash,
    /// or one an earlier erasure or held entry already named.
    HeldTargetMissing {
        /// The record it names.
        target_seq: u64,
        /// Which of those.
        detail: &'static str,
    },
    /// A held entry names a record whose personal data the kiosk still holds.
    HeldTargetHoldsData {
        /// The record it names.
        target_seq: u64,
    },
    /// A held entry names a record the office never acknowledged holding.
    HeldTargetNotAcknowledged {
        /// The record it names.
        target_seq: u64,
    },
}

impl ProblemKind {
    /// Every `kind` tag a [`ProblemKind`] serialises with: what the kiosk UI
    /// translates (kept complete by a test).
    pub const KINDS: &[&str] = &[
        "missing",
        "repeated",
        "unreadable",
        "wrong_device",
        "broken_link",
        "hash_mismatch",
        "field_altered",
        "erased_without_log",
        "erasure_not_applied",
        "checkpoint_forged",
        "checkpoint_mismatch",
        "truncated",
        "head_not_signed",
        "tombstone_without_entry",
        "erasure_target_holds_data",
        "erasure_target_missing",
        "held_target_missing",
        "held_target_holds_data",
        "held_target_not_acknowledged",
    ];
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seq = self.seq;
        if let ProblemKind::Truncated { checkpoint_seq } = &self.kind
            && seq == 0
        {
            return write!(
                f,
                "the chain is empty, but the kiosk signed a checkpoint at record {checkpoint_seq}: every record was deleted"
            );
        }
        write!(f, "record {seq}")?;
        if let Some(id) = self.id {
            write!(f, " ({id})")?;
        }
        f.write_str(": ")?;
        match &self.kind {
            ProblemKind::Missing { found } if *found == seq + 1 => write!(f, "is missing (the chain jumps to {found})"),
            ProblemKind::Missing { found } => {
                write!(f, "and those after it up to {} are missing (the chain jumps to {found})", found - 1)
            }
            ProblemKind::Repeated { after } => {
                write!(f, "appears again after record {after}: a row was duplicated or the rows were reordered")
            }
            ProblemKind::Unreadable { detail } => write!(f, "is damaged: {detail}"),
            ProblemKind::WrongDevice { found } => write!(f, "names another kiosk ({found})"),
            ProblemKind::BrokenLink { expected, found } => write!(
                f,
                "does not link to record {}: it names previous hash {found}, but record {} has hash {expected} (one of the two was altered, or a record was inserted)",
                seq.saturating_sub(1),
                seq.saturating_sub(1)
            ),
            ProblemKind::HashMismatch { stored, computed } => {
                write!(f, "was altered: its contents hash to {computed}, not the stored {stored}")
            }
            ProblemKind::FieldAltered { field } => {
                write!(f, "was altered: the stored {field} no longer matches its digest")
            }
            ProblemKind::ErasedWithoutLog => f.write_str("has lost its personal data, but no erasure was recorded"),
            ProblemKind::ErasureNotApplied => f.write_str("is logged as erased, but its personal data is still stored"),
            ProblemKind::CheckpointForged => f.write_str("has a checkpoint whose signature is not this kiosk's"),
            ProblemKind::CheckpointMismatch { signed } => {
                write!(f, "is not the record the kiosk signed (the checkpoint says its hash was {signed})")
            }
            ProblemKind::Truncated { checkpoint_seq } => write!(
                f,
                "is the last record, but the kiosk signed a checkpoint at record {checkpoint_seq}: records after {seq} were deleted"
            ),
            ProblemKind::HeadNotSigned => f.write_str(
                "is the newest record but no kiosk checkpoint covers it: it was not written by this kiosk's software",
            ),
            ProblemKind::TombstoneWithoutEntry => f.write_str(
                "has lost its personal data, but no erasure entry in the chain names it: it was erased without the kiosk key, or its erasure entry was removed",
            ),
            ProblemKind::ErasureTargetHoldsData { target_seq } => write!(
                f,
                "is an erasure entry for record {target_seq}, but that record's personal data is still there"
            ),
            ProblemKind::ErasureTargetMissing { target_seq, detail } => {
                write!(f, "is an erasure entry for record {target_seq}, which {detail}")
            }
            ProblemKind::HeldTargetMissing { target_seq, detail } => {
                write!(f, "says record {target_seq} is held at the office, but that record {detail}")
            }
            ProblemKind::HeldTargetHoldsData { target_seq } => write!(
                f,
                "says record {target_seq} is held at the office, but the kiosk still stores its personal data"
            ),
            ProblemKind::HeldTargetNotAcknowledged { target_seq } => write!(
                f,
                "says record {target_seq} is held at the office, but the office never acknowledged holding it: its personal data was removed without the office having it"
            ),
        }
    }
}

impl Store {
    /// Walks the whole chain, records and erasure entries; see the module
    /// docs for what is checked.
    pub fn verify(&self) -> Result<VerifyReport> {
        self.walk_chain(true)
    }

    /// Verifies with the version 1 rules only (a tombstone needs a row in
    /// the erasure log, not an entry in the chain): what the upgrade to
    /// version 2 checks before it turns those rows into entries.
    pub(crate) fn verify_v1_rules(&self) -> Result<VerifyReport> {
        self.walk_chain(false)
    }

    fn walk_chain(&self, require_erasure_entries: bool) -> Result<VerifyReport> {
        let mut walk = ChainWalk::new(self.device_id(), self.public_key(), self.checkpoints()?);
        if require_erasure_entries {
            walk.require_erasure_entries();
        }
        walk.acknowledged_through(self.highest_acknowledged_seq()?);
        self.for_each_raw_entry(|row| {
            if !walk.is_broken() {
                match row {
                    Ok(ChainEntry::Record(record, erasure)) => walk.check(&record, erasure.as_ref()),
                    Ok(ChainEntry::Erasure(entry)) => walk.check_erasure(&entry),
                    Ok(ChainEntry::Held(entry)) => walk.check_held(&entry),
                    Err(defect) => walk.damaged(defect),
                }
            }
            Ok(())
        })?;
        Ok(walk.finish())
    }
}

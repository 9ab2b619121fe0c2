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

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use uuid::Uuid;

mod prechecked;

pub use prechecked::Prechecked;

use crate::checkpoint::Checkpoint;
use crate::error::Result;
use crate::hash::Hash32;
use crate::record::{Erasure, Record};
use crate::sqlite::record_row::RowDefect;
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
        }
    }
}

impl Store {
    /// Walks the whole chain; see the module docs for what is checked.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut walk = ChainWalk::new(self.device_id(), self.public_key(), self.checkpoints()?);
        self.for_each_raw(|row| {
            if walk.problem.is_none() {
                match row {
                    Ok((record, erasure)) => walk.check(&record, erasure.as_ref()),
                    Err(defect) => walk.damaged(defect),
                }
            }
            Ok(())
        })?;
        Ok(walk.finish())
    }
}

/// Verification state, fed one record at a time. Public so the office can
/// verify the copies of chains it holds with exactly the same rules.
#[derive(Debug)]
pub struct ChainWalk {
    device_id: Uuid,
    public_key: VerifyingKey,
    checkpoints: BTreeMap<u64, Checkpoint>,
    last: Option<(u64, Hash32)>,
    records: u64,
    erased: u64,
    checkpoints_checked: u64,
    problem: Option<Problem>,
}

impl ChainWalk {
    /// Starts a walk of `device_id`'s chain.
    pub fn new(device_id: Uuid, public_key: VerifyingKey, checkpoints: Vec<Checkpoint>) -> Self {
        let checkpoints = checkpoints.into_iter().map(|c| (c.seq, c)).collect();
        ChainWalk {
            device_id,
            public_key,
            checkpoints,
            last: None,
            records: 0,
            erased: 0,
            checkpoints_checked: 0,
            problem: None,
        }
    }

    /// Continues a walk after a prefix already verified, ending at `last`
    /// = `(seq, hash)`: the office checks each pushed batch against the
    /// head it holds without re-reading the whole chain.
    pub fn resume(
        device_id: Uuid,
        public_key: VerifyingKey,
        checkpoints: Vec<Checkpoint>,
        last: (u64, Hash32),
    ) -> Self {
        let mut walk = ChainWalk::new(device_id, public_key, checkpoints);
        walk.last = (last.0 > 0).then_some(last);
        walk
    }

    /// Whether a problem has been found (later records are then ignored).
    pub fn is_broken(&self) -> bool {
        self.problem.is_some()
    }

    fn fail(&mut self, seq: u64, id: Option<Uuid>, kind: ProblemKind) {
        if self.problem.is_none() {
            self.problem = Some(Problem { seq, id, kind });
        }
    }

    /// Records a row that could not be read as a record: the chain is
    /// broken there, whatever the row once held.
    pub fn damaged(&mut self, defect: RowDefect) {
        self.fail(defect.seq, defect.id, ProblemKind::Unreadable { detail: defect.detail });
    }

    /// Checks the next record in sequence order.
    pub fn check(&mut self, record: &Record, erasure: Option<&Erasure>) {
        self.check_prechecked(record, &Prechecked::of(record, Some(erasure)));
    }

    /// Checks the next record in sequence order when its personal data was
    /// deliberately left out (a filtered export's `omitted` line): its
    /// hash, link and checkpoint are checked, its personal fields cannot be.
    pub fn check_withheld(&mut self, record: &Record) {
        self.check_prechecked(record, &Prechecked::of(record, None));
    }

    /// [`ChainWalk::check`] or [`ChainWalk::check_withheld`] with the
    /// record's own hash and digests computed beforehand ([`Prechecked::of`]),
    /// so a verifier can compute those for many records in parallel and
    /// keep only the chain itself in order.
    pub fn check_prechecked(&mut self, record: &Record, pre: &Prechecked) {
        if self.problem.is_some() {
            return;
        }
        let header = &record.header;
        let (seq, id) = (header.seq, Some(header.id));
        let (expected_seq, expected_prev) = self.last.map_or((1, Hash32::ZERO), |(s, h)| (s + 1, h));
        if seq < expected_seq {
            return self.fail(seq, id, ProblemKind::Repeated { after: expected_seq - 1 });
        }
        if seq != expected_seq {
            return self.fail(expected_seq, None, ProblemKind::Missing { found: seq });
        }
        if header.device_id != self.device_id {
            return self.fail(seq, id, ProblemKind::WrongDevice { found: header.device_id });
        }
        if header.prev_hash != expected_prev {
            return self.fail(seq, id, ProblemKind::BrokenLink { expected: expected_prev, found: header.prev_hash });
        }
        let computed = pre.computed_hash;
        if computed != record.hash {
            return self.fail(seq, id, ProblemKind::HashMismatch { stored: record.hash, computed });
        }
        if let Some(Err(kind)) = &pre.personal {
            return self.fail(seq, id, kind.clone());
        }
        if record.personal.is_none() && matches!(pre.personal, Some(Ok(()))) {
            self.erased += 1;
        }
        if let Some(checkpoint) = self.checkpoints.get(&seq) {
            self.checkpoints_checked += 1;
            if !checkpoint.is_valid(&self.public_key) {
                return self.fail(seq, id, ProblemKind::CheckpointForged);
            }
            if checkpoint.head_hash != record.hash {
                return self.fail(seq, id, ProblemKind::CheckpointMismatch { signed: checkpoint.head_hash });
            }
        }
        self.records += 1;
        self.last = Some((seq, record.hash));
    }

    /// Ends the walk: checks nothing was cut off the end or added to it.
    pub fn finish(mut self) -> VerifyReport {
        if self.problem.is_none() {
            let last_seq = self.last.map_or(0, |(s, _)| s);
            if let Some((&checkpoint_seq, _)) = self.checkpoints.range(last_seq + 1..).next() {
                self.fail(last_seq, None, ProblemKind::Truncated { checkpoint_seq });
            } else if last_seq > 0 && !self.checkpoints.contains_key(&last_seq) {
                self.fail(last_seq, None, ProblemKind::HeadNotSigned);
            }
        }
        VerifyReport {
            device_id: self.device_id,
            records: self.records,
            erased: self.erased,
            checkpoints: self.checkpoints_checked,
            head_seq: self.last.map(|(s, _)| s),
            problem: self.problem,
        }
    }
}

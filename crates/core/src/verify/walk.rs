//! [`ChainWalk`]: the chain rules, fed one entry at a time, shared by the
//! kiosk's `verify`, the office's copies and pushed batches, and exports.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use uuid::Uuid;

use super::{Prechecked, Problem, ProblemKind, VerifyReport};
use crate::checkpoint::Checkpoint;
use crate::erasure::ChainErasure;
use crate::hash::Hash32;
use crate::record::{Erasure, Record};
use crate::sqlite::record_row::RowDefect;

/// What an erasure entry may name: a record the walk passed (or that the
/// caller says it holds), in the state its personal data was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Its personal data is there.
    HoldsData,
    /// A tombstone no erasure entry has named yet.
    Erased,
    /// A tombstone an erasure entry already named.
    ErasedByEntry,
    /// Its personal data was left out (a filtered export's `omitted` line).
    Withheld,
    /// A tombstone with no erasure log row: only a held entry (record
    /// format version 3) may account for it.
    Unlogged,
}

mod held;

#[derive(Debug, Clone, Copy)]
enum Seen {
    /// A record: its hash, the state of its personal data, and whether a
    /// held entry has named it.
    Record(Hash32, TargetState, bool),
    /// An erasure entry or a held entry.
    Entry,
}

/// Verification state, fed one entry at a time. Public so the office can
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
    /// Every entry this walk passed, in order from `first_seq`, for
    /// erasure entries to name (a Vec: the walk's sequence has no gaps).
    seen: Vec<Seen>,
    first_seq: u64,
    /// Records of a resumed walk's prefix, as its caller described them.
    known: BTreeMap<u64, Seen>,
    /// Tombstones no erasure entry has named yet, with their ids.
    awaiting_entry: BTreeMap<u64, Uuid>,
    /// Tombstones without an erasure log row no held entry has named yet.
    awaiting_held: BTreeMap<u64, Uuid>,
    require_entries: bool,
    /// The office's copy: a held entry's target keeps its data there.
    held_targets_keep_data: bool,
    /// Highest sequence the office acknowledged (the kiosk's own chain):
    /// a held entry may only name a record up to it.
    acknowledged_through: Option<u64>,
    held: u64,
}

impl ChainWalk {
    /// Starts a walk of `device_id`'s chain. A tombstone is accepted with a
    /// version 1 erasure log row alone unless
    /// [`ChainWalk::require_erasure_entries`] is called.
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
            seen: Vec::new(),
            first_seq: 1,
            known: BTreeMap::new(),
            awaiting_entry: BTreeMap::new(),
            awaiting_held: BTreeMap::new(),
            require_entries: false,
            held_targets_keep_data: false,
            acknowledged_through: None,
            held: 0,
        }
    }

    /// Record format version 2: every tombstone must be named by an
    /// erasure entry later in the chain ([`ProblemKind::TombstoneWithoutEntry`],
    /// checked when the walk ends).
    pub fn require_erasure_entries(&mut self) {
        self.require_entries = true;
    }

    /// The office's copy of a chain: a held entry's target still holds its
    /// personal data there (the office keeps it), and that is not a fault.
    pub fn held_targets_keep_data(&mut self) {
        self.held_targets_keep_data = true;
    }

    /// The kiosk's own chain: the office acknowledged holding `1..=seq`, so
    /// a held entry naming a later record is a fake
    /// ([`ProblemKind::HeldTargetNotAcknowledged`]).
    pub fn acknowledged_through(&mut self, seq: u64) {
        self.acknowledged_through = Some(seq);
    }

    /// Whether [`ChainWalk::require_erasure_entries`] was called.
    pub fn requires_erasure_entries(&self) -> bool {
        self.require_entries
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
        walk.first_seq = last.0 + 1;
        walk
    }

    /// Tells a resumed walk about a record of the prefix it did not see, so
    /// an erasure entry may name it.
    pub fn know_record(&mut self, seq: u64, hash: Hash32, state: TargetState) {
        self.known.insert(seq, Seen::Record(hash, state, false));
    }

    fn seen_at(&mut self, seq: u64) -> Option<&mut Seen> {
        match seq.checked_sub(self.first_seq) {
            Some(index) => self.seen.get_mut(usize::try_from(index).ok()?),
            None => self.known.get_mut(&seq),
        }
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

    /// The rules every entry of the chain follows, record or erasure entry:
    /// sequence, device, link and hash. False when one failed.
    fn check_link(
        &mut self,
        seq: u64,
        id: Uuid,
        device_id: Uuid,
        prev_hash: Hash32,
        hash: Hash32,
        computed: Hash32,
    ) -> bool {
        let id = Some(id);
        let (expected_seq, expected_prev) = self.last.map_or((1, Hash32::ZERO), |(s, h)| (s + 1, h));
        if seq < expected_seq {
            self.fail(seq, id, ProblemKind::Repeated { after: expected_seq - 1 });
        } else if seq != expected_seq {
            self.fail(expected_seq, None, ProblemKind::Missing { found: seq });
        } else if device_id != self.device_id {
            self.fail(seq, id, ProblemKind::WrongDevice { found: device_id });
        } else if prev_hash != expected_prev {
            self.fail(seq, id, ProblemKind::BrokenLink { expected: expected_prev, found: prev_hash });
        } else if computed != hash {
            self.fail(seq, id, ProblemKind::HashMismatch { stored: hash, computed });
        }
        self.problem.is_none()
    }

    /// The checkpoint at `seq`, if the kiosk signed one there. False when it fails.
    fn check_checkpoint(&mut self, seq: u64, id: Uuid, hash: Hash32) -> bool {
        if let Some(checkpoint) = self.checkpoints.get(&seq) {
            self.checkpoints_checked += 1;
            if !checkpoint.is_valid(&self.public_key) {
                self.fail(seq, Some(id), ProblemKind::CheckpointForged);
            } else if checkpoint.head_hash != hash {
                let signed = checkpoint.head_hash;
                self.fail(seq, Some(id), ProblemKind::CheckpointMismatch { signed });
            }
        }
        self.problem.is_none()
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
        let (seq, id) = (header.seq, header.id);
        if !self.check_link(seq, id, header.device_id, header.prev_hash, record.hash, pre.computed_hash) {
            return;
        }
        // Version 3: a tombstone without a log row may be held at the
        // office; whether a held entry names it is known only later.
        let unlogged = self.require_entries && pre.personal == Some(Err(ProblemKind::ErasedWithoutLog));
        if let Some(Err(kind)) = &pre.personal
            && !unlogged
        {
            return self.fail(seq, Some(id), kind.clone());
        }
        let state = match (&pre.personal, &record.personal) {
            (None, _) => TargetState::Withheld,
            _ if unlogged => {
                self.awaiting_held.insert(seq, id);
                TargetState::Unlogged
            }
            (Some(_), Some(_)) => TargetState::HoldsData,
            (Some(_), None) => {
                self.erased += 1;
                if self.require_entries {
                    self.awaiting_entry.insert(seq, id);
                }
                TargetState::Erased
            }
        };
        if !self.check_checkpoint(seq, id, record.hash) {
            return;
        }
        self.seen.push(Seen::Record(record.hash, state, false));
        self.records += 1;
        self.last = Some((seq, record.hash));
    }

    /// Checks the next entry when it is an erasure entry.
    pub fn check_erasure(&mut self, erasure: &ChainErasure) {
        self.check_erasure_prechecked(erasure, erasure.entry.hash());
    }

    /// [`ChainWalk::check_erasure`] with the entry's hash computed beforehand.
    pub fn check_erasure_prechecked(&mut self, erasure: &ChainErasure, computed: Hash32) {
        if self.problem.is_some() {
            return;
        }
        let e = &erasure.entry;
        if !self.check_link(e.seq, e.id, e.device_id, e.prev_hash, erasure.hash, computed) {
            return;
        }
        let target_seq = e.target_seq;
        let missing = |detail| ProblemKind::ErasureTargetMissing { target_seq, detail };
        let target = self.seen_at(target_seq).copied();
        let problem = match target {
            _ if target_seq >= e.seq => Some(missing("does not come before it in the chain")),
            None => Some(missing("does not exist")),
            Some(Seen::Entry) => Some(missing("is itself an entry, not a record")),
            Some(Seen::Record(hash, ..)) if hash != e.target_hash => {
                Some(missing("has another hash than the one the entry names"))
            }
            Some(Seen::Record(_, TargetState::ErasedByEntry, _)) => {
                Some(missing("an earlier erasure entry already erased"))
            }
            Some(Seen::Record(_, TargetState::HoldsData, _)) => {
                Some(ProblemKind::ErasureTargetHoldsData { target_seq })
            }
            // Blanked with no erasure log row: that tombstone's own fault.
            Some(Seen::Record(_, TargetState::Unlogged, _)) => {
                let id = self.awaiting_held.get(&target_seq).copied();
                return self.fail(target_seq, id, ProblemKind::ErasedWithoutLog);
            }
            Some(Seen::Record(_, TargetState::Erased | TargetState::Withheld, _)) => None,
        };
        if let Some(kind) = problem {
            return self.fail(e.seq, Some(e.id), kind);
        }
        if !self.check_checkpoint(e.seq, e.id, erasure.hash) {
            return;
        }
        if let Some(target) = self.seen_at(target_seq) {
            *target = Seen::Record(e.target_hash, TargetState::ErasedByEntry, false);
        }
        self.awaiting_entry.remove(&target_seq);
        self.seen.push(Seen::Entry);
        self.last = Some((e.seq, erasure.hash));
    }

    /// Accepts the tombstone at `seq` without an erasure entry: an evidence
    /// pack holds the office's signed statement that it erased it, which
    /// the kiosk's chain will name only once the kiosk syncs.
    pub fn excuse_tombstone(&mut self, seq: u64) {
        self.awaiting_entry.remove(&seq);
    }

    /// Ends the walk: checks nothing was cut off the end or added to it.
    pub fn finish(mut self) -> VerifyReport {
        if self.problem.is_none() {
            let last_seq = self.last.map_or(0, |(s, _)| s);
            // A cut-off tail comes first: it may have taken erasure entries with it.
            if let Some((&checkpoint_seq, _)) = self.checkpoints.range(last_seq + 1..).next() {
                self.fail(last_seq, None, ProblemKind::Truncated { checkpoint_seq });
            } else if let Some((seq, id, kind)) = self.first_unaccounted_tombstone() {
                self.fail(seq, Some(id), kind);
            } else if last_seq > 0 && !self.checkpoints.contains_key(&last_seq) {
                self.fail(last_seq, None, ProblemKind::HeadNotSigned);
            }
        }
        VerifyReport {
            device_id: self.device_id,
            records: self.records,
            erased: self.erased,
            held: self.held,
            checkpoints: self.checkpoints_checked,
            head_seq: self.last.map(|(s, _)| s),
            problem: self.problem,
        }
    }

    /// The lowest tombstone nothing accounts for: one with an erasure log
    /// row but no erasure entry, or one with neither log row nor held entry.
    fn first_unaccounted_tombstone(&self) -> Option<(u64, Uuid, ProblemKind)> {
        let unerased = self.awaiting_entry.iter().next().map(|(&s, &id)| (s, id, ProblemKind::TombstoneWithoutEntry));
        let unheld = self.awaiting_held.iter().next().map(|(&s, &id)| (s, id, ProblemKind::ErasedWithoutLog));
        [unerased, unheld].into_iter().flatten().min_by_key(|(seq, ..)| *seq)
    }
}

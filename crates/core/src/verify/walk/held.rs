//! [`ChainWalk`]'s rules for held entries (record format version 3,
//! `docs/record-format.md` section 14.3).

use super::{ChainWalk, Seen, TargetState};
use crate::hash::Hash32;
use crate::held::ChainHeld;
use crate::verify::ProblemKind;

impl ChainWalk {
    /// Checks the next entry when it is a held entry (record format
    /// version 3): its target is an earlier record with the hash it names,
    /// acknowledged by the office, not named by an erasure or held entry
    /// before, and (at the kiosk) blanked.
    pub fn check_held(&mut self, held: &ChainHeld) {
        self.check_held_prechecked(held, held.entry.hash());
    }

    /// [`ChainWalk::check_held`] with the entry's hash computed beforehand.
    pub fn check_held_prechecked(&mut self, held: &ChainHeld, computed: Hash32) {
        if self.problem.is_some() {
            return;
        }
        let e = &held.entry;
        if !self.check_link(e.seq, e.id, e.device_id, e.prev_hash, held.hash, computed) {
            return;
        }
        let target_seq = e.target_seq;
        let missing = |detail| ProblemKind::HeldTargetMissing { target_seq, detail };
        let keep_data = self.held_targets_keep_data;
        let problem = match self.seen_at(target_seq).copied() {
            _ if target_seq >= e.seq => Some(missing("does not come before it in the chain")),
            None => Some(missing("does not exist")),
            Some(Seen::Entry) => Some(missing("is itself an entry, not a record")),
            Some(Seen::Record(hash, ..)) if hash != e.target_hash => {
                Some(missing("has another hash than the one the entry names"))
            }
            Some(Seen::Record(_, _, true)) => Some(missing("an earlier held entry already named")),
            Some(Seen::Record(_, TargetState::ErasedByEntry, _)) => {
                Some(missing("an earlier erasure entry already erased"))
            }
            Some(Seen::Record(_, TargetState::HoldsData, _)) if !keep_data => {
                Some(ProblemKind::HeldTargetHoldsData { target_seq })
            }
            _ if self.acknowledged_through.is_some_and(|acked| target_seq > acked) => {
                Some(ProblemKind::HeldTargetNotAcknowledged { target_seq })
            }
            Some(Seen::Record(..)) => None,
        };
        if let Some(kind) = problem {
            return self.fail(e.seq, Some(e.id), kind);
        }
        if !self.check_checkpoint(e.seq, e.id, held.hash) {
            return;
        }
        if let Some(Seen::Record(_, state, named)) = self.seen_at(target_seq) {
            *named = true;
            // Once held, a later erasure entry may name it: the kiosk holds
            // nothing more to blank.
            if *state == TargetState::Unlogged {
                *state = TargetState::Erased;
            }
        }
        self.awaiting_held.remove(&target_seq);
        self.held += 1;
        self.seen.push(Seen::Entry);
        self.last = Some((e.seq, held.hash));
    }
}

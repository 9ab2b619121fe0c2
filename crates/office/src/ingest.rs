//! The rules a pushed batch must pass, independent of the storage backend.
//!
//! A batch is all-or-nothing: records are decoded, must all name the
//! sending kiosk, follow the record format's field rules
//! (`Record::check_rules`) and be consecutive; records the office already holds must
//! carry the very hash it holds (else: fork); the new ones must start right
//! after the office's head and pass `ChainWalk`, the kiosk's own
//! verification (link, hash, salted digests, erasure consistency, and the
//! batch checkpoint signed by the kiosk's registered key).

use chrono::{DateTime, Duration, TimeZone, Utc};
use signbook_core::Hash32;
use signbook_core::erasure::ChainEntry;
use signbook_core::verify::{ChainWalk, ProblemKind, TargetState};
use signbook_sync::wire::{PushRequest, WireCheckpoint};

use crate::error::{OfficeError, Result};
use crate::store::Device;

/// Decoded entries of a batch (records, erasure and held entries), in sequence order.
pub type Decoded = Vec<ChainEntry>;

/// Decodes a batch and checks it names only `device` and is consecutive:
/// its records and its erasure entries (record format 2) together.
pub fn decode_batch(device: &Device, batch: &PushRequest) -> Result<Decoded> {
    let mut out = Vec::with_capacity(batch.records.len() + batch.erasure_entries.len());
    for wire in &batch.records {
        let (record, erasure) = wire
            .to_record()
            .map_err(|e| OfficeError::RecordInvalid(format!("{e}; nothing from this batch was stored")))?;
        if record.header.device_id != device.device_id {
            return Err(OfficeError::WrongDevice { seq: record.header.seq, found: record.header.device_id });
        }
        // The same rules the kiosk applies when it signs: names, roles,
        // offsets and image sizes a kiosk would have refused are tampering.
        record.check_rules().map_err(|rule| OfficeError::RecordRule { seq: record.header.seq, rule })?;
        out.push(ChainEntry::Record(record, erasure));
    }
    for wire in &batch.erasure_entries {
        let erasure = wire
            .to_chain_erasure()
            .map_err(|e| OfficeError::RecordInvalid(format!("{e}; nothing from this batch was stored")))?;
        if erasure.entry.device_id != device.device_id {
            return Err(OfficeError::WrongDevice { seq: erasure.entry.seq, found: erasure.entry.device_id });
        }
        out.push(ChainEntry::Erasure(erasure));
    }
    for wire in &batch.held_entries {
        let held = wire
            .to_chain_held()
            .map_err(|e| OfficeError::RecordInvalid(format!("{e}; nothing from this batch was stored")))?;
        if held.entry.device_id != device.device_id {
            return Err(OfficeError::WrongDevice { seq: held.entry.seq, found: held.entry.device_id });
        }
        out.push(ChainEntry::Held(held));
    }
    // Each list is in sequence order; together they must be consecutive.
    out.sort_by_key(ChainEntry::seq);
    for pair in out.windows(2) {
        let (before, after) = (pair[0].seq(), pair[1].seq());
        if after != before + 1 {
            return Err(OfficeError::RecordInvalid(format!(
                "the batch is not consecutive: record {after} follows record {before}; nothing from this batch was stored"
            )));
        }
    }
    Ok(out)
}

/// Checks records that extend the office's copy, which ends at `head`
/// (`(0, zeros)` when it holds nothing), against the batch checkpoint.
/// `head_resent`: the batch also carried record `head` itself (checked equal
/// to the office's), so a first new record that does not link to it breaks
/// the batch's own chain rather than contradicting the office's copy.
/// `known`: the records of the office's copy that the new erasure entries
/// name, as `(seq, hash, state)`.
pub fn check_extension(
    device: &Device,
    head: (u64, Hash32),
    head_resent: bool,
    new: &[ChainEntry],
    checkpoint: Option<&WireCheckpoint>,
    known: &[(u64, Hash32, TargetState)],
) -> Result<()> {
    let Some(last) = new.last() else { return Ok(()) };
    let first = new[0].seq();
    if first != head.0 + 1 {
        return Err(OfficeError::Gap { acknowledged: head.0, found: first });
    }
    let checkpoint = checkpoint
        .ok_or_else(|| OfficeError::CheckpointInvalid {
            detail: "a batch with records must carry a checkpoint".into(),
        })?
        .to_checkpoint(device.device_id)
        .ok_or_else(|| OfficeError::CheckpointInvalid { detail: "its signature is not 128 hex digits".into() })?;
    if checkpoint.seq != last.seq() {
        return Err(OfficeError::CheckpointInvalid {
            detail: format!("it signs record {}, but the batch ends at record {}", checkpoint.seq, last.seq()),
        });
    }
    let mut walk = ChainWalk::resume(device.device_id, device.public_key, vec![checkpoint], head);
    // The office keeps the personal data a kiosk says it holds.
    walk.held_targets_keep_data();
    for &(seq, hash, state) in known {
        walk.know_record(seq, hash, state);
    }
    for entry in new {
        match entry {
            ChainEntry::Record(record, erasure) => walk.check(record, erasure.as_ref()),
            ChainEntry::Erasure(erasure) => walk.check_erasure(erasure),
            ChainEntry::Held(held) => walk.check_held(held),
        }
        if walk.is_broken() {
            break;
        }
    }
    let report = walk.finish();
    let Some(problem) = report.problem else { return Ok(()) };
    let seq = problem.seq;
    Err(match problem.kind {
        // The first new record names another hash for the record the office
        // holds at its head, and the batch did not carry that record: the
        // kiosk's copy of it differs from the office's, a fork. Anywhere else
        // (or record 1 not naming zeros) the batch is not a chain by itself.
        ProblemKind::BrokenLink { expected, found } if seq == head.0 + 1 && head.0 > 0 && !head_resent => {
            OfficeError::Fork { seq: head.0, held: expected, sent: found }
        }
        ProblemKind::BrokenLink { expected, found } => OfficeError::BrokenLink { seq, expected, found },
        ProblemKind::Missing { found } => OfficeError::Gap { acknowledged: seq.saturating_sub(1), found },
        ProblemKind::WrongDevice { found } => OfficeError::WrongDevice { seq, found },
        ProblemKind::HashMismatch { stored, computed } => OfficeError::HashMismatch { seq, sent: stored, computed },
        ProblemKind::FieldAltered { field } => OfficeError::PersonalDataMismatch { seq, field },
        ProblemKind::ErasedWithoutLog => {
            OfficeError::ErasureInconsistent { seq, detail: "its personal data is missing but it carries no erasure" }
        }
        ProblemKind::ErasureNotApplied => {
            OfficeError::ErasureInconsistent { seq, detail: "it carries an erasure but still has personal data" }
        }
        ProblemKind::CheckpointForged => {
            OfficeError::CheckpointInvalid { detail: "its signature is not the kiosk's registered key".into() }
        }
        ProblemKind::ErasureTargetHoldsData { target_seq } => OfficeError::ErasureEntryInvalid {
            seq,
            detail: format!("it erases record {target_seq}, but the batch carries that record with its personal data"),
        },
        ProblemKind::ErasureTargetMissing { target_seq, detail } => {
            OfficeError::ErasureEntryInvalid { seq, detail: format!("it erases record {target_seq}, which {detail}") }
        }
        ProblemKind::HeldTargetMissing { target_seq, detail } => OfficeError::ErasureEntryInvalid {
            seq,
            detail: format!("it says record {target_seq} is held at the office, but that record {detail}"),
        },
        ProblemKind::CheckpointMismatch { .. } => {
            OfficeError::CheckpointInvalid { detail: format!("it signs another hash than record {seq}'s") }
        }
        other => OfficeError::RecordInvalid(format!("record {seq}: {other:?}; nothing from this batch was stored")),
    })
}

/// Why a kiosk's claimed signing time is implausible, if it is: before
/// 2020 (a kiosk clock reset to 1970) or more than a day after the office
/// received it. The record is stored anyway; staff get an alert.
pub fn implausible_time(signed_at: DateTime<Utc>, received_at: DateTime<Utc>) -> Option<String> {
    let earliest = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).single().expect("a valid date");
    if signed_at < earliest {
        Some(format!("the kiosk claims it was signed at {signed_at}, before 2020: the kiosk clock was probably wrong"))
    } else if signed_at > received_at + Duration::days(1) {
        Some(format!(
            "the kiosk claims it was signed at {signed_at}, more than a day after the office received it at {received_at}: the kiosk clock runs ahead"
        ))
    } else {
        None
    }
}

//! Record and `omitted` lines read back into [`Record`]s, a batch at a
//! time, with the costly checks of each line done in parallel.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

use base64::Engine;

use super::fields::{hash, offset, salt, utc_time, uuid};
use super::lines::{ErasureLine, HeldLine, LineIn, local_time_text};
use super::verify::ExportProblemKind;
use chrono::{DateTime, Utc};

use crate::erasure::{ChainErasure, ErasureEntry};
use crate::hash::Hash32;
use crate::held::{ChainHeld, HeldEntry};
use crate::record::{Erasure, PersonalData, Record, RecordHeader};
use crate::store::RecordFilter;
use crate::verify::Prechecked;

/// A line read back as a record: `Some(erasure)` (the record's personal
/// data as exported, erased or not) for a record line, `None` for an
/// `omitted` line.
type ReadRecord = (Record, Option<Option<Erasure>>);

/// Why a line cannot be read: its sequence number when known, and what.
pub(super) type LineError = (Option<u64>, String);

/// Reads a parsed line into a record, each field in its strict form.
fn to_record(x: &LineIn<'_>) -> Result<ReadRecord, LineError> {
    let seq = x.seq;
    let at = |field: &'static str| move |e: String| (Some(seq), format!("{field}: {e}"));
    let header = RecordHeader {
        id: uuid(&x.record_id).map_err(at("record_id"))?,
        device_id: uuid(&x.device_id).map_err(at("device_id"))?,
        seq,
        prev_hash: hash(&x.prev_hash).map_err(at("prev_hash"))?,
        agreement_hash: hash(&x.agreement_hash).map_err(at("agreement_hash"))?,
        role: x.role.clone().into_owned(),
        signed_at: utc_time(&x.signed_at_utc).map_err(at("signed_at_utc"))?,
        utc_offset_minutes: offset(&x.utc_offset).map_err(at("utc_offset"))?,
        name_digest: hash(&x.name_digest).map_err(at("name_digest"))?,
        organisation_digest: x
            .organisation_digest
            .as_deref()
            .map(hash)
            .transpose()
            .map_err(at("organisation_digest"))?,
        signature_digest: hash(&x.signature_digest).map_err(at("signature_digest"))?,
    };
    let record_hash = hash(&x.record_hash).map_err(at("record_hash"))?;
    match x.kind.as_deref() {
        Some("omitted") => Ok((Record { header, hash: record_hash, personal: None }, None)),
        Some("record") => {
            let personal = personal_data(x).map_err(at("personal data"))?;
            let erasure = x
                .erased_at
                .as_deref()
                .map(|t| utc_time(t).map(|erased_at| Erasure { reason: String::new(), erased_at }))
                .transpose()
                .map_err(at("erased_at"))?;
            Ok((Record { header, hash: record_hash, personal }, Some(erasure)))
        }
        other => Err((Some(seq), format!("its kind is {other:?}, not \"record\" or \"omitted\""))),
    }
}

fn personal_data(x: &LineIn<'_>) -> Result<Option<PersonalData>, String> {
    let Some(name) = &x.name else {
        if x.organisation.is_some() || x.signature_png_base64.is_some() {
            return Err("an organisation or signature without a name".into());
        }
        return Ok(None);
    };
    let organisation = match (&x.organisation, &x.organisation_salt) {
        (Some(o), Some(s)) => Some((o.clone().into_owned(), salt(s)?)),
        (None, _) => None,
        (Some(_), None) => return Err("an organisation without its salt".into()),
    };
    let png = x.signature_png_base64.as_deref().ok_or("a name without a signature image")?;
    Ok(Some(PersonalData {
        name: name.clone().into_owned(),
        name_salt: salt(x.name_salt.as_deref().ok_or("a name without its salt")?)?,
        organisation,
        signature_png: base64::engine::general_purpose::STANDARD
            .decode(png)
            .map_err(|e| format!("signature_png_base64 is not base64: {e}"))?,
        signature_salt: salt(x.signature_salt.as_deref().ok_or("a signature without its salt")?)?,
    }))
}

/// Lines read and checked at a time: enough to keep every core busy, few
/// enough that a gigabyte export never sits in memory whole.
const BATCH_LINES: usize = 512;

fn read_batch(input: &mut impl BufRead) -> std::io::Result<Vec<Vec<u8>>> {
    let mut batch = Vec::with_capacity(BATCH_LINES);
    while batch.len() < BATCH_LINES {
        let mut line = Vec::new();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        batch.push(line);
    }
    Ok(batch)
}

/// A line with everything computed that does not depend on the lines
/// before it: the costly part (JSON, base64, SHA-256), done in parallel.
// Nearly every line is a record's; boxing them would allocate per line.
#[allow(clippy::large_enum_variant)]
pub(super) enum PreparedLine {
    /// A `record` or `omitted` line.
    Record(PreparedRecord),
    /// An erasure entry, and the hash its fields compute to.
    Erasure(ChainErasure, Hash32),
    /// A held entry (record format 3), and the hash its fields compute to.
    Held(ChainHeld, Hash32),
}

/// A `record` or `omitted` line, prepared.
pub(super) struct PreparedRecord {
    pub(super) record: Record,
    pub(super) pre: Prechecked,
    /// A record line (else `omitted`).
    pub(super) full: bool,
    pub(super) erased: bool,
    /// The record line's `erased_at`, which must be its erasure entry's.
    pub(super) erased_at: Option<DateTime<Utc>>,
    /// Whether the export's filter selects it.
    pub(super) selected: bool,
    pub(super) derived_altered: Option<ExportProblemKind>,
}

/// A batch of prepared lines, or why reading stopped.
pub(super) type PreparedBatch = std::io::Result<Vec<Result<PreparedLine, LineError>>>;

/// Reads `input` a batch at a time on one thread and prepares the batches
/// on `workers` others, while the caller walks them: yields them in file
/// order, and an empty batch at the end. Dropping the iterator stops them.
pub(super) fn pipeline<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    mut input: impl BufRead + Send + 'scope,
    filter: &'scope RecordFilter,
    workers: usize,
) -> impl Iterator<Item = PreparedBatch> + 'scope {
    let (raw, raw_received) = sync_channel::<(usize, std::io::Result<Vec<Vec<u8>>>)>(workers);
    let raw_received = Arc::new(Mutex::new(raw_received));
    let (done, done_received) = sync_channel::<(usize, PreparedBatch)>(workers);
    scope.spawn(move || {
        for index in 0.. {
            let batch = read_batch(&mut input);
            let last = batch.as_ref().map_or(true, Vec::is_empty);
            if raw.send((index, batch)).is_err() || last {
                break;
            }
        }
    });
    for _ in 0..workers.max(1) {
        let (raw_received, done) = (Arc::clone(&raw_received), done.clone());
        scope.spawn(move || {
            loop {
                let next = raw_received.lock().unwrap_or_else(|p| p.into_inner()).recv();
                let Ok((index, batch)) = next else { break };
                let prepared = batch.map(|lines| lines.iter().map(|line| prepare(line, filter)).collect());
                if done.send((index, prepared)).is_err() {
                    break;
                }
            }
        });
    }
    let mut waiting = BTreeMap::new();
    let mut next = 0;
    std::iter::from_fn(move || {
        loop {
            if let Some(batch) = waiting.remove(&next) {
                next += 1;
                return Some(batch);
            }
            let (index, batch) = done_received.recv().ok()?;
            waiting.insert(index, batch);
        }
    })
}

fn prepare(line: &[u8], filter: &RecordFilter) -> Result<PreparedLine, LineError> {
    let x = match serde_json::from_slice::<LineIn<'_>>(line) {
        Ok(x) => x,
        // Erasure lines are few: tried only when a line is not a record's.
        Err(e) => {
            return match serde_json::from_slice::<ErasureLine<'_>>(line) {
                Ok(x) if x.kind == "erasure" => {
                    let erasure = to_erasure(&x)?;
                    let computed = erasure.entry.hash();
                    Ok(PreparedLine::Erasure(erasure, computed))
                }
                _ => match serde_json::from_slice::<HeldLine<'_>>(line) {
                    Ok(x) if x.kind == "held" => {
                        let held = to_held(&x)?;
                        let computed = held.entry.hash();
                        Ok(PreparedLine::Held(held, computed))
                    }
                    _ => Err((None, format!("not a record line: {e}"))),
                },
            };
        }
    };
    let (record, personal) = to_record(&x)?;
    let pre = Prechecked::of(&record, personal.as_ref().map(Option::as_ref));
    let derived_altered = personal.as_ref().and_then(|_| derived_field_altered(&x, &record));
    Ok(PreparedLine::Record(PreparedRecord {
        full: personal.is_some(),
        erased: matches!(personal, Some(Some(_))),
        erased_at: personal.as_ref().and_then(|p| p.as_ref().map(|e| e.erased_at)),
        selected: filter.matches(&record.header),
        derived_altered,
        record,
        pre,
    }))
}

/// Reads an erasure line, each field in its strict form.
fn to_erasure(x: &ErasureLine<'_>) -> Result<ChainErasure, LineError> {
    let seq = x.seq;
    let at = |field: &'static str| move |e: String| (Some(seq), format!("{field}: {e}"));
    let entry = ErasureEntry {
        id: uuid(&x.entry_id).map_err(at("entry_id"))?,
        device_id: uuid(&x.device_id).map_err(at("device_id"))?,
        seq,
        prev_hash: hash(&x.prev_hash).map_err(at("prev_hash"))?,
        target_seq: x.target_seq,
        target_hash: hash(&x.target_hash).map_err(at("target_hash"))?,
        erased_at: utc_time(&x.erased_at).map_err(at("erased_at"))?,
        recorded_at: utc_time(&x.recorded_at).map_err(at("recorded_at"))?,
        requested_by: x.requested_by.parse().map_err(at("requested_by"))?,
        reason: x.reason.parse().map_err(at("reason"))?,
    };
    Ok(ChainErasure { entry, hash: hash(&x.entry_hash).map_err(at("entry_hash"))?, reason_text: String::new() })
}

/// Reads a held line, each field in its strict form.
fn to_held(x: &HeldLine<'_>) -> Result<ChainHeld, LineError> {
    let seq = x.seq;
    let at = |field: &'static str| move |e: String| (Some(seq), format!("{field}: {e}"));
    let entry = HeldEntry {
        id: uuid(&x.entry_id).map_err(at("entry_id"))?,
        device_id: uuid(&x.device_id).map_err(at("device_id"))?,
        seq,
        prev_hash: hash(&x.prev_hash).map_err(at("prev_hash"))?,
        target_seq: x.target_seq,
        target_hash: hash(&x.target_hash).map_err(at("target_hash"))?,
        removed_at: utc_time(&x.removed_at).map_err(at("removed_at"))?,
        acknowledged_at: utc_time(&x.acknowledged_at).map_err(at("acknowledged_at"))?,
        office_certificate_sha256: hash(&x.office_certificate_sha256).map_err(at("office_certificate_sha256"))?,
    };
    Ok(ChainHeld { entry, hash: hash(&x.entry_hash).map_err(at("entry_hash"))? })
}

/// The unhashed fields a person reads must say what the record says.
fn derived_field_altered(x: &LineIn<'_>, record: &Record) -> Option<ExportProblemKind> {
    let status = match (&record.personal, &x.erased_at) {
        (Some(_), _) => "signed",
        (None, Some(_)) => "erased",
        (None, None) => "held",
    };
    let altered = if x.reference.as_deref() != Some(record.reference().as_str()) {
        "reference"
    } else if x.signed_at_local.as_deref() != Some(local_time_text(&record.header).as_str()) {
        "signed_at_local"
    } else if x.status.as_deref() != Some(status) {
        "status"
    } else {
        return None;
    };
    Some(ExportProblemKind::DerivedFieldAltered { field: altered })
}

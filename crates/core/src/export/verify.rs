//! Verifies a JSON Lines export from its bytes alone: no database, no
//! network. The header's checkpoint is the kiosk's signature over the head
//! of its chain, and the lines must rebuild that chain from record 1 to the
//! head, so records cut off the end, appended, deleted, reordered or
//! rewritten are caught; a filtered export's `omitted` lines must each lie
//! outside its range, so nothing within the range can be left out.
//!
//! The chain rules are [`ChainWalk`]'s, the same the kiosk and the office
//! apply to their databases. `docs/auditor/recompute.py verify-export`
//! implements this module independently, check for check, in the same order.

use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead;

use chrono::{DateTime, Utc};
pub use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use uuid::Uuid;

use super::chain_file::ChainFileRules;
use super::fields::public_key;
use super::header::{check_header, read_header};
use super::lines::{EXPORT_FORMAT, EXPORT_RECORD_FORMAT, HeaderFilter};
use super::read::{PreparedBatch, PreparedLine, pipeline};
use crate::verify::{ChainWalk, Problem, ProblemKind};

/// What [`verify_export`] found. `problem` is the first broken entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    /// The export format version (the header's `signbook_export`).
    pub format: u32,
    /// The kiosk the header names.
    pub device_id: Uuid,
    /// The public key the header names (hex).
    pub public_key: String,
    /// Its fingerprint.
    pub key_fingerprint: String,
    /// Whether the head's signature was checked against a key the auditor
    /// supplied (true) or only against the key the file itself names.
    pub key_trusted: bool,
    /// The range the export claims to hold completely.
    pub filter: HeaderFilter,
    /// The sequence number of the signed head; `None` for an empty chain.
    pub head_seq: Option<u64>,
    /// Record lines checked (erased ones included).
    pub records: u64,
    /// Of those, tombstones.
    pub erased: u64,
    /// `omitted` lines checked.
    pub omitted: u64,
    /// Erasure entries checked (record format 2).
    pub erasure_entries: u64,
    /// Held entries checked (record format 3): records whose personal data
    /// the kiosk removed because the office holds it.
    pub held_entries: u64,
    /// The first problem, if any.
    pub problem: Option<ExportProblem>,
}

impl ExportReport {
    /// True when nothing is wrong.
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// The first broken entry of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportProblem {
    /// Line number in the file, from 1 (the header).
    pub line: u64,
    /// The record's sequence number; `None` for the header.
    pub seq: Option<u64>,
    /// The record's id, when it could be read.
    pub id: Option<Uuid>,
    /// What is wrong.
    #[serde(flatten)]
    pub kind: ExportProblemKind,
}

/// What can be wrong with an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExportProblemKind {
    /// The header is damaged or contradicts itself.
    Header {
        /// What is wrong.
        detail: String,
    },
    /// The header names a different public key from the one the auditor trusts.
    KeyNotTrusted {
        /// Fingerprint of the key in the file.
        found: String,
        /// Fingerprint of the key given.
        trusted: String,
    },
    /// A line is not a record or `omitted` line of this format.
    BadLine {
        /// What is wrong.
        detail: String,
    },
    /// An `omitted` line for a record that the export's filter selects.
    WithheldInRange,
    /// A full record that the export's filter does not select.
    OutsideRange,
    /// A field derived from the record (not hashed) does not match it.
    DerivedFieldAltered {
        /// `reference`, `signed_at_local` or `status`.
        field: &'static str,
    },
    /// A chain rule, as for a database ([`ProblemKind`]).
    #[serde(untagged)]
    Chain(ProblemKind),
}

impl fmt::Display for ExportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, ", self.line)?;
        let Some(seq) = self.seq else {
            return match &self.kind {
                ExportProblemKind::Header { detail } => write!(f, "the header: {detail}"),
                ExportProblemKind::KeyNotTrusted { found, trusted } => write!(
                    f,
                    "the header: it names the kiosk key {found}, not the key you trust ({trusted}); someone may have re-signed the export with another key"
                ),
                other => write!(f, "the header: {other:?}"),
            };
        };
        if let ExportProblemKind::Chain(kind) = &self.kind {
            return write!(f, "{}", Problem { seq, id: self.id, kind: kind.clone() });
        }
        write!(f, "record {seq}")?;
        if let Some(id) = self.id {
            write!(f, " ({id})")?;
        }
        match &self.kind {
            ExportProblemKind::BadLine { detail } => write!(f, ": the line cannot be read: {detail}"),
            ExportProblemKind::WithheldInRange => f.write_str(
                ": is within the export's range but the export leaves it out (an `omitted` line): the export is incomplete",
            ),
            ExportProblemKind::OutsideRange => f.write_str(": is outside the export's range, yet exported in full"),
            ExportProblemKind::DerivedFieldAltered { field } => {
                write!(f, ": its {field} was altered (it does not match the record)")
            }
            other => write!(f, ": {other:?}"),
        }
    }
}

/// Why an export could not be verified at all (the command exits 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportUnreadable {
    /// Reading failed.
    #[error("cannot read the export: {0}")]
    Io(#[from] std::io::Error),
    /// No lines.
    #[error("the file is empty; it is not a Signbook export")]
    Empty,
    /// A version 1 export (records only, no header line).
    #[error(
        "this is a version 1 export (no header line): it carries no checkpoint or public key, so nothing can prove it complete. Make a new export with `signbook export --format jsonl` (version {EXPORT_FORMAT}); `recompute.py export` still checks a version 1 file's hashes"
    )]
    Version1,
    /// Written by a newer Signbook.
    #[error(
        "this export uses {what} version {found}; this verifier reads export version {EXPORT_FORMAT} with record formats 1 to {EXPORT_RECORD_FORMAT} and checkpoint format 1. Use a newer Signbook"
    )]
    TooNew {
        /// Which version.
        what: &'static str,
        /// The version found.
        found: u32,
    },
    /// The first line is not a Signbook export header.
    #[error("line 1 is not a Signbook export header ({detail}); is this the JSON Lines file from `signbook export`?")]
    NotAnExport {
        /// What the parser said.
        detail: String,
    },
}

/// Verifies the export in `input`. With `trusted_key`, the header must name
/// that key and the head's signature is checked against it; without, the
/// export is checked for consistency with the key it names itself.
pub fn verify_export(
    input: impl BufRead + Send,
    trusted_key: Option<&VerifyingKey>,
) -> Result<ExportReport, ExportUnreadable> {
    verify_with(input, trusted_key, &mut ChainFileRules::default())
}

/// [`verify_export`] with an evidence pack's rules ([`super::chain_file`]).
pub(super) fn verify_with(
    mut input: impl BufRead + Send,
    trusted_key: Option<&VerifyingKey>,
    rules: &mut ChainFileRules,
) -> Result<ExportReport, ExportUnreadable> {
    let mut line = Vec::new();
    if input.read_until(b'\n', &mut line)? == 0 {
        return Err(ExportUnreadable::Empty);
    }
    let header = read_header(&line)?;
    let mut report = ExportReport {
        format: header.signbook_export,
        device_id: Uuid::nil(),
        public_key: header.public_key.clone(),
        key_fingerprint: header.key_fingerprint.clone(),
        key_trusted: trusted_key.is_some(),
        filter: header.filter.clone(),
        head_seq: header.checkpoint.as_ref().map(|c| c.seq),
        records: 0,
        erased: 0,
        omitted: 0,
        erasure_entries: 0,
        held_entries: 0,
        problem: None,
    };
    let (device_id, key, checkpoint, filter) = match check_header(&header, trusted_key) {
        Ok(parts) => parts,
        Err(kind) => {
            report.problem = Some(ExportProblem { line: 1, seq: None, id: None, kind });
            return Ok(report);
        }
    };
    report.device_id = device_id;
    // One thread reads ahead while the others check what it read.
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        let mut walk = ChainWalk::new(device_id, key, checkpoint.into_iter().collect());
        if header.record_format >= 2 {
            walk.require_erasure_entries();
        }
        if rules.held_targets_keep_data {
            walk.held_targets_keep_data();
        }
        walk_lines(pipeline(scope, input, &filter, workers), report, walk, rules, header.record_format >= 3)
    })
}

/// Walks the lines after the header, batch by batch, to the first problem.
fn walk_lines(
    batches: impl Iterator<Item = PreparedBatch>,
    mut report: ExportReport,
    mut walk: ChainWalk,
    rules: &mut ChainFileRules,
    held_entries: bool,
) -> Result<ExportReport, ExportUnreadable> {
    let mut line_no = 1;
    let mut next_seq = 1;
    let erasure_entries = walk.requires_erasure_entries();
    // Record lines of tombstones: (line, id, `erased_at`), until their erasure entry.
    let mut erased_lines: BTreeMap<u64, (u64, Uuid, Option<DateTime<Utc>>)> = BTreeMap::new();
    for batch in batches {
        let batch = batch?;
        if batch.is_empty() {
            break;
        }
        for prepared in batch {
            line_no += 1;
            let problem = |seq, id, kind| Some(ExportProblem { line: line_no, seq: Some(seq), id, kind });
            let line = match prepared {
                Ok(PreparedLine::Record(line)) => line,
                Ok(PreparedLine::Erasure(erasure, computed)) => {
                    let (seq, id) = (erasure.entry.seq, Some(erasure.entry.id));
                    if !erasure_entries {
                        let detail = "an erasure entry in an export of record format 1".into();
                        report.problem = problem(seq, id, ExportProblemKind::BadLine { detail });
                        return Ok(report);
                    }
                    walk.check_erasure_prechecked(&erasure, computed);
                    if walk.is_broken() {
                        let chain = walk.finish().problem.expect("the walk is broken");
                        report.problem = problem(chain.seq, chain.id, ExportProblemKind::Chain(chain.kind));
                        return Ok(report);
                    }
                    next_seq = seq + 1;
                    report.erasure_entries += 1;
                    // The record line's unhashed `erased_at` must say what the entry says.
                    if let Some((record_line, record_id, erased_at)) = erased_lines.remove(&erasure.entry.target_seq)
                        && erased_at != Some(erasure.entry.erased_at)
                    {
                        report.problem = Some(ExportProblem {
                            line: record_line,
                            seq: Some(erasure.entry.target_seq),
                            id: Some(record_id),
                            kind: ExportProblemKind::DerivedFieldAltered { field: "erased_at" },
                        });
                        return Ok(report);
                    }
                    continue;
                }
                Ok(PreparedLine::Held(held, computed)) => {
                    let (seq, id) = (held.entry.seq, Some(held.entry.id));
                    if !held_entries {
                        let detail = "a held entry in an export of record format 1 or 2".into();
                        report.problem = problem(seq, id, ExportProblemKind::BadLine { detail });
                        return Ok(report);
                    }
                    walk.check_held_prechecked(&held, computed);
                    if walk.is_broken() {
                        let chain = walk.finish().problem.expect("the walk is broken");
                        report.problem = problem(chain.seq, chain.id, ExportProblemKind::Chain(chain.kind));
                        return Ok(report);
                    }
                    next_seq = seq + 1;
                    report.held_entries += 1;
                    // Accounted for, unless it was erased too: then its
                    // erasure entry must still come, with its `erased_at`.
                    if erased_lines.get(&held.entry.target_seq).is_some_and(|(_, _, erased_at)| erased_at.is_none()) {
                        erased_lines.remove(&held.entry.target_seq);
                    }
                    continue;
                }
                Err((seq, detail)) => {
                    report.problem = problem(seq.unwrap_or(next_seq), None, ExportProblemKind::BadLine { detail });
                    return Ok(report);
                }
            };
            let (record, seq) = (&line.record, line.record.header.seq);
            walk.check_prechecked(record, &line.pre);
            if walk.is_broken() {
                let chain = walk.finish().problem.expect("the walk is broken");
                report.problem = problem(chain.seq, chain.id, ExportProblemKind::Chain(chain.kind));
                return Ok(report);
            }
            next_seq = seq + 1;
            let kind = match (line.full, line.selected) {
                (false, true) if rules.narrowed => {
                    rules.withheld_in_range += 1;
                    None
                }
                (false, true) => Some(ExportProblemKind::WithheldInRange),
                (false, false) => {
                    report.omitted += 1;
                    None
                }
                (true, false) => Some(ExportProblemKind::OutsideRange),
                (true, true) => {
                    rules.record_lines.insert(seq, (record.hash, record.personal.is_none()));
                    report.records += 1;
                    report.erased += u64::from(line.erased);
                    if line.record.personal.is_none() {
                        erased_lines.insert(seq, (line_no, record.header.id, line.erased_at));
                    }
                    line.derived_altered
                }
            };
            if let Some(kind) = kind {
                report.problem = problem(seq, Some(record.header.id), kind);
                return Ok(report);
            }
        }
    }
    for &seq in &rules.vouched_tombstones {
        walk.excuse_tombstone(seq);
    }
    // A tombstone whose entry never came: named at its own line.
    let chain = walk.finish().problem;
    if let Some(chain) = chain {
        let line = match (&chain.kind, erased_lines.get(&chain.seq)) {
            (ProblemKind::TombstoneWithoutEntry | ProblemKind::ErasedWithoutLog, Some((line, _, _))) => *line,
            _ => line_no,
        };
        report.problem = Some(ExportProblem {
            line,
            seq: Some(chain.seq),
            id: chain.id,
            kind: ExportProblemKind::Chain(chain.kind),
        });
    }
    Ok(report)
}

/// Reads a public key as `signbook key` prints it: 64 hex digits.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    public_key(&text.trim().to_ascii_lowercase())
}

//! An evidence pack's chain files (`docs/record-format.md` section 12):
//! each is a version 2 export, byte for byte the format of section 11,
//! written by the office from its own copy of a kiosk's chain with the
//! same line writers the kiosk's export uses ([`JsonlWriter`]), and read
//! back by the same verifier with two rules an office pack needs
//! ([`ChainFileRules`]).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};

use super::lines::{ErasureLine, ExportHeader, HeldLine, OmittedLine, RecordLine};
use super::verify::{ExportReport, ExportUnreadable, VerifyingKey, verify_with};
use crate::erasure::ChainErasure;
use crate::error::{Error, Result};
use crate::hash::Hash32;
use crate::record::{Erasure, Record};

/// Writes the lines of a version 2 export one at a time: the caller
/// supplies the header and then every chain entry in sequence order.
/// `signbook export --format jsonl` is this writer fed from the kiosk's
/// database; the office feeds it from its own.
pub struct JsonlWriter<'a> {
    out: &'a mut dyn Write,
}

impl std::fmt::Debug for JsonlWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonlWriter")
    }
}

impl<'a> JsonlWriter<'a> {
    /// Lines go to `out`.
    pub fn new(out: &'a mut dyn Write) -> Self {
        JsonlWriter { out }
    }

    /// The first line.
    pub fn header(&mut self, header: &ExportHeader) -> Result<()> {
        self.line(header)
    }

    /// A record the export selects, in full; `erasure` is its erasure (for
    /// `erased_at`), `agreement_title` `""` when unknown.
    pub fn record(&mut self, record: &Record, erasure: Option<&Erasure>, agreement_title: &str) -> Result<()> {
        self.line(&RecordLine::new(record, erasure, agreement_title))
    }

    /// A record the export leaves out: its hashed fields only.
    pub fn omitted(&mut self, record: &Record) -> Result<()> {
        self.line(&OmittedLine::new(record))
    }

    /// An erasure entry (record format 2).
    pub fn erasure(&mut self, erasure: &ChainErasure) -> Result<()> {
        self.line(&ErasureLine::new(erasure))
    }

    /// A "held at the office" entry (record format 3).
    pub fn held(&mut self, held: &crate::held::ChainHeld) -> Result<()> {
        self.line(&HeldLine::new(held))
    }

    fn line(&mut self, value: &impl serde::Serialize) -> Result<()> {
        serde_json::to_writer(&mut *self.out, value)?;
        self.out.write_all(b"\n").map_err(|e| Error::Json(serde_json::Error::io(e)))
    }
}

/// What a pack's chain file may hold that a plain export may not, and what
/// the verifier saw of it for the pack's other files to be checked against.
#[derive(Debug, Default)]
pub struct ChainFileRules {
    /// Tombstones the office erased and signed a statement for, which the
    /// kiosk's chain does not name yet (no erasure entry): accepted.
    pub vouched_tombstones: BTreeSet<u64>,
    /// The pack was chosen by more than role and dates (a name, an
    /// organisation or an agreement version), so records in the role and
    /// date range may be `omitted` lines: they are counted, not refused.
    pub narrowed: bool,
    /// The office's copy of the chain: a "held at the office" entry's
    /// target keeps its personal data there (record format 3), so its
    /// record line is in full.
    pub held_targets_keep_data: bool,
    /// Out: `omitted` lines within the header's range (only when `narrowed`).
    pub withheld_in_range: u64,
    /// Out: every record line, by sequence: its record hash and whether it
    /// is a tombstone.
    pub record_lines: BTreeMap<u64, (Hash32, bool)>,
}

/// Verifies a pack's chain file as [`super::verify::verify_export`] does,
/// with `rules`.
pub fn verify_chain_file(
    input: impl BufRead + Send,
    trusted_key: Option<&VerifyingKey>,
    rules: &mut ChainFileRules,
) -> std::result::Result<ExportReport, ExportUnreadable> {
    verify_with(input, trusted_key, rules)
}

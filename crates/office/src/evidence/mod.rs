//! Evidence exports for office staff: CSV, a PDF evidence page per record,
//! and a ZIP evidence pack. No HTTP here: the dashboard calls these.
//!
//! To look at the output: `cargo run -p signbook-office --example
//! evidence_sample -- DIR` writes sample PDFs and a pack.
//!
//! # A CSV for Excel
//!
//! [`write_csv`] writes exactly the kiosk's CSV (`signbook export --format
//! csv`): same columns, UTF-8 with a BOM, CRLF, and every cell a
//! spreadsheet would run as a formula prefixed with `'`. It is
//! `signbook_core::export::CsvWriter` fed from the office's own rows.
//!
//! ```no_run
//! # use signbook_office::evidence::{agreement_titles, write_csv};
//! # fn demo(records: &[signbook_office::store::StoredRecord], agreements: &[signbook_office::store::StoredAgreement]) -> Result<(), signbook_office::evidence::EvidenceError> {
//! let mut file = std::io::BufWriter::new(std::fs::File::create("records.csv").unwrap());
//! let rows = write_csv(records, &agreement_titles(agreements), &mut file)?;
//! # Ok(()) }
//! ```
//!
//! # A PDF evidence page per record
//!
//! [`record_pdf`] returns an A4 PDF a governor or auditor can read on its
//! own: the school, the record's reference code, status, name,
//! organisation, role, local and UTC time, kiosk, sequence, the agreement's
//! title and version hash, the record hash, what the office's check of that
//! kiosk's chain found, the signature image, and then the full agreement
//! text the person read, wrapped over as many pages as it needs, each
//! page numbered "Page N of M".
//!
//! * An **erased** record still gets its page: its personal fields say
//!   "erased on DATE (reason)" and there is no signature image.
//! * An agreement version the office does **not hold** is named by its
//!   hash, with what to do about it, instead of its text.
//! * Everything a person typed is drawn as text in the PDF, never
//!   interpreted: a name like `<script>alert(1)</script>` is just shown.
//!
//! # A ZIP evidence pack
//!
//! [`write_pack`] writes, for whatever filter the dashboard applied:
//!
//! | file | what |
//! |---|---|
//! | `records.csv` | the CSV above |
//! | `records/<reference>.pdf` | one evidence PDF per record (`<device>-<seq>.pdf` if two references collide) |
//! | `agreements/<hash>.md` | the text of every agreement version the records refer to (that the office holds) |
//! | `verification.txt` | each kiosk's chain check: intact or broken, records, erased, head, first problem |
//! | `manifest.json` | school, filter, generated_at, and every other file with its SHA-256 and size |
//!
//! The PDFs are rendered in parallel (rayon) in bounded batches, so a pack
//! of any size needs memory for one batch, not for all its PDFs.
//!
//! # Fonts: what names render
//!
//! The PDFs embed DejaVu Sans (regular and bold, `assets/fonts/`, Bitstream
//! Vera licence with public-domain DejaVu changes, which permits
//! embedding), subset to the glyphs each PDF uses, so a whole evidence
//! PDF with its signature is about 35-45 KB. It covers Latin with all
//! European accents (Welsh ŵ ŷ, Irish, Polish, Czech, Turkish) and
//! Vietnamese, Greek, Cyrillic, Armenian, Georgian, Hebrew and basic
//! Arabic (right-to-left lines are shaped by rustybuzz). It does **not** cover Chinese,
//! Japanese, Korean, Indic scripts or Thai: such characters would show as
//! empty boxes, so the page says so beside the name and points to the CSV,
//! which always holds the exact name.

mod layout;
mod pack;
mod pdf;

use std::collections::HashMap;
use std::io::Write;

use signbook_core::Hash32;
use signbook_core::export::CsvWriter;
use uuid::Uuid;

use crate::store::{StoredAgreement, StoredRecord};

pub use pack::{ManifestEntry, PackInput, PackSummary, write_pack};
pub use pdf::record_pdf;

/// What can go wrong while exporting evidence.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// Writing the CSV failed (usually the output could not be written).
    #[error("could not write the CSV export: {0}. Check there is space on the disk and try again")]
    Csv(#[from] signbook_core::Error),
    /// The PDF library refused the document.
    #[error(
        "could not make the evidence PDF for record {reference}: {detail}. This is a bug; please report it with the reference"
    )]
    Pdf {
        /// The record's reference code.
        reference: String,
        /// What the PDF library said.
        detail: String,
    },
    /// The stored signature image could not be read.
    #[error(
        "the signature image of record {reference} cannot be read ({detail}). Run `signbook-office verify` to check that kiosk's chain"
    )]
    SignatureImage {
        /// The record's reference code.
        reference: String,
        /// What the PNG decoder said (it gives no error value to keep).
        detail: String,
    },
    /// The chain report given is for another kiosk than the record's.
    #[error(
        "the chain report given for record {reference} is for kiosk {report}, but the record is from kiosk {record}. This is a bug in the caller"
    )]
    WrongChain {
        /// The record's reference code.
        reference: String,
        /// The record's kiosk.
        record: Uuid,
        /// The report's kiosk.
        report: Uuid,
    },
    /// A pack's records include a kiosk with no chain report.
    #[error(
        "no chain check was given for kiosk {0}, so its records cannot be packed. Verify every kiosk's chain first"
    )]
    MissingChain(Uuid),
    /// The agreement given is not the version the record refers to.
    #[error(
        "record {reference} refers to agreement {record}, but agreement {given} was given. This is a bug in the caller"
    )]
    WrongAgreement {
        /// The record's reference code.
        reference: String,
        /// The version the record refers to.
        record: Hash32,
        /// The version given.
        given: Hash32,
    },
    /// Writing the pack failed.
    #[error("could not write the evidence pack: {0}. Check there is space on the disk and try again")]
    Io(#[from] std::io::Error),
    /// The ZIP library failed.
    #[error("could not write the evidence pack: {0}. Check there is space on the disk and try again")]
    Zip(#[from] zip::result::ZipError),
}

/// Agreement titles by version hash, as [`write_csv`] wants them.
pub fn agreement_titles(agreements: &[StoredAgreement]) -> HashMap<Hash32, String> {
    agreements.iter().map(|a| (a.hash, a.title.clone())).collect()
}

/// Writes `records` as the kiosk's CSV (BOM, CRLF, formulas neutralised);
/// `titles` fills the agreement title column (empty when unknown).
/// Returns the number of rows written, heading excluded.
pub fn write_csv<'a>(
    records: impl IntoIterator<Item = &'a StoredRecord>,
    titles: &HashMap<Hash32, String>,
    out: &mut dyn Write,
) -> Result<u64, EvidenceError> {
    let mut csv = CsvWriter::new(out)?;
    for stored in records {
        let title = titles.get(&stored.record.header.agreement_hash).map_or("", String::as_str);
        csv.write(&stored.record, title)?;
    }
    Ok(csv.finish()?)
}

//! Evidence exports for office staff: CSV, .xlsx, a PDF evidence page per record,
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
//! # A spreadsheet that opens without a question
//!
//! [`RecordsSheet`] writes the same columns and rows as an .xlsx (both
//! writers take their rows from `signbook_core::export::export_row`):
//! LibreOffice reads a CSV as Western European unless told otherwise, an
//! .xlsx never. Both times are real dates, the sequence a number,
//! everything else text (never a formula), the header row frozen and the
//! columns sized (dates wide enough to show, nothing wider than ~40
//! characters).
//! [`Spreadsheet`] is the same for any list of text rows (the roster's
//! outstanding list).
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
//! | `office-statement.json`, `.sig`, `office-certificate.der` | the office's signed statement of each kiosk's key and head ([`OfficeStatementInput`]) |
//! | `chains/<device>.jsonl` | each kiosk's chain up to that head as a version 2 export: the pack's records in full, every other record hash-only ([`HeldChains`]) |
//! | `office-erasures/<device>-<seq>.txt`, `.sig` | the office's signed statement for each record of the pack erased at the office |
//! | `manifest.json` | school, filter, generated_at, `narrowed`, and every other file with its SHA-256 and size |
//!
//! `signbook verify-export PACK.zip` (and `recompute.py verify-export`) check
//! the whole pack from the file alone: `docs/record-format.md` section 12.
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

mod chains;
mod csv_file;
mod error;
mod layout;
mod pack;
mod pdf;
mod statement;
mod xlsx_file;

pub use chains::{HeldChain, HeldChains};
pub use csv_file::{agreement_titles, csv_headings, write_csv};
pub use error::EvidenceError;
pub use pack::{ManifestEntry, PackInput, PackSummary, write_pack};
pub use pdf::record_pdf;
pub use statement::{OfficeStatementInput, STATEMENT_FORMAT};
pub use xlsx_file::{Cell, MAX_SPREADSHEET_ROWS, RecordsSheet, Spreadsheet};

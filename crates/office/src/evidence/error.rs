//! What can go wrong while exporting evidence.

use signbook_core::Hash32;
use uuid::Uuid;

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
    /// A pack's records include a kiosk the office statement has no key for.
    #[error(
        "the office statement has no key for kiosk {0}, whose records are in the pack. This is a bug in the caller"
    )]
    MissingKey(Uuid),
    /// The office certificate's key could not sign the statement.
    #[error("{0}. Check the office's key.der is the one made with its cert.der, then try again")]
    Signing(String),
    /// A kiosk's chain file could not be written.
    #[error("could not write kiosk {device}'s chain file: {detail}. Run `signbook-office verify`, then try again")]
    ChainFile {
        /// The kiosk.
        device: Uuid,
        /// What failed.
        detail: String,
    },
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

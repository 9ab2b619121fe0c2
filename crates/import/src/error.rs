//! Why a file could not be imported: each error says what happened and
//! what to do, and has a stable code the kiosk translates.

use std::path::PathBuf;

/// Why a file could not be imported.
#[derive(Debug, thiserror::Error)]
#[cfg_attr(test, derive(strum::EnumDiscriminants), strum_discriminants(derive(strum::EnumIter)))]
#[non_exhaustive]
pub enum ImportError {
    /// Could not read the file.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Not UTF-8 text.
    #[error("{path} is not UTF-8 text; in Word use Save As > Plain Text (.txt) with Unicode (UTF-8) encoding")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// A `.docx` that cannot be read.
    #[error(
        "{path} is not a readable Word document: {problem}. Open it in Word and save it again as .docx, or as Plain Text (.txt)"
    )]
    Docx {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// An `.odt` that cannot be read.
    #[error(
        "{path} is not a readable OpenDocument text: {problem}. Open it in LibreOffice and save it again as .odt, or as Word (.docx)"
    )]
    Odt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A PDF that cannot be read.
    #[error(
        "{path} is not a readable PDF: {problem}. Export the agreement to PDF again from the original document, or import the original (.docx, .odt) or paste its text"
    )]
    Pdf {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A PDF whose pages are pictures: a scan, with no text to read.
    #[error(
        "{path} looks like a scan: its pages are pictures with no text in them, so there is nothing to import. Export the agreement to PDF from the original document (Word, LibreOffice, Google Docs), import the original (.docx, .odt), or paste its text"
    )]
    ScannedPdf {
        /// The file.
        path: PathBuf,
    },
    /// An extension we do not read.
    #[error(
        "{path}: cannot import this kind of file; use .pdf, .docx, .odt, .txt or .md (an old .doc: open it in Word and save as .docx)"
    )]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
    },
    /// Larger than an agreement could be.
    #[error("{path} is {bytes} bytes, more than an agreement could be; check you chose the right file")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
}

impl ImportError {
    /// Every code [`ImportError::code`] returns (kept complete by a test, so
    /// a new one cannot reach the kiosk without English and Welsh text).
    pub const CODES: &[&str] = &[
        "import_unreadable",
        "import_not_utf8",
        "import_bad_docx",
        "import_bad_odt",
        "import_bad_pdf",
        "import_scanned_pdf",
        "import_unsupported",
        "import_too_large",
    ];

    /// The file it is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            ImportError::Read { path, .. }
            | ImportError::NotUtf8 { path }
            | ImportError::Docx { path, .. }
            | ImportError::Odt { path, .. }
            | ImportError::Pdf { path, .. }
            | ImportError::ScannedPdf { path }
            | ImportError::UnsupportedFormat { path }
            | ImportError::TooLarge { path, .. } => path,
        }
    }

    /// Stable code for the kiosk UI.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Read { .. } => "import_unreadable",
            ImportError::NotUtf8 { .. } => "import_not_utf8",
            ImportError::Docx { .. } => "import_bad_docx",
            ImportError::Odt { .. } => "import_bad_odt",
            ImportError::Pdf { .. } => "import_bad_pdf",
            ImportError::ScannedPdf { .. } => "import_scanned_pdf",
            ImportError::UnsupportedFormat { .. } => "import_unsupported",
            ImportError::TooLarge { .. } => "import_too_large",
        }
    }
}

//! What the importer took out of the text, and the review metadata it set
//! aside: the report the admin preview and the CLI show, so staff can see
//! every change before they publish.

use std::fmt;

use super::Imported;

/// One piece of text the importer removed, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Removed {
    /// Why.
    pub reason: RemovedReason,
    /// Exactly what was removed.
    pub text: String,
}

/// Kinds of debris.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(strum::EnumIter))]
#[non_exhaustive]
pub enum RemovedReason {
    /// `[bookmark: _Toc…]` left by a Word export.
    WordBookmark,
    /// A line that is only a page number.
    PageNumber,
    /// A page number glued to the end of a sentence.
    GluedPageNumber,
    /// A line of the paper signature block.
    SignatureBlock,
    /// The title, repeated as a heading.
    RepeatedTitle,
    /// A page header or footer: a line with the page number in it, a line
    /// repeated at the top or bottom of every page, or a browser's print
    /// header (date, title) and footer (address).
    PageHeaderFooter,
    /// A table of contents (its entries point to pages the kiosk does not have).
    TableOfContents,
}

impl RemovedReason {
    /// Every reason as it serialises: what the kiosk UI translates (kept
    /// complete by a test).
    pub const CODES: &[&str] = &[
        "word_bookmark",
        "page_number",
        "glued_page_number",
        "signature_block",
        "repeated_title",
        "page_header_footer",
        "table_of_contents",
    ];
}

impl fmt::Display for Removed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.reason {
            RemovedReason::WordBookmark => "Word bookmark",
            RemovedReason::PageNumber => "page number",
            RemovedReason::GluedPageNumber => "page number at the end of a line",
            RemovedReason::SignatureBlock => "paper signature block (the kiosk captures these)",
            RemovedReason::RepeatedTitle => "repeated title",
            RemovedReason::PageHeaderFooter => "page header or footer",
            RemovedReason::TableOfContents => "table of contents",
        };
        write!(f, "{why}: {:?}", self.text)
    }
}

/// The report as lines of text: the title, each piece of metadata, each
/// removal, in that order (what `signbook agreement import` prints).
pub fn report_text(imported: &Imported) -> String {
    let mut out = String::new();
    if let Some(title) = &imported.title {
        out.push_str(&format!("Title: {title}\n"));
    }
    for (label, value) in &imported.metadata {
        match value.as_str() {
            "" => out.push_str(&format!("Kept out of the text: {label}\n")),
            value => out.push_str(&format!("Kept out of the text: {label}: {value}\n")),
        }
    }
    for removed in &imported.removed {
        out.push_str(&format!("Removed {removed}\n"));
    }
    out
}
